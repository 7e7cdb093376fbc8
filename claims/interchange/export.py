"""Export: the claim list as a download in the import's format, every matching row, streamed.

`GET /api/claims/?format=csv` (or `jsonl`, or `Accept: text/csv`) takes the list's
filters and ordering and streams every matching claim, not one page. The rows
are read with a queryset iterator, a chunk at a time with its topics and links
prefetched per chunk, so memory and the number of queries do not grow with each
row: two queries, then two per chunk of EXPORT_CHUNK_SIZE claims.
"""

from array import array
from bisect import bisect_left
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

from claims.interchange.format import claim_to_row, rows_to_lines

EXPORT_CHUNK_SIZE = 1000
LINES_PER_WRITE = 100


class ExportRenderer(BaseRenderer):
    """A download format of the claim list.

    The list streams its rows itself (`export_response`), without calling
    `render`. What does reach `render` is an error about the request, such as a
    filter value that is not understood: that is answered as JSON, like any
    other error, not as a file.
    """

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class CSVRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesRenderer(ExportRenderer):
    media_type = "application/jsonl"
    format = "jsonl"


RENDERERS = [CSVRenderer, JSONLinesRenderer]


class _Ids:
    """The ids of the exported claims, 8 bytes each, for checking that a link's target is in the file."""

    def __init__(self, ids_in_order):
        self._ids = array("q", ids_in_order)

    def __contains__(self, pk) -> bool:
        index = bisect_left(self._ids, pk)
        return index < len(self._ids) and self._ids[index] == pk


def export_lines(queryset: QuerySet, fmt: str) -> Iterator[str]:
    """The file of the claims of `queryset` (see `claims.selectors.claim_export_list`), a few lines at a time."""
    ids = _Ids(queryset.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=EXPORT_CHUNK_SIZE))
    rows = (claim_to_row(claim, ids) for claim in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE))
    lines = []
    for line in rows_to_lines(rows, fmt):
        lines.append(line)
        if len(lines) == LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def export_response(queryset: QuerySet, renderer: ExportRenderer) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        export_lines(queryset, renderer.format),
        content_type=f"{renderer.media_type}; charset={renderer.charset}",
    )
    response["Content-Disposition"] = f'attachment; filename="claims.{renderer.format}"'
    return response


# The list operation's documentation: JSON pages, or the whole list as a file.

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "jsonl"],
    description="`csv` or `jsonl`: download every matching claim (all pages, in the given `ordering`) as a "
    "file in the import format of `manage.py import_claims` (`Accept: text/csv` or `application/jsonl` "
    "does the same). Links are written only to claims in the same file.",
)


def list_responses(serializer_class) -> dict:
    return {
        (200, "application/json"): OpenApiResponse(
            serializer_class(many=True),
            "A page of claims; with `format=csv` or `jsonl`, every matching claim as a file "
            "(CSV with a header line, or a JSON object per line).",
        ),
        (200, "text/csv"): OpenApiTypes.STR,
        (200, "application/jsonl"): OpenApiTypes.STR,
    }
