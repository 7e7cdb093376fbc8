"""Limits that keep one client or one query from taking the service down, each a clear 4xx or 503."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from claims import selectors
from claims.models import Claim, Source
from tests.factories import admin_client, make_claim, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_throttle(settings):
    settings.FACTCHECK_THROTTLE_RATES = {"anon": "3/min", "user": "5/min"}


def test_an_anonymous_client_past_its_rate_gets_429_with_retry_after(client_anon, tight_throttle):
    statuses = [client_anon.get("/api/claims/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client_anon.get("/api/claims/")
    # At most two windows: the rest of this minute, then until this minute's count weighs little enough.
    assert 0 < int(refused["Retry-After"]) <= 120
    assert "throttled" in refused.json()["detail"].lower()


def test_throttling_counts_each_client_separately(client_anon, tight_throttle):
    for _ in range(3):
        client_anon.get("/api/claims/")

    assert client_anon.get("/api/claims/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_users_have_their_own_higher_rate(client_editor, tight_throttle):
    statuses = [client_editor.get("/api/claims/").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_a_throttled_write_writes_nothing(client_editor, tight_throttle):
    source = make_source()
    for _ in range(5):
        client_editor.get("/api/claims/")

    response = client_editor.post("/api/claims/", {"text": "t", "source": source.pk, "claimed_on": "2017-11-08"})

    assert response.status_code == 429
    assert not Claim.objects.exists()


def test_throttling_can_be_switched_off(client_anon, settings):
    settings.FACTCHECK_THROTTLE_RATES = {"anon": None, "user": None}

    assert {client_anon.get("/api/topics/").status_code for _ in range(30)} == {200}


def test_a_body_past_the_size_limit_is_413_and_writes_nothing(client_editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    source = make_source()

    response = client_editor.post(
        "/api/claims/",
        {"text": "x", "quote": "q" * 20_000, "source": source.pk, "claimed_on": "2017-11-08"},
        format="json",
    )

    assert response.status_code == 413
    assert "at most 10000" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_a_body_within_the_limit_is_read(client_editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    source = make_source()

    response = client_editor.post("/api/claims/", {"text": "x", "source": source.pk, "claimed_on": "2017-11-08"})

    assert response.status_code == 201


def test_a_malformed_content_length_is_400():
    response = Client().generic("POST", "/api/claims/", b"{}", content_type="application/json", CONTENT_LENGTH="abc")

    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


def test_pages_hold_at_most_100_items(client_anon):
    source = make_source()
    Claim.objects.bulk_create(Claim(text=f"c{i}", source=source, claimed_on="2017-11-08") for i in range(120))

    response = client_anon.get("/api/claims/", {"page_size": 1000})

    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize(
    ("url", "field", "limit"),
    [
        ("/api/claims/", "text", 2000),
        ("/api/claims/", "quote", 5000),
        ("/api/sources/", "name", 200),
        ("/api/sources/", "description", 2000),
        ("/api/articles/", "title", 500),
    ],
)
def test_each_text_field_has_a_maximum_length_named_in_the_error(client_super, url, field, limit):
    source = make_source()
    base = {
        "/api/claims/": {"text": "t", "source": source.pk, "claimed_on": "2017-11-08"},
        "/api/sources/": {"slug": "s", "name": "n", "kind": "media"},
        "/api/articles/": {"title": "t"},
    }[url]

    response = client_super.post(url, {**base, field: "x" * (limit + 1)})

    assert response.status_code == 400
    assert str(limit) in response.json()[field][0]
    assert Source.objects.count() == 1 and not Claim.objects.exists()


def test_the_thread_is_bounded(client_anon, monkeypatch):
    hub = make_claim()
    for _ in range(5):
        make_claim().links_out.create(to_claim=hub, relation="denies")
    real = selectors.claim_thread
    monkeypatch.setattr(selectors, "claim_thread", lambda claim: real(claim, max_claims=3))

    body = client_anon.get(f"/api/claims/{hub.pk}/thread/").json()

    assert len(body["claims"]) == 3
    assert body["truncated"] is True


def test_limits_are_documented_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    claims_list = schema["paths"]["/api/claims/"]
    assert {"429", "503"} <= set(claims_list["get"]["responses"])
    assert {"413", "429", "503"} <= set(claims_list["post"]["responses"])
    assert "Retry-After" in claims_list["get"]["responses"]["429"]["headers"]


# The database: a slow statement is stopped, an unreachable database is a 503 that says to retry.


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement timeouts are PostgreSQL's (CI runs this there)"
)
def test_connections_carry_a_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement timeouts are PostgreSQL's (CI runs this there)"
)
def test_a_statement_past_the_timeout_is_a_503_saying_so(client_anon, monkeypatch):
    claim = make_claim()

    def slow_thread(claim, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(selectors, "claim_thread", slow_thread)

    response = client_anon.get(f"/api/claims/{claim.pk}/thread/")

    assert response.status_code == 503
    assert "statement timeout" in response.json()["detail"]
    assert response["Retry-After"] == "5"


def database_down(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_an_unreachable_database_is_a_503_in_the_api(client_anon, monkeypatch):
    monkeypatch.setattr(selectors, "claim_list", database_down)
    monkeypatch.setattr("claims.api.views.ClaimViewSet.get_queryset", database_down)

    response = client_anon.get("/api/claims/")

    assert response.status_code == 503
    assert "retry" in response.json()["detail"]
    assert response["Retry-After"] == "5"


def test_an_unreachable_database_is_a_503_in_the_admin_and_the_public_pages(monkeypatch):
    client = admin_client(is_superuser=True)
    claim = make_claim()
    monkeypatch.setattr("claims.admin.ClaimAdmin.get_queryset", database_down)
    monkeypatch.setattr("claims.views.Claim.objects", type("Down", (), {"select_related": database_down})())

    admin_page = client.get("/admin/claims/claim/")
    public_page = client.get(f"/claims/{claim.pk}/")

    for response in (admin_page, public_page):
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert b"retry" in response.content


def test_a_client_cannot_escape_its_rate_by_naming_another_address(client_anon, tight_throttle):
    statuses = [client_anon.get("/api/claims/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_long_name_ending_in_nul_is_refused_at_once(client_super):
    # The non-blank pattern once backtracked over the whole text here: seconds for 40 KB, hours for 2 MB.
    response = client_super.post("/api/sources/", {"slug": "s", "name": "a" * 2_000_000 + "\x00", "kind": "media"})

    assert response.status_code == 400
    assert not Source.objects.exists()


def test_the_health_check_is_not_throttled_nor_redirected_to_https(client, settings):
    # No database access is allowed in this test: the check must not need one.
    settings.FACTCHECK_THROTTLE_RATES = {"anon": "3/min", "user": "5/min"}
    settings.SECURE_SSL_REDIRECT = True
    statuses = {client.get("/healthz").status_code for _ in range(10)}
    assert statuses == {200}
    assert client.get("/api/").status_code == 301  # everything else goes to HTTPS
