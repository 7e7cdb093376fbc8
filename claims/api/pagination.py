import base64
import json
import math
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from claims import annotation
from claims.models import MAX_ID


def _whole_number(request, name: str) -> int | None:
    """The parameter as a whole number of at least 1, None when absent, a 400 naming it otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [f"Enter a whole number of at least 1, not {raw[:20]!r}."]})
    return int(raw)


def page_size_asked(request, *, default: int, maximum: int, name: str = "page_size") -> int:
    """The page size `name` asks for, at most `maximum`; `default` without it; a 400 naming it if malformed."""
    size = _whole_number(request, name)
    return default if size is None else min(size, maximum)


def pack_cursor(payload) -> str:
    """An opaque cursor: `payload` as base64url JSON, without padding."""
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def unpack_cursor(raw: str):
    """The payload of a `pack_cursor` cursor; a ValueError for a string that is none."""
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: 20 items a page unless asked, at most 100 (a larger size gives 100).

    DRF falls back to the default page size when `page_size` is not a number; here
    a malformed `page` or `page_size` is a 400 naming it, and a page past the end a 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return page_size_asked(
            request, default=self.page_size, maximum=self.max_page_size, name=self.page_size_query_param
        )

    def paginate_queryset(self, queryset, request, view=None):
        _whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def check_parameters(self, request) -> None:
        """Refuse a malformed page or page_size even where no page is cut (an export of all rows)."""
        _whole_number(request, self.page_query_param)
        _whole_number(request, self.page_size_query_param)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"Items per page ({self.page_size}; at most {self.max_page_size})."
        return parameters


class CursorNotFound(NotFound):
    """A cursor that names no page of this list: 404, as DRF answers a page number past the end.

    The detail names the parameter in its text: a 404's body is `{"detail": ...}` throughout the API.
    """

    def __init__(self, reason: str, *, parameter: str | None = None):
        super().__init__(f"`{parameter or KeysetPagination.cursor_query_param}`: {reason}")


_NOT_OURS = "Not a cursor this API gave: follow the `next` and `previous` links."


def _is_key_value(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        # A bigint column's range: a cursor naming a number past it is not one we gave.
        return -MAX_ID <= value <= MAX_ID
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and "\x00" not in value and len(value) <= 100


def _ordering_with_id(queryset) -> list[str]:
    """The queryset's ordering as field names, ending with the id so that no two rows tie."""
    ordering = list(
        queryset.query.order_by or (queryset.query.get_meta().ordering if queryset.query.default_ordering else [])
    )
    if not all(isinstance(term, str) for term in ordering):
        raise TypeError(f"Keyset pagination orders by field names, not {ordering!r}.")
    ordering = ["-id" if term == "-pk" else "id" if term == "pk" else term for term in ordering]
    if not {"id", "-id"} & set(ordering):
        ordering.append("-id" if ordering and ordering[-1].startswith("-") else "id")
    return ordering[: ordering.index("id" if "id" in ordering else "-id") + 1]


def _reverse(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


def _after(order: list[str], key: list) -> Q:
    """The rows that come after `key` in `order`: (a, b, id) > (x, y, z), each term in its own direction.

    The leading `a >= x` is implied by the rest; it is there so the database can seek with an index on `a`.
    """
    terms = [(term.lstrip("-"), term.startswith("-")) for term in order]
    disjuncts = []
    for i, (name, descending) in enumerate(terms):
        equal = {earlier: value for (earlier, _), value in zip(terms[:i], key[:i], strict=True)}
        disjuncts.append(Q(**equal, **{f"{name}__{'lt' if descending else 'gt'}": key[i]}))
    first, descending = terms[0]
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": key[0]}) & reduce(or_, disjuncts)


def _key_of(row, ordering: list[str]) -> list:
    """The row's values of the ordering's fields, as JSON values (dates and times as ISO 8601 text)."""
    values = []
    for term in ordering:
        name = term.lstrip("-")
        value = row[name] if isinstance(row, dict) else getattr(row, name)
        values.append(value if isinstance(value, (int, float, str)) else value.isoformat())
    return values


def cursor_token(ordering: list[str], key: list, *, backwards: bool = False) -> str:
    """The `cursor` of the page after `key` (before it, `backwards`) in `ordering`: base64url JSON."""
    payload = {"o": ordering, "k": key, "b": True} if backwards else {"o": ordering, "k": key}
    return pack_cursor(payload)


class KeysetPagination(pagination.BasePagination):
    """`?cursor=...&page_size=M`: pages that cost the same at any depth, for tables that grow without bound.

    A page is the next `page_size` rows after a key: the ordering's values of the last row
    seen, with the id as the final tie-breaker, so the database seeks to it through the
    index instead of counting past every row before it (OFFSET), and no row is skipped or
    repeated when claims are added meanwhile. The response links the next and previous pages;
    there is no page number and no total, whose exact count would cost a scan of every match.

    A cursor we did not give, or one given with another ordering or search, names no page: 404,
    naming `cursor`, as a page number past the end is a 404 on the other lists.

    DRF's CursorPagination keys on the first ordering field alone and counts past ties with an
    offset it caps at 1,000 rows: a date with more claims than that could not be paged through.
    """

    page_size = PageNumberPagination.page_size
    page_size_query_param = "page_size"
    max_page_size = PageNumberPagination.max_page_size
    cursor_query_param = "cursor"

    def get_page_size(self, request):
        return page_size_asked(
            request, default=self.page_size, maximum=self.max_page_size, name=self.page_size_query_param
        )

    def check_parameters(self, request) -> None:
        """Refuse a malformed cursor or page_size even where no page is cut (an export of all rows)."""
        self._refuse_page_numbers(request)
        self.get_page_size(request)
        self._decode(request, ordering=None)

    @staticmethod
    def _refuse_page_numbers(request) -> None:
        # Ignoring it would answer a client still asking for page 7 with the first page, silently.
        if "page" in request.query_params:
            raise ValidationError({"page": ["This list has no page numbers: follow the `next` link (`cursor`)."]})

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows (model instances or dicts), in order; `ordering` comes from the queryset."""
        self._refuse_page_numbers(request)
        self.request = request
        self.page_size_value = self.get_page_size(request)
        self.ordering = _ordering_with_id(queryset)
        backwards, key = self._decode(request, ordering=self.ordering)
        order = [_reverse(term) for term in self.ordering] if backwards else self.ordering
        queryset = queryset.order_by(*order)
        if key is not None:
            try:
                queryset = queryset.filter(_after(order, key))
            except (DjangoValidationError, ValueError, TypeError):
                raise CursorNotFound(_NOT_OURS) from None
        rows = list(queryset[: self.page_size_value + 1])
        more = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        if backwards:
            rows.reverse()
        # Going forwards there is a previous page if we came from a key; backwards, a next one.
        self.next_key = _key_of(rows[-1], self.ordering) if rows and (more or backwards) else None
        self.previous_key = (
            _key_of(rows[0], self.ordering)
            if rows and ((key is not None and not backwards) or (more and backwards))
            else None
        )
        return rows

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_next_link(self):
        return None if self.next_key is None else self._link(False, self.next_key)

    def get_previous_link(self):
        return None if self.previous_key is None else self._link(True, self.previous_key)

    def _link(self, backwards: bool, key: list) -> str:
        token = cursor_token(self.ordering, key, backwards=backwards)
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, token)

    def _decode(self, request, ordering):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return False, None
        try:
            payload = unpack_cursor(raw)
            key, backwards, cursor_ordering = payload["k"], payload.get("b", False), payload["o"]
            if not (isinstance(key, list) and isinstance(backwards, bool) and isinstance(cursor_ordering, list)):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            raise CursorNotFound(_NOT_OURS) from None
        if not all(_is_key_value(value) for value in key):
            raise CursorNotFound(_NOT_OURS)
        if ordering is not None and (cursor_ordering != ordering or len(key) != len(ordering)):
            raise CursorNotFound(
                "This cursor belongs to another ordering (or search); start again from the first page."
            )
        return backwards, key

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: taken from the `next` or `previous` link of the page before.",
                "schema": {"type": "string", "maxLength": 2000},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page ({self.page_size}; at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


class AnnotationPagination(PageNumberPagination):
    """Pages of a W3C AnnotationCollection: each page an AnnotationPage (Web Annotation Protocol, 4.2)."""

    def get_paginated_response(self, data):
        request = self.request
        page_url = request.build_absolute_uri()
        collection_url = request.build_absolute_uri(request.path)
        return Response(
            annotation.annotation_page(
                data,
                build_absolute_uri=request.build_absolute_uri,
                page_url=page_url,
                collection_url=collection_url,
                total=self.page.paginator.count,
                start_index=self.page.start_index() - 1 if self.page.paginator.count else 0,
                next_url=self.get_next_link(),
                prev_url=self.get_previous_link(),
            )
        )
