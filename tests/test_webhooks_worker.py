"""Webhooks end to end: the service (gunicorn), the real worker (`manage.py db_worker`, one or two
processes) and receivers on loopback, on a database of their own (a SQLite file, or a throwaway
PostgreSQL database on the server DATABASE_URL names), so that every process sees what the others
commit. The test drives the service over HTTP, as a client and as an editor in the admin would.

Ports: the service and receivers use 8820-8829 (WEBHOOK_TEST_PORTS moves the range).
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from standardwebhooks import Webhook

from tests.deployment import ROOT, Gunicorn, admin_login, fetch, manage, post_form

PORT_BASE = int(os.environ.get("WEBHOOK_TEST_PORTS", "8820"))
SERVICE_PORT = PORT_BASE
DEADLINE_SECONDS = 30


# -- the database every process shares ---------------------------------------------------------------


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A fresh database for this module: PostgreSQL when the tests run on it, else a SQLite file."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('webhooks') / 'db.sqlite3'}"
        return
    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/')}_webhooks_{os.getpid()}"
    admin = psycopg2.connect(base.replace(parts.path, "/postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def env(database_url, tmp_path_factory):
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "WEBHOOKS_"))},
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "THROTTLE_LOGIN": "off",
        "THROTTLE_LOGIN_ACCOUNT": "off",
        # The receivers are on loopback; retries come after a second or two, not minutes.
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "1",
        "WEBHOOKS_RETRY_BASE_SECONDS": "1",
        "WEBHOOKS_RETRY_MAX_SECONDS": "2",
        "WEBHOOKS_TIMEOUT_SECONDS": "2",
        "WEBHOOKS_MAX_ATTEMPTS": "50",
        "WEBHOOKS_DISABLE_AFTER": "1000",
    }


@pytest.fixture(scope="module")
def service(env, tmp_path_factory):
    """The service under gunicorn on its own database with the demo data, and a senior editor (who holds
    the webhook permissions): their password and token."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    created = manage(env, "create_user", "hooks", "--role", "senior-editor")
    password = re.search(r"password:\s+(\S+)", created).group(1)
    token = re.search(r"API token: (\S+)", created).group(1)
    server = Gunicorn(env, tmp_path_factory.mktemp("log") / "service.log", port=SERVICE_PORT)
    try:
        yield {"url": server.url, "token": token, "username": "hooks", "password": password}
    finally:
        server.stop()


# -- the worker ----------------------------------------------------------------------------------------


class Worker:
    """`manage.py db_worker` in a subprocess, with its log in a file."""

    def __init__(self, env: dict, log: Path, **settings):
        self.log = log
        overrides = {key: str(value) for key, value in settings.items()}
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
                cwd=ROOT,
                env={**env, **overrides},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tasks_run(self) -> int:
        return self.log.read_text().count("state=SUCCESSFUL")


@pytest.fixture
def start_worker(env, tmp_path):
    started = []

    def start(**settings) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(started)}.log", **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


# -- receivers -------------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on a loopback port: it keeps every request it gets (headers and body), retries
    and duplicates included, and answers `status` (after `delay` seconds)."""

    def __init__(self, port: int, status: int = 204, delay: float = 0.0):
        self.port, self.status, self.delay = port, status, delay
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.received.append({"headers": dict(self.headers.items()), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [request["headers"]["webhook-id"] for request in self.received]


@pytest.fixture
def receivers():
    made = []

    def make(offset: int, **kwargs) -> Receiver:
        receiver = Receiver(PORT_BASE + offset, **kwargs)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()


# -- the API -------------------------------------------------------------------------------------------


def api(service, method: str, path: str, body=None, headers=None):
    status, response_headers, raw = fetch(
        service["url"] + path, method=method, body=body, token=service["token"], headers=headers
    )
    return status, response_headers, (json.loads(raw) if raw else None)


def subscribe(service, url: str, event_types: list[str], **filters) -> dict:
    status, _, body = api(service, "POST", "/api/webhooks/", {"url": url, "event_types": event_types, **filters})
    assert status == 201, body
    return body


@pytest.fixture
def subscriptions(service):
    """Subscriptions made by a test, deleted after it so that the next test's changes do not reach them."""
    made = []

    def make(*args, **kwargs) -> dict:
        made.append(subscribe(service, *args, **kwargs))
        return made[-1]

    yield make
    for subscription in made:
        api(service, "DELETE", f"/api/webhooks/{subscription['id']}/")


def edit_claim(service, claim_id: int, quote: str) -> None:
    status, _, body = api(service, "PATCH", f"/api/claims/{claim_id}/", {"quote": quote})
    assert status == 200, body


def deliveries(service, subscription_id: int) -> list[dict]:
    found, page = [], 1
    while True:
        status, _, body = api(service, "GET", f"/api/webhooks/{subscription_id}/deliveries/?page_size=100&page={page}")
        assert status == 200, body
        found += body["results"]
        if not body["next"]:
            return found
        page += 1


def feed_entry(service, change_id: str) -> dict:
    """The change feed's entry for the change `change_id`."""
    status, _, page = api(service, "GET", "/api/changes/?types=claim.updated")
    while True:
        assert status == 200, page
        found = [entry for entry in page["results"] if entry["id"] == change_id]
        if found or not page["results"]:
            assert found, f"change {change_id} is not in the feed"
            return found[0]
        status, _, page = api(service, "GET", page["next"].removeprefix(service["url"]))


def wait_until(condition, what: str, timeout: float = DEADLINE_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


# -- the admin, as a browser fills its forms ------------------------------------------------------------


class FormReader(HTMLParser):
    """The values a browser would submit from the page's main form (inputs, selects, text areas)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select = self._textarea = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def admin_edit(service, path: str, changes: dict) -> None:
    """Log in to the admin, open the change page at `path`, change `changes` and save, as an editor would."""
    opener, _ = admin_login(service["url"], service["username"], service["password"])
    status, _, page = fetch(service["url"] + path, opener=opener, headers={"Accept": "text/html"})
    assert status == 200, status
    reader = FormReader()
    reader.feed(page.decode())
    fields = [(name, value) for name, value in reader.fields if name not in changes]
    fields += list(changes.items())
    status, _, page = post_form(service["url"] + path, fields, opener)
    assert status == 302, page.decode()[:3000]


# -- the tests -----------------------------------------------------------------------------------------


def test_an_edit_in_the_admin_arrives_signed_within_seconds(service, subscriptions, receivers, start_worker):
    receiver = receivers(1).start()
    subscription = subscriptions(receiver.url, ["claim.updated"])
    start_worker()
    quote = f"Edited in the admin {uuid.uuid4().hex[:8]}"

    saved_at = time.monotonic()
    admin_edit(service, "/admin/claims/claim/3/change/", {"quote": quote})
    wait_until(lambda: receiver.received, "the delivery", timeout=10)
    seconds = time.monotonic() - saved_at

    request = receiver.received[0]
    event = Webhook(subscription["secret"]).verify(request["body"], request["headers"])
    assert (event["type"], event["subject"], event["data"]["quote"]) == ("claim.updated", "3", quote)
    assert event["specversion"] == "1.0" and event["source"]
    assert request["headers"]["webhook-signature"].startswith("v1,")
    assert seconds < 10
    # The same entry as the change feed shows for this change (whose `source` is an absolute URL).
    entry = feed_entry(service, event["id"])
    assert {**entry, "source": None} == {**event, "source": None}
    assert entry["source"] == service["url"] + event["source"] == service["url"] + "/api/claims/"
    # Signed with another secret, the same request does not verify.
    other = subscribe(service, receiver.url, ["claim.deleted"])
    api(service, "DELETE", f"/api/webhooks/{other['id']}/")
    with pytest.raises(Exception, match="signature"):
        Webhook(other["secret"]).verify(request["body"], request["headers"])


def test_a_receiver_that_was_down_gets_every_delivery_once_back(service, subscriptions, receivers, start_worker):
    receiver = receivers(2)  # not started: down
    subscription = subscriptions(receiver.url, ["claim.updated"])
    start_worker()
    for n in range(5):
        edit_claim(service, 3 + n, f"While the receiver was down {n} {uuid.uuid4().hex[:6]}")

    # Every delivery fails at least twice while the receiver is down.
    wait_until(
        lambda: (
            (found := deliveries(service, subscription["id"]))
            and len(found) == 5
            and all(len(d["attempts"]) >= 2 and d["status"] == "pending" for d in found)
        ),
        "two failed attempts of each delivery",
    )
    failed = deliveries(service, subscription["id"])
    assert all(attempt["status_code"] is None and attempt["error"] for d in failed for attempt in d["attempts"])

    receiver.start()
    wait_until(
        lambda: all(d["status"] == "delivered" for d in deliveries(service, subscription["id"])), "the deliveries"
    )
    time.sleep(3)  # time for a duplicate to arrive, were there one
    expected = sorted(d["webhook_id"] for d in failed)
    assert sorted(receiver.ids()) == expected


def test_two_workers_deliver_each_delivery_exactly_once(service, subscriptions, receivers, env, start_worker):
    receiver = receivers(3, delay=0.02).start()
    subscription = subscriptions(receiver.url, ["claim.*"])
    changes = 40
    for n in range(changes):
        edit_claim(service, 1 + n % 10, f"Many changes {n} {uuid.uuid4().hex[:6]}")
    # Each delivery's task queued twice more: were a delivery's claim not exclusive, two workers would
    # each send it.
    manage(
        env,
        "shell",
        "-c",
        "from claims.webhooks.models import Delivery\n"
        "from claims.webhooks.tasks import deliver\n"
        "for pk in Delivery.objects.filter(status='pending').values_list('pk', flat=True):\n"
        "    deliver.enqueue(pk); deliver.enqueue(pk)\n",
    )
    workers = [start_worker(), start_worker()]

    wait_until(lambda: len(set(receiver.ids())) >= changes, f"{changes} deliveries", timeout=60)
    wait_until(
        lambda: all(d["status"] == "delivered" for d in deliveries(service, subscription["id"])), "every delivery"
    )
    time.sleep(2)
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == changes
    assert all(worker.tasks_run() > 0 for worker in workers), "both workers took tasks"


def test_a_failing_subscription_is_switched_off_with_the_reason(service, subscriptions, receivers, start_worker):
    receiver = receivers(4, status=500).start()
    subscription = subscriptions(receiver.url, ["claim.updated"])
    start_worker(WEBHOOKS_DISABLE_AFTER=3, WEBHOOKS_RETRY_BASE_SECONDS=0)
    edit_claim(service, 4, f"To a failing receiver {uuid.uuid4().hex[:6]}")

    def switched_off():
        return api(service, "GET", f"/api/webhooks/{subscription['id']}/")[2]["active"] is False

    wait_until(switched_off, "the subscription to be switched off")
    _, _, seen = api(service, "GET", f"/api/webhooks/{subscription['id']}/")
    assert "3 failed attempts in a row" in seen["disabled_reason"]
    assert "500" in seen["disabled_reason"]
    assert len(receiver.received) == 3
    [delivery] = deliveries(service, subscription["id"])
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500]
    # Switched off, it is sent nothing more.
    edit_claim(service, 4, f"After the switch-off {uuid.uuid4().hex[:6]}")
    time.sleep(2)
    assert len(receiver.received) == 3


def test_failed_deliveries_are_replayed_once_the_receiver_is_fixed(service, subscriptions, receivers, start_worker):
    receiver = receivers(5, status=503).start()
    subscription = subscriptions(receiver.url, ["claim.updated"])
    since = datetime.now(UTC).isoformat()
    start_worker(WEBHOOKS_MAX_ATTEMPTS=2, WEBHOOKS_RETRY_BASE_SECONDS=0)
    for n in range(3):
        edit_claim(service, 5 + n, f"To be replayed {n} {uuid.uuid4().hex[:6]}")
    wait_until(
        lambda: (
            (found := deliveries(service, subscription["id"]))
            and len(found) == 3
            and all(d["status"] == "failed" for d in found)
        ),
        "the deliveries to fail",
    )
    receiver.status = 204
    receiver.received.clear()

    status, _, body = api(service, "POST", f"/api/webhooks/{subscription['id']}/replay/", {"since": since})
    assert (status, body) == (200, {"replayed": 3})
    wait_until(lambda: all(d["status"] == "delivered" for d in deliveries(service, subscription["id"])), "replays")
    replayed = deliveries(service, subscription["id"])
    assert sorted(receiver.ids()) == sorted(d["webhook_id"] for d in replayed)
    assert [[a["status_code"] for a in d["attempts"]] for d in replayed] == [[503, 503, 204]] * 3

    # One delivery, replayed on its own: sent again under the same webhook-id.
    one = replayed[0]
    status, _, body = api(service, "POST", f"/api/webhooks/{subscription['id']}/deliveries/{one['id']}/replay/")
    assert (status, body) == (200, {"replayed": 1})
    wait_until(lambda: receiver.ids().count(one["webhook_id"]) == 2, "the single replay")


def test_the_example_receiver_prints_signed_events_and_refuses_forged_ones(service, subscriptions, start_worker):
    port = PORT_BASE + 6
    first = subscriptions(f"http://127.0.0.1:{port}/", ["topic.updated"])
    process = subprocess.Popen(
        [sys.executable, "examples/webhook_receiver.py", "--port", str(port), "--secret", first["secret"]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: fetch(f"http://127.0.0.1:{port}/", method="POST", body=b"{}")[0] == 401, "the receiver")
        start_worker()
        _, _, topic = api(service, "GET", "/api/topics/1/")
        name = f"Renamed {uuid.uuid4().hex[:6]}"
        status, _, _ = api(
            service, "PATCH", "/api/topics/1/", {"name": name}, headers={"If-Match": f'"{topic["version"]}"'}
        )
        assert status == 200
        line = json.loads(process.stdout.readline())
        assert (line["type"], line["subject"], line["data"]["name"]) == ("topic.updated", "1", name)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "refused" in process.stderr.read()
