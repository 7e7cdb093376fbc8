"""GET /api/changes/: every change, once, in the order changes became visible, with the record as it is now."""

import base64
import datetime
import io
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from claims.events.models import Change
from claims.models import Topic
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db

FEED = "/api/changes/"


def follow(client, url=FEED, pages=100) -> tuple[list[dict], str]:
    """Every entry from `url` on, following `next` until a page comes back empty; and the last `next`."""
    entries = []
    for _ in range(pages):
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        entries += body["results"]
        url = body["next"]
        if not body["results"]:
            return entries, url
    raise AssertionError("the feed did not end")


def test_a_client_following_next_receives_every_change_exactly_once(client_anon, client_super):
    source = make_source()
    claims = [make_claim(source=source) for _ in range(7)]
    for claim in claims[:3]:
        client_super.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}, format="json")
    client_super.delete(f"/api/claims/{claims[6].pk}/")

    entries, _ = follow(client_anon, f"{FEED}?page_size=3")

    assert [entry["id"] for entry in entries] == [
        str(pk) for pk in Change.objects.order_by("id").values_list("pk", flat=True)
    ]
    assert len(entries) == 1 + 7 + 3 + 1
    assert [e["type"] for e in entries if e["subject"] == str(claims[0].pk) and e["type"].startswith("claim")] == [
        "claim.created",
        "claim.updated",
    ]


def test_saved_next_gives_only_what_changed_since(client_anon):
    make_claim()
    _, saved = follow(client_anon)
    topic = make_topic()

    entries, _ = follow(client_anon, saved)

    assert [(e["type"], e["subject"]) for e in entries] == [("topic.created", str(topic.pk))]


def test_an_entry_is_a_cloudevent_with_the_record_as_its_detail_endpoint_shows_it(client_anon):
    author = make_user(display_name="Desk Editor")
    topic = make_topic()
    claim = make_claim(topics=[topic], created_by=author)
    article = make_article()
    link = make_link(claim, make_claim())
    review = make_review(claim)

    entries, _ = follow(client_anon)

    routes = {
        "claim": "claims",
        "link": "links",
        "source": "sources",
        "topic": "topics",
        "article": "articles",
        "review": "reviews",
    }
    seen = set()
    for entry in entries:
        kind = entry["type"].split(".")[0]
        assert entry["specversion"] == "1.0"
        assert entry["source"] == f"http://testserver/api/{routes[kind]}/"
        assert entry["datacontenttype"] == "application/json"
        assert entry["data"] == client_anon.get(f"{entry['source']}{entry['subject']}/").json()
        datetime.datetime.fromisoformat(entry["time"])  # RFC 3339
        seen.add(kind)
    assert seen == set(routes)
    assert {(e["type"], e["subject"]) for e in entries} >= {
        ("claim.created", str(claim.pk)),
        ("article.created", str(article.pk)),
        ("link.created", str(link.pk)),
        ("review.created", str(review.pk)),
    }


def test_entries_name_their_author_by_display_name_never_by_login(client_anon, client_editor, editor):
    source = make_source()
    client_editor.post("/api/topics/", {"slug": "rawa", "name": "Rawa", "kind": "place"}, format="json")
    entry = follow(client_anon)[0][-1]

    assert (entry["type"], entry["authorid"]) == ("topic.created", editor.pk)
    assert entry["authorname"] == f"Editor #{editor.pk}"  # no profile: never the login name
    assert editor.username not in str(follow(client_anon)[0])
    assert source.pk  # made outside a request: no author
    assert follow(client_anon)[0][0]["authorid"] is None


def test_a_deleted_record_appears_as_deleted_with_no_data_and_its_earlier_entries_too(client_anon, client_super):
    topic = make_topic()
    client_super.patch(f"/api/topics/{topic.pk}/", {"name": "Renamed"}, format="json")
    client_super.delete(f"/api/topics/{topic.pk}/")

    entries, _ = follow(client_anon)

    # `data` is the record as it is when the feed is read: gone, for every entry of it.
    assert [(e["type"], e["data"], e["recordversion"]) for e in entries] == [
        ("topic.created", None, 1),
        ("topic.updated", None, 2),
        ("topic.deleted", None, None),
    ]


def test_data_is_the_state_when_read_and_the_later_entries_follow(client_anon, client_super):
    topic = make_topic(name="First name")
    client_super.patch(f"/api/topics/{topic.pk}/", {"name": "Second name"}, format="json")

    entries, _ = follow(client_anon)

    assert [(e["type"], e["recordversion"], e["data"]["name"]) for e in entries] == [
        ("topic.created", 1, "Second name"),
        ("topic.updated", 2, "Second name"),
    ]


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("claim", {"claim.created", "claim.updated", "claim.deleted"}),
        ("claim.deleted,topic", {"claim.deleted", "topic.created"}),
        ("source,link", {"source.created"}),
        ("claim.*", {"claim.created", "claim.updated", "claim.deleted"}),
    ],
)
def test_types_take_kinds_and_whole_types(client_anon, client_super, types, expected):
    make_topic()
    claim = make_claim()
    client_super.patch(f"/api/claims/{claim.pk}/", {"status": "disputed"}, format="json")
    client_super.delete(f"/api/claims/{claim.pk}/")

    entries, last = follow(client_anon, f"{FEED}?types={types}&page_size=1")

    assert {e["type"] for e in entries} == expected
    assert parse_qs(urlsplit(last).query)["types"] == [types]  # `next` keeps the filter


@pytest.mark.parametrize("types", ["claims", "claim,", "claim.changed", "Claim", "claim, link", "*", "claim.**"])
def test_an_unknown_type_is_a_400_naming_types(client_anon, types):
    response = client_anon.get(FEED, {"types": types})

    assert response.status_code == 400
    assert list(response.json()) == ["types"]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "x",
        "!!!",
        b64("[1]"),
        b64('["1", 2]'),
        b64("[1, 2, 3]"),
        b64("[true, 2]"),
        b64("[0, 0]"),
        b64("{}"),
        b64("[1, 99999999999999999999999]"),
    ],
)
def test_a_cursor_the_feed_did_not_give_is_a_404_naming_after(client_anon, after):
    # 404, as the claims list answers a `cursor` it did not give: any string is a cursor to the schema.
    response = client_anon.get(FEED, {"after": after})

    assert response.status_code == 404
    assert response.json()["detail"].startswith("`after`: Not a cursor this feed gave")


@pytest.mark.parametrize("param", ["after", "types", "page_size"])
def test_empty_or_repeated_parameters_are_refused(client_anon, param):
    assert client_anon.get(f"{FEED}?{param}=").status_code == 400
    assert client_anon.get(f"{FEED}?{param}=claim&{param}=claim").status_code == 400


def test_pages_are_capped(client_anon):
    for _ in range(3):
        make_topic()
    first = client_anon.get(FEED, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert client_anon.get(FEED, {"page_size": 0}).status_code == 400
    # A larger size gives the largest, as on the lists.
    assert len(client_anon.get(FEED, {"page_size": 100000}).json()["results"]) == 3
    for _ in range(100):
        make_topic()
    assert len(client_anon.get(FEED, {"page_size": 100000}).json()["results"]) == 100


def test_an_empty_feed_has_a_next_that_starts_at_the_beginning(client_anon):
    body = client_anon.get(FEED).json()
    assert body == {"next": "http://testserver/api/changes/", "results": []}
    topic = make_topic()
    assert [e["subject"] for e in follow(client_anon, body["next"])[0]] == [str(topic.pk)]


def test_prune_keeps_recent_changes_and_a_pruned_cursor_is_gone_with_410(client_anon, settings):
    old = make_topic()
    _, after_old = follow(client_anon)
    Change.objects.update(time=timezone.now() - datetime.timedelta(days=100))
    recent = make_topic()

    call_command("prune_changes", stdout=io.StringIO())

    assert list(Change.objects.values_list("subject", flat=True)) == [recent.pk]
    gone = client_anon.get(after_old)
    assert gone.status_code == 410
    assert "`after`" in gone.json()["detail"]
    assert [e["subject"] for e in follow(client_anon)[0]] == [str(recent.pk)]
    assert old.pk != recent.pk


def test_prune_never_deletes_the_newest_change_so_a_client_that_is_up_to_date_stays_so(client_anon):
    make_topic()
    _, saved = follow(client_anon)
    Change.objects.update(time=timezone.now() - datetime.timedelta(days=400))

    call_command("prune_changes", "--days", "30", stdout=io.StringIO())

    assert Change.objects.count() == 1
    assert client_anon.get(saved).json()["results"] == []


def test_prune_refuses_to_keep_fewer_than_30_days():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="30"):
        call_command("prune_changes", "--days", "29")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids order the feed on PostgreSQL only")
def test_a_feed_restored_from_another_server_waits_for_rebase_changes_then_skips_nothing(client_anon):
    restored = [make_topic(slug=f"restored-{i}") for i in range(2)]
    _, cursor_before_the_move = follow(client_anon)
    # A dump restored into a younger cluster: its changes carry transaction ids the cluster has not reached.
    Change.objects.update(txid=F("txid") + 10**9)

    waiting = client_anon.get(FEED)
    assert waiting.status_code == 503
    assert "rebase_changes" in waiting.json()["detail"]
    written_since = make_topic(slug="written-since-the-restore")

    out = io.StringIO()
    call_command("rebase_changes", stdout=out)

    assert "2 restored changes" in out.getvalue()
    entries, _ = follow(client_anon)
    assert [e["subject"] for e in entries] == [str(t.pk) for t in [*restored, written_since]]
    # The order its client followed is not the order now: it copies again rather than miss anything.
    assert client_anon.get(cursor_before_the_move).status_code == 410
    call_command("rebase_changes", stdout=(out := io.StringIO()))
    assert "nothing to do" in out.getvalue()


# Commit order, on PostgreSQL: ids are taken at INSERT, so a transaction that inserts first and commits
# last has the smaller id. A feed paged by id alone skips it for a reader who read in between.


def in_thread(work, *args):
    """Run `work` on a new thread, with a database connection of its own; re-raise what it raised."""
    failure = []

    def run():
        try:
            work(*args)
        except BaseException as exc:
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failure


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_committing_in_the_opposite_order_are_both_received(client_anon):
    first_wrote, reader_read = threading.Event(), threading.Event()

    def first_writer():
        with transaction.atomic():
            make_topic(slug="begun-first")
            first_wrote.set()
            assert reader_read.wait(10)  # commit only after the second has committed and the feed was read

    thread, failure = in_thread(first_writer)
    try:
        assert first_wrote.wait(10)
        with transaction.atomic():  # the second: begun after the first, committed before it
            make_topic(slug="begun-second")
        committed = Change.objects.values_list("subject", flat=True)
        assert list(committed) == [Topic.objects.get(slug="begun-second").pk]  # only the second, so far

        entries_before, saved = follow(client_anon)
    finally:
        reader_read.set()  # the first commits now
        thread.join(10)
    assert not failure
    entries_after, _ = follow(client_anon, saved)

    received = [e["data"]["slug"] for e in entries_before + entries_after]
    assert sorted(received) == ["begun-first", "begun-second"]
    # Held back until the first ended, then both, in the order the transactions began.
    assert entries_before == []
    assert received == ["begun-first", "begun-second"]


def test_prune_deletes_in_batches_until_only_recent_changes_remain():
    from claims.events.feed import prune

    for _ in range(5):
        make_topic()
    Change.objects.update(time=timezone.now() - datetime.timedelta(days=100))
    recent = [make_topic().pk for _ in range(2)]

    assert prune(older_than=datetime.timedelta(days=90), batch=2) == 5
    assert list(Change.objects.order_by("id").values_list("subject", flat=True)) == recent
