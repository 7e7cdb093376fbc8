"""GET /api/changes/: the change feed, every create, update and delete, in the order they became visible.

Each entry is a CloudEvents 1.0 event (structured JSON: specversion, id, source, type, time, subject,
datacontenttype, data) with three extension attributes of ours: `recordversion`, `authorid` and
`authorname`. `data` is the record as its detail endpoint shows it *now*, read with the page, or null
when the record no longer exists; an older entry of a record therefore shows its latest state, and the
later entries follow. docs/changes-and-webhooks.md says why.
"""

import datetime

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from claims.api import views
from claims.api.base import ParametersMixin
from claims.api.claim_rows import claim_rows, claims_from_rows
from claims.api.conditional import ConditionalReadMixin
from claims.api.pagination import CursorNotFound, pack_cursor, page_size_asked, unpack_cursor
from claims.api.schema import ErrorSerializer
from claims.events import feed, recording
from claims.events.models import ChangeAction, ChangeKind
from claims.models import MAX_ID, Claim, display_name_of
from claims.tokens.auth import TokenScopePermission

# Each kind's detail endpoint: its queryset and serializer render `data`, its list URL is the `source`.
VIEWSETS = {
    ChangeKind.CLAIM: views.ClaimViewSet,
    ChangeKind.LINK: views.ClaimLinkViewSet,
    ChangeKind.SOURCE: views.SourceViewSet,
    ChangeKind.TOPIC: views.TopicViewSet,
    ChangeKind.ARTICLE: views.ArticleViewSet,
    ChangeKind.APPEARANCE: views.AppearanceViewSet,
    ChangeKind.REVIEW: views.ReviewViewSet,
}
# Each kind's route name: the router names a viewset's routes after its model, as the change record does.
ROUTES = {kind: model_name for model_name, kind in recording.KINDS.items()}
TYPES = [f"{kind}.{action}" for kind in ChangeKind.values for action in ChangeAction.values]

AFTER = "after"
_NOT_OURS = "Not a cursor this feed gave: take `after` from the `next` link of the page before."
# `types` as a pattern, so that the schema calls valid exactly what the feed takes.
_TYPE = rf"({'|'.join(ChangeKind.values)})(\.(\*|{'|'.join(ChangeAction.values)}))?"
TYPES_PATTERN = rf"^{_TYPE}(,{_TYPE})*$"


class RestoredOutOfOrder(APIException):
    """The record holds changes from another cluster's transactions (a restored dump): the feed waits for the
    operator, since serving it so would skip changes (claims.events.feed.restored_ahead)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "restored_out_of_order"
    default_detail = (
        "The change feed was restored from another database server and is not in order yet: an operator "
        "must run `python manage.py rebase_changes` (docs/changes-and-webhooks.md, 'Moving the database'). "
        "Nothing is lost; try again later."
    )


class CursorExpired(APIException):
    """The change a cursor names was pruned, and changes after it may have been: the client must re-sync."""

    status_code = status.HTTP_410_GONE
    default_code = "cursor_expired"


def encode_cursor(position: feed.Position) -> str:
    """The opaque `after` of a position: base64url JSON [txid, id] (txid null on SQLite)."""
    return pack_cursor([position.txid, position.id])


def decode_cursor(raw: str, *, with_txid: bool) -> feed.Position:
    """The position an `after` names; a 404 naming `after` for anything this feed did not give."""
    try:
        txid, pk = unpack_cursor(raw)
    except (ValueError, TypeError):
        raise CursorNotFound(_NOT_OURS, parameter=AFTER) from None
    ints = [value for value in (txid, pk) if isinstance(value, int) and not isinstance(value, bool)]
    if (txid is None) == with_txid or not ints or not all(0 < value <= MAX_ID for value in ints):
        raise CursorNotFound(_NOT_OURS, parameter=AFTER)
    if len(ints) != (2 if with_txid else 1):
        raise CursorNotFound(_NOT_OURS, parameter=AFTER)
    return feed.Position(txid, pk)


def parse_types(raw: str | None) -> tuple[set[str], set[tuple[str, str]]]:
    """`?types=claim,link.deleted`: whole kinds (`claim`, or `claim.*` as webhook subscriptions write them),
    and single (kind, action) types; a 400 naming `types`."""
    kinds, pairs = set(), set()
    if raw is None:
        return kinds, pairs
    for item in raw.split(","):
        if item in ChangeKind.values or item.removesuffix(".*") in ChangeKind.values:
            kinds.add(item.removesuffix(".*"))
        elif item in TYPES:
            kind, _, action = item.partition(".")
            pairs.add((kind, action))
        else:
            raise ValidationError(
                {
                    "types": [
                        f"{item[:40]!r} is no type of change. Give kinds ({', '.join(ChangeKind.values)}; or claim.*, "
                        "...) or types (claim.created, claim.updated, claim.deleted, ...), separated by commas."
                    ]
                }
            )
    return kinds, pairs


def _time(value: datetime.datetime) -> str:
    """RFC 3339, in UTC, as CloudEvents writes times."""
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def cloud_event(*, change_id: int, source: str, event_type: str, time, subject, data, version, user) -> dict:
    """A change as a CloudEvents 1.0 event in its structured JSON form: a feed entry, and a webhook's body."""
    return {
        "specversion": "1.0",
        "id": str(change_id),
        "source": source,
        "type": event_type,
        "time": _time(time),
        "subject": str(subject),
        "datacontenttype": "application/json",
        "data": data,
        "recordversion": version,
        "authorid": None if user is None else user.pk,
        "authorname": None if user is None else display_name_of(user),
    }


def render_records(kind: str, ids: set[int], request) -> dict[int, dict]:
    """{id: the record as its detail endpoint shows it} for the records of `kind` that still exist.

    One batch per kind, so a page's queries do not grow with its length.
    """
    if not ids:
        return {}
    if kind == ChangeKind.CLAIM:
        # The claim detail endpoint's own read path (ClaimSerializer's output, built from rows).
        rendered = claims_from_rows(list(claim_rows(Claim.objects.filter(pk__in=ids))))
    else:
        viewset = VIEWSETS[kind]
        records = viewset.queryset.filter(pk__in=ids)
        rendered = viewset.serializer_class(records, many=True, context={"request": request}).data
    return {record["id"]: record for record in rendered}


class ChangeSerializer(serializers.Serializer):
    """One change: a CloudEvents 1.0 event in its structured JSON form (the schema; entries are built as dicts)."""

    specversion = serializers.ChoiceField(choices=["1.0"], help_text="The CloudEvents version: 1.0.")
    id = serializers.CharField(help_text="The change's id, unique in the feed.")
    source = serializers.URLField(
        help_text="The list the record belongs to (e.g. https://host/api/claims/); with `subject`, its address."
    )
    type = serializers.ChoiceField(choices=TYPES, help_text="What happened: <kind>.<created|updated|deleted>.")
    time = serializers.DateTimeField(help_text="When the change was made (RFC 3339, UTC).")
    subject = serializers.CharField(help_text="The record's id.")
    datacontenttype = serializers.ChoiceField(choices=["application/json"])
    data = serializers.JSONField(
        allow_null=True,
        help_text="The record as its detail endpoint shows it now (not as it was then), or null when it no longer "
        "exists (deleted since, or this is its deletion).",
    )
    recordversion = serializers.IntegerField(
        allow_null=True, help_text="The record's version just after this change; null for a deletion."
    )
    authorid = serializers.IntegerField(allow_null=True, help_text="Who made the change; null outside a request.")
    authorname = serializers.CharField(
        allow_null=True, help_text="The name the author chose to be shown by (never a login name)."
    )


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        help_text="Where to read on: never null. Call it again later when this page had no entries, "
        "or fewer than page_size: changes made since then come after it."
    )
    results = ChangeSerializer(many=True)


class ChangeFeed(ConditionalReadMixin, ParametersMixin, generics.GenericAPIView):
    """Every create, update and delete of every kind of record, oldest first, in the order they became visible.

    Follow `next` to read on; save it to carry on later. A client that only follows `next` receives
    every change exactly once, also changes that commit after later ones (docs/changes-and-webhooks.md).
    Entries are kept for CHANGES_KEPT_DAYS days (90 unless configured; never fewer than 30): a cursor
    naming a pruned entry gets 410, and the client copies the records again.
    """

    permission_classes = [TokenScopePermission, permissions.AllowAny]
    filter_backends = []
    pagination_class = None
    ALWAYS_SINGLE = ParametersMixin.ALWAYS_SINGLE | {AFTER, "types"}
    page_size = 100
    # As the lists: a page renders each record with its detail serializer (docs/changes-and-webhooks.md).
    max_page_size = 100

    @extend_schema(
        parameters=[
            OpenApiParameter(
                AFTER,
                {"type": "string", "maxLength": 200},
                description="Where to start: the `after` of the `next` link of the page before. Without it, "
                "the feed starts at its oldest kept entry. One the feed did not give is a 404 naming `after`.",
            ),
            OpenApiParameter(
                "types",
                {"type": "string", "pattern": TYPES_PATTERN},
                description="Only these, comma-separated: kinds (claim, link, source, topic, article, "
                "appearance, review; also written claim.*) and single types (claim.deleted).",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1},
                description=f"Entries per page ({page_size}; at most {max_page_size}).",
            ),
        ],
        responses={
            200: ChangePageSerializer,
            410: OpenApiResponse(
                ErrorSerializer,
                "The cursor's entry has been pruned (older than the kept days): copy the records "
                "again from their lists, then follow the feed from its start.",
            ),
            503: OpenApiResponse(
                ErrorSerializer,
                "The database was restored from another server's dump and the feed is not in order yet: an "
                "operator must run `manage.py rebase_changes`. Try again later.",
            ),
        },
    )
    def get(self, request):
        size = page_size_asked(request, default=self.page_size, maximum=self.max_page_size)
        kinds, pairs = parse_types(request.query_params.get("types"))
        changes = feed.visible_changes()
        if feed.restored_ahead(changes.db):
            raise RestoredOutOfOrder()
        raw = request.query_params.get(AFTER)
        position = None
        if raw is not None:
            position = decode_cursor(raw, with_txid=feed.orders_by_transaction(changes.db))
            changes = feed.after(changes, position)
        if kinds or pairs:
            changes = changes.filter(feed.of_types(kinds, pairs))
        page = list(changes.select_related("user__profile")[:size])
        # Checked after the page is read: prune_changes deletes in feed order, so if the cursor's change
        # is still there now, nothing after it had gone when the page was read.
        if position is not None and not feed.is_kept(position, using=changes.db):
            raise CursorExpired(
                f"`{AFTER}`: the change this cursor names is no longer kept (the feed keeps "
                "CHANGES_KEPT_DAYS days, at least 30), so changes after it may be lost to you. Copy the "
                "records again from their lists, then follow this feed from its start (no `after`)."
            )
        entries = self.entries(page, request)
        last = feed.Position.of(page[-1]) if page else position
        url = request.build_absolute_uri()
        next_url = (
            remove_query_param(url, AFTER) if last is None else replace_query_param(url, AFTER, encode_cursor(last))
        )
        return Response({"next": next_url, "results": entries})

    def entries(self, page: list, request) -> list[dict]:
        wanted: dict[str, set[int]] = {}
        for change in page:
            if change.action != ChangeAction.DELETED:
                wanted.setdefault(change.kind, set()).add(change.subject)
        records = {kind: render_records(kind, ids, request) for kind, ids in wanted.items()}
        kinds = {change.kind for change in page}
        sources = {kind: request.build_absolute_uri(reverse(f"{ROUTES[kind]}-list")) for kind in kinds}
        entries = []
        for change in page:
            deleted = change.action == ChangeAction.DELETED
            entries.append(
                cloud_event(
                    change_id=change.id,
                    source=sources[change.kind],
                    event_type=change.type,
                    time=change.time,
                    subject=change.subject,
                    data=None if deleted else records[change.kind].get(change.subject),
                    version=change.version,
                    user=change.user,
                )
            )
        return entries
