"""examples/mirror.py, run as a client would run it, against a live server: its copy equals what the API serves."""

import datetime
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.events.models import Change
from claims.models import Appearance, Article, Claim, ClaimLink, Review, Source, Topic

pytestmark = pytest.mark.django_db(transaction=True)

MIRROR = Path(__file__).resolve().parent.parent / "examples" / "mirror.py"
ROUTES = {
    "source": (Source, "sources"),
    "topic": (Topic, "topics"),
    "article": (Article, "articles"),
    "claim": (Claim, "claims"),
    "link": (ClaimLink, "links"),
    "appearance": (Appearance, "appearances"),
    "review": (Review, "reviews"),
}


def run_mirror(live_server, db_path) -> str:
    done = subprocess.run(
        [sys.executable, str(MIRROR), "--api", f"{live_server.url}/api/", "--db", str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def copy_of(db_path) -> dict:
    with sqlite3.connect(db_path) as db:
        return {(kind, pk): json.loads(data) for kind, pk, data in db.execute("SELECT kind, id, data FROM records")}


def served(client) -> dict:
    """Every record as its detail endpoint serves it now."""
    records = {}
    for kind, (model, route) in ROUTES.items():
        for pk in model.objects.values_list("pk", flat=True):
            response = client.get(f"/api/{route}/{pk}/")
            assert response.status_code == 200
            records[(kind, pk)] = response.json()
    return records


def mixed_run(client, round_: int) -> None:
    """Creates, edits and deletes of every kind, through the API."""
    source = client.post("/api/sources/", {"slug": f"src-{round_}", "name": f"Source {round_}", "kind": "media"})
    source = source.json()["id"]
    topic = client.post("/api/topics/", {"slug": f"t-{round_}", "name": f"Topic {round_}", "kind": "place"}).json()
    body = f"Round {round_}: the ministry said the bridge was closed."
    article = client.post("/api/articles/", {"title": f"Report {round_}", "publisher": source, "body": body}).json()
    claims = []
    for n in range(3):
        made = client.post(
            "/api/claims/",
            {"text": f"Claim {round_}.{n}", "source": source, "claimed_on": "2017-11-08", "topics": [topic["id"]]},
        )
        claims.append(made.json()["id"])
    link = client.post("/api/links/", {"from_claim": claims[1], "to_claim": claims[0], "relation": "denies"}).json()
    client.post("/api/reviews/", {"claim": claims[0], "rating": "mixed"})
    client.post("/api/appearances/", {"claim": claims[0], "article": article["id"], "exact": "the bridge was closed"})
    client.patch(f"/api/claims/{claims[0]}/", {"status": "disputed"})
    client.patch(f"/api/topics/{topic['id']}/", {"name": f"Topic {round_}, renamed"})
    # An edit that moves the anchor, and deletes: a link, then the claim it came from.
    client.patch(f"/api/articles/{article['id']}/", {"body": "Late on Monday. " + body})
    assert client.delete(f"/api/links/{link['id']}/").status_code == 204
    assert client.delete(f"/api/claims/{claims[1]}/").status_code == 204
    assert client.delete(f"/api/claims/{claims[2]}/").status_code == 204


def test_the_mirrors_copy_equals_what_the_api_serves(live_server, client_super, tmp_path):
    db_path = tmp_path / "copy.sqlite3"
    mixed_run(client_super, 1)

    run_mirror(live_server, db_path)
    assert copy_of(db_path) == served(client_super)

    # A second run carries on from the saved cursor: only what changed since.
    mixed_run(client_super, 2)
    output = run_mirror(live_server, db_path)
    assert "0 records copied from the lists" in output
    assert copy_of(db_path) == served(client_super)


def test_the_mirror_copies_again_when_its_cursor_was_pruned(live_server, client_super, tmp_path):
    db_path = tmp_path / "copy.sqlite3"
    mixed_run(client_super, 1)
    run_mirror(live_server, db_path)
    # Everything more than the kept days old, then a change: the mirror's cursor names a pruned entry.
    Change.objects.update(time=timezone.now() - datetime.timedelta(days=400))
    client_super.patch(f"/api/topics/{Topic.objects.get().pk}/", {"name": "Renamed once more"})
    call_command("prune_changes", stdout=io.StringIO())
    mixed_run(client_super, 2)

    output = run_mirror(live_server, db_path)

    assert "re-syncing" in output
    assert copy_of(db_path) == served(client_super)
