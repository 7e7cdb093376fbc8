"""Request checks and logging around every view: API, admin and public pages alike."""

import logging
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.functional import empty

from claims.db import RETRY_AFTER_SECONDS, unavailable_message

request_log = logging.getLogger("factcheck.request")
database_log = logging.getLogger("factcheck.database")


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


class RequestSizeLimitMiddleware:
    """413 for a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it.

    Django applies that limit to forms only; DRF's parsers read the stream
    themselves. A body without Content-Length reaches views as empty (WSGI
    gives no more than Content-Length), so the header is all there is to check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not raw.isdigit():
            return JsonResponse({"detail": f"Content-Length {raw!r} is not a number of bytes."}, status=400)
        if limit is not None and int(raw) > limit:
            return JsonResponse(
                {"detail": f"The request body is {int(raw)} bytes; at most {limit} are accepted."},
                status=413,
            )
        return self.get_response(request)


def service_unavailable(request, message: str) -> HttpResponse:
    """503 with Retry-After, as JSON for the API and plain text for pages."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(f"503 Service Unavailable\n\n{message}\n", status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A database that is down, restarting or too slow is a 503 the client can retry, not a 500.

    The API's exception handler does the same for DRF views; this covers the
    admin and the public pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = unavailable_message(exception)
        if message is None:
            return None
        database_log.warning("database unavailable: %s", exception, extra={"path": request.path})
        return service_unavailable(request, message)


class RequestLogMiddleware:
    """One log line per request: method, path, status, duration, user, and bytes sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        # The user only if authentication already ran: logging must not cost a query. DRF replaces the
        # lazy user with the authenticated one; an untouched lazy object still wraps `empty`.
        user = getattr(request, "user", None)
        user = getattr(user, "_wrapped", user)
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": user.pk if user not in (None, empty) and user.is_authenticated else None,
                "remote_addr": request.META.get("REMOTE_ADDR"),
                # The database this request's reads went to: "default" (the primary) or a replica's alias.
                "reads_from": getattr(request, "reads_from", None),
                "bytes": len(response.content) if not response.streaming else None,
            },
        )
        return response
