"""Turns database-level refusals into clear 4xx answers, and an unavailable database into 503s, instead of 500s."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from claims.db import RETRY_AFTER_SECONDS, unavailable_message
from claims.middleware import database_log
from claims.models import ClaimTopic


def describe_protected(exc: ProtectedError | RestrictedError) -> str:
    """'still referenced by 2 claims (#4, #7)': what blocks a delete, for people to act on."""
    by_model: dict[type, set] = {}
    for obj in exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects:
        if isinstance(obj, ClaimTopic):
            obj = obj.claim  # a topic is held by the claims that carry it, not by the rows linking them
        by_model.setdefault(type(obj), set()).add(obj.pk)
    parts = []
    for model, pks in sorted(by_model.items(), key=lambda item: item[0].__name__):
        name = model._meta.verbose_name if len(pks) == 1 else model._meta.verbose_name_plural
        shown = ", ".join(f"#{pk}" for pk in sorted(pks)[:10])
        more = f" and {len(pks) - 10} more" if len(pks) > 10 else ""
        parts.append(f"{len(pks)} {name} ({shown}{more})")
    return "still referenced by " + "; ".join(parts)


def _details(errors) -> list[ErrorDetail]:
    return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error.messages]


def django_errors_to_drf(exc: DjangoValidationError):
    """A Django ValidationError in DRF's shape: {field: [messages]}, non-field errors under DRF's key.

    Each message keeps its code, which decides between 400 and 409 (see STATE_CONFLICT_CODES).
    """
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): _details(errors)
            for field, errors in exc.error_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: _details(exc.error_list)}


# Refusals that are about the record's current state, not about the request: a slug or URL already
# taken, a link that already exists, a related record that does not exist, a rule that depends on
# other records (a retraction across sources, a loop of affiliations). The request is well formed, so
# these are 409 Conflict; everything else wrong with the input is 400.
STATE_CONFLICT_CODES = {"unique", "does_not_exist", "conflict"}


def _codes(codes) -> set[str]:
    if isinstance(codes, dict):
        return set().union(*(_codes(value) for value in codes.values())) if codes else set()
    if isinstance(codes, list):
        return set().union(*(_codes(value) for value in codes)) if codes else set()
    return {codes}


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(exc, ValidationError) and _codes(exc.get_codes()) <= STATE_CONFLICT_CODES:
            response.status_code = status.HTTP_409_CONFLICT
        return response
    unavailable = unavailable_message(exc)
    if unavailable is not None:
        database_log.warning("database unavailable: %s", exc, extra={"path": context["request"].path})
        return Response(
            {"detail": unavailable},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(
            {
                "detail": f"Cannot delete this {context['view'].get_queryset().model._meta.verbose_name}: "
                f"it is {describe_protected(exc)}. Remove or reassign those first."
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        return Response(django_errors_to_drf(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # Validation passed but a concurrent write got there first (e.g. the same link twice).
        return Response(
            {"detail": "This change conflicts with another one saved at the same time; reload and try again."},
            status=status.HTTP_409_CONFLICT,
        )
    return None
