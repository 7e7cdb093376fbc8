"""Editors add and change; senior editors (and superusers) also delete and set verdict statuses."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim, Source
from tests.factories import admin_client, claim_form_data, make_claim, make_source, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_senior():
    client = APIClient()
    client.force_authenticate(make_user("senior", groups=["senior editors"]))
    return client


@pytest.mark.parametrize("status", ["confirmed", "refuted"])
def test_an_editor_may_not_set_a_verdict_status(client_editor, status):
    claim = make_claim()
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"status": status})
    assert response.status_code == 403
    assert "status" in response.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_an_editor_may_not_create_a_confirmed_claim(client_editor):
    source = make_source()
    response = client_editor.post(
        "/api/claims/", {"text": "t", "source": source.pk, "claimed_on": "2017-11-08", "status": "confirmed"}
    )
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_an_editor_may_not_lift_a_verdict_but_may_edit_a_confirmed_claims_text(client_editor):
    claim = make_claim(status="refuted")
    assert client_editor.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}).status_code == 403
    assert client_editor.patch(f"/api/claims/{claim.pk}/", {"text": "Clearer wording"}).status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.text) == ("refuted", "Clearer wording")


def test_a_senior_editor_may_set_verdicts_and_delete(client_senior):
    claim = make_claim()
    assert client_senior.patch(f"/api/claims/{claim.pk}/", {"status": "confirmed"}).status_code == 200
    source = make_source()
    assert client_senior.delete(f"/api/sources/{source.pk}/").status_code == 204
    assert not Source.objects.filter(pk=source.pk).exists()


def test_a_superuser_may_set_verdicts(client_super):
    claim = make_claim()
    assert client_super.patch(f"/api/claims/{claim.pk}/", {"status": "refuted"}).status_code == 200


def test_the_senior_editors_group_has_delete_and_verdict_permissions():
    perms = set(Group.objects.get(name="senior editors").permissions.values_list("codename", flat=True))
    assert {"delete_claim", "delete_source", "delete_claimlink", "set_final_status", "change_claim"} <= perms


# Admin


def test_the_admin_refuses_a_verdict_from_an_editor():
    claim = make_claim()
    editor = admin_client("editors")
    response = editor.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim, status="confirmed")
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_an_editors_status_choices_leave_out_verdicts():
    claim = make_claim()
    page = admin_client("editors").get(reverse("admin:claims_claim_change", args=[claim.pk]))
    choices = [value for value, _ in page.context["adminform"].form.fields["status"].choices]
    assert "confirmed" not in choices and "disputed" in choices


def test_verdict_bulk_actions_are_for_senior_editors_only():
    claims = [make_claim(), make_claim()]
    url = reverse("admin:claims_claim_changelist")
    editor_page = admin_client("editors").get(url).content.decode()
    senior = admin_client("senior editors")
    assert "mark_confirmed" not in editor_page and "mark_disputed" in editor_page
    senior.post(url, {"action": "mark_confirmed", "_selected_action": [c.pk for c in claims]})
    assert set(Claim.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_bulk_action_by_an_editor_cannot_lift_a_verdict_and_changes_nothing():
    confirmed, plain = make_claim(status="confirmed"), make_claim()
    url = reverse("admin:claims_claim_changelist")
    response = admin_client("editors").post(
        url, {"action": "mark_disputed", "_selected_action": [confirmed.pk, plain.pk]}, follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert dict(Claim.objects.values_list("pk", "status")) == {confirmed.pk: "confirmed", plain.pk: "unverified"}


def test_an_editor_cannot_delete_in_the_admin_but_a_senior_editor_can():
    source = make_source()
    url = reverse("admin:claims_source_delete", args=[source.pk])
    assert admin_client("editors").post(url, {"post": "yes"}).status_code == 403
    assert admin_client("senior editors").post(url, {"post": "yes"}).status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()


# The command


def test_create_user_makes_a_user_in_a_role_with_a_working_token(capsys):
    call_command("create_user", "nadia", "--role", "senior-editor")
    out = capsys.readouterr().out
    token = re.search(r"API token: (\w+)", out).group(1)
    user = User.objects.get(username="nadia")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["senior editors"]

    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    claim = make_claim()
    assert client.patch(f"/api/claims/{claim.pk}/", {"status": "confirmed"}).status_code == 200
    password = re.search(r"password:\s+(\S+)", out).group(1)
    assert Client().login(username="nadia", password=password)


def test_create_user_refuses_an_existing_name():
    make_user("taken")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "taken", "--role", "editor")


def test_create_user_admin_is_a_superuser(capsys):
    call_command("create_user", "root2", "--role", "admin")
    assert User.objects.get(username="root2").is_superuser


def test_migrate_restores_missing_role_groups_and_permissions():
    Group.objects.filter(name="senior editors").delete()
    Group.objects.get(name="editors").permissions.clear()
    call_command("migrate", verbosity=0)
    assert Group.objects.get(name="senior editors").permissions.filter(codename="set_final_status").exists()
    assert Group.objects.get(name="editors").permissions.filter(codename="change_claim").exists()
