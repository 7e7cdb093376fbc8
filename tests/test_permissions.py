"""Anyone reads; writing needs the model's permission (editors: add and change, not delete)."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from claims.models import Claim, Source
from claims.tokens.models import ApiToken
from tests.factories import make_claim, make_source, make_user

pytestmark = pytest.mark.django_db

LISTS = ["/api/sources/", "/api/articles/", "/api/topics/", "/api/claims/", "/api/links/", "/api/reviews/"]


@pytest.mark.parametrize("url", LISTS)
def test_anyone_may_read(client_anon, url):
    assert client_anon.get(url).status_code == 200


def test_anonymous_writes_are_refused_with_401_and_write_nothing(client_anon):
    source = make_source()
    claim = make_claim(source=source)
    assert client_anon.post("/api/sources/", {"slug": "x", "name": "X", "kind": "media"}).status_code == 401
    assert client_anon.patch(f"/api/claims/{claim.pk}/", {"status": "refuted"}).status_code == 401
    assert client_anon.delete(f"/api/claims/{claim.pk}/").status_code == 401
    assert Source.objects.count() == 1
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_a_user_without_a_role_may_not_write(client_norole):
    claim = make_claim()
    response = client_norole.patch(f"/api/claims/{claim.pk}/", {"status": "refuted"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_an_editor_may_add_and_change(client_editor):
    source = make_source()
    created = client_editor.post("/api/claims/", {"text": "t", "source": source.pk, "claimed_on": "2017-11-08"})
    assert created.status_code == 201
    changed = client_editor.patch(f"/api/claims/{created.json()['id']}/", {"status": "disputed"})
    assert changed.status_code == 200
    assert Claim.objects.get().status == "disputed"


def test_an_editor_may_not_delete(client_editor):
    claim = make_claim()
    assert client_editor.delete(f"/api/claims/{claim.pk}/").status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_token_from_the_token_endpoint_authenticates_writes(editor):
    response = APIClient().post("/api/auth/token/", {"username": "editor", "password": "pw-for-tests-9"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=editor).scope == "write"

    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post("/api/sources/", {"slug": "pmf", "name": "PMF", "kind": "armed_group"})
    assert created.status_code == 201


def test_the_token_endpoint_refuses_a_wrong_password_with_401(editor):
    response = APIClient().post("/api/auth/token/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 401
    assert "credentials" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_names_a_missing_field(editor):
    response = APIClient().post("/api/auth/token/", {"username": "editor"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_the_token_endpoint_accepts_a_form_as_the_readme_shows(editor):
    response = APIClient().post(
        "/api/auth/token/", "username=editor&password=pw-for-tests-9", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}").get("/api/tokens/").status_code == 200


def test_password_guesses_are_throttled_more_tightly(editor, settings):
    settings.FACTCHECK_THROTTLE_RATES = {**settings.FACTCHECK_THROTTLE_RATES, "login": "3/min"}
    statuses = [
        APIClient().post("/api/auth/token/", {"username": "editor", "password": f"guess{i}"}).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_a_bad_token_is_401():
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.post("/api/sources/", {"slug": "pmf", "name": "PMF", "kind": "media"}).status_code == 401
    assert not Source.objects.exists()


def test_the_data_migration_creates_the_editors_group():
    # Run migration 0002's own function against the schema as it stood then, on a database without the group.
    Group.objects.filter(name="editors").delete()
    state_apps = MigrationExecutor(connection).loader.project_state(("claims", "0002_editors_group")).apps
    import_module("claims.migrations.0002_editors_group").create_editors(state_apps, None)

    perms = set(Group.objects.get(name="editors").permissions.values_list("codename", flat=True))
    assert {"add_claim", "change_claim", "view_claim", "add_claimlink", "change_review"} <= perms
    assert not {"delete_claim", "delete_source", "delete_claimlink"} & perms


def test_a_session_login_works_for_the_browsable_api():
    make_user("reader", groups=["editors"])
    client = APIClient()
    assert client.login(username="reader", password="pw-for-tests-9")
    response = client.get("/api/claims/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"reader" in response.content
