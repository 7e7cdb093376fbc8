"""The change record: every write that keeps history writes one Change, in its transaction."""

import pytest

from claims.events.models import Change
from tests.factories import make_claim, make_topic

pytestmark = pytest.mark.django_db


def types_of(changes) -> list[tuple[str, int]]:
    return [(c.type, c.subject) for c in changes]


def test_a_claim_made_with_topics_is_one_created_change():
    topic = make_topic()
    start = Change.objects.count()
    claim = make_claim(topics=[topic])
    # make_claim saves, then sets topics outside a transaction: simple-history records two revisions.
    assert ("claim.created", claim.pk) in types_of(Change.objects.all()[start:])


def test_a_change_knows_its_writers_transaction_on_postgresql():
    from django.db import connection

    claim = make_claim()
    change = Change.objects.filter(subject=claim.pk, kind="claim").first()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            (current,) = cursor.fetchone()
        # The test runs in one transaction, so the writer's transaction is this one.
        assert change.txid == current
    else:
        assert change.txid is None
