"""Conditional reads: an ETag on every record read, 304 for an If-None-Match that still holds, and the
Cache-Control each answer takes (docs/conditional-reads.md).

A read's validator is a digest of what its bytes depend on:
- the state of the database, as the connection that reads the data sees it (`record_state`), read
  BEFORE the data: a commit in between changes the state of the next request, never makes a tag
  claim more than its body holds;
- the request: absolute URL (host, path, query: links in the body are absolute), the media type
  the content negotiation chose (JSON, JSON-LD, CSV, indentation), and who asks (anonymous, or
  the user: staff see more than the public, and tokens their own);
- the code (claims.read_cache.code_version): another release, another tag.

So a 304 costs one small query (the state) and no page query, serializer or renderer, for lists
(filtered, searched, paged) as for details. The price: the state is the whole record's, so every
tag goes stale at the next change of any record (see `record_state`): the validator is
conservative, never wrong.

A record's detail keeps its version in the tag: `"<version>.<digest>"`. If-Match (optimistic
locking, claims.api.base) compares the version part only, as it always did, so a client may send
back the tag it read, or `"<version>"` as before; If-None-Match compares the digest part, which
also changes when a record the detail shows (a claim's source, its reviews) is renamed or edited.
Writes answer with `"<version>"`, as before: the state after a write is not read before its body.
"""

import functools
import hashlib

from django.apps import apps
from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from rest_framework.exceptions import APIException, ValidationError

from claims.events.feed import HORIZON_SQL, OWN_SQL
from claims.models import MAX_ID, Claim, NamesVersion
from claims.read_cache import code_version
from claims.replicas import read_connection

# An answer that depends on who asks is stored by no shared cache, and by a browser only to revalidate.
PUBLIC = {"public": True, "max_age": 0, "must_revalidate": True}
PRIVATE = {"private": True, "max_age": 0, "must_revalidate": True}
NO_STORE = {"no_store": True}
# What the bytes of a read vary with, besides the URL.
VARY = ("Accept", "Authorization", "Cookie")


@functools.cache
def _state_sql(vendor: str) -> str:
    """One statement: where the change record stands, and how often names have changed (see record_state)."""
    changes = apps.get_model("events", "Change")._meta.db_table
    people = f"(SELECT value FROM {NamesVersion._meta.db_table} WHERE id = 1)"
    if vendor != "postgresql":
        return f"SELECT (SELECT max(id) FROM {changes}), {people}"
    # The reader's own transaction, when it has written (a script, a test), counts its changes apart: it
    # sees them already, on whichever side of the horizon they fall as other transactions end.
    return (
        f"WITH horizon AS ({HORIZON_SQL}), own AS ({OWN_SQL}) SELECT "
        f"(SELECT CAST(txid AS text) || ':' || CAST(id AS text) FROM {changes}"
        f" WHERE txid < (SELECT * FROM horizon) AND txid IS DISTINCT FROM (SELECT * FROM own)"
        f" ORDER BY txid DESC, id DESC LIMIT 1), "
        # Bounded above too: the horizon is unknown when the statement is planned, and a one-sided range
        # is estimated at a third of the table, so PostgreSQL scanned all of it (480 ms at 1.3 million
        # changes) instead of seeking in the (txid, id) index (2.6 ms; bench/README.md, issues 15 and 17).
        f"(SELECT count(*) FROM {changes}"
        f" WHERE txid >= (SELECT * FROM horizon) AND txid <= {MAX_ID}"
        f" AND txid IS DISTINCT FROM (SELECT * FROM own)), "
        f"(SELECT count(*) FROM {changes} WHERE txid = (SELECT * FROM own)), {people}"
    )


def record_state() -> str:
    """What the records hold, as the connection that reads them now sees it: another value whenever a
    change of any record, or of the name someone is shown by, has become visible since.

    It reads the change record (claims.events), which every write of a record fills in its own
    transaction. On SQLite, one writer at a time: changes become visible in the order of their ids
    (never reused), so the newest id is the state. On PostgreSQL ids are taken at insert and
    transactions commit in any order, so the newest visible id alone could stay the same while a
    change with a smaller one becomes visible. There the state is (the newest final change, by
    (txid, id), below the horizon; how many changes at or above it are visible). A change that
    becomes visible is either final, and then newer than every change final before (it was in
    progress then, so at or above the old horizon), or not, and then one more of those counted:
    docs/conditional-reads.md gives the argument in full. Other databases' transactions, sessions
    and tokens do not move it. Display and login names are not in the change record: their count
    of changes (claims.models.NamesVersion, kept by triggers in the writer's transaction) is read.
    """
    connection = read_connection(Claim)
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor))
        return "|".join("" if value is None else str(value) for value in cursor.fetchone())


def read_digest(request, state: str, code: str | None = None) -> str:
    """The part of a read's ETag that names the database state and the request's variant (see the module)."""
    user = getattr(request, "user", None)
    who = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    accepted = getattr(request, "accepted_media_type", "")
    parts = (code or code_version(), state, request.build_absolute_uri(), accepted, who)
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=12).hexdigest()


def _opaque(tag: str) -> str:
    # RFC 9110 8.8.3.2: weak comparison ignores W/; our tags carry no other quoting.
    return tag.removeprefix("W/").strip('"')


def check_none_match(request) -> None:
    """A 400 naming If-None-Match when it names no tag at all (empty, only commas or spaces), as for
    If-Match and any empty value (docs/design.md, "Empty values"); the schema says so with a pattern."""
    header = request.headers.get("If-None-Match")
    if header is not None and not any(tag.strip(" \t") for tag in header.split(",")):
        raise ValidationError({"If-None-Match": ["Give the ETag you read, or leave the header out."]})


def none_match(request, digest: str) -> str | None:
    """The tag of If-None-Match that names this representation (`*`, or one whose digest is `digest`), or None.

    Compared weakly, as RFC 9110 13.1.2 has it. A detail's tag `"<version>.<digest>"` matches by its
    digest, which already names the version. A header that names no tag of ours matches nothing: a 200.
    """
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    tags = parse_etags(header)
    if "*" in tags:
        return "*"
    return next((tag for tag in tags if _opaque(tag).rpartition(".")[2] == digest), None)


def cache_control(request) -> dict:
    """Cache-Control of a read: public for anonymous readers, private when the answer is someone's."""
    user = getattr(request, "user", None)
    return PRIVATE if user is not None and user.is_authenticated else PUBLIC


class NotModified(APIException):
    """The client's copy is current: answered with 304 and no body (ConditionalReadMixin.handle_exception)."""

    status_code = 304

    def __init__(self, tag: str):
        super().__init__()
        self.tag = tag


class ConditionalReadMixin:
    """ETag, If-None-Match and Cache-Control for a DRF view's reads (GET and HEAD), as the module says.

    The state is read once the request is known to be allowed and well-formed (after authentication,
    permissions, throttles, content negotiation and parameter checks), and before the handler; a
    matching If-None-Match ends the request there with a 304. A successful read (200) carries the ETag
    `"<digest>"`, or `"<version>.<digest>"` when its body is one versioned record (`detail_actions`).
    A view whose answers hold secrets (tokens) sets `no_store = True`: no ETag, and every answer,
    errors included, says `Cache-Control: no-store`.
    """

    no_store = False
    detail_actions = ("retrieve",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._read_digest = None
        if self._is_conditional_read(request):
            check_none_match(request)
            self._read_digest = read_digest(request, record_state())
            matched = none_match(request, self._read_digest)
            # `*` matches any representation there is, so only once the handler has found one (not a 404).
            self._any_matches = matched == "*"
            if matched is not None and not self._any_matches:
                # The 304 repeats the tag the client holds: it is the one a 200 would send (a detail's
                # names the version, which only a query could tell).
                raise NotModified(f'"{_opaque(matched)}"')

    def _is_conditional_read(self, request) -> bool:
        return not self.no_store and request.method in ("GET", "HEAD")

    def handle_exception(self, exc):
        if isinstance(exc, NotModified):
            # RFC 9110 15.4.5: no body, and the headers a 200 would have had that describe caching.
            return self._read_headers(HttpResponseNotModified(), exc.tag)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.no_store:
            patch_cache_control(response, **NO_STORE)
        elif getattr(self, "_read_digest", None) is not None and response.status_code == 200:
            data = getattr(response, "data", None)
            detail = getattr(self, "action", None) in self.detail_actions and isinstance(data, dict)
            version = data.get("version") if detail else None
            if getattr(self, "_any_matches", False):
                response = HttpResponseNotModified()
            self._read_headers(response, self._tag(version))
        return response

    def _tag(self, version) -> str:
        return f'"{version}.{self._read_digest}"' if version is not None else f'"{self._read_digest}"'

    def _read_headers(self, response, tag: str):
        response["ETag"] = tag
        patch_cache_control(response, **cache_control(self.request))
        patch_vary_headers(response, VARY)
        return response


def conditional_page(view):
    """ConditionalReadMixin's ETag, 304 and Cache-Control for a public HTML page (a plain Django view)."""

    @functools.wraps(view)
    def page(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # A page's bytes also depend on its templates and static files: the digest of every file of the app.
        digest = read_digest(request, record_state(), code=code_version("*"))
        matched = none_match(request, digest)
        if matched is not None and matched != "*":
            response = HttpResponseNotModified()
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if matched == "*":
                response = HttpResponseNotModified()
        response["ETag"] = f'"{digest}"'
        patch_cache_control(response, **cache_control(request))
        patch_vary_headers(response, ("Cookie",))
        return response

    return page
