"""The service as deployed: DEBUG off, under gunicorn, on a PostgreSQL cluster of its own.

A throwaway PostgreSQL cluster (initdb into a temporary folder, its own port)
lets these tests stop and restart the database under a running service, which
the shared server cannot do without disturbing everything else. They need the
PostgreSQL server binaries and root (to run them as the postgres user); CI has
both and sets FACTCHECK_REQUIRE_PRODUCTION_TESTS so that a missing one fails.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deployment import Cluster, Gunicorn, fetch, manage, require_clusters

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    require_clusters()
    cluster = Cluster()
    try:
        cluster.start()
        cluster.sql("CREATE DATABASE factcheck")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def production_env(cluster, tmp_path_factory):
    """The environment of a production deployment, on loopback (plain HTTP, so no HTTPS redirect)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.port}/factcheck",
        "DATABASE_CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "LOG_FORMAT": "json",
    }


@pytest.fixture(scope="module")
def service(production_env, tmp_path_factory):
    """gunicorn serving the demo data with production settings; yields its base URL, log and a token."""
    manage(production_env, "migrate", "--noinput")
    manage(production_env, "collectstatic", "--noinput")
    manage(production_env, "load_demo")
    token = re.search(r"API token: (\w+)", manage(production_env, "create_user", "writer", "--role", "editor")).group(1)
    server = Gunicorn(production_env, tmp_path_factory.mktemp("log") / "service.log")
    try:
        yield {"url": server.url, "log": server.log, "token": token, "process": server.process}
    finally:
        server.stop()


def log_lines(service) -> list[dict]:
    lines = []
    for line in service["log"].read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_production_settings_pass_the_deploy_checklist(production_env):
    # As deployed behind HTTPS, with a shared cache: the loopback server's one relaxation (no HTTPS
    # redirect) left out. The check reads the settings; it connects to nothing.
    env = {k: v for k, v in production_env.items() if k != "SECURE_SSL_REDIRECT"}
    env["REDIS_URL"] = "redis://cache.internal:6379/0"

    output = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert "no issues" in output


def test_the_deploy_checklist_asks_for_a_shared_cache(production_env):
    env = {k: v for k, v in production_env.items() if k not in ("SECURE_SSL_REDIRECT", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "factcheck.W001" in done.stderr and "REDIS_URL" in done.stderr


def test_the_app_serves_the_admins_static_files(service):
    status, headers, body = fetch(service["url"] + "/static/admin/css/base.css")

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"body" in body


def test_each_request_is_logged_as_one_json_line(service):
    fetch(service["url"] + "/api/claims/?page_size=2")
    fetch(service["url"] + "/api/claims/999999/")
    time.sleep(0.5)

    lines = [line for line in log_lines(service) if line.get("logger") == "factcheck.request"]

    listed = [line for line in lines if line["path"] == "/api/claims/"]
    missing = [line for line in lines if line["path"] == "/api/claims/999999/"]
    assert listed and listed[-1]["status"] == 200 and listed[-1]["method"] == "GET"
    assert listed[-1]["duration_ms"] >= 0 and listed[-1]["level"] == "INFO"
    assert missing and missing[-1]["status"] == 404


def test_a_database_restart_gives_503s_then_the_service_recovers_by_itself(service, cluster):
    url, token = service["url"], service["token"]
    assert fetch(url + "/api/claims/3/")[0] == 200
    before = len(json.loads(fetch(url + "/api/claims/?page_size=100")[2])["results"])

    cluster.stop()
    try:
        outage = {}
        for path in ("/api/claims/", "/api/claims/3/", "/api/claims/3/thread/", "/claims/3/", "/api/sources/5/record/"):
            started = time.monotonic()
            status, headers, body = fetch(url + path)
            outage[path] = (status, time.monotonic() - started, headers.get("Retry-After"), body)
        write = fetch(
            url + "/api/claims/",
            method="POST",
            token=token,
            body={"text": "during the outage", "source": 1, "claimed_on": "2017-11-08"},
        )
    finally:
        cluster.start()

    for path, (status, seconds, retry_after, body) in outage.items():
        assert status == 503, (path, status, body[:300])
        assert seconds < 10, (path, seconds)  # an answer, not a hang
        assert retry_after == "5"
        assert b"Traceback" not in body and b"retry" in body
    assert write[0] == 503

    deadline = time.monotonic() + 30
    while fetch(url + "/api/claims/3/")[0] != 200:
        assert time.monotonic() < deadline, "the service did not recover within 30 s"
        time.sleep(0.5)
    assert service["process"].poll() is None  # the same server recovered: nobody restarted it
    created = fetch(
        url + "/api/claims/",
        method="POST",
        token=token,
        body={"text": "after the outage", "source": 1, "claimed_on": "2017-11-08"},
    )
    assert created[0] == 201
    texts = [claim["text"] for claim in json.loads(fetch(url + "/api/claims/?page_size=100")[2])["results"]]
    assert "after the outage" in texts and "during the outage" not in texts
    assert len(texts) == before + 1


def test_no_request_was_answered_with_a_server_error(service):
    statuses = [line["status"] for line in log_lines(service) if line.get("logger") == "factcheck.request"]

    assert statuses and 500 not in statuses
