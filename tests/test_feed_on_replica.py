"""The change feed read from a hot standby keeps commit order: a real primary, a replica streaming from it.

The feed only reads, and reads go to a replica (claims.replicas). There pg_stat_activity shows none
of the primary's sessions, and the standby's snapshot holds the primary's transactions in progress
as far as it has replayed: a change that commits late is held back, never skipped.
"""

import os

import psycopg2
import pytest
from django.db import connections

from claims.events import feed
from tests.deployment import Cluster, manage, require_clusters, wait_for_replay

pytestmark = pytest.mark.production

# Ports of our own for the throwaway clusters (FEED_TEST_PORTS="primary,replica"); free ones otherwise.
PORTS = [int(port) for port in os.environ.get("FEED_TEST_PORTS", "0,0").split(",")]
ALIAS = "feed_replica"


@pytest.fixture(scope="module")
def databases():
    """A migrated primary and a hot standby streaming from it; yields (primary, replica)."""
    require_clusters()
    primary = Cluster(port=PORTS[0] or None)
    replica = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE factcheck")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
        manage({**env, "DATABASE_URL": primary.url("factcheck")}, "migrate", "--noinput")
        replica = Cluster.replica_of(primary, port=PORTS[1] or None)
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


@pytest.fixture
def replica_alias(databases, django_db_blocker):
    """The replica as a database alias of this process, as DATABASE_REPLICA_URLS makes one (the test
    database is not used: the clusters are the test's own)."""
    _, replica = databases
    connections.settings[ALIAS] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "factcheck",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": str(replica.port),
        "OPTIONS": {},
    }
    with django_db_blocker.unblock():
        yield ALIAS
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def insert_change(cursor, subject: int) -> None:
    # The change record's row as the hook writes it; its txid comes from the column default.
    cursor.execute(
        "INSERT INTO events_change (kind, action, subject, version, time) VALUES ('topic', 'updated', %s, 2, now())",
        [subject],
    )


def subjects(changes) -> list[int]:
    return [change.subject for change in changes]


def test_a_reader_on_the_replica_receives_changes_committed_in_the_opposite_order(databases, replica_alias):
    primary, replica = databases
    first = psycopg2.connect(primary.url("factcheck"))
    second = psycopg2.connect(primary.url("factcheck"))
    try:
        with first.cursor() as cursor:
            insert_change(cursor, 1)  # begun first, committed last
        with second.cursor() as cursor:
            insert_change(cursor, 2)
        second.commit()
        wait_for_replay(primary, replica)

        # The replica has the second change, and ids alone would hand it out, putting the first behind.
        assert subjects(feed.Change.objects.using(replica_alias).order_by("id")) == [2]
        assert subjects(feed.visible_changes(using=replica_alias)) == []

        first.commit()
        wait_for_replay(primary, replica)
        assert subjects(feed.visible_changes(using=replica_alias)) == [1, 2]
    finally:
        first.close()
        second.close()
