"""The change record: every write path that changes a record writes one Change, in its transaction."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from claims.events.models import Change
from claims.events.recording import KINDS
from claims.events.signals import change_recorded
from claims.history import tracked_models
from claims.models import Appearance, Claim, Source, Topic
from tests.factories import claim_form_data, logged_in, make_article, make_claim, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_changes():
    """The changes written since the fixture was set up, as (type, subject) pairs, oldest first."""
    start = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def read():
        return [(c.type, c.subject) for c in Change.objects.filter(id__gt=start).order_by("id")]

    return read


def test_every_kind_of_record_that_keeps_history_has_a_kind_of_change():
    assert {model._meta.model_name for model in tracked_models()} == set(KINDS)


def test_api_create_patch_and_delete_each_record_one_change(client_super, new_changes):
    source = make_source()
    start = new_changes()

    created = client_super.post(
        "/api/claims/", {"text": "Troops left", "source": source.pk, "claimed_on": "2017-11-08"}, format="json"
    )
    pk = created.json()["id"]
    client_super.patch(f"/api/claims/{pk}/", {"status": "disputed"}, format="json")
    client_super.delete(f"/api/claims/{pk}/")

    assert new_changes()[len(start) :] == [("claim.created", pk), ("claim.updated", pk), ("claim.deleted", pk)]


def test_a_change_records_its_author_time_and_the_version_it_made(client_super, superuser):
    claim = make_claim()
    client_super.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}, format="json")
    client_super.delete(f"/api/claims/{claim.pk}/", HTTP_IF_MATCH='"2"')

    updated, deleted = Change.objects.filter(kind="claim", subject=claim.pk).order_by("id")[1:]
    assert (updated.action, updated.version, updated.user) == ("updated", 2, superuser)
    # A delete with If-Match claims the version first; the deletion itself has no version after it.
    assert (deleted.action, deleted.version, deleted.user) == ("deleted", None, superuser)
    assert updated.time <= deleted.time


def test_a_patch_of_a_claims_topics_with_its_text_is_one_change(client_super, new_changes):
    claim = make_claim(topics=[make_topic()])
    other = make_topic()
    start = new_changes()

    response = client_super.patch(f"/api/claims/{claim.pk}/", {"text": "Reworded", "topics": [other.pk]}, format="json")

    assert response.status_code == 200
    assert new_changes()[len(start) :] == [("claim.updated", claim.pk)]


@pytest.mark.django_db(transaction=True)
def test_topics_changed_in_a_transaction_of_their_own_are_a_change_of_the_claim(new_changes):
    # Transactional: in the test's one transaction the change would fold into the claim's creation.
    claim = make_claim()
    topic = make_topic()
    start = new_changes()

    claim.topics.add(topic)

    assert new_changes()[len(start) :] == [("claim.updated", claim.pk)]


def test_admin_save_and_bulk_action_record_changes(new_changes):
    client = logged_in(make_user(groups=["editors"], is_staff=True))
    first, second = make_claim(), make_claim()
    start = new_changes()

    client.post(
        reverse("admin:claims_claim_change", args=[first.pk]), claim_form_data(first, text="Edited in the admin")
    )
    client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "mark_disputed", "_selected_action": [first.pk, second.pk]},
    )

    assert Claim.objects.get(pk=first.pk).text == "Edited in the admin"
    assert sorted(new_changes()[len(start) :]) == sorted(
        [("claim.updated", first.pk), ("claim.updated", first.pk), ("claim.updated", second.pk)]
    )


def test_admin_delete_records_a_deleted_change(new_changes):
    client = logged_in(make_user(is_superuser=True, is_staff=True))
    topic = make_topic()
    start = new_changes()

    client.post(reverse("admin:claims_topic_delete", args=[topic.pk]), {"post": "yes"})

    assert not Topic.objects.filter(pk=topic.pk).exists()
    assert new_changes()[len(start) :] == [("topic.deleted", topic.pk)]


def test_import_records_every_created_record(tmp_path, new_changes):
    path = tmp_path / "claims.csv"
    path.write_text(
        "text,source,claimed_on,topics\nMilitias crossed,sohr,2017-11-08,rawa\nThey did not,sohr,2017-11-09,rawa\n"
    )
    start = new_changes()

    call_command("import_claims", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    claims = sorted(Claim.objects.values_list("pk", flat=True))
    written = new_changes()[len(start) :]
    assert sorted(pk for kind, pk in written if kind == "claim.created") == claims
    assert ("source.created", Source.objects.get(slug="sohr").pk) in written
    assert ("topic.created", Topic.objects.get(slug="rawa").pk) in written
    if connection.vendor == "postgresql":
        # Bulk inserts take the transaction id from the column default too: the feed orders by it.
        assert not Change.objects.filter(txid__isnull=True).exists()


def test_accepting_drafts_records_the_claims_sources_and_anchors(client_editor, new_changes):
    body = "The ministry said that the bridge was closed."
    article = make_article(body=body)
    start = new_changes()
    span = {"start": body.index("the bridge"), "end": body.index(".")}
    party = {"name": "The ministry", "role": "", "kind": "government", "match": None}
    draft = {
        "text": "The bridge was closed.",
        "quote": "",
        "cue": "said",
        "span": span,
        "source": party,
        "speaker": None,
        "via": None,
        "claimed_on": "2017-11-08",
        "claimed_on_precision": "day",
        "links": [],
    }

    response = client_editor.post(f"/api/articles/{article.pk}/accept/", {"drafts": [draft]}, format="json")

    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(text="The bridge was closed.")
    written = new_changes()[len(start) :]
    assert ("claim.created", claim.pk) in written
    assert ("source.created", claim.source_id) in written
    assert ("appearance.created", Appearance.objects.get(claim=claim).pk) in written


def test_an_article_edit_that_moves_an_anchor_records_the_appearance_change(client_super, new_changes):
    article = make_article(body="Shelling was reported near the river.")
    claim = make_claim(article=article)
    created = client_super.post(
        "/api/appearances/",
        {"claim": claim.pk, "article": article.pk, "start": 0, "end": 8},
        format="json",
    )
    appearance = created.json()["id"]
    start = new_changes()

    response = client_super.patch(
        f"/api/articles/{article.pk}/", {"body": "Late on Monday, shelling was reported near the river."}, format="json"
    )

    assert response.status_code == 200
    assert new_changes()[len(start) :] == [("article.updated", article.pk), ("appearance.updated", appearance)]


def test_deleting_a_claim_records_its_appearances_going_with_it(client_super, new_changes):
    article = make_article(body="Shelling was reported near the river.")
    claim = make_claim(article=article)
    appearance = Appearance.objects.create(claim=claim, article=article, start=0, end=8, exact="Shelling")
    start = new_changes()

    client_super.delete(f"/api/claims/{claim.pk}/")

    assert sorted(new_changes()[len(start) :]) == [("appearance.deleted", appearance.pk), ("claim.deleted", claim.pk)]


def test_a_failed_write_leaves_no_change(client_super, new_changes):
    claim = make_claim()
    start = new_changes()

    response = client_super.patch(f"/api/claims/{claim.pk}/", {"status": "no-such-status"}, format="json")

    assert response.status_code == 400
    assert new_changes() == start


def test_a_receiver_of_change_recorded_writes_in_the_writers_transaction():
    seen = []

    def receiver(change, **kwargs):
        seen.append((change.type, connection.in_atomic_block))
        raise RuntimeError("the outbox could not be written")

    change_recorded.connect(receiver)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_source(slug="rolled-back")
    finally:
        change_recorded.disconnect(receiver)

    assert seen == [("source.created", True)]
    assert not Source.objects.filter(slug="rolled-back").exists()
    assert not Change.objects.filter(kind="source").exists()


def test_a_change_knows_its_writers_transaction_on_postgresql():
    claim = make_claim()
    change = Change.objects.get(subject=claim.pk, kind="claim")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            (current,) = cursor.fetchone()
        # The test runs in one transaction, so the writer's transaction is this one.
        assert change.txid == current
    else:
        assert change.txid is None
