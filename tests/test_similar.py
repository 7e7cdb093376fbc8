"""Similar claims: the duplicates an editor should see before saving, in the API and the admin."""

import pytest
from django.core.management import call_command
from django.db import connection

from claims import search
from claims.models import Claim
from tests.factories import admin_client, claim_form_data, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def crossing():
    """A claim, a reworded copy of it, and a claim about something else."""
    original = make_claim(text="Iraqi militias crossed into Syria to join the assault on Albu Kamal.")
    reworded = make_claim(text="Iraqi militias have crossed into Syria to join the Albu Kamal assault.")
    other = make_claim(text="Russian media reported a surge of cruise missile strikes in eastern Syria.")
    return original, reworded, other


def test_a_claim_lists_its_reworded_copy_and_not_itself(client_anon, crossing):
    original, reworded, other = crossing

    response = client_anon.get(f"/api/claims/{original.pk}/similar/")

    assert response.status_code == 200
    ids = [claim["id"] for claim in response.json()]
    assert ids[0] == reworded.pk
    assert original.pk not in ids and other.pk not in ids
    assert 0 < response.json()[0]["similarity"] <= 1
    assert response.json()[0]["source"]["name"] == reworded.source.name


def test_text_not_yet_saved_finds_the_claims_it_would_duplicate(client_anon, crossing):
    original, reworded, _ = crossing

    response = client_anon.get("/api/claims/similar/", {"text": "Iraqi militias crossed into Syria for the assault"})

    assert response.status_code == 200
    assert {claim["id"] for claim in response.json()} == {original.pk, reworded.pk}
    scores = [claim["similarity"] for claim in response.json()]
    assert scores == sorted(scores, reverse=True)


def test_the_claim_being_edited_can_be_left_out(client_anon, crossing):
    original, reworded, _ = crossing

    response = client_anon.get("/api/claims/similar/", {"text": original.text, "exclude": original.pk})

    assert [claim["id"] for claim in response.json()] == [reworded.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "text"), ({"text": "x" * 2001}, "text"), ({"text": "a", "exclude": "abc"}, "exclude")],
)
def test_bad_parameters_are_400_naming_them(client_anon, params, field):
    response = client_anon.get("/api/claims/similar/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_nothing_similar_is_an_empty_list(client_anon, crossing):
    assert client_anon.get("/api/claims/similar/", {"text": "Weather in Oslo"}).json() == []


def test_the_admin_change_page_shows_similar_claims(crossing):
    original, reworded, _ = crossing

    page = admin_client(is_superuser=True).get(f"/admin/claims/claim/{original.pk}/change/")

    assert page.status_code == 200
    assert list(page.context["similar_claims"]) == [reworded]
    assert f'href="/admin/claims/claim/{reworded.pk}/change/"' in page.content.decode()


def test_the_admin_add_page_shows_duplicates_of_a_refused_new_claim(crossing):
    original, reworded, _ = crossing
    data = claim_form_data(original, text="Iraqi militias crossed into Syria to join the assault", source="")
    del data["loaded_version"]

    page = admin_client(is_superuser=True).post("/admin/claims/claim/add/", data)

    assert page.status_code == 200  # refused: no source
    assert set(page.context["similar_claims"]) == {original, reworded}


# The demo's answers as pg_trgm's exact search gave them before similar claims were found through the
# full-text index (claims.search._similar_candidates): claim 1 and claim 10 share enough of their words
# (0.312), no other pair does, and two texts an editor might type find the claim they restate.
DEMO_ANSWERS_BY_CLAIM = {1: [(10, 0.312)], 10: [(1, 0.312)]}
DEMO_ANSWERS_BY_TEXT = {
    "Iraqi militias crossed the border into Syria": [(3, 0.521)],
    "The army entered Albu Kamal": [(2, 0.385)],
    "Weather in Oslo": [],
}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram similarity is pg_trgm's; SQLite approximates it in Python"
)
def test_the_demo_records_similar_claims_are_unchanged():
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
    for claim in Claim.objects.order_by("pk"):
        found = [(c.pk, round(c.similarity, 3)) for c in search.similar_claims(claim.text, exclude=claim.pk)]
        assert found == DEMO_ANSWERS_BY_CLAIM.get(claim.pk, []), claim.pk
    for text, expected in DEMO_ANSWERS_BY_TEXT.items():
        assert [(c.pk, round(c.similarity, 3)) for c in search.similar_claims(text)] == expected, text
