"""Database errors, as the service reports them, and the statement-timeout escape hatch."""

from contextlib import contextmanager

from django.db import InterfaceError, OperationalError, connection

RETRY_AFTER_SECONDS = 5


def unavailable_message(exc: BaseException) -> str | None:
    """What to tell a client about a database failure that is not its fault, or None for other errors.

    A statement cancelled by the statement timeout, and a database that cannot be reached (down,
    restarting, connection lost), are both 503s: retrying later can succeed.
    """
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    if getattr(getattr(exc, "__cause__", None), "pgcode", None) == "57014":  # query_canceled
        return (
            "The query took too long and was stopped (statement timeout). "
            "Narrow it (more filters, a smaller page) or retry later."
        )
    return "The database is unavailable right now; retry in a few seconds."


@contextmanager
def without_statement_timeout():
    """Lift the statement timeout for the current transaction (bulk jobs: imports, generators)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
    yield
