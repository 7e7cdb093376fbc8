"""Every create, change and delete is recorded with who, when and what, whichever way it came."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from claims.models import Claim, ClaimLink, Source
from tests.factories import (
    admin_client,
    claim_form_data,
    logged_in,
    make_claim,
    make_source,
    make_topic,
    make_user,
    token_client,
)

pytestmark = pytest.mark.django_db


def history(client, url):
    response = client.get(url + "history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def author(entry):
    """The login name of the revision's author: the API shows only the id and display name."""
    return User.objects.get(pk=entry["user"]["id"]).username if entry["user"] else None


def change(entry, field):
    return next((c for c in entry["changes"] if c["field"] == field), None)


def test_api_changes_are_recorded_with_author_and_field_differences(client_editor, client_anon):
    source = make_source()
    created = client_editor.post(
        "/api/claims/", {"text": "Militias crossed", "source": source.pk, "claimed_on": "2017-11-08"}
    )
    url = f"/api/claims/{created.json()['id']}/"
    client_editor.patch(url, {"status": "disputed", "text": "Iraqi militias crossed"})

    entries = history(client_anon, url)

    assert [e["type"] for e in entries] == ["changed", "created"]
    assert {author(e) for e in entries} == {"editor"}
    assert change(entries[0], "status") == {"field": "status", "old": "unverified", "new": "disputed"}
    assert change(entries[0], "text") == {"field": "text", "old": "Militias crossed", "new": "Iraqi militias crossed"}
    assert change(entries[0], "source") is None  # unchanged fields are not listed
    assert change(entries[1], "source") == {"field": "source", "old": None, "new": source.pk}


def test_topic_changes_show_in_the_claim_history(client_editor, client_anon):
    rawa, albu_kamal = make_topic(), make_topic()
    claim = make_claim(topics=[rawa])
    client_editor.patch(f"/api/claims/{claim.pk}/", {"topics": [albu_kamal.pk]})

    entries = history(client_anon, f"/api/claims/{claim.pk}/")
    topic_changes = [change(e, "topics") for e in entries if change(e, "topics")]

    assert topic_changes[0]["new"] == [albu_kamal.pk]
    assert topic_changes[-1]["new"] == [rawa.pk]
    assert any(author(e) == "editor" and change(e, "topics") for e in entries)


def test_deletes_are_recorded_and_history_outlives_the_record(client_super, client_anon):
    source = make_source(name="Short-lived")
    client_super.delete(f"/api/sources/{source.pk}/")

    entries = history(client_anon, f"/api/sources/{source.pk}/")

    assert not Source.objects.filter(pk=source.pk).exists()
    assert [(e["type"], author(e)) for e in entries] == [("deleted", "boss"), ("created", None)]


@pytest.mark.parametrize("resource", ["sources", "articles", "topics", "links", "reviews"])
def test_every_resource_has_a_history_endpoint(client_editor, client_anon, resource):
    claim, other = make_claim(), make_claim()
    bodies = {
        "sources": {"slug": "s", "name": "S", "kind": "media"},
        "articles": {"title": "A"},
        "topics": {"slug": "t", "name": "T", "kind": "place"},
        "links": {"from_claim": other.pk, "to_claim": claim.pk, "relation": "denies"},
        "reviews": {"claim": claim.pk, "rating": "unproven"},
    }
    created = client_editor.post(f"/api/{resource}/", bodies[resource])
    assert created.status_code == 201, created.content
    entries = history(client_anon, f"/api/{resource}/{created.json()['id']}/")
    assert [(e["type"], author(e)) for e in entries] == [("created", "editor")]


def test_history_of_something_that_never_existed_is_404(client_anon):
    assert client_anon.get("/api/claims/31337/history/").status_code == 404
    assert client_anon.get("/api/claims/99999999999999999999999/history/").status_code == 404


def test_history_pages_keep_the_difference_across_the_page_break(client_editor, client_anon):
    claim = make_claim()
    for status in ["disputed", "retracted", "unverified"]:
        client_editor.patch(f"/api/claims/{claim.pk}/", {"status": status})
    second_page = client_anon.get(f"/api/claims/{claim.pk}/history/?page_size=1&page=2").json()["results"]
    # The second newest revision: retracted, from disputed, which is on the next page.
    assert change(second_page[0], "status") == {"field": "status", "old": "disputed", "new": "retracted"}


@pytest.mark.parametrize("page_size", [1, 50])
def test_history_query_count_is_fixed(client_editor, client_anon, django_assert_num_queries, page_size):
    claim = make_claim(topics=[make_topic()])
    for status in ["disputed", "retracted", "unverified", "disputed"]:
        client_editor.patch(f"/api/claims/{claim.pk}/", {"status": status})
    # the database's state (for the ETag), count, the page of revisions with authors, the revision before
    # the page, topic snapshots
    with django_assert_num_queries(5):
        client_anon.get(f"/api/claims/{claim.pk}/history/", {"page_size": page_size})


def test_admin_form_saves_and_bulk_actions_are_recorded_with_their_author():
    editor = make_user("ed", groups=["editors"], is_staff=True)
    client = logged_in(editor)
    claims = [make_claim(), make_claim()]

    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "mark_disputed", "_selected_action": [c.pk for c in claims]},
    )

    assert response.status_code == 302
    for claim in claims:
        latest = claim.history.first()
        assert (latest.history_user, latest.history_type) == (editor, "~")
        assert latest.history_change_reason == "Bulk action: mark as disputed"
        assert latest.diff_against(latest.prev_record).changed_fields == ["status"]
        claim.refresh_from_db()
        assert claim.status == "disputed"


def test_admin_history_page_shows_the_differences():
    root = make_user("root", is_superuser=True, is_staff=True)
    client = logged_in(root)
    claim = make_claim(text="Before")
    client.post(reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim, text="After"))
    page = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()

    # The "Changes" column: the field, its old value and its new value, in one entry by root.
    assert re.search(r"<strong>Text:</strong>\s*Before\s*&nbsp;&rarr;&nbsp;&nbsp;After", page)
    assert "root" in page


def test_changes_made_by_a_management_command_are_recorded():
    claim = make_claim()
    call_command(
        "shell",
        command=f"from claims.models import Claim; c = Claim.objects.get(pk={claim.pk}); "
        "c.status = 'retracted'; c.save()",
    )
    latest = claim.history.first()
    assert latest.history_type == "~"
    assert latest.status == "retracted"
    assert latest.history_user is None


def test_loaddata_records_a_revision_for_each_record_it_writes():
    call_command("load_demo", verbosity=0)
    # The demo's other article was read by extraction: its claims' first revisions say so (test_demo_fixture).
    claims = Claim.objects.filter(article__body="").count()
    assert claims > 0
    assert Claim.history.filter(history_type="+", history_change_reason="loaddata albu_kamal_2017").count() == claims
    assert ClaimLink.history.count() == ClaimLink.objects.count()
    denial = Claim.objects.get(source__slug="popular-mobilisation-forces", quote__contains="no orders")
    assert sorted(denial.history.first().topics.values_list("topic__slug", flat=True)) == sorted(
        denial.topics.values_list("slug", flat=True)
    )


def test_loading_the_fixture_over_an_edit_is_recorded_as_a_change(client_editor, client_anon):
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
    report = Claim.objects.get(source__slug="syrian-observatory-for-human-rights")
    client_editor.patch(f"/api/claims/{report.pk}/", {"text": "Edited by an editor"})

    call_command("loaddata", "albu_kamal_2017", verbosity=0)

    entries = history(client_anon, f"/api/claims/{report.pk}/")
    assert [(e["type"], author(e)) for e in entries] == [("changed", None), ("changed", "editor"), ("created", None)]
    assert change(entries[0], "text")["old"] == "Edited by an editor"
    assert entries[0]["reason"] == "loaddata albu_kamal_2017"


def test_load_demo_leaves_a_database_with_claims_alone():
    call_command("load_demo", verbosity=0)
    Claim.objects.filter(pk=Claim.objects.first().pk).update(text="Edited")
    revisions = Claim.history.count()
    call_command("load_demo", verbosity=0)
    assert Claim.objects.filter(text="Edited").exists()
    assert Claim.history.count() == revisions


def test_history_baseline_records_a_first_revision_for_records_without_one():
    claim = make_claim(topics=[make_topic()])
    claim.history.all().delete()
    call_command("history_baseline", verbosity=0)
    revision = claim.history.get()
    assert revision.history_type == "+"
    assert list(revision.topics.values_list("topic_id", flat=True)) == list(claim.topics.values_list("pk", flat=True))


def test_an_update_that_changes_nothing_records_nothing_and_keeps_the_etag(client_editor):
    topic = make_topic()
    claim = make_claim(topics=[topic], status="disputed")
    revisions = claim.history.count()
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"status": "disputed", "topics": [topic.pk]})
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert claim.history.count() == revisions


def test_an_unchanged_admin_save_records_nothing():
    claim = make_claim()
    revisions = claim.history.count()
    client = admin_client(is_superuser=True)
    response = client.post(reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.version, claim.history.count()) == (1, revisions)


def test_a_change_made_with_a_token_is_signed_by_the_tokens_user(editor, client_anon):
    client = token_client(editor)
    claim = make_claim()
    assert client.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}).status_code == 200
    assert author(history(client_anon, f"/api/claims/{claim.pk}/")[0]) == "editor"


def test_a_delete_in_the_admin_is_recorded_with_its_author(client_anon):
    senior = make_user("senior", groups=["senior editors"], is_staff=True)
    client = logged_in(senior)
    source = make_source()
    response = client.post(reverse("admin:claims_source_delete", args=[source.pk]), {"post": "yes"})
    assert response.status_code == 302
    entries = history(client_anon, f"/api/sources/{source.pk}/")
    assert (entries[0]["type"], author(entries[0])) == ("deleted", "senior")
