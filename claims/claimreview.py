"""Reviews as schema.org ClaimReview (JSON-LD), the markup fact-check consumers read.

It follows Google's fact-check markup requirements: `claimReviewed`, a
`reviewRating` with its `alternateName`, the `url` of the page showing the
review, an `author`, and an `itemReviewed` Claim with its author, date,
`firstAppearance` (the article first reporting it) and every `appearance`.
See docs/claimreview.md for the mapping and its reasons.
"""

from django.conf import settings
from django.urls import reverse

from claims import wikidata
from claims.models import (
    Article,
    Claim,
    DatePrecision,
    Review,
    ReviewRating,
    Source,
    SourceKind,
    Topic,
    TopicKind,
    TranslationKind,
)

CONTEXT = "https://schema.org"

# Our verdicts on a 1 (false) to 5 (true) scale. `unproven` is not a point on that scale, so it
# is published with its name only (alternateName), which is all Google requires of a rating.
RATING_SCALE = {
    ReviewRating.FALSE: 1,
    ReviewRating.MOSTLY_FALSE: 2,
    ReviewRating.MIXED: 3,
    ReviewRating.MOSTLY_TRUE: 4,
    ReviewRating.TRUE: 5,
}
WORST_RATING, BEST_RATING = 1, 5

# Sources that are one person are schema.org Persons; every other kind speaks as an organisation.
_PERSON_KINDS = {SourceKind.PERSON}

# A topic as the schema.org type it is; a theme is no narrower than a Thing.
_TOPIC_TYPES = {
    TopicKind.PLACE: "Place",
    TopicKind.ORGANIZATION: "Organization",
    TopicKind.PERSON: "Person",
    TopicKind.EVENT: "Event",
}


def claim_date(claim: Claim) -> str:
    """The claim's date in ISO 8601 at its recorded precision: '2017-11-08', '2017-11' or '2017'."""
    day = claim.claimed_on
    if claim.claimed_on_precision == DatePrecision.YEAR:
        return f"{day.year:04d}"
    if claim.claimed_on_precision == DatePrecision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _agent(source: Source) -> dict:
    node = {"@type": "Person" if source.kind in _PERSON_KINDS else "Organization", "name": source.name}
    if source.url:
        node["url"] = source.url
    if source.wikidata:
        # The shared key: consumers join our sources with Wikidata, ClaimsKG and their own data on it.
        node["sameAs"] = wikidata.page_url(source.wikidata)
    return node


def _topic(topic: Topic) -> dict:
    node = {"@type": _TOPIC_TYPES.get(topic.kind, "Thing"), "name": topic.name}
    if topic.wikidata:
        node["sameAs"] = wikidata.page_url(topic.wikidata)
    return node


def _appearance(article: Article) -> dict:
    node = {"@type": "NewsArticle", "headline": article.title}
    if article.url:
        node["url"] = article.url
    if article.published_on:
        node["datePublished"] = article.published_on.isoformat()
    if article.publisher_id:
        node["publisher"] = _agent(article.publisher)
    if article.language:
        node["inLanguage"] = article.language
    return node


def _translation(translation: dict) -> dict:
    """A translation of the claim: a Claim of its own, in its language, with its translator.

    `claimReviewed` is one text (Google reads it as such), so the translated statements go on the
    reviewed Claim as schema.org's `workTranslation`, each with its `inLanguage` (docs/translations.md).
    """
    node = {"@type": "Claim", "inLanguage": translation["language"], "text": translation["text"]}
    if translation["by"]:
        # schema.org's translator is a person or an organisation; a machine translation names its maker
        # (the tool, or who ran it) in the description instead.
        if translation["kind"] == TranslationKind.HUMAN:
            node["translator"] = {"@type": "Organization", "name": translation["by"]}
        else:
            node["description"] = f"Machine translation by {translation['by']}."
    elif translation["kind"] == TranslationKind.MACHINE:
        node["description"] = "Machine translation."
    return node


def _rating(review: Review) -> dict:
    node = {"@type": "Rating", "alternateName": review.get_rating_display()}
    value = RATING_SCALE.get(review.rating)
    if value is not None:
        node.update(ratingValue=value, bestRating=BEST_RATING, worstRating=WORST_RATING)
    if review.summary:
        node["ratingExplanation"] = review.summary
    return node


def publisher() -> dict:
    """The organisation publishing the reviews (settings FACTCHECK_PUBLISHER_NAME / _URL)."""
    node = {"@type": "Organization", "name": settings.FACTCHECK_PUBLISHER_NAME}
    if settings.FACTCHECK_PUBLISHER_URL:
        node["url"] = settings.FACTCHECK_PUBLISHER_URL
    return node


def claim_page_path(claim_id: int) -> str:
    return reverse("claim-page", args=[claim_id])


def claim_review(review: Review, *, build_absolute_uri, context: bool = True) -> dict:
    """One review as a ClaimReview node; `build_absolute_uri` is the request's."""
    claim = review.claim
    item = {
        "@type": "Claim",
        "author": _agent(claim.source),
        "datePublished": claim_date(claim),
        "inLanguage": claim.language,
    }
    topics = list(claim.topics.all())  # prefetched, as the appearances (selectors.review_markup_list)
    if topics:
        item["about"] = [_topic(topic) for topic in topics]
    # The first report (the claim's article), then every other article it was seen in, oldest first.
    articles = [claim.article] if claim.article_id else []
    others = [a.article for a in claim.appearances.all() if a.article_id != claim.article_id]
    articles += sorted(others, key=lambda article: (article.published_on is None, article.published_on, article.pk))
    if articles:
        item["firstAppearance"] = _appearance(articles[0])
        item["appearance"] = [_appearance(article) for article in articles]
    if claim.translations:
        item["workTranslation"] = [_translation(translation) for translation in claim.translations]
    node = {
        "@type": "ClaimReview",
        "url": build_absolute_uri(claim_page_path(claim.pk)),
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": _rating(review),
        "author": publisher(),
        "datePublished": review.reviewed_on.isoformat(),
    }
    return {"@context": CONTEXT, **node} if context else node


def claim_review_feed(reviews, *, build_absolute_uri, modified=None) -> dict:
    """A schema.org DataFeed of ClaimReviews, for crawlers."""
    feed = {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_PUBLISHER_NAME}: claim reviews",
        "dataFeedElement": [
            claim_review(review, build_absolute_uri=build_absolute_uri, context=False) for review in reviews
        ],
    }
    if modified is not None:
        feed["dateModified"] = modified.isoformat()
    return feed
