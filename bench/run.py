"""The read benchmark: the service against a no-framework baseline, at a million claims; then the
editors' admin pages and the API's other endpoints, on the service alone.

    .venv/bin/python bench/run.py [--claims 1000000] [--duration 15] [--connections 8] [--workers 4]
                                  [--editor-connections 2] [--group api|editor|endpoints ...]

1. Makes sure the PostgreSQL database BENCH_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/factcheck_bench) holds `--claims` claims: if it holds
   another number, it is dropped, migrated afresh and filled by `manage.py generate_claims`.
2. Starts the service (factcheck.wsgi) and the baseline (bench/baseline.py) under gunicorn
   with the same settings (gunicorn.conf.py, `--workers` sync workers each) on two loopback
   ports. The service runs with production settings: DEBUG off, persistent connections,
   request logging on (to /dev/null); throttling off, since this measures capacity, not one
   client's share.
3. Checks that both answer every benchmark request with the same bytes; stops if not.
4. The `api` group: for each read (claims list, filtered list, deep page, search, detail,
   thread), and each server in turn: wrk from a second process, `--connections` connections, a
   warm-up, then `--duration` seconds. Requests/s, p50, p95 and p99 latency, and errors (any non-2xx).
   With `--rounds N`, the two servers take turns N times and each keeps its median run (by
   requests/s): on a machine whose speed drifts by a fifth within minutes, the ratio then
   compares the two under the same conditions.
5. The `editor` group, the service only: a superuser made for the run logs in over HTTP, and wrk
   sends its session cookie at `--editor-connections` connections (a few editors, not the
   public): the claims changelist with a search, each list filter, the date hierarchy and a deep
   page; the change form of three claims and the add form; every other changelist; the
   autocompletes; a claim's history.
6. The `endpoints` group, the service only, anonymous, at `--connections`: similar claims (to a
   claim, to a text), the ClaimReview feeds, a source's record, the other lists, a claim's
   history, its public page and a topic's CSV export (timed to its last byte); then the list, a claim,
   its thread and the ClaimReview feed revalidated (If-None-Match with the ETag read once: 304s); the change
   feed, the translation and Wikidata filters, `lang` searches; the webhooks API with the editor's token (a
   switched-off subscription with 2,000 deliveries is made once, as the worker leaves them). Generated claims
   have no history: the first run over a database gives that claim six revisions, through the API.
   Every page of groups 5 and 6 must answer 200 before any is timed; the run stops if one does not.
7. Counts the queries each request runs (in this process, through Django and, for the `api` group,
   through the baseline), at page sizes 1, 50 and 100 and at the deep page; keeps the query plans.
   It prints, after the tables, whether each target (TARGETS) is met.

With `--replica`, the service reads from a streaming replica (docs/deployment.md): the data is
generated into a throwaway PostgreSQL primary (tests/deployment.py; root needed), a hot standby
is copied from it with pg_basebackup -R, and the service runs with DATABASE_REPLICA_URLS and
REDIS_URL (the local Redis). Each run then also reports how its statements and their execution
time split between the primary and the replica (pg_stat_statements on each server), and one
more run reads the list as a client that has just written, which is pinned to the primary.

With `--replica`, only the `api` group runs.

Writes bench/results/bench-<time>.json and prints two Markdown tables. Needs wrk (Debian's
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
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, from any folder: the project's packages are imported from its root.
sys.path.insert(0, str(ROOT))

from tests.deployment import Cluster, Gunicorn, manage, wait_for_replay  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"  # the Host header of every request, so both servers write the same links
GROUPS = ["api", "editor", "endpoints"]
# What an editor types before adding a claim: the admin's form asks the same endpoint as they type.
SIMILAR_TEXT = "Iraqi militias crossed the border into Syria"
# An export is timed to its last byte: it may take longer than a page.
EXPORT_TIMEOUT = 60
# What the service is held to: (target, group, its rows (None: all of the group's), measure, limit). A ratio
# to the baseline must reach its limit, a latency stay under it.
TARGETS = [
    ("admin pages: p95 < 300 ms", "editor", None, "p95_ms", 300),
    (
        "similar claims (by id and by text): p99 < 100 ms",
        "endpoints",
        ["similar to a claim, disputed", "similar to a claim, many similar", "similar to a text"],
        "p99_ms",
        100,
    ),
    ("list and deep page: ratio >= 0.6", "api", ["list", "deep page"], "ratio", 0.6),
    ("list and deep page: p99 < 50 ms", "api", ["list", "deep page"], "p99_ms", 50),
    ("detail: ratio >= 0.6", "api", ["detail"], "ratio", 0.6),
    (
        "filtered list and both searches: p99 < 100 ms",
        "api",
        ["filtered list", "search", "broad search"],
        "p99_ms",
        100,
    ),
]

# wrk reports through this hook: one JSON line after its own summary.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
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


def accept(path: str) -> str:
    """The Accept header of the client that asks for this path: the API's, an export's, or a browser's."""
    if "format=csv" in path:
        return "text/csv"
    if path.startswith("/api/"):
        return "application/json"
    return "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def fetch(port: int, path: str, cookie: str | None = None, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=EXPORT_TIMEOUT)
    headers = {"Host": HOST, "Accept": accept(path), **({"Cookie": cookie} if cookie else {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def wrk(
    port: int, path: str, connections: int, duration: int, script: Path, header: str | None = None, timeout: int = 10
) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        f"{timeout}s",
        "-H",
        f"Host: {HOST}",
        "-H",
        f"Accept: {accept(path)}",
        "-s",
        str(script),
        *(("-H", header) if header else ()),
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = json.loads(next(line for line in output.splitlines() if line.startswith("BENCH ")).split(" ", 1)[1])
    return {
        "requests_per_s": round(report["requests"] / (report["duration_us"] / 1e6), 1),
        "p50_ms": round(report["p50_us"] / 1000, 1),
        "p90_ms": round(report["p90_us"] / 1000, 1),
        "p95_ms": round(report["p95_us"] / 1000, 1),
        "p99_ms": round(report["p99_us"] / 1000, 1),
        "max_ms": round(report["max_us"] / 1000, 1),
        "requests": report["requests"],
        "errors": report["non_2xx"] + report["socket_errors"],
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median rate (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["requests_per_s"])[(len(runs) - 1) // 2]


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
    claim_id = int(path.rstrip("/").rsplit("/", 1)[1])
    patch_claim(http.client.HTTPConnection("127.0.0.1", port, timeout=30), token, claim_id, "Pinned by the benchmark.")
    return token


def write(connection: http.client.HTTPConnection, token: str, method: str, path: str, data: dict) -> dict:
    """Send a write to the service, as an editor with `token` would; its answer, or stop the run if refused."""
    headers = {"Host": HOST, "Authorization": f"Token {token}", "Content-Type": "application/json"}
    connection.request(method, path, body=json.dumps(data), headers=headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status not in (200, 201):
        raise SystemExit(f"the benchmark's {method} {path} failed: {response.status} {answer[:300]!r}")
    return json.loads(answer)


def patch_claim(connection: http.client.HTTPConnection, token: str, claim_id: int, quote: str) -> None:
    """Change a claim's quote through the service, as an editor with `token` would; stop the run if refused."""
    write(connection, token, "PATCH", f"/api/claims/{claim_id}/", {"quote": quote})


def django_setup(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    import django

    django.setup()


# A selective search in each language of the generated record but English (whose is --search): "hospital"
# and a city, in the words of claims.generate.phrasebook, some inflected otherwise than there (ru, tr).
LANGUAGE_SEARCHES = {
    "ar": "مستشفى الموصل",
    "ru": "больница Мосул",
    "fr": "hôpital Mossoul",
    "de": "Krankenhaus Mossul",
    "es": "hospital Mosul",
    "tr": "hastane Musul",
    "fa": "بیمارستان موصل",
}


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
        disputed = disputed_claim(cursor)
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
        **{
            f"search {language}": f"/api/claims/?{urlencode({'page_size': 50, 'q': words})}"
            for language, words in LANGUAGE_SEARCHES.items()
        },
        "detail": f"/api/claims/{disputed}/",
        "thread": f"/api/claims/{disputed}/thread/",
    }


def disputed_claim(cursor) -> int:
    """A disputed claim: denied, reviewed, with a thread. Detail, thread and the editor's form show it."""
    cursor.execute(
        "SELECT l.to_claim_id FROM claims_claimlink l JOIN claims_review r ON r.claim_id = l.to_claim_id"
        " WHERE l.relation = 'denies' ORDER BY l.to_claim_id LIMIT 1"
    )
    return cursor.fetchone()[0]


def pick_records() -> dict:
    """The records the editor and endpoint requests are about, chosen from the data as pick_requests does."""
    from django.contrib import admin
    from django.db import connection

    from claims.models import Claim

    with connection.cursor() as cursor:
        records = {"disputed": disputed_claim(cursor)}
        # Any claim, but the same one every run: the one halfway through the ids.
        cursor.execute(
            "SELECT min(id) FROM claims_claim WHERE id >= (SELECT (min(id) + max(id)) / 2 FROM claims_claim)"
        )
        records["middle"] = cursor.fetchone()[0]
        # The claim whose text opens as the most others do: the most candidates for similar claims.
        cursor.execute(
            "SELECT min(id) FROM claims_claim WHERE left(text, 30) = (SELECT left(text, 30) FROM claims_claim"
            " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)"
        )
        records["many similar"] = cursor.fetchone()[0]
        cursor.execute("SELECT source_id FROM claims_claim GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        records["busiest source"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT t.id, t.slug, count(*) FROM claims_claimtopic ct JOIN claims_topic t ON t.id = ct.topic_id"
            " GROUP BY t.id ORDER BY count(*) DESC, t.slug"
        )
        topics = cursor.fetchall()
        cursor.execute("SELECT min(claimed_on), max(claimed_on), count(*) FROM claims_claim")
        first, last, claims = cursor.fetchone()
        # The English article most claims cite (extraction reads English): it gets a text and anchors
        # (give_article_text), then its pages are timed.
        cursor.execute(
            "SELECT c.article_id FROM claims_claim c JOIN claims_article a ON a.id = c.article_id"
            " WHERE a.language = 'en' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        records["cited article"] = cursor.fetchone()[0]
        # The first claim give_article_text anchors in it.
        cursor.execute("SELECT min(id) FROM claims_claim WHERE article_id = %s", [records["cited article"]])
        records["anchored claim"] = cursor.fetchone()[0]
        # The first English claim: the one given an Arabic translation (give_translation), for the editor's form
        # and similar claims.
        cursor.execute("SELECT min(id) FROM claims_claim WHERE language = 'en'")
        records["translated claim"] = cursor.fetchone()[0]
    records["top topic slug"] = topics[0][1]
    records["top topic"] = topics[0][0]
    # An export of a topic as an editor would download one: a few thousand claims, not the biggest topic.
    records["export topic"] = min(topics[1:], key=lambda topic: abs(topic[2] - 3000))[1]
    records["middle date"] = first + (last - first) / 2
    # Far into the changelist, but a page that exists at any size (Django sends a missing page elsewhere).
    per_page = admin.site.get_model_admin(Claim).list_per_page
    records["deep page"] = min(2000, -(-claims // per_page))
    return records


def pick_editor_requests(records: dict, search: str) -> dict[str, str]:
    """The admin pages an editor works in: the claims changelist as it is filtered, the forms, the rest."""
    middle = records["middle date"]
    changelist = "/admin/claims/claim/"
    return {
        "claim list": changelist,
        "claim list, search": f"{changelist}?{urlencode({'q': search})}",
        "claim list, status filter": f"{changelist}?status__exact=disputed",
        "claim list, source kind filter": f"{changelist}?source__kind__exact=armed_group",
        "claim list, topic filter": f"{changelist}?topic={records['top topic slug']}",
        "claim list, denied filter": f"{changelist}?has_denial=yes",
        "claim list, reviewed filter": f"{changelist}?has_review=yes",
        "claim list, precision filter": f"{changelist}?claimed_on_precision__exact=month",
        "claim list, language filter": f"{changelist}?language=ar",
        "claim list, a year": f"{changelist}?claimed_on__year={middle.year}",
        "claim list, a month": f"{changelist}?claimed_on__year={middle.year}&claimed_on__month={middle.month}",
        "claim list, deep page": f"{changelist}?p={records['deep page']}",
        "claim form, disputed": f"{changelist}{records['disputed']}/change/",
        "claim form, middle": f"{changelist}{records['middle']}/change/",
        "claim form, many similar": f"{changelist}{records['many similar']}/change/",
        "claim form, add": f"{changelist}add/",
        "claim form, Arabic translation": f"{changelist}{records['translated claim']}/change/",
        "source list": "/admin/claims/source/",
        "article list": "/admin/claims/article/",
        "topic list": "/admin/claims/topic/",
        "link list": "/admin/claims/claimlink/",
        "review list": "/admin/claims/review/",
        "user list": "/admin/auth/user/",
        "webhook subscription list": "/admin/webhooks/subscription/",
        "webhook delivery list": "/admin/webhooks/delivery/",
        "autocomplete, source": autocomplete("claim", "source", "army"),
        "autocomplete, linked claim": autocomplete("claimlink", "to_claim", "militia"),
        "autocomplete, topics": autocomplete("claim", "topics", "al"),
        "autocomplete, article": autocomplete("claim", "article", "report"),
        "claim history page": f"{changelist}{records['disputed']}/history/",
        "article form, with its text": f"/admin/claims/article/{records['cited article']}/change/",
        # Extraction runs on each GET: the drafts of the article's text beside it, for the editor to review.
        "extraction review": f"/admin/claims/article/{records['cited article']}/extract/",
    }


def autocomplete(model: str, field: str, term: str) -> str:
    query = {"app_label": "claims", "model_name": model, "field_name": field, "term": term}
    return f"/admin/autocomplete/?{urlencode(query)}"


def pick_endpoint_requests(records: dict) -> dict[str, str]:
    """The API's reads beyond the main ones, and the public page: what editors' tools and other sites call."""
    disputed, article = records["disputed"], records["cited article"]
    export = {"format": "csv", "topic": records["export topic"]}
    return {
        "similar to a claim, disputed": f"/api/claims/{disputed}/similar/",
        "similar to a claim, many similar": f"/api/claims/{records['many similar']}/similar/",
        "similar to a text": f"/api/claims/similar/?{urlencode({'text': SIMILAR_TEXT})}",
        "claimreview feed": "/api/claimreview/?page_size=50",
        "claimreview of a claim": f"/api/claims/{disputed}/claimreview/",
        "source record": f"/api/sources/{records['busiest source']}/record/",
        "sources": "/api/sources/",
        "articles": "/api/articles/",
        "topics": "/api/topics/",
        "links": "/api/links/",
        "reviews": "/api/reviews/",
        "claim history": f"/api/claims/{disputed}/history/",
        "public page": f"/claims/{disputed}/",
        "article with its text": f"/api/articles/{article}/",
        "article's annotations": f"/api/articles/{article}/annotations/",
        "appearances in an article": f"/api/appearances/?article={article}",
        "claim's annotation": f"/api/claims/{records['anchored claim']}/annotation/",
        "public article page": f"/articles/{article}/",
        "topic export (CSV)": f"/api/claims/?{urlencode(export)}",
        # Issues 15 and 17: the change feed, the new filters, search in one language, a translated claim.
        "change feed": "/api/changes/",
        "change feed, claims": "/api/changes/?types=claim",
        "change feed, links": "/api/changes/?types=link",
        "list, translated": "/api/claims/?page_size=50&translated=true",
        "list, translated into en": "/api/claims/?page_size=50&translation_language=en",
        "list, translated into ar": "/api/claims/?page_size=50&translation_language=ar",
        "list, source Wikidata id": f"/api/claims/?page_size=50&source_wikidata={SOURCE_WIKIDATA}",
        "list, topic Wikidata id": f"/api/claims/?page_size=50&topic_wikidata={TOPIC_WIKIDATA}",
        **{
            f"search {language}, lang={language}": "/api/claims/?"
            + urlencode({"page_size": 50, "q": LANGUAGE_SEARCHES[language], "lang": language})
            for language in ("ar", "ru")
        },
        "similar to a claim, translated": f"/api/claims/{records['translated claim']}/similar/",
    }


def pick_authenticated_requests(records: dict) -> dict[str, str]:
    """Endpoints only a token opens, timed with the run's editor's token: webhook subscriptions and the
    deliveries of the one give_webhooks makes."""
    return {
        "webhook subscriptions": "/api/webhooks/",
        "webhook deliveries": f"/api/webhooks/{records['subscription']}/deliveries/",
        "webhook deliveries, failed": f"/api/webhooks/{records['subscription']}/deliveries/?status=failed",
    }


# Wikidata ids for the benchmark's busiest source and most used topic (generated records have none): the
# form of an id, not a real item.
SOURCE_WIKIDATA, TOPIC_WIKIDATA = "Q990000001", "Q990000002"
# A subscription the worker never sends to: off, with deliveries made as the worker records them.
WEBHOOK_URL = "https://receiver.example/bench"
WEBHOOK_DELIVERIES = 2000


def give_issue_17_records(port: int, token: str, records: dict) -> None:
    """Generated records have no Arabic translation and no Wikidata ids: the translated claim gets one (our
    words), the busiest source and the top topic an id, through the API, once."""
    from claims.models import Claim, Source, Topic

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    claim = Claim.objects.get(pk=records["translated claim"])
    if not any(item["language"] == "ar" for item in claim.translations):
        arabic = {"language": "ar", "text": "نص تجريبي مترجم للقياس.", "quote": "", "kind": "human", "by": "bench"}
        write(connection, token, "PATCH", f"/api/claims/{claim.pk}/", {"translations": [*claim.translations, arabic]})
        log(f"claim {claim.pk} had no Arabic translation: gave it one")
    if not Source.objects.filter(wikidata=SOURCE_WIKIDATA).exists():
        write(connection, token, "PATCH", f"/api/sources/{records['busiest source']}/", {"wikidata": SOURCE_WIKIDATA})
    if not Topic.objects.filter(wikidata=TOPIC_WIKIDATA).exists():
        write(connection, token, "PATCH", f"/api/topics/{records['top topic']}/", {"wikidata": TOPIC_WIKIDATA})


def give_webhooks(records: dict) -> None:
    """A switched-off subscription with WEBHOOK_DELIVERIES deliveries (one in ten failed after three attempts,
    the rest delivered at the first), written as the worker would leave them, once: the deliveries endpoint
    and the admin's lists have pages to show."""
    import datetime as dt
    import uuid

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from claims.webhooks.models import Attempt, Delivery, Subscription

    subscription = Subscription.objects.filter(url=WEBHOOK_URL).first()
    if subscription is None:
        with transaction.atomic():
            owner, _ = get_user_model().objects.get_or_create(username="bench-webhooks")
            subscription = Subscription.objects.create(
                owner=owner, url=WEBHOOK_URL, event_types=["claim.*"], active=False, disabled_reason="benchmark"
            )
            now = timezone.now()
            deliveries = Delivery.objects.bulk_create(
                Delivery(
                    webhook_id=uuid.uuid4(),
                    subscription=subscription,
                    change_id=n + 1,
                    event_type="claim.updated",
                    subject=str(records["middle"] + n),
                    event_time=now - dt.timedelta(seconds=WEBHOOK_DELIVERIES - n),
                    status="failed" if n % 10 == 0 else "delivered",
                    attempt_count=3 if n % 10 == 0 else 1,
                    next_attempt_at=now,
                    finished_at=now,
                )
                for n in range(WEBHOOK_DELIVERIES)
            )
            Attempt.objects.bulk_create(
                Attempt(
                    delivery=delivery,
                    number=number + 1,
                    started_at=now,
                    status_code=503 if delivery.status == "failed" else 204,
                    latency_ms=12,
                    response_excerpt="" if delivery.status == "delivered" else "busy",
                )
                for delivery in deliveries
                for number in range(delivery.attempt_count)
            )
        log(f"made webhook subscription {subscription.pk} with {WEBHOOK_DELIVERIES} deliveries")
    records["subscription"] = subscription.pk


def pick_revalidations(records: dict) -> dict[str, str]:
    """Reads a client that keeps a copy sends again with the ETag it holds: each a 304 while nothing changes
    (docs/conditional-reads.md). Timed in the endpoints group, beside the reads themselves."""
    disputed = records["disputed"]
    return {
        "list, revalidated (304)": "/api/claims/?page_size=50",
        "claim, revalidated (304)": f"/api/claims/{disputed}/",
        "thread, revalidated (304)": f"/api/claims/{disputed}/thread/",
        "claimreview feed, revalidated (304)": "/api/claimreview/?page_size=50",
    }


def revalidation_header(port: int, path: str) -> str:
    """The If-None-Match of a client that read `path` once; stops the run unless the server answers it 304."""
    headers = {"Host": HOST, "Accept": accept(path)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=EXPORT_TIMEOUT)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    tag = response.getheader("ETag")
    connection.request("GET", path, headers={**headers, "If-None-Match": tag or ""})
    again = connection.getresponse()
    again.read()
    if again.status != 304:
        raise SystemExit(f"{path} with If-None-Match {tag} answers {again.status}, not 304")
    return f"If-None-Match: {tag}"


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
            # The page's query: the first that reads claims (conditional reads run the record's state first).
            page_query = next(q["sql"] for q in queries.captured_queries if 'FROM "claims_claim"' in q["sql"])
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {page_query}")
                plans[name] = [row[0] for row in cursor.fetchall()]
    return service, base, plans


def count_service_queries(
    paths: dict[str, str], username: str | None = None, headers: dict | None = None
) -> dict[str, int]:
    """Queries per request in the service, as that user (or anonymous). Each path is asked twice and the
    second counted: under load, a worker has its content types, templates and cached reads already."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    counts = {}
    for name, path in paths.items():
        client.get(path, headers=headers).getvalue()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
            response.getvalue()  # an export's queries run as it streams
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(queries)
    return counts


def create_editor(env: dict) -> tuple[str, str, str]:
    """A superuser for this run, so that every admin page is open to it: (username, password, API token)."""
    username = f"bench-{secrets.token_hex(3)}"
    created = manage(env, "create_user", username, "--role", "admin")
    return username, re.search(r"password:\s+(\S+)", created)[1], re.search(r"API token: (\w+)", created)[1]


def give_history(port: int, token: str, claim_id: int, revisions: int = 6) -> None:
    """Generated claims have no revisions, and the history of a claim without any is a 404 (the admin's,
    an empty page): a claim without any gets some, once, as an editor makes them (its quote changed
    through the API, then put back), so that later runs time the same history."""
    from claims.models import Claim

    if Claim.history.filter(id=claim_id).exists():
        return
    quote = Claim.objects.get(id=claim_id).quote
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for revision in range(revisions):
        patch_claim(connection, token, claim_id, f"{quote} (revision {revision + 1})" if revision % 2 == 0 else quote)
    log(f"claim {claim_id} had no revisions: gave it {revisions}")


def give_article_text(port: int, token: str, article_id: int, anchors: int = 20) -> None:
    """Generated articles have no text: the most cited one gets the longest article of the extraction corpus
    (bench/corpus, written for the project), through the API, and `anchors` of its claims are anchored in it,
    one sentence each, as an editor would (its claims in the order of their ids). Once: later runs time the
    same pages."""
    from claims.models import Appearance, Article, Claim

    if Appearance.objects.filter(article_id=article_id, start__isnull=False).exists():
        return
    body = max((path.read_text(encoding="utf-8") for path in (ROOT / "bench" / "corpus").glob("*.txt")), key=len)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if not Article.objects.filter(pk=article_id).exclude(body="").exists():
        write(connection, token, "PATCH", f"/api/articles/{article_id}/", {"body": body})
    sentences = [m.span() for m in re.finditer(r"[^.!?\n]{30,}[.!?]", body)]
    claims = Claim.objects.filter(article_id=article_id).order_by("id").values_list("id", flat=True)[:anchors]
    for claim_id, (start, end) in zip(claims, sentences, strict=False):
        write(
            connection,
            token,
            "POST",
            "/api/appearances/",
            {"claim": claim_id, "article": article_id, "start": start, "end": end},
        )
    log(
        f"article {article_id} had no text: gave it {len(body):,} characters and {min(anchors, len(sentences))} anchors"
    )


def editor_login(port: int, username: str, password: str) -> str:
    """Log in through the admin's form, as a browser does; the Cookie header the editor's requests send."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookies = SimpleCookie()
    connection.request("GET", "/admin/login/", headers={"Host": HOST})
    response = connection.getresponse()
    for header in response.headers.get_all("Set-Cookie") or ():
        cookies.load(header)
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())[1]
    body = urlencode({"csrfmiddlewaretoken": form_token, "username": username, "password": password})
    headers = {
        "Host": HOST,
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items()),
    }
    connection.request("POST", "/admin/login/", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 302:  # a refused login shows the form again
        raise SystemExit(f"the editor's login failed: {response.status}")
    # The session, and the CSRF token that login rotates.
    for header in response.headers.get_all("Set-Cookie"):
        cookies.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


def check_answers(port: int, groups: dict[str, dict[str, str]], cookie: str | None) -> dict[str, dict[str, int]]:
    """Bytes of each page of these groups, every one asked before any is timed: stops at one that is not 200."""
    sizes = {group: {} for group in groups}
    for group, paths in groups.items():
        for name, path in paths.items():
            status, body = fetch(port, path, cookie if group == "editor" else None)
            if status != 200:
                raise SystemExit(f"{group} / {name}: {path} answers {status}, not 200: {body[:300]!r}")
            sizes[group][name] = len(body)
    return sizes


def time_group(
    port: int, group: str, paths: dict[str, str], connections: int, args, script: Path, header: str | None = None
) -> list[dict]:
    """The group's rows, each timed by wrk on the service alone: a warm-up, then `--duration` seconds."""
    rows = []
    for name, path in paths.items():
        options = {"header": header, "timeout": EXPORT_TIMEOUT if "format=csv" in path else 10}
        wrk(port, path, connections, args.warmup, script, **options)
        row = {"group": group, "name": name, "path": path}
        row["service"] = s = wrk(port, path, connections, args.duration, script, **options)
        log(f"{group} / {name}: {s['requests_per_s']} req/s (p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms)")
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims in the database (default 1,000,000)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per request and server (15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each (3)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="api group: service and baseline take turns this many times (1)"
    )
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument(
        "--editor-connections", type=int, default=2, help="concurrent connections of the editor group (default 2)"
    )
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers each (default: 2 a core)"
    )
    parser.add_argument("--search", default="hospital Bakhmut", help="a selective search (hospital Bakhmut: 0.4%%)")
    parser.add_argument("--broad-search", default="militia border", help="a broad search (militia border: 2%%)")
    parser.add_argument(
        "--group",
        action="append",
        choices=GROUPS,
        help="run only this group (repeatable): api (against the baseline), editor, endpoints; default all",
    )
    parser.add_argument("--only", action="append", help="run only this request (repeatable), e.g. --only list")
    parser.add_argument("--conn-max-age", default="600", help="the service's DATABASE_CONN_MAX_AGE (default 600)")
    parser.add_argument("--port", type=int, default=8780, help="the service's port; the baseline's is the next")
    parser.add_argument("--replica", action="store_true", help="serve reads from a streaming replica (see above)")
    args = parser.parse_args()
    groups = args.group or (["api"] if args.replica else GROUPS)
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    if args.replica and set(groups) != {"api"}:
        parser.error("--replica times the api group only")

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
    paths = pick_requests(args.search, args.broad_search) if "api" in groups else {}
    extra, records, authenticated = {}, {}, {}
    if set(groups) - {"api"}:
        records = pick_records()
        give_webhooks(records)
        if "endpoints" in groups:
            authenticated = pick_authenticated_requests(records)
        picked = {
            "editor": pick_editor_requests(records, args.broad_search),
            "endpoints": pick_endpoint_requests(records),
        }
        extra = {group: picked[group] for group in GROUPS if group in groups and group != "api"}
    if args.only:
        paths = {name: path for name, path in paths.items() if name in args.only}
        extra = {group: {name: path for name, path in p.items() if name in args.only} for group, p in extra.items()}
        authenticated = {name: path for name, path in authenticated.items() if name in args.only}
        revalidating = records and set(args.only) & set(pick_revalidations(records))
        extra = {
            group: p for group, p in extra.items() if p or (group == "endpoints" and (revalidating or authenticated))
        }
    # The endpoints group needs it too, to give the claim whose history it reads some revisions.
    editor = create_editor(env) if extra else None

    service_port, baseline_port = args.port, args.port + 1
    # Their logs are not kept: this process counts and times, and a failure to start raises with the log.
    ready = "/api/claims/?page_size=1"
    servers = [Gunicorn(env, Path(os.devnull), args.workers, port=service_port, ready=ready)]
    if paths:
        servers.append(
            Gunicorn(
                env, Path(os.devnull), args.workers, app="bench.baseline:application", port=baseline_port, ready=ready
            )
        )
    script = RESULTS / ".wrk-report.lua"
    RESULTS.mkdir(exist_ok=True)
    script.write_text(WRK_REPORT)
    results = []
    try:
        cookie = None
        if editor:
            username, password, token = editor
            cookie = editor_login(service_port, username, password)
            give_history(service_port, token, records["disputed"])
            give_article_text(service_port, token, records["cited article"])
            give_issue_17_records(service_port, token, records)
        sizes = check_answers(service_port, extra, cookie)
        for name, path in authenticated.items():
            status, body = fetch(service_port, path, token=editor[2])
            if status != 200:
                raise SystemExit(f"endpoints / {name}: {path} answers {status}, not 200: {body[:300]!r}")
            sizes["endpoints"][name] = len(body)
        for name, path in paths.items():
            status, ours = fetch(service_port, path)
            base_status, theirs = fetch(baseline_port, path)
            if status != 200 or ours != theirs:
                raise SystemExit(
                    f"{name}: the service ({status}, {len(ours)} bytes) and the baseline ({base_status}, "
                    f"{len(theirs)} bytes) differ for {path}"
                )
            row = {"group": "api", "name": name, "path": path, "bytes": len(ours)}
            ports = (("service", service_port), ("baseline", baseline_port))
            for _, port in ports:
                wrk(port, path, args.connections, args.warmup, script)
            runs = {label: [] for label, _ in ports}
            for _ in range(args.rounds):
                for label, port in ports:
                    before = split.read() if split and label == "service" else None
                    run = wrk(port, path, args.connections, args.duration, script)
                    if before:
                        run["split"] = ReadSplit.between(before, split.read())
                    runs[label].append(run)
            for label, _ in ports:
                row[label] = median_run(runs[label])
                if args.rounds > 1:
                    row[f"{label}_rounds"] = [run["requests_per_s"] for run in runs[label]]
            if "split" in row["service"]:
                row["split"] = row["service"].pop("split")
            # A baseline that answered nothing within wrk's timeout (a loaded machine) has no ratio.
            base = row["baseline"]["requests_per_s"]
            row["ratio"] = round(row["service"]["requests_per_s"] / base, 2) if base else None
            log(
                f"{name}: service {row['service']['requests_per_s']} req/s (p99 {row['service']['p99_ms']} ms), "
                f"baseline {row['baseline']['requests_per_s']} req/s (p99 {row['baseline']['p99_ms']} ms)"
            )
            results.append(row)
        if split and "detail" in paths:
            token = pinned_writer(service_port, env, paths["detail"])
            path = paths.get("list", paths["detail"])
            header = f"Authorization: Token {token}"
            wrk(service_port, path, args.connections, args.warmup, script, header)
            before = split.read()
            row = {"group": "api", "name": "list, as a client that has just written", "path": path, "pinned": True}
            row["service"] = wrk(service_port, path, args.connections, args.duration, script, header)
            row["split"] = ReadSplit.between(before, split.read())
            log(f"{row['name']}: {row['service']['requests_per_s']} req/s, split {row['split']}")
            results.append(row)
        for group, group_paths in extra.items():
            editing = group == "editor"
            connections = args.editor_connections if editing else args.connections
            header = f"Cookie: {cookie}" if editing else None
            results += time_group(service_port, group, group_paths, connections, args, script, header)
            if group == "endpoints":
                for name, path in pick_revalidations(records).items():
                    if args.only and name not in args.only:
                        continue
                    tag = revalidation_header(service_port, path)
                    rows = time_group(service_port, group, {name: path}, connections, args, script, tag)
                    # One query: the state the tag is compared with (tests/test_query_counts.py pins it).
                    rows[0].update(queries={"service": 1}, bytes=0)
                    results += rows
                token_header = {"Authorization": f"Token {editor[2]}"}
                for name, path in authenticated.items():
                    rows = time_group(
                        service_port,
                        group,
                        {name: path},
                        connections,
                        args,
                        script,
                        "Authorization: " + token_header["Authorization"],
                    )
                    # Counted as the client sends it, with the token: its lookup is one of the queries.
                    counted = count_service_queries({name: path}, headers=token_header)
                    rows[0].update(queries={"service": counted[name]}, bytes=sizes[group][name])
                    results += rows
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

    report = {**run_facts(args), "conn_max_age": args.conn_max_age, "results": results}
    if paths:
        service_queries, baseline_queries, plans = count_queries(paths)
        page_sizes = {}
        for size in (1, 50, 100):
            page_sizes[size] = count_queries({"list": f"/api/claims/?page_size={size}"})[0]["list"]
        report.update(list_queries_by_page_size=page_sizes, plans=plans)
    queries = {
        group: count_service_queries(group_paths, editor[0] if group == "editor" else None)
        for group, group_paths in extra.items()
    }
    for row in results:
        if row["group"] == "api":
            row["queries"] = {"service": service_queries[row["name"]], "baseline": baseline_queries[row["name"]]}
        else:
            if "queries" not in row:  # a revalidation's are set where it is timed
                row["queries"] = {"service": queries[row["group"]][row["name"]]}
                row["bytes"] = sizes[row["group"]][row["name"]]

    out = RESULTS / f"bench-{datetime.datetime.now():%Y-%m-%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if paths:
        print(table(report))
        print(f"\nList queries by page size: {page_sizes}.")
        search_plan = "\n".join(plans.get("search", []))
        if search_plan:
            index = "claims_claim_search_vector"
            print(f"Search uses the GIN index {index}: {'yes' if index in search_plan else 'NO'} (plan in the report)")
    if extra:
        print(f"\n{group_table(report)}")
    targets = target_lines(report["results"])
    if targets:
        print("\nTargets:\n" + "\n".join(targets))
    print(f"\nFull report: {out.relative_to(ROOT)}")


def run_facts(args) -> dict:
    """What a report says about the run it comes from."""
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "claims": args.claims,
        "connections": args.connections,
        "editor_connections": args.editor_connections,
        "workers": args.workers,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "cores": os.cpu_count(),
    }


def table(report: dict) -> str:
    lines = [
        f"{report['claims']:,} claims, {report['connections']} connections, {report['workers']} workers each, "
        f"{report['duration_s']} s per run"
        + (f" (the median of {report['rounds']} in turns)" if report.get("rounds", 1) > 1 else "")
        + f", {report['cores']} cores",
        "",
        "| request | service req/s | baseline req/s | ratio | service p50 / p99 ms | baseline p50 / p99 ms "
        "| queries (service / baseline) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in (row for row in report["results"] if row["group"] == "api"):
        s, b = row["service"], row["baseline"]
        lines.append(
            f"| {row['name']} | {s['requests_per_s']:,.0f} | {b['requests_per_s']:,.0f} | {row['ratio']:.2f} | "
            f"{s['p50_ms']} / {s['p99_ms']} | {b['p50_ms']} / {b['p99_ms']} | "
            f"{row['queries']['service']} / {row['queries']['baseline']} | {s['errors'] + b['errors']} |"
        )
    return "\n".join(lines)


def group_table(report: dict) -> str:
    lines = [
        f"The service alone: the editor group at {report['editor_connections']} connections, logged in; "
        f"the endpoints at {report['connections']}, anonymous",
        "",
        "| group | request | req/s | p50 / p95 / p99 ms | queries | errors |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in (row for row in report["results"] if row["group"] != "api"):
        s = row["service"]
        # An export's size says what its time is for.
        name = f"{row['name']} ({row['bytes']:,} bytes)" if "format=csv" in row["path"] else row["name"]
        # wrk reports latencies of 0 when no request completed within the run.
        latency = f"{s['p50_ms']} / {s['p95_ms']} / {s['p99_ms']}" if s["requests"] else "none completed"
        lines.append(
            f"| {row['group']} | {name} | {s['requests_per_s']:,.0f} | {latency} "
            f"| {row['queries']['service']} | {s['errors']} |"
        )
    return "\n".join(lines)


def target_lines(results: list[dict]) -> list[str]:
    """One line per target with rows in this run: met, or MISSED with the rows that miss it."""
    lines = []
    for target, group, names, measure, limit in TARGETS:
        rows = [row for row in results if row["group"] == group and (names is None or row["name"] in names)]
        missed = []
        for row in rows:
            value = row["ratio"] if measure == "ratio" else row["service"][measure]
            if not row["service"]["requests"]:  # latencies of 0, not fast
                missed.append(f"{row['name']}: no request completed")
            elif value is None:
                missed.append(f"{row['name']}: the baseline completed no request")
            elif value < limit if measure == "ratio" else value >= limit:
                missed.append(f"{row['name']} {value}{'' if measure == 'ratio' else ' ms'}")
        if rows:
            lines.append(f"- {target}: " + (f"MISSED ({'; '.join(missed)})" if missed else "met"))
    return lines


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
