"""Cached reads that are never stale: each answer is kept under the database state it was read from.

The key of a cached answer holds PostgreSQL's current snapshot (`pg_current_snapshot()`: the
transactions that were complete when it was taken), read from the same server the answer is
read from. Two requests with the same snapshot see exactly the same rows, so they may share an
answer; any committed write anywhere changes the snapshot, so the next request misses and
reads afresh. No write path has to remember to invalidate anything: the admin, the API, bulk
actions, imports, COPY and hand-written SQL all change the snapshot by committing. A replica
that lags has an older snapshot, so its answers are cached apart from the primary's and a
client pinned to the primary never gets a replica's older answer.

The price: one small query a request, and every write, to any table, empties the cache in
effect (old keys expire unread). That suits a record read far more often than it is written.
Elsewhere (SQLite, or inside a transaction) the answer is built every time.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from claims.models import Claim
from claims.replicas import read_connection

T = TypeVar("T")


def cached_read(kind: str, key: str, build: Callable[[], T]) -> T:
    """`build()`'s result, from the cache when the database has not changed since it was kept.

    `kind` and `key` name the answer (e.g. "thread", the claim id and the host the links are for);
    the result must be picklable.
    """
    connection = read_connection(Claim)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return build()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        snapshot = cursor.fetchone()[0]
    digest = hashlib.blake2b(f"{key}\0{snapshot}".encode(), digest_size=16).hexdigest()
    cache_key = f"read:{kind}:{digest}"
    found = cache.get(cache_key)
    if found is not None:
        return found
    value = build()
    cache.set(cache_key, value, settings.READ_CACHE_SECONDS)
    return value
