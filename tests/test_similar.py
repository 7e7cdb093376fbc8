"""Similar claims: the duplicates an editor should see before saving, in the API and the admin."""

import pytest
from django.core.management import call_command
from django.db import connection

from claims import search
from claims.models import Claim
from tests.factories import admin_client, claim_form_data, make_claim, make_source, make_topic

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


# Across languages, wherever a translation exists

# Our own words: an English claim, and an Arabic claim saying the same with the project's English translation.
ENGLISH = "Iraqi militias crossed the border into Syria to join the assault on Albu Kamal."
ARABIC = "عبرت فصائل عراقية الحدود إلى سوريا للمشاركة في الهجوم على البوكمال."
ARABIC_IN_ENGLISH = "Iraqi militias crossed the border into Syria to take part in the attack on Albu Kamal."


def translation(language, text, kind="human"):
    return {"language": language, "text": text, "quote": "", "kind": kind, "by": "factcheck desk"}


@pytest.fixture
def across():
    """An English claim, the same claim in Arabic with an English translation, and the Arabic claim again
    without one. Sources named apart from the texts: only the texts can make them similar."""
    english = make_claim(text=ENGLISH, language="en", source=make_source(name="Monitor"))
    arabic = make_claim(
        text=ARABIC,
        language="ar",
        source=make_source(name="Channel"),
        translations=[translation("en", ARABIC_IN_ENGLISH)],
    )
    untranslated = make_claim(text=ARABIC + " ", language="ar", source=make_source(name="Station"))
    return english, arabic, untranslated


def similar_to(client, claim) -> dict:
    response = client.get(f"/api/claims/{claim.pk}/similar/")
    assert response.status_code == 200
    return {found["id"]: found for found in response.json()}


def test_an_arabic_claim_lists_the_english_claim_its_english_translation_restates(client_anon, across):
    english, arabic, untranslated = across

    found = similar_to(client_anon, arabic)

    assert found[english.pk]["matched_via"] == {"language": "en", "kind": "original"}
    assert found[english.pk]["similarity"] >= 0.5
    # The other Arabic claim is a near copy in Arabic: found by the Arabic texts themselves.
    assert found[untranslated.pk]["matched_via"] == {"language": "ar", "kind": "original"}


# On PostgreSQL the candidates come from the full-text index (claims.search._similar_candidates): an
# Arabic claim is found through its English translation because `search_vector` holds the translations,
# each read in its own language (migration 0012).


def test_an_english_claim_lists_the_arabic_claim_through_its_english_translation(client_anon, across):
    english, arabic, untranslated = across

    found = similar_to(client_anon, english)

    assert found[arabic.pk]["matched_via"] == {"language": "en", "kind": "translation"}
    assert untranslated.pk not in found  # no translation, no match across languages


def test_a_text_not_yet_saved_finds_a_claim_through_its_translation(client_anon, across):
    _, arabic, untranslated = across

    response = client_anon.get("/api/claims/similar/", {"text": "Iraqi militias crossed the border into Syria"})

    found = {claim["id"]: claim for claim in response.json()}
    assert found[arabic.pk]["matched_via"] == {"language": "en", "kind": "translation"}
    assert untranslated.pk not in found


def test_a_claim_about_the_same_topic_is_scored_by_its_best_translation(client_anon):
    # Here the full-text index finds the Arabic claims through their topic's name (on PostgreSQL too, before
    # search_vector holds translations); then their English translations decide, and only those into English.
    albu_kamal = make_topic(name="Albu Kamal")
    english = make_claim(text=ENGLISH, language="en", topics=[albu_kamal])
    arabic = make_claim(
        text=ARABIC,
        language="ar",
        topics=[albu_kamal],
        translations=[translation("fr", "Des milices irakiennes ont franchi la frontière"), translation("en", ENGLISH)],
    )
    only_french = make_claim(text=ARABIC, language="ar", topics=[albu_kamal], translations=[translation("fr", ENGLISH)])

    found = similar_to(client_anon, english)

    assert found[arabic.pk]["matched_via"] == {"language": "en", "kind": "translation"}
    assert found[arabic.pk]["similarity"] == 1.0  # the translation is the English text itself
    assert only_french.pk not in found  # a translation labelled French is not compared with English
    text_found = client_anon.get("/api/claims/similar/", {"text": ENGLISH}).json()
    # Asked with a text of unknown language: every translation counts, each claim once, at its best.
    assert [(claim["id"], claim["matched_via"]) for claim in text_found][:3] == [
        (only_french.pk, {"language": "fr", "kind": "translation"}),
        (arabic.pk, {"language": "en", "kind": "translation"}),
        (english.pk, {"language": "en", "kind": "original"}),
    ]


def test_claims_in_two_languages_are_not_matched_without_a_translation_between_them(client_anon, across):
    english, _, untranslated = across
    russian = make_claim(
        text="Иракские ополченцы пересекли границу Сирии",
        language="ru",
        source=make_source(name="Agency"),
        translations=[translation("de", ENGLISH)],  # mislabelled, or not into English: never compared with English
    )

    found = similar_to(client_anon, english)

    assert russian.pk not in found and untranslated.pk not in found
    assert similar_to(client_anon, russian) == {}  # its translation is compared with German claims only: none


def test_a_claims_human_translations_are_compared_before_its_machine_ones(client_anon):
    german = make_claim(text="Irakische Milizen haben die Grenze nach Syrien überquert.", language="de")
    machine_german = translation("de", german.text, kind="machine")
    two_human = [translation("fr", "Des milices ont franchi la frontière."), translation("es", "Milicias cruzaron.")]
    arabic = make_claim(text=ARABIC, language="ar", translations=[machine_german, *two_human])
    with_room = make_claim(text=ARABIC + " .", language="ar", translations=[machine_german, two_human[0]])

    # Two translations at most are compared (each is a search): the two human ones leave no room for German.
    assert german.pk not in similar_to(client_anon, arabic)
    assert similar_to(client_anon, with_room)[german.pk]["matched_via"] == {"language": "de", "kind": "original"}


def test_the_admin_change_page_lists_claims_found_through_a_translation(across):
    english, arabic, _ = across

    page = admin_client(is_superuser=True).get(f"/admin/claims/claim/{arabic.pk}/change/")

    assert english in page.context["similar_claims"]
    assert "[en]" in page.content.decode()
