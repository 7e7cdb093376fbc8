"""Regression tests for what a review found by trying to break the service."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from claims.api import base
from claims.models import Claim, ClaimLink, Source
from tests.factories import admin_client, claim_form_data, make_claim, make_link, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db


# History is read-only in the admin


def test_posting_to_an_admin_history_revision_is_refused_and_changes_nothing():
    claim = make_claim()
    first_revision = claim.history.first()
    senior = admin_client(is_superuser=True)
    senior.post(reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim, status="confirmed"))
    claim.refresh_from_db()
    editor = admin_client("editors")

    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first_revision.history_id])
    response = editor.post(url, claim_form_data(claim, status="unverified"))

    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "confirmed"


@pytest.mark.parametrize("path", ["abc/history/", "1/history/abc/", "99999999999999999999999/history/"])
def test_malformed_history_urls_are_404(path):
    make_claim()
    assert admin_client(is_superuser=True).get(f"/admin/claims/claim/{path}").status_code == 404


# A write racing a delete


def test_an_update_of_a_record_deleted_meanwhile_is_refused_not_resurrected(client_editor, monkeypatch):
    claim = make_claim(topics=[make_topic()])
    original_check = base.check_if_match

    def delete_meanwhile(request, instance):
        result = original_check(request, instance)
        Claim.objects.filter(pk=instance.pk).delete()  # another request's DELETE lands here
        return result

    monkeypatch.setattr(base, "check_if_match", delete_meanwhile)
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"text": "Edited"}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert not Claim.objects.filter(pk=claim.pk).exists()


# Query parameters and bodies


@pytest.mark.parametrize(
    "query",
    [
        "/api/claims/?article=99999999999999999999",
        "/api/claims/?article=9223372036854775808",
        "/api/links/?claim=99999999999999999999",
        "/api/links/?from_claim=99999999999999999999",
        "/api/reviews/?claim=99999999999999999999",
        "/api/claims/?article=0",
    ],
)
def test_ids_out_of_range_in_filters_are_a_400(client_anon, query):
    response = client_anon.get(query)
    assert response.status_code == 400
    assert query.split("?")[1].split("=")[0] in response.json()


def test_deeply_nested_json_is_a_400(client_editor):
    body = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client_editor.generic("POST", "/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not Claim.objects.exists()


# Admin forms


def test_aliases_are_edited_one_per_line_in_the_admin():
    client = admin_client(is_superuser=True)
    response = client.post(
        reverse("admin:claims_source_add"),
        {"slug": "pmf", "name": "PMF", "kind": "armed_group", "aliases": "Hashd al-Shaabi\n\n الحشد الشعبي \n"},
    )
    assert response.status_code == 302
    assert Source.objects.get(slug="pmf").aliases == ["Hashd al-Shaabi", "الحشد الشعبي"]
    page = client.get(reverse("admin:claims_source_change", args=[Source.objects.get(slug="pmf").pk]))
    assert "Hashd al-Shaabi\nالحشد الشعبي" in page.content.decode()


@pytest.mark.parametrize("aliases", ["a\x00b", "Daesh\nDaesh", "x" * 201])
def test_bad_aliases_are_a_form_error_in_the_admin(aliases):
    response = admin_client(is_superuser=True).post(
        reverse("admin:claims_source_add"), {"slug": "s", "name": "S", "kind": "media", "aliases": aliases}
    )
    assert response.status_code == 200
    assert "aliases" in response.context["adminform"].form.errors
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("topics", "abc"), ("topics", "99999999999999999999"), ("source", "99999999999999999999"), ("source", "abc")],
)
def test_crafted_autocomplete_values_are_form_errors_in_the_admin(field, value):
    claim = make_claim()
    data = claim_form_data(claim, **{field: value})
    response = admin_client(is_superuser=True).post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Claim.objects.count() == 1


def test_a_huge_id_in_an_inline_link_is_a_form_error():
    claim = make_claim()
    data = claim_form_data(
        claim,
        **{
            "links_out-TOTAL_FORMS": "1",
            "links_out-0-relation": "denies",
            "links_out-0-to_claim": "99999999999999999999",
        },
    )
    response = admin_client(is_superuser=True).post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert not ClaimLink.objects.exists()


# The retraction rule


def test_a_retraction_to_another_sources_claim_is_refused_from_a_new_claims_page():
    other_source_claim = make_claim()
    mine = make_source()
    data = claim_form_data(
        make_claim(source=mine),
        **{
            "links_out-TOTAL_FORMS": "1",
            "links_out-0-relation": "retracts",
            "links_out-0-to_claim": other_source_claim.pk,
        },
    )
    data.pop("loaded_version")
    response = admin_client(is_superuser=True).post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert not ClaimLink.objects.exists()
    assert Claim.objects.count() == 2


def test_changing_a_source_that_would_break_a_retraction_is_refused(client_editor):
    source = make_source()
    original, retraction = make_claim(source=source), make_claim(source=source)
    make_link(retraction, original, "retracts")
    response = client_editor.patch(f"/api/claims/{original.pk}/", {"source": make_source().pk})
    assert response.status_code == 409
    assert f"#{retraction.pk}" in response.json()["source"][0]
    original.refresh_from_db()
    assert original.source == source


# History authors and tidy revisions


def test_the_author_of_revisions_cannot_be_deleted(client_editor, editor):
    client_editor.post("/api/sources/", {"slug": "s", "name": "S", "kind": "media"})
    with pytest.raises(ProtectedError), transaction.atomic():
        editor.delete()
    page = admin_client(is_superuser=True).get(reverse("admin:auth_user_delete", args=[editor.pk]))
    assert page.status_code == 403
    assert User.objects.filter(pk=editor.pk).exists()


def test_a_user_with_no_revisions_can_be_deleted():
    user = make_user("passing-by")
    user.delete()
    assert not User.objects.filter(username="passing-by").exists()


def test_a_topics_only_change_is_one_revision(client_editor):
    claim = make_claim(topics=[make_topic()])
    before = claim.history.count()
    client_editor.patch(f"/api/claims/{claim.pk}/", {"topics": [make_topic().pk, make_topic().pk]})
    assert claim.history.count() == before + 1
    assert sorted(claim.history.first().topics.values_list("topic_id", flat=True)) == sorted(
        claim.topics.values_list("pk", flat=True)
    )


def test_an_admin_save_with_topics_is_one_revision():
    claim = make_claim()
    topic = make_topic()
    before = claim.history.count()
    response = admin_client(is_superuser=True).post(
        reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim, topics=[topic.pk])
    )
    assert response.status_code == 302
    assert claim.history.count() == before + 1
    assert list(claim.history.first().topics.values_list("topic_id", flat=True)) == [topic.pk]


def test_a_post_claiming_a_million_inline_forms_builds_at_most_the_cap():
    from claims.admin.base import MAX_INLINE_FORMS

    claim = make_claim()
    data = claim_form_data(claim, **{"links_out-TOTAL_FORMS": "1000000", "links_in-TOTAL_FORMS": "1000000"})
    response = admin_client(is_superuser=True).post(reverse("admin:claims_claim_change", args=[claim.pk]), data)

    assert response.status_code == 200  # the form again, with the reason; nothing saved
    formsets = response.context["inline_admin_formsets"]
    assert all(len(inline.formset.forms) <= MAX_INLINE_FORMS for inline in formsets)
    assert f"Please submit at most {MAX_INLINE_FORMS} forms." in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1
