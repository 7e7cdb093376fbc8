"""Where each request reads from, with read replicas configured (claims.replicas).

These drive the routing middleware and router in-process, with one replica alias configured;
tests/test_scale_out.py shows the same on a real primary and streaming replica.
"""

import django.core.signing
import pytest
from django.contrib.auth.models import User
from django.db import router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import set_script_prefix

from claims.models import Claim
from claims.replicas import PIN_COOKIE, ReadRoutingMiddleware

REPLICA = "replica_1"


@pytest.fixture
def replicas(settings):
    settings.FACTCHECK_REPLICAS = [REPLICA]
    settings.READ_YOUR_WRITES_SECONDS = 30


def serve(request, status=200):
    """Run `request` through the middleware; (where Claim reads went, where User reads went, the response)."""
    seen = {}

    def view(request):
        seen["claims"] = router.db_for_read(Claim)
        seen["users"] = router.db_for_read(User)
        return HttpResponse(status=status)

    response = ReadRoutingMiddleware(view)(request)
    return seen["claims"], seen["users"], response


def test_reads_go_to_a_replica_but_accounts_and_writes_to_the_primary(replicas):
    claims, users, _ = serve(RequestFactory().get("/api/claims/"))
    assert (claims, users) == (REPLICA, "default")
    claims, _, _ = serve(RequestFactory().post("/api/claims/"))
    assert claims == "default"
    assert router.db_for_write(Claim) == "default"


def test_the_admin_and_conditional_requests_read_from_the_primary(replicas):
    assert serve(RequestFactory().get("/admin/claims/claim/"))[0] == "default"
    for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE"):
        assert serve(RequestFactory().get("/api/claims/3/", **{header: '"2"'}))[0] == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_use_the_primary(replicas):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Claim))
        with transaction.atomic():
            seen.append(router.db_for_read(Claim))
        return HttpResponse()

    ReadRoutingMiddleware(view)(RequestFactory().get("/api/claims/"))
    # pytest-django wraps each test in a transaction, so even the first read is inside one here.
    assert seen == ["default", "default"]


def test_a_browser_that_wrote_reads_from_the_primary_until_the_window_ends(replicas, monkeypatch):
    _, _, response = serve(RequestFactory().post("/api/reviews/"))
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 30 and cookie["httponly"]
    pinned = RequestFactory().get("/api/claims/3/")
    pinned.COOKIES[PIN_COOKIE] = cookie.value
    assert serve(pinned)[0] == "default"

    # 31 s later the cookie is refused even if the browser still sends it.
    now = django.core.signing.time.time()
    monkeypatch.setattr(django.core.signing.time, "time", lambda: now + 31)
    assert serve(pinned)[0] == REPLICA

    forged = RequestFactory().get("/api/claims/3/")
    forged.COOKIES[PIN_COOKIE] = "1"
    assert serve(forged)[0] == REPLICA


def test_a_token_that_wrote_reads_from_the_primary_and_other_tokens_do_not(replicas):
    serve(RequestFactory().patch("/api/claims/3/", HTTP_AUTHORIZATION="Token writer-key"))
    assert serve(RequestFactory().get("/api/claims/3/", HTTP_AUTHORIZATION="Token writer-key"))[0] == "default"
    assert serve(RequestFactory().get("/api/claims/3/", HTTP_AUTHORIZATION="Token other-key"))[0] == REPLICA


def test_a_malformed_write_pins_nothing(replicas):
    _, _, response = serve(RequestFactory().post("/api/reviews/"), status=400)
    assert PIN_COOKIE not in response.cookies


def test_a_write_refused_as_stale_pins_the_client_so_it_can_read_the_current_version(replicas):
    # Otherwise it would read the replica's old version again, and be refused again, while the lag lasts.
    for status in (409, 412):
        _, _, response = serve(RequestFactory().patch("/api/claims/3/"), status=status)
        assert PIN_COOKIE in response.cookies


def test_a_token_is_recognised_however_the_header_is_spaced(replicas):
    serve(RequestFactory().patch("/api/claims/3/", HTTP_AUTHORIZATION="Token\tspaced-key"))
    assert serve(RequestFactory().get("/api/claims/3/", HTTP_AUTHORIZATION="token  spaced-key"))[0] == "default"


def test_the_admin_reads_from_the_primary_under_a_url_prefix(replicas, settings):
    settings.FORCE_SCRIPT_NAME = "/factcheck"
    set_script_prefix("/factcheck/")  # what Django's WSGI handler does for each request
    try:
        request = RequestFactory().get("/admin/claims/claim/")
        assert request.path == "/factcheck/admin/claims/claim/"
        assert serve(request)[0] == "default"
    finally:
        set_script_prefix("/")


def test_without_replicas_nothing_changes(settings):
    assert settings.FACTCHECK_REPLICAS == []
    claims, _, _ = serve(RequestFactory().get("/api/claims/"))
    _, _, response = serve(RequestFactory().post("/api/reviews/"))
    assert claims == "default"
    assert PIN_COOKIE not in response.cookies
