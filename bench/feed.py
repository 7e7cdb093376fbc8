"""The change feed's read rate: changes a second a client following `next` receives.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_bench .venv/bin/python bench/feed.py --fill

In-process (Django's test client, production settings), on a record made by `generate_claims`,
which writes no changes: `--fill` gives every record one `created` change (by SQL, in id order,
a hundred to a transaction id, each below the filling transaction's own), once. Then it follows the
feed from its start for `--changes` entries, page by page, and again for each kind alone (`?types=`),
and prints changes a second.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
for name, value in {"DEBUG": "0", "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0"}.items():
    os.environ.setdefault(name, value)
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
os.environ.update(THROTTLE_ANON="off", LOG_LEVEL="WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from claims.db import without_statement_timeout  # noqa: E402
from claims.events.models import Change, ChangeKind  # noqa: E402

TABLES = {
    "claim": "claims_claim",
    "source": "claims_source",
    "topic": "claims_topic",
    "article": "claims_article",
    "link": "claims_claimlink",
    "review": "claims_review",
    "appearance": "claims_appearance",
}


def fill() -> None:
    rows = " UNION ALL ".join(f"SELECT '{kind}' AS kind, id FROM {table}" for kind, table in TABLES.items())
    # At 1,000,000 claims the insert takes longer than the service's statement timeout (5 s).
    with transaction.atomic(), without_statement_timeout(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO events_change (kind, action, subject, version, time, txid) "
            "SELECT kind, 'created', id, 1, now(), "
            # Ids past the cluster's own would be transactions still to come: in progress to the feed's horizon,
            # which would hide them and count them on every conditional read. On a young cluster (a new
            # machine) the first ones share transaction 1.
            "greatest(1, pg_current_xact_id()::text::bigint - 1"
            " - (count(*) OVER () - row_number() OVER (ORDER BY id, kind)) / 100) "
            f"FROM ({rows}) AS records"
        )
        cursor.execute("ANALYZE events_change")


def follow(client: Client, url: str, limit: int) -> tuple[int, float]:
    received, started = 0, time.perf_counter()
    while received < limit:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        if not body["results"]:
            break
        received += len(body["results"])
        url = body["next"]
    return received, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", action="store_true", help="Give every record a change first, if there are none.")
    parser.add_argument("--changes", type=int, default=5000, help="Entries to read each time (5000).")
    args = parser.parse_args()
    if args.fill and not Change.objects.exists():
        fill()
    print(f"{Change.objects.count():,} changes; pages of 100")
    client = Client()
    for types in [None, *ChangeKind.values]:
        url = "/api/changes/?page_size=100" + (f"&types={types}" if types else "")
        received, seconds = follow(client, url, args.changes)
        if received:
            rate = received / seconds
            print(f"{types or 'all kinds':12s} {received:6d} changes in {seconds:6.1f} s: {rate:6.0f} a second")


if __name__ == "__main__":
    main()
