"""What every record endpoint shares: atomic writes, ETag / If-Match, and history."""

from django.db import transaction
from django_filters import MultipleChoiceFilter
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError

from claims import history
from claims.api.conditional import ConditionalReadMixin
from claims.api.pagination import PageNumberPagination
from claims.api.schema import ErrorSerializer
from claims.api.serializers import HistoryEntrySerializer, HistoryPageSerializer
from claims.models import is_id
from claims.versioning import VersionConflict


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since you read it; fetch it again and reapply your change."
    default_code = "precondition_failed"


class EditConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone else saved this record while your change was being saved; fetch it again and retry."
    default_code = "edit_conflict"


def etag(version: int) -> str:
    """The strong entity tag of a record at `version`, as writes answer with it."""
    return f'"{version}"'


def tag_version(tag: str) -> int | None:
    """The record version an entity tag names: `"3"` (a write's) and `"3.<digest>"` (a read's, see
    claims.api.conditional) both name 3. None for a weak tag or one that names no version."""
    if tag.startswith("W/") or len(tag) < 2 or not (tag[0] == tag[-1] == '"'):
        return None
    version = tag[1:-1].partition(".")[0]
    return int(version) if version.isascii() and version.isdigit() else None


def if_match_tags(request) -> list[str] | None:
    """The entity tags of an If-Match header, or None when there is none.

    Read leniently: a bare version (3) counts as its tag ("3"), and anything else
    that is not the current tag simply does not match (412), as RFC 9110 has it.
    A header that names no tag at all (empty, or only commas) is a 400, as any
    empty value is (docs/design.md, "Empty values"): an unset ETag variable in a
    client must not pass for a condition, nor get a 412 that says "changed".
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    # HTTP's optional whitespace is spaces and tabs (gunicorn strips the same around the value).
    tags = [tag.strip(" \t") for tag in header.split(",") if tag.strip(" \t")]
    if not tags:
        raise ValidationError({"If-Match": ['Give the ETag you read (e.g. "3"), or leave the header out.']})
    return [f'"{tag}"' if tag.isascii() and tag.isdigit() else tag for tag in tags]


def check_if_match(request, instance) -> bool:
    """Raise 412 when If-Match names other versions; True when the request had one."""
    tags = if_match_tags(request)
    if tags is None:
        return False
    # Weak tags (W/"...") never match under If-Match's strong comparison (RFC 9110 13.1.1). Only the
    # version is compared: a read's tag also names the records it shows, which a write does not change.
    if "*" not in tags and instance.version not in {tag_version(tag) for tag in tags}:
        raise PreconditionFailed(
            f"If-Match {', '.join(tags)} does not match the current version {etag(instance.version)}: "
            "the record has changed since you read it. Fetch it again and reapply your change."
        )
    return True


EMPTY_VALUE = "Give a value, or leave the parameter out."


class ParametersMixin:
    """The rules every documented query parameter and header follows; unknown ones are ignored.

    - An empty value (`?ordering=`, `If-Match:`) is a 400 naming it, as the schema says (each string
      has a minLength, each enum leaves "" out). docs/design.md, "Empty values", says why.
    - A parameter that takes one value, given twice, is a 400: Django would silently use the last
      of `?page=1&page=2`; the schema documents each such parameter as one value, and only
      filters like `status` as lists.

    Both are checked before the request is read further, so an empty If-Match is named even when
    the body is wrong too.
    """

    ALWAYS_SINGLE = {"page", "page_size", "cursor", "ordering", "format", "q", "text", "exclude"}
    CONDITIONAL_ACTIONS = ("update", "partial_update", "destroy")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        filterset = getattr(self, "filterset_class", None)
        filters = filterset.base_filters if filterset is not None else {}
        single = self.ALWAYS_SINGLE | {name for name, f in filters.items() if not isinstance(f, MultipleChoiceFilter)}
        for name, values in request.query_params.lists():
            if name not in single and name not in filters:
                continue
            if "" in values:
                raise ValidationError({name: [EMPTY_VALUE]})
            if len(values) > 1 and name in single:
                raise ValidationError({name: ["Give this parameter once."]})
        if getattr(self, "action", None) in self.CONDITIONAL_ACTIONS:
            if_match_tags(request)  # a 400 for an If-Match that names no tag


class RecordViewSet(ConditionalReadMixin, ParametersMixin, viewsets.ModelViewSet):
    """A ModelViewSet for versioned, history-keeping records.

    Writes are all-or-nothing. Detail responses carry an `ETag` that starts with the
    record's version; PUT, PATCH and DELETE with an `If-Match` that no longer matches get
    412 and change nothing, checked in the same statement as the write. Reads answer
    If-None-Match with 304 (claims.api.conditional).
    """

    def filter_queryset(self, queryset):
        # Filters and ordering shape lists; a record fetched by its id is the record, whatever the query says.
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        # The lookup reads the id with int(), which also takes "+2", " 2", "0_2" and "٢" (Arabic-Indic two)
        # as 2: other addresses for record 2, writable too. Only the id as the API writes it names a record.
        if not is_id(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")):
            raise NotFound()
        return super().get_object()

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save(**self.server_owned_fields())
        self._reload(serializer)

    def perform_update(self, serializer):
        conditional = check_if_match(self.request, serializer.instance)
        try:
            with transaction.atomic():
                serializer.save()
        except VersionConflict as exc:
            raise (PreconditionFailed if conditional else EditConflict)() from exc
        self._reload(serializer)

    def perform_destroy(self, instance):
        conditional = check_if_match(self.request, instance)
        with transaction.atomic():
            if conditional:
                # Claim the version in one statement, so a concurrent edit makes this delete fail.
                claimed = type(instance)._base_manager.filter(pk=instance.pk, version=instance.version)
                if not claimed.update(version=instance.version + 1):
                    raise PreconditionFailed()
            instance.delete()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A read's ETag is ConditionalReadMixin's; a write's is the version it wrote.
        if self.action in ("create", "update", "partial_update") and response.status_code in (200, 201):
            data = response.data or {}
            if "version" in data:
                response["ETag"] = etag(data["version"])
        return response

    def _reload(self, serializer):
        # Answer a write with what a read would show: annotations (counts) and fresh relations included.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def server_owned_fields(self) -> dict:
        """Fields set from the request, not from the client's data, on create."""
        return {}

    @extend_schema(
        responses={
            200: OpenApiResponse(
                HistoryPageSerializer,
                "The record's revisions, newest first; also once the record is deleted, when the first "
                'revision listed is its deletion (`type` "deleted").',
            ),
            404: OpenApiResponse(
                ErrorSerializer, "No record ever had this id (no revision of it is kept), or a page past the end."
            ),
        },
        filters=False,
        parameters=[
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number."),
            OpenApiParameter(
                "page_size", {"type": "integer", "minimum": 1}, description="Revisions per page (20; at most 100)."
            ),
        ],
    )
    @action(detail=True, filterset_class=None, ordering_fields=None, pagination_class=PageNumberPagination)
    def history(self, request, pk=None):
        """Every revision of this record, newest first: who, when, and each field's old and new value.

        The history outlives the record: after a DELETE this still answers 200, its newest revision
        being the deletion, so a deletion can be traced: who deleted it, when, and every revision before.
        """
        if not is_id(pk):
            raise NotFound()
        model = self.get_queryset().model
        records_qs = history.history_queryset(model, int(pk))
        page = self.paginate_queryset(records_qs)
        if not page:
            raise NotFound()
        end = self.paginator.page.end_index()
        previous = next(iter(records_qs[end : end + 1]), None)
        entries = history.history_entries(model, page, previous)
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)
