"""The `data` of a delivered event: the record as its detail endpoint shows it, read when it is sent."""

from claims import selectors
from claims.api import serializers
from claims.api.claim_rows import claim_detail

# Each kind of change (claims.events.models.ChangeKind) → its detail endpoint's queryset and serializer.
DETAIL = {
    "source": (selectors.source_list, serializers.SourceSerializer),
    "article": (selectors.article_list, serializers.ArticleSerializer),
    "topic": (selectors.topic_list, serializers.TopicSerializer),
    "link": (selectors.link_list, serializers.ClaimLinkSerializer),
    "review": (selectors.review_list, serializers.ReviewSerializer),
    "appearance": (selectors.appearance_list, serializers.AppearanceSerializer),
}


def record_data(event_type: str, subject: str) -> dict | None:
    """The changed record as GET /api/<kind>/{id}/ shows it now, or None once it is deleted."""
    kind = event_type.split(".", 1)[0]
    if kind == "claim":
        return claim_detail(int(subject))
    queryset, serializer = DETAIL[kind]
    record = queryset().filter(pk=int(subject)).first()
    return None if record is None else serializer(record).data
