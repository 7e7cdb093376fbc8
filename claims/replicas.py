"""Read replicas: which database each query goes to, and read-your-writes.

A request that only reads (GET, HEAD, OPTIONS) is served from one replica, chosen when it
comes in; everything else uses the primary: writes, reads inside a transaction, the admin,
conditional requests (their ETag must be compared with the primary's version), accounts,
tokens and sessions (a token or a login must work at once on every server), and commands
and shells (no request). A client that has just written reads from the primary for
READ_YOUR_WRITES_SECONDS, so it sees its own write however far the replicas lag: browsers by
a signed cookie, token clients by a pin kept in the shared cache under a digest of the token.
A write refused because the client's copy was stale (409, 412) pins it too, so that it can
read the current version before it tries again.

With no replica configured (settings.FACTCHECK_REPLICAS empty) every query uses the primary
and no cookie is set. Why the design is this one: docs/deployment.md.
"""

import contextvars
import hashlib
import logging
import random

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.urls import reverse

log = logging.getLogger("factcheck.cache")

# The alias a request's reads go to; None (the default, and outside requests) means the primary.
_reads_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("factcheck_reads_from", default=None)

# Apps whose rows must be current everywhere at once: accounts, tokens, sessions, permissions, admin log.
PRIMARY_ONLY_APPS = frozenset({"admin", "auth", "contenttypes", "sessions", "tokens"})
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONDITIONAL_HEADERS = ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
PIN_COOKIE = "factcheck_primary"
_PIN_SALT = "factcheck.replicas.pin"


class PrimaryReplicaRouter:
    """Django's database router: reads where the request's middleware chose, writes to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reads_from.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        # A transaction's reads must see its own writes, and be locked or checked with them.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the primary's rows: an object read from one may refer to one from another.
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


def read_connection(model):
    """The connection that reads of `model` use now, for code that runs SQL of its own."""
    return connections[router.db_for_read(model)]


def _token_pin_key(request) -> str | None:
    # Split as DRF's TokenAuthentication splits it, so that every header it accepts is pinned.
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "token":
        return None
    return "pin:" + hashlib.sha256(parts[1].encode()).hexdigest()


def _pinned(request) -> bool:
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.READ_YOUR_WRITES_SECONDS):
        return True
    key = _token_pin_key(request)
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:
        # Without the cache the pin cannot be known: read from the primary, which is never stale.
        log.exception("cache unavailable: a token client reads from the primary")
        return True


def choose_reads(request) -> str | None:
    """The replica alias this request reads from, or None for the primary."""
    replicas = settings.FACTCHECK_REPLICAS
    if not replicas or request.method not in READ_ONLY_METHODS:
        return None
    if request.path.startswith(reverse("admin:index")):  # both with the script prefix, if any
        return None
    if any(header in request.META for header in CONDITIONAL_HEADERS):
        return None
    if _pinned(request):
        return None
    return random.choice(replicas)


def pin_to_primary(request, response) -> None:
    """After a write: this client reads from the primary for READ_YOUR_WRITES_SECONDS."""
    window = settings.READ_YOUR_WRITES_SECONDS
    key = _token_pin_key(request)
    if key is not None:
        try:
            cache.set(key, 1, window)
            return
        except Exception:
            # The write has committed: its answer must not become an error. The cookie still pins a
            # client that keeps cookies.
            log.exception("cache unavailable: a token client is pinned by cookie only")
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=window,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ReadRoutingMiddleware:
    """Chooses where each request reads from (see the module), and pins a client that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = choose_reads(request)
        request.reads_from = alias or DEFAULT_DB_ALIAS  # for the request log
        token = _reads_from.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _reads_from.reset(token)
        if response.streaming and alias is not None:
            # A streamed export reads as it is sent, after this method has returned.
            response.streaming_content = _reading_from(alias, response.streaming_content)
        if settings.FACTCHECK_REPLICAS and request.method not in READ_ONLY_METHODS and _changed_or_stale(response):
            pin_to_primary(request, response)
        return response


def _changed_or_stale(response) -> bool:
    """A write that succeeded, or one refused because the client's copy is out of date (409, 412):
    either way the client's next read must show the primary's current state, not a replica's."""
    return response.status_code < 400 or response.status_code in (409, 412)


def _reading_from(alias, chunks):
    chunks = iter(chunks)
    while True:
        token = _reads_from.set(alias)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _reads_from.reset(token)
        yield chunk
