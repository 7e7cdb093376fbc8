"""Cached reads that are never stale: each answer is kept under the database state it was read from.

The key of a cached answer names the state of the server that answers, read just before the
answer is:
- on the primary, its current snapshot (`pg_current_snapshot()`: which transactions are still
  running, and the newest one that has ended). Requests with the same snapshot see the same rows,
  and every commit changes it;
- on a replica, how far it has replayed the primary's WAL (`pg_last_wal_replay_lsn()`). A
  standby's snapshot does not list the transactions still running on the primary, so a commit
  that ends an older transaction before a newer one would leave it unchanged; the replay
  position moves with every commit replayed.

No write path has to invalidate anything: the admin, the API, bulk actions, imports, COPY and
hand-written SQL all change the state by committing, and the next request reads afresh. A
replica that lags keeps its answers under its own, older positions, and a client pinned to the
primary never gets them. The key also holds a digest of this app's code, so that servers running
another release (during a rolling deploy) never share answers of another shape.

The price: one small query a request, and every write, to any table, empties the cache in
effect (old keys expire unread). That suits a record read far more often than it is written.
Elsewhere (SQLite, or inside a transaction) the answer is built every time.
"""

import functools
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from claims.models import Claim
from claims.replicas import read_connection

T = TypeVar("T")

log = logging.getLogger("factcheck.cache")

# The state an answer is read from (see the module); 'r' and 'p' keep the two kinds of key apart.
STATE_SQL = (
    "SELECT CASE WHEN pg_is_in_recovery() THEN 'r' || pg_last_wal_replay_lsn()::text"
    " ELSE 'p' || pg_current_snapshot()::text END"
)


@functools.cache
def code_version(files: str = "*.py") -> str:
    """A digest of the claims app's Python files (or of those `files` matches, "*" for its templates and
    static files too): another release, another key space."""
    digest = hashlib.blake2b(digest_size=8)
    paths = (p for p in Path(__file__).parent.rglob(files) if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_read(kind: str, key: str, build: Callable[[], T]) -> T:
    """`build()`'s result, from the cache when the database has not changed since it was kept.

    `kind` and `key` name the answer (e.g. "thread", the claim id and the host the links are for);
    the result must be picklable.
    """
    connection = read_connection(Claim)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return build()
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL)
        state = cursor.fetchone()[0]
    digest = hashlib.blake2b(f"{code_version()}\0{key}\0{state}".encode(), digest_size=16).hexdigest()
    cache_key = f"read:{kind}:{digest}"
    try:
        found = cache.get(cache_key)
    except Exception:  # the cache is down: answer from the database, and say so
        log.exception("cache unavailable: reading %s %s from the database", kind, key)
        return build()
    if found is not None:
        return found
    value = build()
    try:
        cache.set(cache_key, value, settings.READ_CACHE_SECONDS)
    except Exception:
        log.exception("cache unavailable: %s %s not kept", kind, key)
    return value
