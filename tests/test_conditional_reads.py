"""Conditional reads: a client that sends back the ETag it read gets a 304 until something it shows changes.

claims.api.conditional; docs/conditional-reads.md. The query counts of a 304 are pinned in
tests/test_query_counts.py.
"""

import threading
from importlib import import_module

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from claims.api import serializers
from claims.models import Appearance, Claim, Profile, Review, Source
from tests.factories import (
    claim_form_data,
    logged_in,
    make_article,
    make_claim,
    make_link,
    make_review,
    make_source,
    make_topic,
    make_user,
    token_client,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent commits need PostgreSQL: run with DATABASE_URL (CI does)"
)


@pytest.fixture
def record():
    """A claim with every kind of record around it, and a denial of it."""
    topic = make_topic()
    claim = make_claim(source=make_source(name="Observatory"), article=make_article(), topics=[topic])
    denial = make_claim(source=make_source(name="Spokesman"))
    link = make_link(denial, claim)
    review = make_review(claim)
    appearance = Appearance.objects.create(claim=claim, article=claim.article)
    return {"claim": claim, "denial": denial, "link": link, "review": review, "topic": topic, "appearance": appearance}


def urls(record) -> list[str]:
    """Every kind of read that answers If-None-Match."""
    claim, link, review = record["claim"], record["link"], record["review"]
    return [
        f"/api/claims/{claim.pk}/",
        f"/api/sources/{claim.source_id}/",
        f"/api/articles/{claim.article_id}/",
        f"/api/topics/{record['topic'].pk}/",
        f"/api/links/{link.pk}/",
        f"/api/reviews/{review.pk}/",
        f"/api/appearances/{record['appearance'].pk}/",
        "/api/claims/",
        "/api/claims/?status=unverified&has_denial=true",
        "/api/claims/?q=Claim",
        "/api/claims/?format=csv",
        "/api/sources/",
        "/api/articles/",
        "/api/topics/",
        "/api/links/",
        "/api/reviews/",
        "/api/appearances/",
        f"/api/claims/{claim.pk}/thread/",
        f"/api/claims/{claim.pk}/claimreview/",
        f"/api/reviews/{review.pk}/claimreview/",
        "/api/claimreview/",
        f"/api/claims/{claim.pk}/history/",
        f"/api/sources/{claim.source_id}/record/",
        "/api/changes/",
        "/api/changes/?types=claim",
    ]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_read_answers_its_own_etag_with_a_304_and_no_body(record, client_anon):
    for url in urls(record):
        first = client_anon.get(url)
        assert first.status_code == 200, url
        body_of(first)

        again = client_anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert again["Cache-Control"] == first["Cache-Control"] == "public, max-age=0, must-revalidate"


def test_a_detail_tag_starts_with_the_version_and_its_304_repeats_it(record, client_anon):
    claim = record["claim"]
    first = client_anon.get(f"/api/claims/{claim.pk}/")
    assert first["ETag"].startswith(f'"{claim.version}.')

    again = client_anon.get(f"/api/claims/{claim.pk}/", HTTP_IF_NONE_MATCH=f'"0", W/{first["ETag"]}')

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_an_edit_of_the_record_gives_a_200_with_a_new_etag(record, client_anon, client_editor):
    claim = record["claim"]
    url = f"/api/claims/{claim.pk}/"
    old = client_anon.get(url)["ETag"]
    client_editor.patch(url, {"status": "disputed"})

    response = client_anon.get(url, HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert response.json()["status"] == "disputed"
    assert response["ETag"] not in (old, None)


@pytest.mark.parametrize("url", ["/api/claims/{claim}/", "/api/claims/", "/api/claims/{denial}/thread/"])
def test_renaming_a_source_a_claim_shows_changes_the_claims_etag(record, client_anon, client_editor, url):
    """The claim's version stays the same, but what the answer shows of its source does not."""
    claim = record["claim"]
    url = url.format(claim=claim.pk, denial=record["denial"].pk)
    old = client_anon.get(url)["ETag"]
    assert client_editor.patch(f"/api/sources/{claim.source_id}/", {"name": "Observatory (renamed)"}).status_code == 200

    response = client_anon.get(url, HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert "Observatory (renamed)" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).version == claim.version


def _rename_in_the_admin(editor, name):
    assert logged_in(editor).post("/admin/display-name/", {"display_name": name}).status_code == 302


def _rename_by_hand(editor, name):
    # A script or a database console: no model, no signal, only the table.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_profile SET display_name = %s WHERE user_id = %s", [name, editor.pk])


def _give_a_first_display_name(editor, name):
    Profile.objects.create(user=editor, display_name=name)


@pytest.mark.parametrize(
    "had_one, rename",
    [(True, _rename_in_the_admin), (True, _rename_by_hand), (False, _give_a_first_display_name)],
    ids=["in the admin", "by hand", "a first one"],
)
@pytest.mark.parametrize("url", ["/api/claims/{claim}/", "/api/claims/", "/api/claims/{claim}/history/"])
def test_a_new_display_name_changes_the_etag_of_what_credits_the_editor(record, client_anon, had_one, rename, url):
    """The claim's version stays the same, but the name it credits its editor by does not."""
    editor = make_user("lgn-ed-4471", groups=["editors"], is_staff=True, display_name="Amal" if had_one else None)
    claim = record["claim"]
    Claim.objects.filter(pk=claim.pk).update(created_by=editor)
    if "history" in url:
        edit = logged_in(editor).post(
            f"/admin/claims/claim/{claim.pk}/change/", claim_form_data(claim, status="disputed")
        )
        assert edit.status_code == 302
    url = url.format(claim=claim.pk)
    old = client_anon.get(url)
    assert ("Amal" if had_one else f"Editor #{editor.pk}") in old.content.decode()
    assert client_anon.get(url, HTTP_IF_NONE_MATCH=old["ETag"]).status_code == 304
    rename(editor, "Amal Haddad")

    response = client_anon.get(url, HTTP_IF_NONE_MATCH=old["ETag"])

    assert response.status_code == 200
    assert "Amal Haddad" in response.content.decode()
    assert response["ETag"] != old["ETag"]


def test_the_counting_triggers_come_back_with_every_migrate(record, client_anon):
    """SQLite drops a table's triggers when Django rebuilds it (most column changes do): migrate makes them again."""
    editor = make_user("lgn-ed-6630", groups=["editors"], is_staff=True, display_name="Amal")
    Claim.objects.filter(pk=record["claim"].pk).update(created_by=editor)
    url = f"/api/claims/{record['claim'].pk}/"
    triggers = import_module("claims.migrations.0014_names_version").TRIGGERS[connection.vendor]
    profile_triggers = [name for name in triggers if "_profile_" in name]
    assert profile_triggers
    with connection.cursor() as cursor:
        on = " ON claims_profile" if connection.vendor == "postgresql" else ""
        for trigger in profile_triggers:
            cursor.execute(f"DROP TRIGGER {trigger}{on}")
    call_command("migrate", verbosity=0)
    old = client_anon.get(url)["ETag"]

    _rename_by_hand(editor, "Amal Haddad")

    response = client_anon.get(url, HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert "Amal Haddad" in response.content.decode()


def test_logging_in_keeps_the_304s(record, client_anon):
    """Only what reads show counts: a login writes last_login, and every client's copy stays current."""
    editor = make_user("lgn-ed-5512", groups=["editors"], is_staff=True, display_name="Bruno Keller")
    url = f"/api/claims/{record['claim'].pk}/"
    old = client_anon.get(url)["ETag"]

    assert Client().login(username="lgn-ed-5512", password="pw-for-tests-9")
    assert User.objects.get(pk=editor.pk).last_login is not None

    assert client_anon.get(url, HTTP_IF_NONE_MATCH=old).status_code == 304


def test_a_delete_changes_the_lists_etag(record, client_anon, client_super):
    old = client_anon.get("/api/reviews/")["ETag"]
    assert client_super.delete(f"/api/reviews/{record['review'].pk}/").status_code == 204

    response = client_anon.get("/api/reviews/", HTTP_IF_NONE_MATCH=old)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_topic_change_changes_the_filtered_lists_etag(record, client_anon, client_editor):
    topic = make_topic()
    url = f"/api/claims/?topic={topic.slug}"
    old = client_anon.get(url)
    assert old.json()["results"] == []
    client_editor.patch(f"/api/claims/{record['claim'].pk}/", {"topics": [topic.pk]}, format="json")

    response = client_anon.get(url, HTTP_IF_NONE_MATCH=old["ETag"])

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [record["claim"].pk]


def test_a_new_review_changes_the_claimreview_feeds_etag(record, client_anon):
    old = client_anon.get("/api/claimreview/")["ETag"]
    make_review(record["denial"], rating="false")

    assert client_anon.get("/api/claimreview/", HTTP_IF_NONE_MATCH=old).status_code == 200


def test_the_etag_differs_by_format(record, client_anon):
    claim = record["claim"]
    json_list = client_anon.get("/api/claims/")["ETag"]
    csv_list = client_anon.get("/api/claims/?format=csv")["ETag"]
    jsonld = client_anon.get(f"/api/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/ld+json")
    plain = client_anon.get(f"/api/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/json")

    assert json_list != csv_list
    assert jsonld["Content-Type"] != plain["Content-Type"]
    assert jsonld["ETag"] != plain["ETag"]
    again = client_anon.get(
        f"/api/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=jsonld["ETag"]
    )
    assert again.status_code == 200


def test_the_etag_differs_by_who_asks_and_an_answer_for_someone_is_private(record, client_anon):
    staff = make_user("staffer", is_staff=True, groups=["editors"])
    review = record["review"]
    Review.objects.filter(pk=review.pk).update(reviewer=staff)
    url = f"/api/reviews/{review.pk}/"
    public = client_anon.get(url)
    as_staff = token_client(staff, "read").get(url)

    assert public["ETag"] != as_staff["ETag"]
    assert public["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert as_staff["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert {"Accept", "Authorization", "Cookie"} <= {v.strip() for v in public["Vary"].split(",")}
    # The staff member's tag does not get the public a 304 (nor the other way round).
    assert client_anon.get(url, HTTP_IF_NONE_MATCH=as_staff["ETag"]).status_code == 200
    assert token_client(staff, "read").get(url, HTTP_IF_NONE_MATCH=public["ETag"]).status_code == 200


def test_the_etag_names_the_host_the_links_point_to(record, client_anon):
    url = f"/api/claims/{record['claim'].pk}/claimreview/"
    here = client_anon.get(url, HTTP_HOST="localhost")["ETag"]

    assert client_anon.get(url, HTTP_HOST="127.0.0.1", HTTP_IF_NONE_MATCH=here).status_code == 200


def test_head_answers_with_the_etag_and_a_304(record, client_anon):
    url = "/api/claims/"
    got = client_anon.get(url)
    head = client_anon.head(url)

    assert head.status_code == 200
    assert head["ETag"] == got["ETag"]
    assert client_anon.head(url, HTTP_IF_NONE_MATCH=got["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "header", ["garbage", '"', '""', "W/", '"unterminated', "\u00fc\u00df", "x" * 5000, '"1"', "W/*", ", x"]
)
def test_an_if_none_match_that_names_nothing_of_ours_gets_the_normal_answer(record, client_anon, header):
    for url in ("/api/claims/", f"/api/claims/{record['claim'].pk}/"):
        response = client_anon.get(url, HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 200
        assert response.json()


@pytest.mark.parametrize("header", ["", " ", ",", " , \t"])
def test_an_if_none_match_that_names_no_tag_is_a_400_naming_it(record, client_anon, header):
    response = client_anon.get("/api/claims/", HTTP_IF_NONE_MATCH=header)

    assert response.status_code == 400
    assert "If-None-Match" in response.json()


def test_a_star_matches_a_record_that_exists_and_not_one_that_does_not(record, client_anon):
    assert client_anon.get(f"/api/claims/{record['claim'].pk}/", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert client_anon.get("/api/claims/999999/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_304_renders_nothing(record, client_anon, monkeypatch):
    claim = record["claim"].pk
    reads = ["/api/claims/", "/api/sources/", f"/api/claims/{claim}/", f"/api/claims/{claim}/thread/"]
    tags = {url: client_anon.get(url)["ETag"] for url in reads}

    def refuse(*args, **kwargs):
        raise AssertionError("rendered a page for a 304")

    monkeypatch.setattr("claims.api.views.claims_from_rows", refuse)
    monkeypatch.setattr("claims.api.views.claim_detail", refuse)
    monkeypatch.setattr(serializers.SourceSerializer, "to_representation", refuse)
    monkeypatch.setattr(serializers.ThreadSerializer, "to_representation", refuse)
    for url, tag in tags.items():
        assert client_anon.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_a_write_answers_with_the_version_and_its_tag_gets_no_304(record, client_editor):
    url = f"/api/sources/{record['claim'].source_id}/"
    written = client_editor.patch(url, {"name": "New name"})
    assert written["ETag"] == '"2"'

    assert client_editor.get(url, HTTP_IF_NONE_MATCH=written["ETag"]).status_code == 200


def test_errors_carry_no_etag(client_anon):
    missing = client_anon.get("/api/claims/999999/")
    bad = client_anon.get("/api/claims/?status=nonsense")

    assert (missing.status_code, bad.status_code) == (404, 400)
    assert "ETag" not in missing and "ETag" not in bad


@pytest.mark.parametrize("page", ["claim", "article"])
def test_the_public_pages_answer_their_etag_with_a_304_until_the_record_changes(record, client_editor, page):
    claim = record["claim"]
    url = f"/claims/{claim.pk}/" if page == "claim" else f"/articles/{claim.article_id}/"
    reader = Client()
    first = reader.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"

    assert reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    client_editor.patch(f"/api/sources/{claim.source_id}/", {"name": "Observatory (renamed)"})
    changed = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_a_missing_public_page_is_still_a_404_under_a_star():
    assert Client().get("/claims/999999/", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_tokens_and_their_endpoint_are_never_stored():
    user = make_user("holder")
    listing = token_client(user, "read").get("/api/tokens/")
    issued = APIClient().post("/api/auth/token/", {"username": "holder", "password": "pw-for-tests-9"})
    refused = APIClient().post("/api/auth/token/", {"username": "holder", "password": "wrong"})

    assert (listing.status_code, issued.status_code, refused.status_code) == (200, 200, 401)
    for response in (listing, issued, refused):
        assert response["Cache-Control"] == "no-store"
        assert "ETag" not in response


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_after_a_later_one_still_changes_the_etag():
    """Ids are taken when rows are written, not when they commit: the first writer commits last."""
    source = Source.objects.create(slug="s", name="S", kind="media")
    first_wrote, read_done, second_done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def first_writer():
        try:
            with transaction.atomic():
                Claim.objects.create(text="Written first, committed last", source=source, claimed_on="2017-11-08")
                first_wrote.set()
                assert read_done.wait(10)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    def second_writer():
        try:
            assert first_wrote.wait(10)
            Claim.objects.create(text="Written second, committed first", source=source, claimed_on="2017-11-08")
        finally:
            second_done.set()
            connection.close()

    client = APIClient()
    threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for thread in threads:
        thread.start()
    assert second_done.wait(10)
    before = client.get("/api/claims/")
    ids = [c["id"] for c in before.json()["results"]]
    read_done.set()
    for thread in threads:
        thread.join(10)
    assert errors == []

    after = client.get("/api/claims/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    first = Claim.objects.get(text="Written first, committed last")
    assert first.pk < max(ids) and first.pk not in ids
    assert first.pk in [c["id"] for c in after.json()["results"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL query plan (CI runs it there)")
def test_the_state_query_seeks_the_change_index_however_large_the_change_record():
    # At 1.3 million changes a one-sided range on the horizon (unknown when planned) was estimated at a
    # third of the table and every read scanned it (480 ms, bench/README.md): the plan must use the index.
    from claims.api.conditional import _state_sql
    from claims.events.models import Change

    table = Change._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, action, subject, version, time, txid)"
            " SELECT 'claim', 'updated', n, 2, now(), n FROM generate_series(1, 200000) AS n"
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("EXPLAIN " + _state_sql("postgresql"))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Estimated at a third of the table, the count reads it (a bitmap heap scan here, a sequential scan at
    # a million rows); estimated as a range, it reads the index alone.
    assert f"Seq Scan on {table}" not in plan, plan
    assert f"Bitmap Heap Scan on {table}" not in plan, plan
