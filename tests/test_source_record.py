"""A source's track record: /api/sources/{id}/record/."""

import pytest

from tests.factories import make_claim, make_link, make_review, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def observatory():
    """A monitor with four claims, reviewed, denied and denying in various ways."""
    monitor = make_source(name="Observatory")
    crossing = make_claim(source=monitor, status="disputed")
    shelling = make_claim(source=monitor, status="confirmed")
    casualties = make_claim(source=monitor)
    correction = make_claim(source=monitor)
    make_review(crossing, rating="true", reviewed_on="2017-11-09")
    make_review(crossing, rating="unproven", reviewed_on="2017-11-10")  # the later verdict counts
    make_review(shelling, rating="true")
    militia = make_source(name="Militia")
    denial = make_claim(source=militia)
    make_link(denial, crossing, "denies")
    make_link(make_claim(source=militia), crossing, "denies")  # a second denial of the same claim
    make_link(correction, casualties, "denies")  # the monitor correcting itself is no dispute
    make_link(casualties, denial, "denies")  # the monitor denies the militia's denial
    return monitor


def test_the_record_counts_claims_by_status_and_by_latest_verdict(client_anon, observatory):
    response = client_anon.get(f"/api/sources/{observatory.pk}/record/")

    assert response.status_code == 200
    record = response.json()
    assert record["source"]["name"] == "Observatory"
    assert record["claims_made"] == 4
    assert record["claims_by_status"] == {
        "unverified": 2,
        "disputed": 1,
        "confirmed": 1,
        "refuted": 0,
        "retracted": 0,
    }
    assert record["claims_reviewed"] == 2
    assert record["claims_by_rating"] == {
        "true": 1,
        "mostly_true": 0,
        "mixed": 0,
        "mostly_false": 0,
        "false": 0,
        "unproven": 1,
    }


def test_the_record_counts_denials_by_other_sources_each_way(client_anon, observatory):
    record = client_anon.get(f"/api/sources/{observatory.pk}/record/").json()

    assert record["claims_denied_by_others"] == 1  # one claim, denied twice, by the militia
    assert record["claims_it_denied"] == 1  # the militia's denial; its own claim does not count


def test_a_new_source_has_an_empty_record(client_anon):
    record = client_anon.get(f"/api/sources/{make_source().pk}/record/").json()

    assert record["claims_made"] == 0
    assert set(record["claims_by_status"].values()) == {0}


def test_the_record_takes_a_fixed_number_of_queries(client_anon, observatory, django_assert_num_queries):
    # the database's state (the ETag's), the source, counts by status, counts by latest rating, claims made and
    # denied, claims it denied
    with django_assert_num_queries(6):
        assert client_anon.get(f"/api/sources/{observatory.pk}/record/").status_code == 200


def test_an_unknown_source_has_no_record(client_anon):
    assert client_anon.get("/api/sources/999999/record/").status_code == 404
