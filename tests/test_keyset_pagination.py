"""The claims list pages by key (claims/api/pagination.py): every claim once, in order, both ways, at any depth."""

import base64
import datetime
import json

import pytest

from claims.models import Claim
from tests.factories import make_claim, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    """37 claims over 4 dates, so that most of them tie on the date and only the id orders them."""
    source = make_source()
    return [
        make_claim(source=source, claimed_on=datetime.date(2017, 11, 1 + i % 4), text=f"Albu Kamal claim {i}")
        for i in range(37)
    ]


def walk(client, params, direction="next", start=None):
    """Every page from `start` (the first page by default) following `direction`; the ids, page by page."""
    response = client.get(start or "/api/claims/", params if start is None else None)
    assert response.status_code == 200, response.content
    pages = [[claim["id"] for claim in response.json()["results"]]]
    while response.json()[direction]:
        response = client.get(response.json()[direction])
        assert response.status_code == 200, response.content
        pages.append([claim["id"] for claim in response.json()["results"]])
    return pages, response.json()


def expected_ids(*ordering):
    return list(Claim.objects.order_by(*ordering).values_list("id", flat=True))


@pytest.mark.parametrize(
    ("ordering", "by"),
    [
        (None, ("-claimed_on", "-id")),
        ("claimed_on", ("claimed_on", "id")),
        ("-created_at", ("-created_at", "-id")),
        ("claimed_on,-updated_at", ("claimed_on", "-updated_at", "-id")),
    ],
)
def test_following_next_visits_every_claim_once_in_order(client_anon, claims, ordering, by):
    params = {"page_size": 5, **({"ordering": ordering} if ordering else {})}
    pages, last = walk(client_anon, params)
    assert [len(page) for page in pages] == [5] * 7 + [2]
    assert [pk for page in pages for pk in page] == expected_ids(*by)
    assert last["next"] is None


def test_previous_from_the_end_gives_the_pages_in_reverse(client_anon, claims):
    forward, _ = walk(client_anon, {"page_size": 5})
    response = client_anon.get("/api/claims/", {"page_size": 5})
    while response.json()["next"]:
        response = client_anon.get(response.json()["next"])
    backward = [[claim["id"] for claim in response.json()["results"]]]
    while response.json()["previous"]:
        response = client_anon.get(response.json()["previous"])
        backward.append([claim["id"] for claim in response.json()["results"]])
    assert backward == forward[::-1]


def test_the_first_page_has_no_previous_link(client_anon, claims):
    body = client_anon.get("/api/claims/", {"page_size": 5}).json()
    assert body["previous"] is None
    assert "cursor=" in body["next"] and "page_size=5" in body["next"]


def test_claims_added_while_paging_are_neither_repeated_nor_skip_others(client_anon, claims):
    first = client_anon.get("/api/claims/", {"page_size": 10}).json()
    # A newer claim lands before the pages already read; an older one after.
    make_claim(source=claims[0].source, claimed_on=datetime.date(2018, 1, 1))
    older = make_claim(source=claims[0].source, claimed_on=datetime.date(2001, 1, 1))
    seen = [claim["id"] for claim in first["results"]]
    pages, _ = walk(client_anon, None, start=first["next"])
    seen += [pk for page in pages for pk in page]
    assert seen == [c.pk for c in sorted(claims, key=lambda c: (c.claimed_on, c.pk), reverse=True)] + [older.pk]


def test_filters_and_search_page_by_key_too(client_anon, claims):
    pages, _ = walk(client_anon, {"page_size": 4, "claimed_after": "2017-11-03"})
    got = [pk for page in pages for pk in page]
    assert got == list(
        Claim.objects.filter(claimed_on__gte="2017-11-03").order_by("-claimed_on", "-id").values_list("id", flat=True)
    )
    pages, _ = walk(client_anon, {"page_size": 4, "q": "Albu Kamal"})
    assert sorted(pk for page in pages for pk in page) == sorted(c.pk for c in claims)


def cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "%%%",
        cursor([1, 2]),
        cursor({"o": ["-claimed_on", "-id"], "k": ["not a date", 5]}),
        cursor({"o": ["-claimed_on", "-id"], "k": ["2017-11-08"]}),
        cursor({"o": ["-claimed_on", "-id"], "k": ["2017-11-08", 2**64]}),
        cursor({"o": ["-claimed_on", "-id"], "k": ["2017-11-08\x00", 5]}),
        cursor({"o": ["-claimed_on", "-id"], "k": [None, 5]}),
        cursor({"o": ["-claimed_on", "-id"], "k": [["2017-11-08"], 5]}),
        cursor({"o": ["-claimed_on", "-id"], "k": ["2017-11-08", "five"]}),
        cursor({"o": ["-claimed_on", "-id"], "k": ["2017-11-08", 5], "b": "yes"}),
        cursor({"o": ["claimed_on", "id"], "k": ["2017-11-08", 5]}),
    ],
)
def test_a_cursor_we_did_not_give_is_a_404_naming_it(client_anon, claims, value):
    response = client_anon.get("/api/claims/", {"cursor": value})
    assert response.status_code == 404, response.content
    assert "`cursor`" in response.json()["detail"]


def test_a_cursor_from_another_ordering_is_refused(client_anon, claims):
    next_link = client_anon.get("/api/claims/", {"page_size": 5}).json()["next"]
    response = client_anon.get(next_link + "&ordering=claimed_on")
    assert response.status_code == 404
    assert "another ordering" in response.json()["detail"]


def test_a_well_formed_cursor_past_the_end_is_an_empty_page(client_anon, claims):
    response = client_anon.get(
        "/api/claims/", {"cursor": cursor({"o": ["-claimed_on", "-id"], "k": ["1900-01-01", 1]})}
    )
    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}
