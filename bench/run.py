"""The read benchmark: the service against a no-framework baseline, at a million claims.

    .venv/bin/python bench/run.py [--claims 1000000] [--duration 15] [--connections 8] [--workers 4]

1. Makes sure the PostgreSQL database BENCH_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/factcheck_bench) holds `--claims` claims: if it holds
   another number, it is dropped, migrated afresh and filled by `manage.py generate_claims`.
2. Starts the service (factcheck.wsgi) and the baseline (bench/baseline.py) under gunicorn
   with the same settings (gunicorn.conf.py, `--workers` sync workers each) on two loopback
   ports. The service runs with production settings: DEBUG off, persistent connections,
   request logging on (to /dev/null); throttling off, since this measures capacity, not one
   client's share.
3. Checks that both answer every benchmark request with the same bytes; stops if not.
4. For each read (claims list, filtered list, deep page, search, detail, thread), and each
   server in turn: wrk from a second process, `--connections` connections, a warm-up, then
   `--duration` seconds. Requests/s, p50 and p99 latency, and errors (any non-2xx).
5. Counts the queries each request runs (in this process, through Django and through the
   baseline), at page sizes 1, 50 and 100 and at the deep page; keeps the query plans.

With `--replica`, the service reads from a streaming replica (docs/deployment.md): the data is
generated into a throwaway PostgreSQL primary (tests/deployment.py; root needed), a hot standby
is copied from it with pg_basebackup -R, and the service runs with DATABASE_REPLICA_URLS and
REDIS_URL (the local Redis). Each run then also reports how its statements and their execution
time split between the primary and the replica (pg_stat_statements on each server), and one
more run reads the list as a client that has just written, which is pinned to the primary.

Writes bench/results/bench-<time>.json and prints a Markdown table. Needs wrk (Debian's
package: installed here when missing and running as root).
"""

import argparse
import atexit
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, from any folder: the project's packages are imported from its root.
sys.path.insert(0, str(ROOT))

from tests.deployment import Cluster, Gunicorn, manage, wait_for_replay  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"  # the Host header of every request, so both servers write the same links

# wrk reports through this hook: one JSON line after its own summary.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def prepare_database(database_url: str, claims: int, env: dict) -> None:
    with psycopg2.connect(database_url.rsplit("/", 1)[0] + "/postgres") as admin:
        admin.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
        with admin.cursor() as cursor:
            name = database_url.rsplit("/", 1)[1]
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
    have = None
    if exists:
        with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('claims_claim') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute("SELECT count(*) FROM claims_claim")
                have = cursor.fetchone()[0]
    if have == claims:
        log(f"{name} already holds {claims:,} claims")
        return
    log(f"{name} holds {have if have is not None else 'no'} claims; generating {claims:,}")
    admin = psycopg2.connect(database_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    manage(env, "migrate", "--noinput", "-v0")
    started = time.monotonic()
    manage(env, "generate_claims", "--claims", str(claims), "--seed", "1", capture=False, timeout=None)
    log(f"generated in {time.monotonic() - started:.0f} s")


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": HOST, "Accept": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def wrk(port: int, path: str, connections: int, duration: int, script: Path, token: str | None = None) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-H",
        f"Host: {HOST}",
        "-H",
        "Accept: application/json",
        "-s",
        str(script),
        *(("-H", f"Authorization: Token {token}") if token else ()),
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = json.loads(next(line for line in output.splitlines() if line.startswith("BENCH ")).split(" ", 1)[1])
    return {
        "requests_per_s": round(report["requests"] / (report["duration_us"] / 1e6), 1),
        "p50_ms": round(report["p50_us"] / 1000, 1),
        "p90_ms": round(report["p90_us"] / 1000, 1),
        "p99_ms": round(report["p99_us"] / 1000, 1),
        "max_ms": round(report["max_us"] / 1000, 1),
        "requests": report["requests"],
        "errors": report["non_2xx"] + report["socket_errors"],
    }


class ReadSplit:
    """Statements run, and their execution time, on the primary and on the replica, between two points."""

    QUERY = (
        "SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0) FROM pg_stat_statements"
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )

    def __init__(self, primary_url: str, replica_url: str):
        self.urls = {"primary": primary_url, "replica": replica_url}

    def read(self) -> dict:
        counts = {}
        for server, url in self.urls.items():
            connection = psycopg2.connect(url)
            connection.autocommit = True  # no BEGIN and COMMIT to count
            with connection.cursor() as cursor:
                cursor.execute(self.QUERY)
                calls, total_ms = cursor.fetchone()
            connection.close()
            counts[server] = (int(calls), float(total_ms))
        return counts

    @staticmethod
    def between(before: dict, after: dict) -> dict:
        split = {
            server: {
                # Less the one statement that read the counts.
                "statements": after[server][0] - before[server][0] - 1,
                "exec_ms": round(after[server][1] - before[server][1]),
            }
            for server in before
        }
        statements = sum(part["statements"] for part in split.values()) or 1
        for part in split.values():
            part["share"] = round(part["statements"] / statements, 3)
        return split


def replica_deployment(claims: int, env: dict):
    """A throwaway primary holding `claims` claims and a streaming replica of it: (primary, replica, env)."""
    primary = Cluster(settings="-c shared_preload_libraries=pg_stat_statements")
    atexit.register(primary.destroy)  # throwaway, however the run ends
    primary.start()
    database_url = primary.url("factcheck_bench")
    env = {**env, "DATABASE_URL": database_url}
    prepare_database(database_url, claims, env)
    primary.sql("CREATE EXTENSION pg_stat_statements", "factcheck_bench")
    started = time.monotonic()
    replica = Cluster.replica_of(primary)
    atexit.register(replica.destroy)
    replica.start()
    wait_for_replay(primary, replica, timeout=600)
    log(f"replica copied and streaming in {time.monotonic() - started:.0f} s")
    env["DATABASE_REPLICA_URLS"] = replica.url("factcheck_bench")
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env["CACHE_KEY_PREFIX"] = f"bench-{secrets.token_hex(4)}"
    # Long enough to outlast the pinned client's run.
    env["READ_YOUR_WRITES_SECONDS"] = "3600"
    return primary, replica, env


def pinned_writer(port: int, env: dict, path: str) -> str:
    """A token that has just written (a PATCH through the service): its reads go to the primary."""
    created = manage(env, "create_user", f"bench-{secrets.token_hex(3)}", "--role", "editor")
    token = re.search(r"API token: (\w+)", created)[1]
    claim_id = path.rstrip("/").rsplit("/", 1)[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": HOST, "Authorization": f"Token {token}", "Content-Type": "application/json"}
    body = b'{"quote": "Pinned by the benchmark."}'
    connection.request("PATCH", f"/api/claims/{claim_id}/", body=body, headers=headers)
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"the benchmark's write failed: {response.status} {response.read()[:300]!r}")
    return token


def django_setup(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    import django

    django.setup()


def pick_requests(search: str, broad_search: str) -> dict[str, str]:
    """The benchmark's requests, chosen from the data: the same ones on every run over the same data."""
    from django.db import connection

    from claims.api.pagination import cursor_token

    with connection.cursor() as cursor:
        # The most used topic, and a status a few percent of claims have: a dashboard's query.
        cursor.execute(
            "SELECT t.slug FROM claims_claimtopic ct JOIN claims_topic t ON t.id = ct.topic_id"
            " GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 1"
        )
        topic = cursor.fetchone()[0]
        cursor.execute("SELECT min(claimed_on), max(claimed_on) FROM claims_claim")
        first, last = cursor.fetchone()
        middle = first + (last - first) / 2
        # 90% of the way through the record in the default order.
        cursor.execute("SELECT count(*) FROM claims_claim")
        deep = int(cursor.fetchone()[0] * 0.9)
        cursor.execute(
            "SELECT claimed_on, id FROM claims_claim ORDER BY claimed_on DESC, id DESC OFFSET %s LIMIT 1", [deep]
        )
        deep_date, deep_id = cursor.fetchone()
        # A disputed claim: denied, reviewed, with a thread.
        cursor.execute(
            "SELECT l.to_claim_id FROM claims_claimlink l JOIN claims_review r ON r.claim_id = l.to_claim_id"
            " WHERE l.relation = 'denies' ORDER BY l.to_claim_id LIMIT 1"
        )
        disputed = cursor.fetchone()[0]
    filtered = {
        "page_size": 50,
        "status": "disputed",
        "topic": topic,
        "claimed_after": (middle - datetime.timedelta(days=365)).isoformat(),
        "claimed_before": middle.isoformat(),
    }
    cursor = cursor_token(["-claimed_on", "-id"], [deep_date.isoformat(), deep_id])
    return {
        "list": "/api/claims/?page_size=50",
        "filtered list": f"/api/claims/?{urlencode(filtered)}",
        "deep page": f"/api/claims/?{urlencode({'page_size': 50, 'cursor': cursor})}",
        "search": f"/api/claims/?{urlencode({'page_size': 50, 'q': search})}",
        "broad search": f"/api/claims/?{urlencode({'page_size': 50, 'q': broad_search})}",
        "detail": f"/api/claims/{disputed}/",
        "thread": f"/api/claims/{disputed}/thread/",
    }


def count_queries(paths: dict[str, str]) -> tuple[dict, dict, dict]:
    """Queries per request, in the service and in the baseline, and the plans of the service's list queries."""
    from wsgiref.util import setup_testing_defaults

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import baseline

    client = Client(HTTP_HOST=HOST)
    service, base, plans = {}, {}, {}
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        service[name] = len(queries)
        environ = {"PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2], "HTTP_HOST": HOST}
        setup_testing_defaults(environ)
        before = baseline.QUERIES
        b"".join(baseline.application(environ, lambda status, headers: None))
        base[name] = baseline.QUERIES - before
        if path.startswith("/api/claims/?"):
            page_query = queries.captured_queries[0]["sql"]
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {page_query}")
                plans[name] = [row[0] for row in cursor.fetchall()]
    return service, base, plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims in the database (default 1,000,000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per request and server (15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each (3)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers each (default: 2 a core)"
    )
    parser.add_argument("--search", default="hospital Bakhmut", help="a selective search (hospital Bakhmut: 0.4%%)")
    parser.add_argument("--broad-search", default="militia border", help="a broad search (militia border: 2%%)")
    parser.add_argument("--only", action="append", help="run only this request (repeatable), e.g. --only list")
    parser.add_argument("--conn-max-age", default="600", help="the service's DATABASE_CONN_MAX_AGE (default 600)")
    parser.add_argument("--port", type=int, default=8780, help="the service's port; the baseline's is the next")
    parser.add_argument("--replica", action="store_true", help="serve reads from a streaming replica (see above)")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            raise SystemExit("wrk is needed: apt-get install wrk")
        log("installing wrk (Debian's package)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck_bench")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": args.conn_max_age,
        "SECURE_SSL_REDIRECT": "0",
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "STATIC_ROOT": str(ROOT / "staticfiles"),
    }
    # This process counts queries and reads plans through Django: its own request log would only be noise.
    os.environ["LOG_LEVEL"] = "WARNING"
    split = None
    if args.replica:
        _, _, env = replica_deployment(args.claims, env)
        split = ReadSplit(env["DATABASE_URL"], env["DATABASE_REPLICA_URLS"])
    else:
        prepare_database(database_url, args.claims, env)
    manage(env, "collectstatic", "--noinput", "-v0")
    django_setup(env)
    paths = pick_requests(args.search, args.broad_search)
    if args.only:
        paths = {name: path for name, path in paths.items() if name in args.only}

    service_port, baseline_port = args.port, args.port + 1
    # Their logs are not kept: this process counts and times, and a failure to start raises with the log.
    ready = "/api/claims/?page_size=1"
    servers = [
        Gunicorn(env, Path(os.devnull), args.workers, port=service_port, ready=ready),
        Gunicorn(
            env, Path(os.devnull), args.workers, app="bench.baseline:application", port=baseline_port, ready=ready
        ),
    ]
    script = RESULTS / ".wrk-report.lua"
    RESULTS.mkdir(exist_ok=True)
    script.write_text(WRK_REPORT)
    results = []
    try:
        for name, path in paths.items():
            status, ours = fetch(service_port, path)
            base_status, theirs = fetch(baseline_port, path)
            if status != 200 or ours != theirs:
                raise SystemExit(
                    f"{name}: the service ({status}, {len(ours)} bytes) and the baseline ({base_status}, "
                    f"{len(theirs)} bytes) differ for {path}"
                )
            row = {"name": name, "path": path, "bytes": len(ours)}
            for label, port in (("service", service_port), ("baseline", baseline_port)):
                wrk(port, path, args.connections, args.warmup, script)
                before = split.read() if split and label == "service" else None
                row[label] = wrk(port, path, args.connections, args.duration, script)
                if before:
                    row["split"] = ReadSplit.between(before, split.read())
            row["ratio"] = round(row["service"]["requests_per_s"] / row["baseline"]["requests_per_s"], 2)
            log(
                f"{name}: service {row['service']['requests_per_s']} req/s (p99 {row['service']['p99_ms']} ms), "
                f"baseline {row['baseline']['requests_per_s']} req/s (p99 {row['baseline']['p99_ms']} ms)"
            )
            results.append(row)
        if split and "detail" in paths:
            token = pinned_writer(service_port, env, paths["detail"])
            path = paths.get("list", paths["detail"])
            wrk(service_port, path, args.connections, args.warmup, script, token)
            before = split.read()
            row = {"name": "list, as a client that has just written", "path": path, "pinned": True}
            row["service"] = wrk(service_port, path, args.connections, args.duration, script, token)
            row["split"] = ReadSplit.between(before, split.read())
            log(f"{row['name']}: {row['service']['requests_per_s']} req/s, split {row['split']}")
            results.append(row)
    finally:
        for server in servers:
            server.stop()
        script.unlink(missing_ok=True)

    if split:
        report = {**run_facts(args), "replicas": 1, "results": results}
        out = RESULTS / f"bench-replica-{datetime.datetime.now():%Y-%m-%dT%H%M%S}.json"
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(split_table(report))
        print(f"\nFull report: {out.relative_to(ROOT)}")
        return

    service_queries, baseline_queries, plans = count_queries(paths)
    sizes = {}
    for size in (1, 50, 100):
        sizes[size] = count_queries({"list": f"/api/claims/?page_size={size}"})[0]["list"]
    for row in results:
        row["queries"] = {"service": service_queries[row["name"]], "baseline": baseline_queries[row["name"]]}

    report = {
        **run_facts(args),
        "conn_max_age": args.conn_max_age,
        "results": results,
        "list_queries_by_page_size": sizes,
        "plans": plans,
    }
    out = RESULTS / f"bench-{datetime.datetime.now():%Y-%m-%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(report))
    print(f"\nList queries by page size: {sizes}. Full report: {out.relative_to(ROOT)}")
    search_plan = "\n".join(plans.get("search", []))
    if search_plan:
        index = "claims_claim_search_vector"
        print(f"Search uses the GIN index {index}: {'yes' if index in search_plan else 'NO'} (plan in the report)")


def run_facts(args) -> dict:
    """What a report says about the run it comes from."""
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "claims": args.claims,
        "connections": args.connections,
        "workers": args.workers,
        "duration_s": args.duration,
        "cores": os.cpu_count(),
    }


def table(report: dict) -> str:
    lines = [
        f"{report['claims']:,} claims, {report['connections']} connections, {report['workers']} workers each, "
        f"{report['duration_s']} s per run, {report['cores']} cores",
        "",
        "| request | service req/s | baseline req/s | ratio | service p50 / p99 ms | baseline p50 / p99 ms "
        "| queries (service / baseline) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        s, b = row["service"], row["baseline"]
        lines.append(
            f"| {row['name']} | {s['requests_per_s']:,.0f} | {b['requests_per_s']:,.0f} | {row['ratio']:.2f} | "
            f"{s['p50_ms']} / {s['p99_ms']} | {b['p50_ms']} / {b['p99_ms']} | "
            f"{row['queries']['service']} / {row['queries']['baseline']} | {s['errors'] + b['errors']} |"
        )
    return "\n".join(lines)


def split_table(report: dict) -> str:
    lines = [
        f"{report['claims']:,} claims, one streaming replica, {report['connections']} connections, "
        f"{report['workers']} workers, {report['duration_s']} s per run, {report['cores']} cores (all servers on them)",
        "",
        "| request | service req/s | p99 ms | statements on primary / replica | replica's share "
        "| execution ms on primary / replica |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        s, p, r = row["service"], row["split"]["primary"], row["split"]["replica"]
        lines.append(
            f"| {row['name']} | {s['requests_per_s']:,.0f} | {s['p99_ms']} | {p['statements']:,} / "
            f"{r['statements']:,} | {r['share']:.1%} | {p['exec_ms']:,} / {r['exec_ms']:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
