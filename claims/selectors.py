"""Reads that need more than a plain queryset.

Each list queryset here fetches exactly what its serializer renders, in a fixed
number of queries whatever the page size: related rows by join
(`select_related`) or one batch query per relation (`prefetch_related`), counts
by subquery annotation.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from claims.models import (
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    ClaimTopic,
    LinkRelation,
    Profile,
    Review,
    ReviewRating,
    Source,
    Topic,
)
from claims.replicas import read_connection

# Related sources rendered with their affiliation (see SourceBriefSerializer).
_CLAIM_JOINS = (
    "source__affiliation",
    "speaker__affiliation",
    "via__affiliation",
    "article__publisher",
)


def _count_of(queryset: QuerySet, outer_field: str) -> Coalesce:
    """Subquery counting `queryset` rows per outer row; a subquery, not a join, so
    counts of different relations do not multiply each other."""
    counted = queryset.order_by().values(outer_field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def display_name_by_id(model, user_field: str) -> RawSQL:
    """Annotation on `model`'s rows: the display name of the user whose id is in `user_field` (None without
    a profile).

    A subquery on the profile alone, not a join through the users table: the claims page query planned
    in 0.09 ms with it, against 0.21 ms for the two joins (docs/security.md, "People"). Written as SQL:
    the ORM's Subquery renamed the outer query's aliases on every request (`bump_prefix`), about 0.9 ms
    of a 15 ms page of 50 claims.
    """
    qn = connection.ops.quote_name
    column = model._meta.get_field(user_field.removesuffix("_id")).column
    return RawSQL(
        f"(SELECT {qn('display_name')} FROM {qn(Profile._meta.db_table)}"
        f" WHERE {qn('user_id')} = {qn(model._meta.db_table)}.{qn(column)})",
        [],
        output_field=CharField(),
    )


def denials_of(claim_ref) -> QuerySet:
    """Links by which other claims deny the claim `claim_ref` (a pk or OuterRef)."""
    return ClaimLink.objects.filter(to_claim=claim_ref, relation=LinkRelation.DENIES)


def denial_count() -> Coalesce:
    """Annotation: how many claims deny each claim."""
    return _count_of(denials_of(OuterRef("pk")), "to_claim")


def denial_count_sql() -> RawSQL:
    """`denial_count()` written as SQL, for a query on the claims table itself (not a subquery of another).

    The API's page query (claims.api.claim_rows) takes it: building and compiling the ORM's Subquery
    took 0.5 ms of each page's 1.0 ms of query building, as display_name_by_id says of its own.
    """
    qn = connection.ops.quote_name
    link = ClaimLink._meta
    return RawSQL(
        f"(SELECT count(*) FROM {qn(link.db_table)} WHERE {qn(link.get_field('to_claim').column)}"
        f" = {qn(Claim._meta.db_table)}.{qn(Claim._meta.pk.column)} AND {qn('relation')} = %s)",
        [LinkRelation.DENIES.value],
        output_field=IntegerField(),
    )


def claim_list() -> QuerySet:
    """Claims with everything ClaimSerializer renders: the queryset behind the API's answers to writes.

    The API's list and detail read through claims.api.claim_rows instead (plain rows, batch queries).
    """
    return (
        Claim.objects.select_related(*_CLAIM_JOINS, "created_by__profile")
        .prefetch_related(
            "topics",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer__profile")),
            Prefetch(
                "links_out",
                queryset=ClaimLink.objects.select_related("to_claim__source"),
            ),
            Prefetch(
                "links_in",
                queryset=ClaimLink.objects.select_related("from_claim__source"),
            ),
            Prefetch(
                "appearances", queryset=Appearance.objects.select_related("article__publisher").defer("article__body")
            ),
        )
        .defer("article__body")
        .annotate(denial_count=denial_count())
    )


def _exists(queryset: QuerySet, yes: bool) -> Q:
    return Q(Exists(queryset)) if yes else ~Q(Exists(queryset))


def claims_with_denial(has_denial: bool = True) -> Q:
    """Condition: the claim is (or is not) denied by some other claim."""
    return _exists(denials_of(OuterRef("pk")), has_denial)


def claims_with_review(has_review: bool = True) -> Q:
    """Condition: the claim has (or has not) been reviewed."""
    return _exists(Review.objects.filter(claim=OuterRef("pk")), has_review)


def claims_about(topic_slug: str) -> Q:
    """Condition: the claim has the topic `topic_slug`.

    On PostgreSQL through the claim's indexed `topic_ids` (migration 0006), which lets a topic
    combine with other conditions by bitmap instead of reading every claim of the topic.
    """
    topic = f"(SELECT id FROM {Topic._meta.db_table} WHERE slug = %s)"
    return _has_topic(topic, topic_slug, topic__slug=topic_slug)


def claims_about_wikidata(item_id: str) -> Q:
    """Condition: the claim has the topic whose Wikidata id is `item_id`; as `claims_about`, by that id."""
    topic = f"(SELECT id FROM {Topic._meta.db_table} WHERE wikidata = %s)"
    return _has_topic(topic, item_id, topic__wikidata=item_id)


def claims_about_topic_id(topic_id: int) -> Q:
    """Condition: the claim has the topic `topic_id`; as `claims_about`, with the id given.

    Named, not looked up in the query, the id lets PostgreSQL's statistics on `topic_ids` tell a
    rare topic from a common one: for a rare topic it reads the topic's claims and sorts them,
    instead of walking every claim in date order (200 ms at a million claims).
    """
    return _has_topic("%s", topic_id, topic_id=topic_id)


def _has_topic(topic_sql: str, value, **lookup) -> Q:
    """Condition: the claim's `topic_ids` hold the topic `topic_sql` names (PostgreSQL, `value` its parameter);
    elsewhere, a claim topic of the claim matches `lookup`."""
    if connection.vendor != "postgresql":
        return Q(Exists(ClaimTopic.objects.filter(claim=OuterRef("pk"), **lookup)))
    table = Claim._meta.db_table
    return Q(RawSQL(f"{table}.topic_ids @> ARRAY[{topic_sql}]::bigint[]", [value], output_field=BooleanField()))


def claims_translated(translated: bool = True) -> Q:
    """Condition: the claim has (or has not) at least one translation."""
    return ~Q(translations=[]) if translated else Q(translations=[])


def claims_translated_into(language: str) -> Q:
    """Condition: one of the claim's translations is into `language` (its BCP 47 tag, exactly)."""
    if connection.vendor == "postgresql":
        return Q(translations__contains=[{"language": language}])
    # SQLite has no JSON containment: the list's items, one by one.
    table = Claim._meta.db_table
    sql = f"EXISTS (SELECT 1 FROM json_each({table}.translations) WHERE json_extract(value, '$.language') = %s)"
    return Q(RawSQL(sql, [language], output_field=BooleanField()))


def claims_denied_by(source_slug: str) -> Q:
    """Condition: a claim whose source or speaker is `source_slug` denies the claim."""
    by_source = Q(from_claim__source__slug=source_slug) | Q(from_claim__speaker__slug=source_slug)
    return Q(Exists(denials_of(OuterRef("pk")).filter(by_source)))


def source_list() -> QuerySet:
    return Source.objects.select_related("affiliation").annotate(
        claim_count=_count_of(Claim.objects.filter(source=OuterRef("pk")), "source")
    )


def article_list() -> QuerySet:
    return Article.objects.select_related("publisher")


def article_summaries() -> QuerySet:
    """Articles as a list shows them: without their text, which can be 100,000 characters each."""
    return article_list().defer("body").annotate(has_body=~Q(body=""))


def appearance_list() -> QuerySet:
    return Appearance.objects.select_related("claim__source", "article__publisher")


def article_annotations(article: Article) -> QuerySet:
    """The article's anchored (not orphaned) appearances, in the order of the text, with their claims' sources."""
    return (
        Appearance.objects.filter(article=article, start__isnull=False)
        .select_related("claim__source", "article")
        .defer("article__body")
        .order_by("start", "id")
    )


def topic_list() -> QuerySet:
    return Topic.objects.annotate(claim_count=_count_of(ClaimTopic.objects.filter(topic=OuterRef("pk")), "topic"))


def link_list() -> QuerySet:
    return ClaimLink.objects.select_related("from_claim__source", "to_claim__source")


def review_list() -> QuerySet:
    return Review.objects.select_related("claim__source", "reviewer__profile")


def review_markup_list() -> QuerySet:
    """Reviews with everything their ClaimReview markup names, newest first (Review's ordering)."""
    return (
        Review.objects.select_related("claim__source", "claim__article__publisher")
        .defer("claim__article__body")
        .prefetch_related(
            Prefetch(
                "claim__appearances",
                queryset=Appearance.objects.select_related("article__publisher").defer("article__body"),
            ),
            "claim__topics",  # ClaimReview's `about`, with their Wikidata ids
        )
    )


def claim_detail() -> QuerySet:
    """A claim with its attribution, as one page shows it (its article's text is not read)."""
    return Claim.objects.select_related(*_CLAIM_JOINS).defer("article__body")


def source_record(source: Source) -> dict:
    """A source's track record (see SourceRecordSerializer), in four queries.

    A claim counts as denied only when the denial comes from another source: a
    source contradicting itself is a retraction or a correction, not a dispute.
    """
    claims = Claim.objects.filter(source=source)
    by_status = dict(claims.order_by().values_list("status").annotate(n=Count("*")))
    latest = Review.objects.filter(claim=OuterRef("claim")).order_by("-reviewed_on", "-id").values("pk")[:1]
    by_rating = dict(
        Review.objects.filter(claim__source=source, pk=Subquery(latest))
        .order_by()
        .values_list("rating")
        .annotate(n=Count("*"))
    )
    denied_by_others = denials_of(OuterRef("pk")).exclude(from_claim__source=source)
    totals = claims.aggregate(
        made=Count("pk"),
        denied=Count("pk", filter=Q(Exists(denied_by_others))),
    )
    denied_by_it = (
        ClaimLink.objects.filter(relation=LinkRelation.DENIES, from_claim__source=source)
        .exclude(to_claim__source=source)
        .values("to_claim")
        .distinct()
        .count()
    )
    return {
        "source": source,
        "claims_made": totals["made"],
        "claims_by_status": {status: by_status.get(status, 0) for status in ClaimStatus.values},
        "claims_reviewed": sum(by_rating.values()),
        "claims_by_rating": {rating: by_rating.get(rating, 0) for rating in ReviewRating.values},
        "claims_denied_by_others": totals["denied"],
        "claims_it_denied": denied_by_it,
    }


@dataclass
class Thread:
    claim: int
    claims: list[Claim]
    links: list[ClaimLink]
    truncated: bool


def claim_thread(claim: Claim, *, max_claims: int = 500) -> Thread:
    """Every claim connected to `claim` through links in either direction, transitively.

    One recursive query walks the graph in the database (UNION, not UNION ALL, so
    cycles end), then two fetch the claims and the links among them: a fixed number
    of queries whatever the thread's depth. At most `max_claims` claims are
    returned; `truncated` says when there were more.
    """
    link_table = ClaimLink._meta.db_table
    with read_connection(ClaimLink).cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE connected(id) AS (
                SELECT CAST(%s AS BIGINT)
                UNION
                SELECT CASE WHEN l.from_claim_id = c.id THEN l.to_claim_id ELSE l.from_claim_id END
                FROM {link_table} l JOIN connected c ON l.from_claim_id = c.id OR l.to_claim_id = c.id
            )
            SELECT id FROM connected LIMIT %s
            """,
            [claim.pk, max_claims + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    truncated = len(ids) > max_claims
    ids = ids[:max_claims]
    claims = list(Claim.objects.filter(pk__in=ids).select_related(*_CLAIM_JOINS).order_by("claimed_on", "id"))
    links = list(ClaimLink.objects.filter(from_claim__in=ids, to_claim__in=ids).order_by("id"))
    return Thread(claim=claim.pk, claims=claims, links=links, truncated=truncated)


def claim_export_list() -> QuerySet:
    """Claims with what an export row holds (`claims.interchange.claim_to_row`): source, speaker, via
    and article with its publisher joined; topics and outgoing links one batch each (per chunk when
    iterated with a chunk size). Leaner than `claim_list`: no reviews, incoming links or counts."""
    return Claim.objects.select_related("source", "speaker", "via", "article__publisher").prefetch_related(
        "topics",
        Prefetch("links_out", queryset=ClaimLink.objects.order_by("id")),
    )
