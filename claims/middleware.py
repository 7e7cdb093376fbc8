"""Request checks that apply before any view runs."""

from django.http import JsonResponse


class RejectNulInQueryMiddleware:
    """Answers 400 to a query string that contains a NUL character.

    PostgreSQL cannot compare text with NUL in it, so `?q=%00` would otherwise
    fail inside the database as a 500. No legitimate parameter needs NUL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return JsonResponse(
                    {name.replace("\x00", "\\x00"): ["Null characters are not allowed."]},
                    status=400,
                )
        return self.get_response(request)
