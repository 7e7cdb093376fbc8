"""Beyond one machine: two app servers, a streaming replica and a shared Redis, all real.

A throwaway PostgreSQL primary with a hot standby streaming from it (pg_basebackup -R), the
local Redis, and two gunicorn instances on two loopback ports with the same settings, as two
app servers behind a load balancer would be. Requests alternate between the instances, and
reads are counted on each database server (pg_stat_database). Replay on the replica is paused
(pg_wal_replay_pause) to show read-your-writes: the writer sees its change, others the replica's
older state. CI (FACTCHECK_REQUIRE_PRODUCTION_TESTS) fails rather than skips when a part is missing.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

from claims.api.base import tag_version
from tests.deployment import (
    Cluster,
    Gunicorn,
    admin_login,
    fetch,
    free_port,
    manage,
    post_form,
    require_clusters,
    require_or_skip,
    wait_for_replay,
)

pytestmark = pytest.mark.production

REDIS_URL = "redis://127.0.0.1:6379/0"
LOGIN_RATE = 6  # token requests a minute, per client address


@pytest.fixture(scope="module")
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_or_skip(f"needs Redis at {REDIS_URL}: {exc}")
    return client


@pytest.fixture(scope="module")
def databases():
    """A primary and a replica streaming from it, holding the demo data; yields (primary, replica)."""
    require_clusters()
    # pg_stat_statements counts each statement as it ends, on the server that ran it: reads can be
    # counted per server at once (pg_stat_database's counts arrive up to 10 s late, per backend).
    primary = Cluster(settings="-c shared_preload_libraries=pg_stat_statements")
    replica = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE factcheck")
        # The counts are read from the postgres database, so that reading them does not add to them.
        primary.sql("CREATE EXTENSION pg_stat_statements")
        replica = Cluster.replica_of(primary)
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


@pytest.fixture(scope="module")
def deployment(databases, redis_client, tmp_path_factory):
    """Two app servers (gunicorn, 2 workers each) sharing the databases, Redis and settings."""
    primary, replica = databases
    prefix = f"factcheck-test-{secrets.token_hex(4)}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": primary.url("factcheck"),
        "DATABASE_REPLICA_URLS": replica.url("factcheck"),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        # Long enough that no step of a test outlives the writer's pin.
        "READ_YOUR_WRITES_SECONDS": "300",
        # Plain HTTP on loopback: no HTTPS redirect, and cookies without the Secure flag.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "THROTTLE_LOGIN": f"{LOGIN_RATE}/min",
        "LOG_FORMAT": "json",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo")
    users = {}
    for name in ("writer", "other"):
        out = manage(env, "create_user", name, "--role", "editor")
        users[name] = {
            "password": re.search(r"password:\s+(\S+)", out).group(1),
            "token": re.search(r"API token: (\w+)", out).group(1),
        }
    out = manage(env, "create_user", "chief", "--role", "admin")
    users["chief"] = {"password": re.search(r"password:\s+(\S+)", out).group(1)}
    wait_for_replay(primary, replica)
    logs = tmp_path_factory.mktemp("logs")
    servers = []
    try:
        servers.append(Gunicorn(env, logs / "a.log"))
        servers.append(Gunicorn(env, logs / "b.log"))
        yield {
            "servers": [s.url for s in servers],
            "users": users,
            "prefix": prefix,
            "env": env,
            "logs": lambda: [line for server in servers for line in server.log_lines()],
        }
    finally:
        for server in servers:
            server.stop()
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)
        for server in servers:
            # 503s are answers (a replica stopped on purpose); anything else from 500 up is a server error.
            errors = [line for line in server.log_lines() if line.get("status", 0) >= 500 and line["status"] != 503]
            assert not errors, errors


def statements(cluster: Cluster) -> int:
    """How many statements this server has run in the factcheck database (reads and writes)."""
    return int(
        cluster.sql(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'factcheck')"
        )
    )


@contextmanager
def replay_paused(primary: Cluster, replica: Cluster):
    wait_for_replay(primary, replica)
    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
        wait_for_replay(primary, replica)


def get_json(url, **kwargs):
    status, headers, body = fetch(url, **kwargs)
    assert status == 200, (url, status, body[:500])
    return json.loads(body), headers


def patch_quote(server: str, claim_id: int, quote: str, token: str, etag: str):
    """A conditional edit of a claim's quote: (status, headers, body)."""
    return fetch(
        f"{server}/api/claims/{claim_id}/",
        method="PATCH",
        body={"quote": quote},
        token=token,
        headers={"If-Match": etag},
    )


def csrf_header(jar) -> dict:
    return {"X-CSRFToken": next(cookie.value for cookie in jar if cookie.name == "csrftoken")}


def test_reads_go_to_the_replica_and_writes_to_the_primary(deployment, databases):
    primary, replica = databases
    a, b = deployment["servers"]
    token = deployment["users"]["other"]["token"]
    before = {"primary": statements(primary), "replica": statements(replica)}
    reads = 40
    for n in range(reads):
        server = (a, b)[n % 2]
        get_json(server + "/api/claims/?status=disputed")
        get_json(server + "/api/claims/3/")
    claim, headers = get_json(a + "/api/claims/5/")
    after_reads = {"primary": statements(primary), "replica": statements(replica)}
    # Every anonymous read ran on the replica; the primary ran nothing for them.
    assert after_reads["primary"] == before["primary"]
    logged = [line for line in deployment["logs"]() if line.get("path") == "/api/claims/3/" and "user_id" in line]
    assert logged and {line["reads_from"] for line in logged if line["user_id"] is None} == {"replica_1"}
    assert after_reads["replica"] - before["replica"] >= 2 * reads

    writes = 10
    etag = headers["ETag"]
    for n in range(writes):
        server = (a, b)[n % 2]
        status, headers, body = patch_quote(server, 5, f"{claim['quote']} ({n})", token, etag)
        assert status == 200, body
        etag = headers["ETag"]
    after_writes = {"primary": statements(primary), "replica": statements(replica)}
    assert after_writes["primary"] - after_reads["primary"] >= writes
    # A replica cannot write; and the writer's own reads went to the primary.
    assert after_writes["replica"] == after_reads["replica"]


def test_two_instances_share_logins_sessions_writes_and_throttles(deployment, redis_client):
    a, b = deployment["servers"]
    writer = deployment["users"]["writer"]
    # A token asked for on one server works on the other, at once.
    token_body, _ = get_json(
        a + "/api/auth/token/", method="POST", body={"username": "writer", "password": writer["password"]}
    )
    status, _, body = fetch(
        b + "/api/topics/",
        method="POST",
        body={"name": "Deir ez-Zor", "slug": "deir-ez-zor", "kind": "place"},
        token=token_body["token"],
    )
    assert status == 201, body
    found, _ = get_json(a + "/api/topics/?q=deir-ez-zor")
    assert [topic["slug"] for topic in found["results"]] == ["deir-ez-zor"]

    # A session started on one server is the same session on the other.
    opener, _jar = admin_login(b, "chief", deployment["users"]["chief"]["password"])
    status, _, page = fetch(a + "/admin/claims/claim/", opener=opener, headers={"Accept": "text/html"})
    assert status == 200 and b"Select claim to change" in page

    # Password guesses are counted across both servers: the limit is the deployment's, not a process's.
    answers = []
    for n in range(2 * LOGIN_RATE):
        status, headers, _ = fetch(
            (a, b)[n % 2] + "/api/auth/token/", method="POST", body={"username": "writer", "password": "wrong"}
        )
        answers.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) > 0
    used = 2  # the token request and the admin login above: one count of password attempts per address
    assert answers == [401] * (LOGIN_RATE - used) + [429] * (LOGIN_RATE + used), answers
    # The other tests log in to the admin from this address too, which these guesses have used up.
    for key in redis_client.scan_iter(match=f"{deployment['prefix']}:*throttle_login*"):
        redis_client.delete(key)


def test_a_writer_reads_its_own_writes_while_the_replica_lags(deployment, databases):
    primary, replica = databases
    a, b = deployment["servers"]
    token = deployment["users"]["writer"]["token"]
    before, headers = get_json(a + "/api/claims/3/")
    with replay_paused(primary, replica):
        status, headers, body = patch_quote(
            b, 3, "Quoted anew while the replica was paused (marker qzlag).", token, headers["ETag"]
        )
        assert status == 200, body
        new_etag = headers["ETag"]
        for server in (a, b, a, b):
            mine, headers = get_json(server + "/api/claims/3/", token=token)
            assert mine["quote"] == "Quoted anew while the replica was paused (marker qzlag)."
            # A read's tag starts with the version the write's names (claims.api.conditional).
            assert tag_version(headers["ETag"]) == tag_version(new_etag)
            theirs, headers = get_json(server + "/api/claims/3/")
            assert theirs["quote"] == before["quote"]
            assert tag_version(headers["ETag"]) != tag_version(new_etag)
            listed, _ = get_json(server + "/api/claims/?q=qzlag")
            assert listed["results"] == []

        # An If-Match is checked against the primary, whatever the client read from the replica: an
        # editor who read the replica's older version (anonymously, so not pinned) cannot overwrite.
        other = deployment["users"]["other"]["token"]
        _, headers = get_json(a + "/api/claims/3/")
        status, _, body = patch_quote(b, 3, "Overwritten?", other, headers["ETag"])
        assert status == 412, body
        # A conditional read is answered from the primary too: its ETag is the current one.
        _, headers = get_json(a + "/api/claims/3/", headers={"If-None-Match": '"0"'})
        assert tag_version(headers["ETag"]) == tag_version(new_etag)

    # Once the replica has caught up, everybody reads the change.
    theirs, _ = get_json(a + "/api/claims/3/")
    assert theirs["quote"] == "Quoted anew while the replica was paused (marker qzlag)."


def forget_pin(jar):
    """Drop the read-your-writes cookie (a login is a write, and sets one)."""
    for cookie in [cookie for cookie in jar if cookie.name == "factcheck_primary"]:
        jar.clear(cookie.domain, cookie.path, cookie.name)


def test_an_admin_write_pins_that_browser_to_the_primary(deployment, databases):
    primary, replica = databases
    a, b = deployment["servers"]
    opener, jar = admin_login(a, "chief", deployment["users"]["chief"]["password"])
    forget_pin(jar)
    colleague, colleague_jar = admin_login(b, "chief", deployment["users"]["chief"]["password"])
    forget_pin(colleague_jar)
    with replay_paused(primary, replica):
        form = {
            "name": "Mayadin",
            "slug": "mayadin",
            "kind": "place",
            "aliases": "[]",
            "description": "",
            "csrfmiddlewaretoken": csrf_header(jar)["X-CSRFToken"],
        }
        status, _, body = post_form(a + "/admin/claims/topic/add/", form, opener)
        assert status == 302, body[:2000]
        for server in (b, a):
            mine, _ = get_json(server + "/api/topics/?q=mayadin", opener=opener)
            assert [topic["slug"] for topic in mine["results"]] == ["mayadin"]
            theirs, _ = get_json(server + "/api/topics/?q=mayadin")
            assert theirs["results"] == []
            # The admin reads from the primary for everyone: another editor, never pinned, sees it there.
            status, _, page = fetch(
                server + "/admin/claims/topic/?q=mayadin", opener=colleague, headers={"Accept": "text/html"}
            )
            assert status == 200 and b"Mayadin" in page


def test_a_cached_thread_is_never_stale_after_a_write(deployment, databases, redis_client):
    primary, replica = databases
    a, b = deployment["servers"]
    token = deployment["users"]["writer"]["token"]
    thread, _ = get_json(a + "/api/claims/3/thread/")
    again, _ = get_json(b + "/api/claims/3/thread/")
    assert again == thread
    assert list(redis_client.scan_iter(f"{deployment['prefix']}:*read:thread:*")), "the thread was not cached"
    outside = next(
        claim["id"]
        for claim in get_json(a + "/api/claims/?page_size=100")[0]["results"]
        if claim["id"] not in {c["id"] for c in thread["claims"]}
    )

    with replay_paused(primary, replica):
        status, _, body = fetch(
            b + "/api/links/",
            method="POST",
            body={"from_claim": outside, "to_claim": 3, "relation": "supports", "note": "Joined while paused."},
            token=token,
        )
        assert status == 201, body
        for server in (a, b):
            mine, _ = get_json(server + "/api/claims/3/thread/", token=token)
            assert outside in {claim["id"] for claim in mine["claims"]}
            theirs, _ = get_json(server + "/api/claims/3/thread/")
            assert theirs == thread

    for server in (a, b):
        caught_up, _ = get_json(server + "/api/claims/3/thread/")
        assert outside in {claim["id"] for claim in caught_up["claims"]}

    # A review changes the ClaimReview at once, for everyone once replayed.
    status, _, body = fetch(
        a + "/api/reviews/",
        method="POST",
        body={"claim": 3, "rating": "false", "summary": "Shown false since."},
        token=token,
    )
    assert status == 201, body
    for server in (a, b):
        review, _ = get_json(server + "/api/claims/3/claimreview/", token=token)
        assert review["reviewRating"]["alternateName"].lower() == "false"


def test_a_cached_answer_follows_every_commit_the_replica_replays(deployment, databases):
    # Commits out of the order their transactions began in: on a hot standby, pg_current_snapshot()
    # lists no running transactions, so its text stays the same when the middle one commits. Written
    # by hand, as an operator's SQL would be: no application code runs to invalidate anything.
    primary, replica = databases
    a, _ = deployment["servers"]
    oldest = psycopg2.connect(primary.url("factcheck"))
    middle = psycopg2.connect(primary.url("factcheck"))
    try:
        with oldest.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
        with middle.cursor() as cursor:
            cursor.execute("UPDATE claims_claim SET text = text || ' (corrected by hand)' WHERE id = 3")
        primary.sql("UPDATE claims_topic SET name = name WHERE id = (SELECT min(id) FROM claims_topic)", "factcheck")
        wait_for_replay(primary, replica)
        thread, _ = get_json(a + "/api/claims/3/thread/")
        assert not any(claim["text"].endswith("(corrected by hand)") for claim in thread["claims"])
        detail, _ = get_json(a + "/api/claims/3/")  # cached too, under the same key
        assert not detail["text"].endswith("(corrected by hand)")
        middle.commit()
        wait_for_replay(primary, replica)
        for server in deployment["servers"]:
            thread, _ = get_json(server + "/api/claims/3/thread/")
            texts = {claim["id"]: claim["text"] for claim in thread["claims"]}
            assert texts[3].endswith("(corrected by hand)")
            detail, _ = get_json(server + "/api/claims/3/")
            assert detail["text"].endswith("(corrected by hand)")
    finally:
        oldest.close()
        middle.close()


def test_with_redis_down_the_service_answers_from_the_databases_and_logs_it(deployment, tmp_path):
    env = {**deployment["env"], "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "THROTTLE_ANON": "120/min"}
    server = Gunicorn(env, tmp_path / "no-redis.log")
    try:
        token = deployment["users"]["writer"]["token"]
        get_json(server.url + "/api/claims/?page_size=5")
        get_json(server.url + "/api/claims/3/thread/")
        _, headers = get_json(server.url + "/api/claims/6/")
        status, headers, body = patch_quote(server.url, 6, "Written while Redis was down.", token, headers["ETag"])
        # The write committed, so it is answered as a success; the pin falls back to a cookie.
        assert status == 200, body
        assert any(cookie.startswith("factcheck_primary=") for cookie in headers.get_all("Set-Cookie"))
        # Without the pin store, a token client reads from the primary: never older than its write.
        mine, _ = get_json(server.url + "/api/claims/6/", token=token)
        assert mine["quote"] == "Written while Redis was down."
    finally:
        server.stop()
    problems = {line["message"].split(":")[0] for line in server.log_lines() if line.get("level") == "ERROR"}
    assert problems == {"cache unavailable"}


@pytest.fixture(scope="module")
def pgbouncer(databases, tmp_path_factory):
    """PgBouncer in transaction mode in front of the primary; yields its port."""
    primary, _ = databases
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        require_or_skip("needs PgBouncer (Debian's package pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="factcheck-pgbouncer-"))
    shutil.chown(folder, "postgres")
    port = free_port()
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\nfactcheck = host=127.0.0.1 port={primary.port} dbname=factcheck\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\nadmin_users = postgres\n"
        "pool_mode = transaction\ndefault_pool_size = 4\n"
    )
    process = subprocess.Popen(
        ["runuser", "-u", "postgres", "--", binary, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "log").open("w"),
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode != 0:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "log").read_text()
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_service_works_behind_pgbouncer_in_transaction_mode(deployment, pgbouncer, tmp_path):
    env = {
        **deployment["env"],
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgbouncer}/factcheck",
        "DATABASE_PGBOUNCER": "1",
        "DATABASE_REPLICA_URLS": "",
    }
    server = Gunicorn(env, tmp_path / "pgbouncer.log")
    try:
        token = deployment["users"]["writer"]["token"]
        listed, _ = get_json(server.url + "/api/claims/?page_size=5")
        assert len(listed["results"]) == 5
        _claim, headers = get_json(server.url + "/api/claims/4/")
        status, _, body = patch_quote(server.url, 4, "Through PgBouncer.", token, headers["ETag"])
        assert status == 200, body
        first, _ = get_json(server.url + "/api/claims/4/thread/")
        assert first == get_json(server.url + "/api/claims/4/thread/")[0]
        # The export iterates over every claim in chunks: with server-side cursors on, its cursor would
        # be lost between PgBouncer's transactions.
        status, _, csv = fetch(server.url + "/api/claims/?format=csv", headers={"Accept": "text/csv"})
        assert status == 200
        everything, _ = get_json(deployment["servers"][0] + "/api/claims/?page_size=100", token=token)
        assert csv.decode().count("\n") - 1 == len(everything["results"])
        assert "Through PgBouncer." in csv.decode()
    finally:
        server.stop()
    served = [line for line in server.log_lines() if "status" in line]
    assert served and all(line["status"] < 500 for line in served)
    stats = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(pgbouncer), "-U", "postgres", "-XAt", "pgbouncer", "-c", "SHOW STATS"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    transactions = {row.split("|")[0]: int(row.split("|")[1]) for row in stats.splitlines()}
    assert transactions["factcheck"] > 0


def test_a_replica_that_is_down_costs_its_reads_a_503_not_the_writes(deployment, databases):
    # Last in this module: it stops the replica, then brings it back.
    primary, replica = databases
    a, b = deployment["servers"]
    token = deployment["users"]["writer"]["token"]
    replica.stop()
    try:
        for server in (a, b):
            status, headers, body = fetch(server + "/api/claims/3/")
            assert status == 503, body
            assert int(headers["Retry-After"]) > 0
            assert b"unavailable" in body
        # Writes, and the writer's reads, need only the primary.
        _, headers, _ = fetch(a + "/api/claims/8/", token=token, headers={"If-None-Match": '"0"'})
        status, _, body = patch_quote(b, 8, "Written while the replica was down.", token, headers["ETag"])
        assert status == 200, body
        mine, _ = get_json(a + "/api/claims/8/", token=token)
        assert mine["quote"] == "Written while the replica was down."
    finally:
        replica.start()
    wait_for_replay(primary, replica)
    theirs, _ = get_json(b + "/api/claims/8/")
    assert theirs["quote"] == "Written while the replica was down."
