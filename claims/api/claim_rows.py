"""Claims as the API shows them, built from plain rows: the read path of the claims list and detail.

`ClaimSerializer` defines the representation (and validates writes); building the same
dictionaries through it costs about ten times more than the queries behind them, for
each of the hundreds of nested objects on a page (docs/performance.md). Here each page
takes eight queries, read as tuples and dictionaries with no model instances, and the
dictionaries are assembled directly. tests/test_claim_rows.py holds the two to the same
output, field for field, over the demo data and a generated record.
"""

import datetime
from collections import defaultdict

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from claims import anchoring, selectors
from claims.models import (
    TRANSLATION_KEYS,
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimTopic,
    Review,
    Source,
    editor_name,
)
from claims.replicas import read_connection


def _datetime(value: datetime.datetime, zone: datetime.tzinfo) -> str:
    """A time as DRF's DateTimeField writes it (in `zone`, the current time zone; UTC as Z), at a tenth of its cost.

    The zone is looked up once a page: timezone.localtime looks it up in a context-local for every value.
    """
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_SOURCE = ("id", "slug", "name", "kind", "role", "wikidata")
_REF = ("id", "slug", "name", "kind")
_TOPIC = (*_REF, "wikidata")
_ROLES = ("source", "speaker", "via")
_ARTICLE = ("id", "title", "url", "published_on")
_ANCHOR = anchoring.FIELDS

# The page query reads the claims table alone (the creator's display name by a subquery, never the login name): a
# join per related source and article, ten tables in all, took PostgreSQL longer to plan (3-7 ms) than to run (under
# 1 ms). The sources and articles of a page come in one batch query each instead.
FIELDS = (
    "id",
    "text",
    "quote",
    "language",
    "translations",
    "claimed_on",
    "claimed_on_precision",
    "status",
    "created_at",
    "updated_at",
    "version",
    "denial_count",
    "source_id",
    "speaker_id",
    "via_id",
    "article_id",
    "created_by_id",
    "created_by_name",
)


def claim_rows(queryset: QuerySet) -> QuerySet:
    """`queryset` (filtered, ordered claims) as one row a claim, with every column a claim's page shows.

    Annotations the ordering uses (a search's rank) come along, for the keyset pagination.
    """
    ordering_annotations = [
        term.lstrip("-") for term in queryset.query.order_by if term.lstrip("-") in queryset.query.annotations
    ]
    return queryset.annotate(
        denial_count=selectors.denial_count_sql(), created_by_name=selectors.display_name_by_id(Claim, "created_by_id")
    ).values(*FIELDS, *ordering_annotations)


def _links(here: str, there: str):
    """The batch query of the links from (`here` = from_claim) or to (`here` = to_claim) some claims."""
    return lambda ids: (
        ClaimLink.objects.filter(**{f"{here}_id__in": ids})
        .order_by("id")
        .values_list(
            f"{here}_id",
            "id",
            "relation",
            "note",
            *(f"{there}__{name}" for name in ("id", "text", "claimed_on", "status")),
            *(f"{there}__source__{name}" for name in _REF),
        )
    )


def _source_by_key(queryset: QuerySet, column: str) -> QuerySet:
    """`queryset` as rows, each ending with _REF's columns of the source its `column` names (or Nones).

    Read by key, one subquery a column, not by a join: PostgreSQL planned the join of a page's few
    dozen rows as a hash of the whole sources table, whatever the index (2.9 ms a page at 5,000
    sources, against 0.9 ms for these subqueries; bench/README.md, "Issue 17").
    """
    by_key = Source.objects.filter(pk=OuterRef(column)).order_by()
    return queryset.annotate(
        **{f"_{column}_{name}": Subquery(by_key.values(name)[:1]) for name in _REF[1:]}
    ).values_list(*queryset.query.values_select, column, *(f"_{column}_{name}" for name in _REF[1:]))


# The batch queries of a page, by the ids they look up (see _batch).
_BATCHES = {
    "sources": lambda ids: _source_by_key(
        Source.objects.filter(pk__in=ids).order_by().values_list(*_SOURCE), "affiliation_id"
    ),
    "articles": lambda ids: _source_by_key(
        Article.objects.filter(pk__in=ids).order_by().values_list(*_ARTICLE), "publisher_id"
    ),
    "topics": lambda ids: (
        ClaimTopic.objects.filter(claim_id__in=ids)
        .order_by("topic__name", "topic_id")
        .values_list("claim_id", *(f"topic__{name}" for name in _TOPIC))
    ),
    "reviews": lambda ids: (
        Review.objects.filter(claim_id__in=ids)
        .annotate(reviewer_name=selectors.display_name_by_id(Review, "reviewer_id"))
        .order_by("-reviewed_on", "-id")
        .values_list("claim_id", "id", "rating", "summary", "url", "reviewer_id", "reviewer_name", "reviewed_on")
    ),
    "appearances": lambda ids: (
        Appearance.objects.filter(claim_id__in=ids)
        .order_by("id")
        .values_list(
            "claim_id",
            "id",
            "article_id",
            *_ANCHOR,
            *(f"article__{name}" for name in _ARTICLE),
            *(f"article__publisher__{name}" for name in _REF),
        )
    ),
    "links_out": _links("from_claim", "to_claim"),
    "links_in": _links("to_claim", "from_claim"),
}


def _batch(name: str, ids) -> list:
    """The rows of the batch query `name` for `ids`.

    The ORM took longer to build each of these queries than PostgreSQL took to run it (0.5 ms
    of Python against 0.35 ms for the whole round trip, at 1,000,000 claims). Each is compiled
    by the ORM once per number of ids and per connection, then run with the ids as its
    parameters, its values converted as the ORM converts them.
    """
    ids = list(ids)
    if not ids:
        return []
    connection = read_connection(Claim)
    compiled = connection.__dict__.setdefault("_claim_rows_batches", {})
    key = (name, len(ids))
    if key not in compiled:
        placeholders = list(range(1, len(ids) + 1))
        compiler = _BATCHES[name](placeholders).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != placeholders:
            raise AssertionError(f"The batch query {name!r} takes other parameters than the ids: {params!r}.")
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        compiled[key] = (sql, compiler, converters)
    sql, compiler, converters = compiled[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def claims_from_rows(rows: list[dict]) -> list[dict]:
    """The claims of `rows` (from claim_rows), as ClaimSerializer shows them: seven more queries in all."""
    ids = [row["id"] for row in rows]
    sources = {
        source[0]: {**dict(zip(_SOURCE, source, strict=False)), "affiliation": _ref(source[len(_SOURCE) :])}
        for source in _batch("sources", {row[f"{role}_id"] for row in rows for role in _ROLES} - {None})
    }
    articles = {
        article[0]: _article(article) for article in _batch("articles", {row["article_id"] for row in rows} - {None})
    }
    appearances, anchors = defaultdict(list), {}
    for claim_id, pk, article_id, *rest in _batch("appearances", ids):
        anchor = dict(zip(_ANCHOR, rest[: len(_ANCHOR)], strict=True))
        anchor = anchor if anchor["status"] else None  # an appearance without an anchor
        appearances[claim_id].append({"id": pk, "article": _article(rest[len(_ANCHOR) :]), "anchor": anchor})
        anchors[(claim_id, article_id)] = anchor
    topics, reviews, links_out, links_in = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for claim_id, *topic in _batch("topics", ids):
        topics[claim_id].append(dict(zip(_TOPIC, topic, strict=True)))
    for claim_id, pk, rating, summary, url, reviewer_id, reviewer, reviewed_on in _batch("reviews", ids):
        reviews[claim_id].append(
            {
                "id": pk,
                "rating": rating,
                "summary": summary,
                "url": url,
                "reviewer": _user(reviewer_id, reviewer),
                "reviewed_on": reviewed_on.isoformat(),
            }
        )
    for links, name in ((links_out, "links_out"), (links_in, "links_in")):
        for claim_id, pk, relation, note, other, text, claimed_on, status, *source in _batch(name, ids):
            links[claim_id].append(
                {
                    "id": pk,
                    "relation": relation,
                    "note": note,
                    "claim": {
                        "id": other,
                        "text": text,
                        "source": dict(zip(_REF, source, strict=True)),
                        "claimed_on": claimed_on.isoformat(),
                        "status": status,
                    },
                }
            )
    zone = timezone.get_current_timezone()
    return [
        {
            "id": row["id"],
            "text": row["text"],
            "quote": row["quote"],
            "language": row["language"],
            "translations": [{key: item[key] for key in TRANSLATION_KEYS} for item in row["translations"]],
            "source": sources[row["source_id"]],
            "speaker": sources.get(row["speaker_id"]),
            "via": sources.get(row["via_id"]),
            "article": articles.get(row["article_id"]),
            "claimed_on": row["claimed_on"].isoformat(),
            "claimed_on_precision": row["claimed_on_precision"],
            "status": row["status"],
            "topics": topics[row["id"]],
            "reviews": reviews[row["id"]],
            "links_out": links_out[row["id"]],
            "links_in": links_in[row["id"]],
            "denial_count": row["denial_count"],
            "anchor": anchors.get((row["id"], row["article_id"])),
            "appearances": appearances[row["id"]],
            "created_at": _datetime(row["created_at"], zone),
            "updated_at": _datetime(row["updated_at"], zone),
            "created_by": _user(row["created_by_id"], row["created_by_name"]),
            "version": row["version"],
        }
        for row in rows
    ]


def claim_detail(pk: int) -> dict | None:
    """One claim as ClaimSerializer shows it, or None if there is none with this id: eight queries."""
    rows = list(claim_rows(Claim.objects.filter(pk=pk)))
    return claims_from_rows(rows)[0] if rows else None


def _article(values: tuple) -> dict:
    """An article as ArticleBriefSerializer shows it, from its _ARTICLE columns and its publisher's _REF."""
    return {
        "id": values[0],
        "title": values[1],
        "url": values[2],
        "publisher": _ref(values[4:]),
        "published_on": None if values[3] is None else values[3].isoformat(),
    }


def _ref(values: tuple) -> dict | None:
    return None if values[0] is None else dict(zip(_REF, values, strict=True))


def _user(pk: int | None, display_name: str | None) -> dict | None:
    return None if pk is None else {"id": pk, "display_name": editor_name(pk, display_name)}
