"""Claims as the API shows them, built from plain rows: the read path of the claims list and detail.

`ClaimSerializer` defines the representation (and validates writes); building the same
dictionaries through it costs about ten times more than the queries behind them, for
each of the hundreds of nested objects on a page (docs/performance.md). Here each page
takes five queries, read as tuples and dictionaries with no model instances, and the
dictionaries are assembled directly. tests/test_claim_rows.py holds the two to the same
output, field for field, over the demo data and a generated record.
"""

from collections import defaultdict

from django.db.models import QuerySet
from rest_framework.fields import DateTimeField

from claims import selectors
from claims.models import Claim, ClaimLink, ClaimTopic, Review

# DRF's own conversion, so that times read exactly as the serializers write them.
_datetime = DateTimeField().to_representation

_SOURCE = ("id", "slug", "name", "kind", "role")
_REF = ("id", "slug", "name", "kind")
_ROLES = ("source", "speaker", "via")
_ARTICLE = ("id", "title", "url", "published_on")

FIELDS = (
    "id",
    "text",
    "quote",
    "language",
    "claimed_on",
    "claimed_on_precision",
    "status",
    "created_at",
    "updated_at",
    "version",
    "denial_count",
    "created_by_id",
    "created_by__username",
    *(f"{role}__{name}" for role in _ROLES for name in _SOURCE),
    *(f"{role}__affiliation__{name}" for role in _ROLES for name in _REF),
    *(f"article__{name}" for name in _ARTICLE),
    *(f"article__publisher__{name}" for name in _REF),
)


def claim_rows(queryset: QuerySet) -> QuerySet:
    """`queryset` (filtered, ordered claims) as one row a claim, with every column a claim's page shows.

    Annotations the ordering uses (a search's rank) come along, for the keyset pagination.
    """
    ordering_annotations = [
        term.lstrip("-") for term in queryset.query.order_by if term.lstrip("-") in queryset.query.annotations
    ]
    return queryset.annotate(denial_count=selectors.denial_count()).values(*FIELDS, *ordering_annotations)


def claims_from_rows(rows: list[dict]) -> list[dict]:
    """The claims of `rows` (from claim_rows), as ClaimSerializer shows them: four more queries in all."""
    ids = [row["id"] for row in rows]
    topics, reviews, links_out, links_in = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    if ids:
        for claim_id, *topic in (
            ClaimTopic.objects.filter(claim_id__in=ids)
            .order_by("topic__name", "topic_id")
            .values_list("claim_id", *(f"topic__{name}" for name in _REF))
        ):
            topics[claim_id].append(dict(zip(_REF, topic, strict=True)))
        for review in (
            Review.objects.filter(claim_id__in=ids)
            .order_by("-reviewed_on", "-id")
            .values("id", "claim_id", "rating", "summary", "url", "reviewer_id", "reviewer__username", "reviewed_on")
        ):
            reviews[review["claim_id"]].append(
                {
                    "id": review["id"],
                    "rating": review["rating"],
                    "summary": review["summary"],
                    "url": review["url"],
                    "reviewer": _user(review["reviewer_id"], review["reviewer__username"]),
                    "reviewed_on": review["reviewed_on"].isoformat(),
                }
            )
        for links, here, there in ((links_out, "from_claim", "to_claim"), (links_in, "to_claim", "from_claim")):
            for link in (
                ClaimLink.objects.filter(**{f"{here}_id__in": ids})
                .order_by("id")
                .values(
                    "id",
                    f"{here}_id",
                    "relation",
                    "note",
                    *(f"{there}__{name}" for name in ("id", "text", "claimed_on", "status")),
                    *(f"{there}__source__{name}" for name in _REF),
                )
            ):
                links[link[f"{here}_id"]].append(
                    {
                        "id": link["id"],
                        "relation": link["relation"],
                        "note": link["note"],
                        "claim": {
                            "id": link[f"{there}__id"],
                            "text": link[f"{there}__text"],
                            "source": {name: link[f"{there}__source__{name}"] for name in _REF},
                            "claimed_on": link[f"{there}__claimed_on"].isoformat(),
                            "status": link[f"{there}__status"],
                        },
                    }
                )
    return [
        {
            "id": row["id"],
            "text": row["text"],
            "quote": row["quote"],
            "language": row["language"],
            "source": _source(row, "source"),
            "speaker": _source(row, "speaker"),
            "via": _source(row, "via"),
            "article": _article(row),
            "claimed_on": row["claimed_on"].isoformat(),
            "claimed_on_precision": row["claimed_on_precision"],
            "status": row["status"],
            "topics": topics[row["id"]],
            "reviews": reviews[row["id"]],
            "links_out": links_out[row["id"]],
            "links_in": links_in[row["id"]],
            "denial_count": row["denial_count"],
            "created_at": _datetime(row["created_at"]),
            "updated_at": _datetime(row["updated_at"]),
            "created_by": _user(row["created_by_id"], row["created_by__username"]),
            "version": row["version"],
        }
        for row in rows
    ]


def claim_detail(pk: int) -> dict | None:
    """One claim as ClaimSerializer shows it, or None if there is none with this id: five queries."""
    rows = list(claim_rows(Claim.objects.filter(pk=pk)))
    return claims_from_rows(rows)[0] if rows else None


def _source(row: dict, role: str) -> dict | None:
    if row[f"{role}__id"] is None:
        return None
    source = {name: row[f"{role}__{name}"] for name in _SOURCE}
    affiliation = f"{role}__affiliation__"
    source["affiliation"] = (
        None if row[f"{affiliation}id"] is None else {name: row[f"{affiliation}{name}"] for name in _REF}
    )
    return source


def _article(row: dict) -> dict | None:
    if row["article__id"] is None:
        return None
    published_on = row["article__published_on"]
    return {
        "id": row["article__id"],
        "title": row["article__title"],
        "url": row["article__url"],
        "publisher": None
        if row["article__publisher__id"] is None
        else {name: row[f"article__publisher__{name}"] for name in _REF},
        "published_on": None if published_on is None else published_on.isoformat(),
    }


def _user(pk: int | None, username: str | None) -> dict | None:
    return None if pk is None else {"id": pk, "username": username}
