from rest_framework import pagination
from rest_framework.exceptions import ValidationError


def _whole_number(request, name: str) -> int | None:
    """The parameter as a whole number of at least 1, None when absent, a 400 naming it otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [f"Enter a whole number of at least 1, not {raw[:20]!r}."]})
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: 20 items a page unless asked, at most 100 (a larger size gives 100).

    DRF falls back to the default page size when `page_size` is not a number; here
    a malformed `page` or `page_size` is a 400 naming it, and a page past the end a 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        size = _whole_number(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

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
