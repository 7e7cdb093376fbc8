"""Database errors, as the service reports them, and the statement-timeout escape hatch."""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

RETRY_AFTER_SECONDS = 5


def unavailable_message(exc: BaseException) -> str | None:
    """What to tell a client about a database failure that is not its fault, or None for other errors.

    A statement cancelled by the statement timeout, and a database that cannot be reached (down,
    restarting, connection lost), are both 503s: retrying later can succeed.
    """
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    code = getattr(getattr(exc, "__cause__", None), "pgcode", None) or ""
    if code == "57014":  # query_canceled
        return (
            "The query took too long and was stopped (statement timeout). "
            "Narrow it (more filters, a smaller page) or retry later."
        )
    # No code: the connection failed or was lost; 08: connection exceptions; 57P0x: shutting down, starting.
    if not code or code.startswith("08") or code.startswith("57P"):
        return "The database is unavailable right now; retry in a few seconds."
    # Deadlocks, serialization failures, exhausted resources: this attempt failed, another may not.
    return "The database could not complete this request this time; retry in a few seconds."


@contextmanager
def without_statement_timeout(using=None):
    """Lift the statement timeout for the current transaction (bulk jobs: imports, generators, renames)."""
    db = connections[using or DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
    yield
