"""Webhooks in one process: subscriptions over the API, the outbox, claiming a delivery, and where a
webhook may be sent (SSRF). The real worker and receivers are in test_webhooks_worker.py."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from claims.webhooks import services, ssrf
from claims.webhooks.models import Delivery, Subscription
from claims.webhooks.tasks import deliver
from tests.factories import make_claim, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db

PUBLIC_URL = "http://93.184.215.14/hook"  # a public address written as such: no DNS needed


@pytest.fixture
def senior():
    return make_user("senior", groups=["senior editors"])


@pytest.fixture
def client_senior(senior):
    client = APIClient()
    client.force_authenticate(senior)
    return client


def subscribe(client, url=PUBLIC_URL, event_types=("claim.*",), **fields):
    return client.post("/api/webhooks/", {"url": url, "event_types": list(event_types), **fields}, format="json")


# -- SSRF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::5]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_a_url_on_a_non_public_address_is_refused_naming_url(client_senior, url):
    response = subscribe(client_senior, url)

    assert response.status_code == 400, response.data
    assert "not a public address" in str(response.data["url"])
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.215.14/hook", "Only http:// and https://"),
        ("http://user:pw@93.184.215.14/hook", "user name or password"),
        ("http:///hook", "no host"),
        ("http://93.184.215.14:99999/", "valid URL"),
        ("http://no-such-host-for-webhooks.invalid/hook", "does not resolve"),
    ],
)
def test_a_url_that_cannot_receive_webhooks_is_refused_quickly(client_senior, url, reason):
    started = time.monotonic()
    response = subscribe(client_senior, url)

    assert response.status_code == 400
    assert reason in str(response.data["url"])
    assert time.monotonic() - started < 5


def test_a_name_that_resolves_too_slowly_is_refused_not_waited_for(client_senior, settings):
    settings.WEBHOOKS_DNS_TIMEOUT_SECONDS = 1

    def slow(*args, **kwargs):
        time.sleep(3)
        return []

    with mock.patch("claims.webhooks.ssrf.socket.getaddrinfo", slow):
        started = time.monotonic()
        response = subscribe(client_senior, "https://slow.example/hook")
    assert response.status_code == 400
    assert "did not resolve in time" in str(response.data["url"])
    assert time.monotonic() - started < 2.5


def test_a_name_with_one_private_address_among_public_ones_is_refused(client_senior):
    answers = [(2, 1, 6, "", ("93.184.215.14", 443)), (2, 1, 6, "", ("10.0.0.7", 443))]
    with mock.patch("claims.webhooks.ssrf.socket.getaddrinfo", return_value=answers):
        response = subscribe(client_senior, "https://mixed.example/hook")
    assert response.status_code == 400
    assert "10.0.0.7" in str(response.data["url"])


def test_the_setting_allows_private_addresses(client_senior, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    assert subscribe(client_senior, "http://127.0.0.1:9/hook").status_code == 201


class Recorder(BaseHTTPRequestHandler):
    """Answers 204 and keeps what it got; `redirect_to` makes it answer 307 there instead."""

    received: list
    redirect_to = None

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(self.path)
        if self.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.redirect_to)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(address: str, **attributes):
    handler = type("Handler", (Recorder,), {"received": [], **attributes})
    server = ThreadingHTTPServer((address, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def as_public(*addresses):
    """Count these loopback addresses as public, standing in for a receiver on the internet."""
    real = ssrf.is_public
    return mock.patch.object(ssrf, "is_public", lambda address: str(address) in addresses or real(address))


def pending_delivery(subscription) -> Delivery:
    claim = make_claim()
    claim.text = "Changed"
    with transaction.atomic():
        claim.save()
    return Delivery.objects.filter(subscription=subscription).latest("id")


def test_a_redirect_to_loopback_is_refused_at_delivery(senior):
    inside, inside_handler = serve("127.0.0.1")
    outside, outside_handler = serve("127.0.0.2", redirect_to=f"http://127.0.0.1:{inside.server_port}/secret")
    try:
        with as_public("127.0.0.2"):
            subscription = Subscription.objects.create(
                owner=senior, url=f"http://127.0.0.2:{outside.server_port}/hook", event_types=["claim.*"]
            )
            delivery = pending_delivery(subscription)
            deliver.call(delivery.pk)
    finally:
        inside.shutdown()
        outside.shutdown()
    attempt = delivery.attempts.get()
    assert outside_handler.received == ["/hook"]
    assert inside_handler.received == []
    assert attempt.status_code is None
    assert "127.0.0.1" in attempt.error and "not a public address" in attempt.error


def test_an_address_that_became_private_after_saving_is_refused_at_delivery(senior):
    receiver, handler = serve("127.0.0.1")
    try:
        subscription = Subscription.objects.create(
            owner=senior, url=f"http://hooks.example:{receiver.server_port}/hook", event_types=["claim.*"]
        )
        delivery = pending_delivery(subscription)
        # The name now resolves to loopback (DNS rebinding): the worker resolves it again and refuses.
        loopback = [(2, 1, 6, "", ("127.0.0.1", receiver.server_port))]
        with mock.patch("claims.webhooks.ssrf.socket.getaddrinfo", return_value=loopback):
            deliver.call(delivery.pk)
    finally:
        receiver.shutdown()
    assert handler.received == []
    assert "not a public address" in delivery.attempts.get().error


def test_the_worker_connects_to_the_address_it_checked_sending_the_host_name(senior):
    seen = {}

    class HostRecorder(Recorder):
        def do_POST(self):
            seen["host"] = self.headers["Host"]
            super().do_POST()

    server = ThreadingHTTPServer(("127.0.0.2", 0), type("H", (HostRecorder,), {"received": []}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    answers = [(2, 1, 6, "", ("127.0.0.2", port))]
    try:
        with as_public("127.0.0.2"), mock.patch("claims.webhooks.ssrf.socket.getaddrinfo", return_value=answers):
            subscription = Subscription.objects.create(
                owner=senior, url=f"http://receiver.example:{port}/hook", event_types=["claim.*"]
            )
            delivery = pending_delivery(subscription)
            assert deliver.call(delivery.pk) == "delivered"
    finally:
        server.shutdown()
    assert seen["host"] == f"receiver.example:{port}"


# -- subscriptions over the API ------------------------------------------------------------------------


def test_creating_a_subscription_shows_its_secret_once(client_senior, senior):
    response = subscribe(client_senior)

    assert response.status_code == 201, response.data
    secret = response.data["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert response.data["owner"]["id"] == senior.pk
    assert response["ETag"] == '"1"'
    shown = client_senior.get(f"/api/webhooks/{response.data['id']}/").data
    assert "secret" not in shown
    assert "secret" not in client_senior.get("/api/webhooks/").data["results"][0]


def test_a_subscription_shows_its_owner_by_display_name_not_login_name(client_senior, senior):
    senior.profile = None
    from claims.models import Profile

    Profile.objects.create(user=senior, display_name="Rima Haddad")
    created = subscribe(client_senior).data

    for shown in (created, client_senior.get("/api/webhooks/").data["results"][0]):
        assert shown["owner"] == {"id": senior.pk, "display_name": "Rima Haddad"}
        assert "senior" not in str(shown)


def test_rotating_the_secret_gives_a_new_one(client_senior):
    created = subscribe(client_senior).data
    rotated = client_senior.post(f"/api/webhooks/{created['id']}/rotate-secret/")

    assert rotated.status_code == 200
    assert rotated.data["secret"].startswith("whsec_") and rotated.data["secret"] != created["secret"]
    assert Subscription.objects.get().secret == rotated.data["secret"]


def test_a_user_sees_only_their_own_subscriptions_and_a_superuser_all(client_senior, client_super):
    other = APIClient()
    other.force_authenticate(make_user("senior2", groups=["senior editors"]))
    mine = subscribe(client_senior).data

    assert other.get("/api/webhooks/").data["count"] == 0
    assert other.get(f"/api/webhooks/{mine['id']}/").status_code == 404
    assert other.delete(f"/api/webhooks/{mine['id']}/").status_code == 404
    assert client_super.get(f"/api/webhooks/{mine['id']}/").status_code == 200


def test_editors_without_the_permission_cannot_manage_subscriptions(client_editor):
    assert client_editor.get("/api/webhooks/").status_code == 403
    assert subscribe(client_editor).status_code == 403


def test_a_stale_if_match_is_refused_and_changes_nothing(client_senior):
    created = subscribe(client_senior).data
    url = f"/api/webhooks/{created['id']}/"
    assert (
        client_senior.patch(url, {"event_types": ["claim.created"]}, format="json", HTTP_IF_MATCH='"1"').status_code
        == 200
    )

    stale = client_senior.patch(url, {"event_types": ["claim.deleted"]}, format="json", HTTP_IF_MATCH='"1"')

    assert stale.status_code == 412
    assert Subscription.objects.get().event_types == ["claim.created"]


def test_an_unknown_event_type_is_refused_naming_it(client_senior):
    response = subscribe(client_senior, event_types=["claim.exploded"])
    assert response.status_code == 400
    assert "event_types" in response.data


def test_switching_a_subscription_on_again_clears_its_failures(client_senior):
    created = subscribe(client_senior).data
    Subscription.objects.update(active=False, disabled_reason="Switched off after 20 failures", consecutive_failures=20)

    response = client_senior.patch(f"/api/webhooks/{created['id']}/", {"active": True}, format="json")

    assert response.status_code == 200
    assert (response.data["active"], response.data["disabled_reason"], response.data["consecutive_failures"]) == (
        True,
        "",
        0,
    )


# -- the outbox ----------------------------------------------------------------------------------------


def test_a_change_writes_its_delivery_and_task_in_its_own_transaction(senior):
    subscription = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.created"])
    tasks_before = DBTaskResult.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        make_claim(text="Rolled back")
        assert subscription.deliveries.count() == 1
        raise RuntimeError("the writer fails after the change")
    assert subscription.deliveries.count() == 0
    assert DBTaskResult.objects.count() == tasks_before

    claim = make_claim(text="Kept")
    delivery = subscription.deliveries.get()
    assert (delivery.event_type, delivery.subject, delivery.status) == ("claim.created", str(claim.pk), "pending")
    task = DBTaskResult.objects.latest("enqueued_at")
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


def test_only_the_subscribed_types_and_matching_claims_get_deliveries(senior):
    topic, source = make_topic(), make_source()
    about_topic, by_source, other = make_claim(topics=[topic]), make_claim(source=source), make_claim()
    every = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*", "source.*"])
    created_only = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.created"])
    on_topic = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*"], topic=topic)
    of_source = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*"], source=source)
    refuted = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*"], status="refuted")
    switched_off = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*"], active=False)

    for claim in (about_topic, by_source, other):
        claim.text = f"{claim.text}, edited"
        claim.save()
    new_source = make_source()

    def got(subscription):
        return sorted(subscription.deliveries.values_list("event_type", "subject"))

    edits = [("claim.updated", str(c.pk)) for c in (about_topic, by_source, other)]
    assert got(every) == sorted([*edits, ("source.created", str(new_source.pk))])
    assert got(created_only) == []
    assert got(on_topic) == [("claim.updated", str(about_topic.pk))]
    assert got(of_source) == [("claim.updated", str(by_source.pk))]
    assert got(refuted) == got(switched_off) == []


def test_only_one_of_two_workers_takes_a_delivery(senior):
    subscription = Subscription.objects.create(owner=senior, url=PUBLIC_URL, event_types=["claim.*"])
    delivery = pending_delivery(subscription)

    first = services.delivery_claim(delivery.pk)
    second = services.delivery_claim(delivery.pk)

    assert first is not None and second is None


def test_retries_wait_longer_each_time_within_the_cap(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS, settings.WEBHOOKS_RETRY_MAX_SECONDS = 10, 3600
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 7)]

    for n, (low, high) in enumerate([(10, 12), (60, 72), (360, 432), (2160, 2592), (3600, 4320), (3600, 4320)]):
        assert low <= delays[n] <= high, (n, delays[n])
