"""Soak test: gunicorn on loopback under a mixed read/write load, then a count of what was kept.

    .venv/bin/python bench/soak.py [--duration 60] [--clients 8] [--workers 3]

It creates a fresh PostgreSQL database (SOAK_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/factcheck_soak), migrates it, loads the
demo data, starts the service under gunicorn with production settings (DEBUG
off; plain HTTP on loopback, so no HTTPS redirect; throttling off, since this
measures capacity, not one client's share), and drives it from a second
process with `--clients` keep-alive connections for `--duration` seconds:
two thirds reads (lists, filters, search, detail, thread, ClaimReview, the
public page), one third writes (new claims with topics, status changes with
If-Match, links, reviews). Afterwards it reads the database directly and
checks that every write the service acknowledged (201, or 200 with a new
ETag) is there as acknowledged. It writes bench/results/soak-<time>.json and
prints a summary; the exit status is 1 if a response was a 5xx or a write was
lost.
"""

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
# Run as a script, from any folder: the project's packages are imported from its root.
sys.path.insert(0, str(ROOT))

from tests.deployment import Gunicorn, manage  # noqa: E402


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    """One keep-alive connection, recording every request it makes."""

    def __init__(self, port, token, seed, records):
        self.port, self.token, self.random = port, token, random.Random(seed)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.records = records

    def call(self, op, method, path, body=None):
        headers = {"Accept": "application/json", "Authorization": f"Token {self.token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if isinstance(body, dict) and "_if_match" in body:
            headers["If-Match"] = body.pop("_if_match")
            payload = json.dumps(body).encode()
        started = time.monotonic()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
            status, etag = response.status, response.getheader("ETag")
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            status, data, etag = 0, str(exc).encode(), None
        record = {"op": op, "status": status, "ms": round((time.monotonic() - started) * 1000, 2)}
        self.records.append(record)
        return status, data, etag, record


def drive(port, token, seed, deadline, claim_ids, topic_ids, source_ids, out_queue):
    """One load client: random reads and writes until the deadline; reports its records."""
    records = []
    client = Client(port, token, seed, records)
    rnd = client.random
    my_claims = list(claim_ids)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        roll = rnd.random()
        claim = rnd.choice(my_claims)
        if roll < 0.12:
            client.call("list", "GET", "/api/claims/?page_size=50")
        elif roll < 0.22:
            client.call("filtered", "GET", "/api/claims/?status=unverified&topic=albu-kamal&claimed_after=2017-01-01")
        elif roll < 0.32:
            word = rnd.choice(["militias", "Daesh", '"Albu Kamal"', "border -Rawa", "strik*", "soak"])
            client.call("search", "GET", "/api/claims/?q=" + urllib.parse.quote(word))
        elif roll < 0.44:
            client.call("detail", "GET", f"/api/claims/{claim}/")
        elif roll < 0.52:
            client.call("thread", "GET", f"/api/claims/{claim}/thread/")
        elif roll < 0.58:
            client.call("claimreview", "GET", "/api/claimreview/")
        elif roll < 0.66:
            client.call("page", "GET", f"/claims/{claim}/")
        elif roll < 0.80:
            text = f"soak claim {seed}-{n} {secrets.token_hex(4)}"
            topics = rnd.sample(topic_ids, 2)
            body = {"text": text, "source": rnd.choice(source_ids), "claimed_on": "2017-11-08", "topics": topics}
            status, data, _, record = client.call("create", "POST", "/api/claims/", body)
            if status == 201:
                created = json.loads(data)
                record["ack"] = {"kind": "claim", "id": created["id"], "text": text, "topics": sorted(topics)}
                my_claims.append(created["id"])
        elif roll < 0.90:
            status, data, etag, _ = client.call("read-for-update", "GET", f"/api/claims/{claim}/")
            if status == 200:
                new = rnd.choice(["unverified", "disputed", "retracted"])
                status, data, etag, record = client.call(
                    "update", "PATCH", f"/api/claims/{claim}/", {"status": new, "_if_match": etag}
                )
                if status == 200:
                    record["ack"] = {"kind": "update", "id": claim, "version": int(etag.strip('"')), "status": new}
        elif roll < 0.95:
            other = rnd.choice(my_claims)
            body = {"from_claim": claim, "to_claim": other, "relation": rnd.choice(["denies", "supports"])}
            status, data, _, record = client.call("link", "POST", "/api/links/", body)
            if status == 201:
                record["ack"] = {"kind": "link", "id": json.loads(data)["id"], **body}
        else:
            body = {"claim": claim, "rating": rnd.choice(["true", "false", "unproven"]), "summary": f"soak {seed}-{n}"}
            status, data, _, record = client.call("review", "POST", "/api/reviews/", body)
            if status == 201:
                record["ack"] = {"kind": "review", "id": json.loads(data)["id"], "summary": body["summary"]}
    out_queue.put(records)


def verify(database_url, records):
    """Every acknowledged write, looked up in the database itself.

    Status changes are checked by their outcome: each was made with If-Match, so the
    acknowledged change with the highest version is the claim's current state, and
    its version and status must be what the database holds.
    """
    found, lost = 0, []
    last_update = {}
    for record in records:
        ack = record.get("ack")
        if ack and ack["kind"] == "update" and ack["version"] > last_update.get(ack["id"], {"version": 0})["version"]:
            last_update[ack["id"]] = ack
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        current = {}
        if last_update:
            cursor.execute("SELECT id, version, status FROM claims_claim WHERE id = ANY(%s)", [list(last_update)])
            current = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        for record in records:
            ack = record.get("ack")
            if not ack:
                continue
            if ack["kind"] == "claim":
                cursor.execute("SELECT text FROM claims_claim WHERE id = %s", [ack["id"]])
                row = cursor.fetchone()
                cursor.execute(
                    "SELECT topic_id FROM claims_claimtopic WHERE claim_id = %s ORDER BY topic_id", [ack["id"]]
                )
                ok = row is not None and row[0] == ack["text"] and [r[0] for r in cursor.fetchall()] == ack["topics"]
            elif ack["kind"] == "update":
                last = last_update[ack["id"]]
                ok = current.get(ack["id"]) == (last["version"], last["status"])
            elif ack["kind"] == "link":
                cursor.execute(
                    "SELECT 1 FROM claims_claimlink"
                    " WHERE id = %s AND from_claim_id = %s AND to_claim_id = %s AND relation = %s",
                    [ack["id"], ack["from_claim"], ack["to_claim"], ack["relation"]],
                )
                ok = cursor.fetchone() is not None
            else:
                cursor.execute("SELECT summary FROM claims_review WHERE id = %s", [ack["id"]])
                row = cursor.fetchone()
                ok = row is not None and row[0] == ack["summary"]
            if ok:
                found += 1
            else:
                lost.append(ack)
    return found, lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    database_url = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck_soak")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "0",
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(ROOT / "staticfiles"),
    }
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo")
    token = re.search(r"API token: (\w+)", manage(env, "create_user", "soak", "--role", "editor")).group(1)

    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM claims_claim ORDER BY id")
        claim_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM claims_topic ORDER BY id")
        topic_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM claims_source ORDER BY id")
        source_ids = [r[0] for r in cursor.fetchall()]

    server_log = Path(tempfile.mkdtemp(prefix="factcheck-soak-")) / "gunicorn.log"
    server = Gunicorn(env, server_log, args.workers, port=args.port)
    try:
        # Warm-up: every kind of request once, not counted.
        warm = Client(args.port, token, 0, [])
        for path in (
            "/api/claims/",
            "/api/claims/3/thread/",
            "/api/claimreview/",
            "/claims/3/",
            "/api/claims/?q=militias",
        ):
            warm.call("warm-up", "GET", path)

        # The load runs in a second process, its clients in threads there.
        started = time.monotonic()
        deadline = started + args.duration
        queue = multiprocessing.get_context("spawn").Queue()
        process = multiprocessing.get_context("spawn").Process(
            target=run_clients, args=(args, token, deadline, claim_ids, topic_ids, source_ids, queue)
        )
        process.start()
        records = queue.get(timeout=args.duration + 120)
        process.join()
        elapsed = time.monotonic() - started
    finally:
        server.stop()

    found, lost = verify(database_url, records)
    by_status = {}
    for record in records:
        by_status[str(record["status"])] = by_status.get(str(record["status"]), 0) + 1
    by_op = {}
    for record in records:
        by_op.setdefault(record["op"], []).append(record["ms"])
    acknowledged = sum(1 for r in records if r.get("ack"))
    server_errors = sum(1 for r in records if r["status"] >= 500 or r["status"] == 0)
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "duration_s": round(elapsed, 1),
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        "requests": len(records),
        "requests_per_s": round(len(records) / elapsed, 1),
        "by_status": dict(sorted(by_status.items())),
        "server_errors": server_errors,
        "latency_ms": {
            op: {
                "n": len(ms),
                "p50": percentile(ms, 0.5),
                "p99": percentile(ms, 0.99),
                "mean": round(statistics.mean(ms), 1),
            }
            for op, ms in sorted(by_op.items())
        },
        "writes_acknowledged": acknowledged,
        "writes_found": found,
        "writes_lost": lost,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"soak-{report['when'][:19].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "latency_ms"}, indent=2))
    print(f"report: {path}\nthe service's log: {server_log}")
    sys.exit(1 if server_errors or lost else 0)


def run_clients(args, token, deadline, claim_ids, topic_ids, source_ids, queue):
    inner = __import__("queue").Queue()
    threads = [
        threading.Thread(
            target=drive,
            args=(args.port, token, seed, deadline, claim_ids, topic_ids, source_ids, inner),
        )
        for seed in range(1, args.clients + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = []
    while not inner.empty():
        records += inner.get()
    queue.put(records)


if __name__ == "__main__":
    main()
