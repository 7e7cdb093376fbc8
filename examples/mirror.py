"""Keep a local SQLite copy of the factcheck record by following its change feed.

    python examples/mirror.py --api https://factcheck.example.org/api/ --db record.sqlite3
    python examples/mirror.py --api ... --db ... --follow 30     # and again every 30 seconds

Python's standard library only. The copy is one table, `records (kind, id, data)`, where `data`
is the record as the API's detail endpoint shows it (JSON), and the feed's `next` link is kept
beside it, so each run carries on where the last one stopped.

The first run (or one whose cursor the service has pruned: 410 Gone) copies every list first,
then follows the feed from its start: a change made while the lists were read is in the feed,
and entries carry the record as it is when the feed is read, so the copy ends up where the record
is. After that, each entry replaces its record's copy with `data`, or deletes it when `data` is
null (deleted since, or this is its deletion). See docs/changes-and-webhooks.md.
"""

import argparse
import json
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The feed's kinds and the list each kind's records come from.
LISTS = {
    "source": "sources/",
    "topic": "topics/",
    "article": "articles/",
    "claim": "claims/",
    "link": "links/",
    "appearance": "appearances/",
    "review": "reviews/",
}
# Lists that show less than the detail endpoint: each record is read on its own.
SUMMARY_LISTS = {"article"}


class CursorGone(Exception):
    """The service no longer keeps the change our cursor names: copy everything again."""


def get(url: str, token: str | None) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Token {token}")
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 410:
                raise CursorGone(json.load(exc).get("detail", "")) from exc
            if exc.code not in (429, 503) or attempt == 4:
                raise
            time.sleep(float(exc.headers.get("Retry-After") or 2**attempt))
    raise AssertionError("unreachable")


def open_copy(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS records (kind TEXT, id INTEGER, data TEXT NOT NULL, PRIMARY KEY (kind, id))")
    db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    return db


def saved_next(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM state WHERE key = 'next'").fetchone()
    return row[0] if row else None


def copy_lists(db: sqlite3.Connection, api: str, token: str | None) -> int:
    """Replace the copy with every record the lists show (details where a list shows less)."""
    copied = 0
    db.execute("DELETE FROM records")
    for kind, path in LISTS.items():
        url = urllib.parse.urljoin(api, path) + "?page_size=100"
        while url:
            page = get(url, token)
            for record in page["results"]:
                if kind in SUMMARY_LISTS:
                    record = get(urllib.parse.urljoin(api, f"{path}{record['id']}/"), token)
                db.execute("INSERT INTO records VALUES (?, ?, ?)", (kind, record["id"], json.dumps(record)))
                copied += 1
            url = page["next"]
    return copied


def apply(db: sqlite3.Connection, entry: dict) -> None:
    kind, pk = entry["type"].split(".")[0], int(entry["subject"])
    if entry["data"] is None:
        db.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, pk))
    else:
        db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (kind, pk, json.dumps(entry["data"])))


def follow_feed(db: sqlite3.Connection, url: str, token: str | None) -> int:
    """Apply every entry from `url` on, page by page, each page with its cursor in one transaction."""
    applied = 0
    while True:
        page = get(url, token)
        with db:  # the entries and the cursor that follows them: both or neither
            for entry in page["results"]:
                apply(db, entry)
            db.execute("INSERT OR REPLACE INTO state VALUES ('next', ?)", (page["next"],))
        applied += len(page["results"])
        url = page["next"]
        if not page["results"]:
            return applied


def sync(db: sqlite3.Connection, api: str, token: str | None = None) -> str:
    """Bring the copy up to date; a line saying what was done."""
    url = saved_next(db)
    copied = 0
    if url is None:
        with db:
            copied = copy_lists(db, api, token)
        url = urllib.parse.urljoin(api, "changes/")
    try:
        applied = follow_feed(db, url, token)
    except CursorGone as gone:
        print(f"re-syncing: {gone}", file=sys.stderr)
        with db:
            db.execute("DELETE FROM state WHERE key = 'next'")
        return sync(db, api, token)
    return f"{copied} records copied from the lists, {applied} changes applied"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True, help="The API's root, e.g. https://factcheck.example.org/api/")
    parser.add_argument("--db", required=True, help="The SQLite file of the copy (made if missing).")
    parser.add_argument("--token", help="An API token (read scope is enough); the feed is public without one.")
    parser.add_argument("--follow", type=float, metavar="SECONDS", help="Keep following, every SECONDS.")
    args = parser.parse_args(argv)
    api = args.api if args.api.endswith("/") else args.api + "/"
    db = open_copy(args.db)
    while True:
        print(sync(db, api, args.token))
        if not args.follow:
            return
        time.sleep(args.follow)


if __name__ == "__main__":
    main()
