import itertools

import pytest

from claims import selectors
from tests.factories import make_claim, make_link

pytestmark = pytest.mark.django_db


def thread_of(client, claim):
    response = client.get(f"/api/claims/{claim.pk}/thread/")
    assert response.status_code == 200, response.content
    return response.json()


def test_thread_holds_every_claim_connected_in_either_direction(client_anon):
    report, denial, backing, reply = make_claim(), make_claim(), make_claim(), make_claim()
    unrelated = make_claim()
    make_link(denial, report, "denies")
    make_link(backing, denial, "supports")
    make_link(reply, backing, "contradicts")
    make_link(make_claim(), unrelated, "denies")

    for start in (report, reply):
        body = thread_of(client_anon, start)
        assert body["claim"] == start.pk
        assert sorted(c["id"] for c in body["claims"]) == sorted([report.pk, denial.pk, backing.pk, reply.pk])
        assert sorted((link["from_claim"], link["relation"], link["to_claim"]) for link in body["links"]) == sorted(
            [
                (denial.pk, "denies", report.pk),
                (backing.pk, "supports", denial.pk),
                (reply.pk, "contradicts", backing.pk),
            ]
        )
        assert body["truncated"] is False


def test_thread_of_an_unlinked_claim_is_the_claim_alone(client_anon):
    claim = make_claim()
    body = thread_of(client_anon, claim)
    assert [c["id"] for c in body["claims"]] == [claim.pk]
    assert body["links"] == []


def test_thread_ends_on_cycles(client_anon):
    a, b, c = make_claim(), make_claim(), make_claim()
    make_link(a, b, "denies")
    make_link(b, c, "denies")
    make_link(c, a, "denies")
    body = thread_of(client_anon, a)
    assert sorted(x["id"] for x in body["claims"]) == sorted([a.pk, b.pk, c.pk])
    assert len(body["links"]) == 3


def test_thread_claims_carry_their_attribution(client_anon):
    report = make_claim()
    denial = make_claim()
    make_link(denial, report, "denies")
    body = thread_of(client_anon, report)
    by_id = {c["id"]: c for c in body["claims"]}
    assert by_id[denial.pk]["source"]["slug"] == denial.source.slug
    assert by_id[denial.pk]["claimed_on"] == "2017-11-08"


def test_thread_queries_do_not_grow_with_its_depth(client_anon, django_assert_num_queries):
    chain = [make_claim() for _ in range(30)]
    for older, newer in itertools.pairwise(chain):
        make_link(newer, older, "denies")
    # the database's state (the ETag's), get the claim, walk the graph, fetch claims, fetch links
    with django_assert_num_queries(5):
        body = thread_of(client_anon, chain[0])
    assert len(body["claims"]) == 30


def test_thread_of_unknown_claim_is_404(client_anon):
    assert client_anon.get("/api/claims/987654/thread/").status_code == 404


def test_a_thread_larger_than_its_limit_is_cut_and_says_so():
    hub = make_claim()
    for _ in range(5):
        make_link(make_claim(), hub, "denies")
    thread = selectors.claim_thread(hub, max_claims=3)
    assert len(thread.claims) == 3
    assert thread.truncated is True
    assert all(link.from_claim_id in {c.pk for c in thread.claims} for link in thread.links)
    assert selectors.claim_thread(hub, max_claims=6).truncated is False
