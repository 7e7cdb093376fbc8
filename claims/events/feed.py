"""Reading the change record in the order changes became visible: positions, visibility, pruning.

A change's position is (txid, id) on PostgreSQL and (id) on SQLite. Ids are taken at INSERT, not at
commit, so on PostgreSQL a transaction that inserts early and commits late would put its change behind
a reader who already went past it. Ordering by the writer's transaction id, and serving only changes below the
lowest transaction id that is still in progress (in this database), makes every change that is not
served yet come after every change that is: a later transaction gets a larger id. SQLite
takes one writer at a time, from its first write to its commit, so ids are in commit order there.
docs/changes-and-webhooks.md, "Commit order", gives the reasoning and the measurements.
"""

import datetime
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from claims.events.models import Change
from claims.models import MAX_ID

# The horizon: the lowest transaction id that may still add changes. Every change below it is final:
# committed (and in the reading statement's snapshot) or rolled back. It is the lowest id still in
# progress in the snapshot (pg_snapshot_xip), or else the snapshot's xmax, below which every id is
# assigned. Transactions in progress in *other databases* of the cluster are left out (they cannot
# write this table): otherwise any long transaction anywhere on the server would hold the feed back.
# One that has just ended, or that pg_stat_activity does not show us, is counted: the safe side.
# On a hot standby pg_snapshot_xip is always empty (a snapshot taken in recovery keeps the primary's
# transactions in progress apart, and pg_current_snapshot() leaves them out), so there the snapshot's
# xmin bounds it: the lowest of them, from any database (tests/test_feed_on_replica.py).
# A subquery on the statement's own snapshot, computed once per statement, so the index can seek.
HORIZON_SQL = (
    "SELECT LEAST(pg_snapshot_xmax(s.snap)::text::bigint, ("
    "SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x WHERE x::xid NOT IN ("
    # Read once, hashed, not once per transaction in progress (pg_stat_activity per row: 2.1 ms against 0.2 ms).
    "SELECT a.backend_xid FROM pg_stat_get_activity(NULL) AS a WHERE a.backend_xid IS NOT NULL"
    " AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database()))"
    "), CASE WHEN pg_is_in_recovery() THEN pg_snapshot_xmin(s.snap)::text::bigint END"
    ") FROM (SELECT pg_current_snapshot() AS snap) AS s"
)
_HORIZON = RawSQL(HORIZON_SQL, [])
# The reader's own transaction, when it wrote (a script or a test inside one): it sees its changes already.
OWN_SQL = "SELECT pg_current_xact_id_if_assigned()::text::bigint"
_OWN = RawSQL(OWN_SQL, [])


@dataclass(frozen=True, order=True)
class Position:
    """Where a change stands in the feed: after every change it comes after, on every read."""

    txid: int | None
    id: int

    @classmethod
    def of(cls, change: Change) -> "Position":
        return cls(change.txid, change.id)


def orders_by_transaction(using: str) -> bool:
    """Whether positions on this database are (txid, id): PostgreSQL; elsewhere (SQLite) the id alone."""
    return connections[using].vendor == "postgresql"


# The changes whose transaction this cluster has not reached. A snapshot's xmax is one past the newest
# transaction that had ended when it was taken, so every committed change is below it; the reader's own
# transaction, in progress, may not be.
_AHEAD = (
    f"txid >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint AND txid <= {MAX_ID}"
    f" AND txid IS DISTINCT FROM ({OWN_SQL})"
)


def restored_ahead(using: str | None = None) -> bool:
    """Whether the record holds changes with transaction ids this PostgreSQL cluster has not reached.

    In normal running there are none: a change is seen once its transaction has committed. A
    logical dump restored into another cluster (pg_dump and pg_restore; pg_upgrade and physical
    copies keep transaction ids) brings the old cluster's ids, often far ahead of the new one's.
    Served so, those changes would wait beyond the horizon, and every change written after the
    restore would come before them in the feed: behind the cursors of the clients that had read
    them, so skipped. `rebase_restored` puts them back in order. One seek in the (txid, id) index.
    """
    using = using or router.db_for_read(Change)
    if not orders_by_transaction(using):
        return False
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Change._meta.db_table} WHERE {_AHEAD})")
        return cursor.fetchone()[0]


def rebase_restored() -> int:
    """Give the changes that a dump brought from another cluster transaction id 1; return how many.

    They are the changes up to the newest one ahead of the cluster (see `restored_ahead`): the
    restored sequence gives the changes written since higher ids. They all committed before the
    dump, so they come first, in the order of their ids, and the changes written since keep their
    transaction ids, after them. A cursor given before the move names a position that no longer
    exists, so its client is told to copy again (410), as for a pruned entry: the order it followed
    is not the order now. Writers of changes wait while it runs.
    """
    if not orders_by_transaction(DEFAULT_DB_ALIAS):
        return 0
    table = Change._meta.db_table
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # No change is written between reading the boundary and moving what is below it.
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT max(id) FROM {table} WHERE {_AHEAD}")
        (boundary,) = cursor.fetchone()
        if boundary is None:
            return 0
        cursor.execute(f"UPDATE {table} SET txid = 1 WHERE id <= %s AND txid <> 1", [boundary])
        return cursor.rowcount


def visible_changes(using: str | None = None) -> QuerySet:
    """Changes a reader may be given, in feed order; `using` is the alias read from (default: the router's)."""
    using = using or router.db_for_read(Change)
    changes = Change.objects.using(using).order_by("txid", "id")
    if orders_by_transaction(using):
        changes = changes.filter(Q(txid__lt=_HORIZON) | Q(txid=_OWN))
    return changes


def after(changes: QuerySet, position: Position) -> QuerySet:
    """`changes` (in feed order) that come after `position`."""
    if orders_by_transaction(changes.db):
        # The leading `txid >= t` is implied by the rest; it lets the database seek in the (txid, id) index.
        return changes.filter(
            Q(txid__gt=position.txid) | Q(txid=position.txid, id__gt=position.id), txid__gte=position.txid
        )
    return changes.filter(id__gt=position.id)


def before(changes: QuerySet, position: Position) -> QuerySet:
    """`changes` (in feed order) that come before `position`."""
    if orders_by_transaction(changes.db):
        return changes.filter(
            Q(txid__lt=position.txid) | Q(txid=position.txid, id__lt=position.id), txid__lte=position.txid
        )
    return changes.filter(id__lt=position.id)


def of_types(kinds: set[str], pairs: set[tuple[str, str]]) -> Q:
    """Changes of any of `kinds`, or of one of the (kind, action) `pairs`."""
    condition = Q(kind__in=sorted(kinds)) if kinds else Q(pk__in=[])
    for kind, action in sorted(pairs):
        condition |= Q(kind=kind, action=action)
    return condition


def is_kept(position: Position, using: str | None = None) -> bool:
    """Whether the change at `position` is still kept: if it is, so is everything after it (see `prune`)."""
    using = using or router.db_for_read(Change)
    return Change.objects.using(using).filter(id=position.id, txid=position.txid).exists()


def prune(*, older_than: datetime.timedelta, batch: int = 10_000) -> int:
    """Delete the changes older than `older_than`, in feed order, and return how many.

    What is deleted is always a beginning of the feed: the changes before the first one (in feed
    order) that is recent enough, and never the newest one. So a kept change has everything after it
    kept, and a cursor is still good exactly when the change it names is still there (`is_kept`).
    """
    cutoff = timezone.now() - older_than
    visible = visible_changes(using=DEFAULT_DB_ALIAS)
    keep_from = visible.filter(time__gte=cutoff).first() or visible.last()
    if keep_from is None:
        return 0
    old = before(visible, Position.of(keep_from))
    deleted = 0
    while True:
        with transaction.atomic():
            # The oldest first, so that a cursor whose change is still there has nothing after it gone.
            ids = list(old.values_list("id", flat=True)[:batch])
            if not ids:
                return deleted
            deleted += Change.objects.filter(id__in=ids).delete()[0]
