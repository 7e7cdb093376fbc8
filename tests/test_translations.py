"""A claim's translations: written and read through the API, filtered, edited beside the original in the
admin, shown on the public page and in ClaimReview, carried by import and export, kept in the history."""

import csv
import datetime
import io
import json
import re

import html5lib
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Claim, ClaimLink
from claims.translations import direction
from tests.factories import admin_client, claim_form_data, make_claim, make_review, make_source
from tests.test_claimreview import check_against_vocabulary, expand

pytestmark = pytest.mark.django_db

ARABIC = {
    "language": "ar",
    "text": "قوات الحشد الشعبي لم تعبر الحدود",
    "quote": "ليست لدينا أوامر بعبور الحدود",
    "kind": "human",
    "by": "Our desk",
}
FRENCH = {"language": "fr", "text": "Les FMP n'ont pas franchi la frontière", "quote": "", "kind": "machine", "by": ""}


def new_claim_body(**fields) -> dict:
    return {
        "text": "The PMF have not crossed the border",
        "source": make_source().pk,
        "claimed_on": "2017-11-08",
        **fields,
    }


# Which way a language is written


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", "rtl"),
        ("fa", "rtl"),
        ("he", "rtl"),
        ("ur", "rtl"),
        ("ckb", "rtl"),
        ("ar-SY", "rtl"),
        ("ku-Arab", "rtl"),
        ("en", "ltr"),
        ("ru", "ltr"),
        ("ku", "ltr"),  # Kurmanji, written in Latin letters
        ("az-Latn", "ltr"),
        ("", "auto"),
    ],
)
def test_languages_are_written_in_their_direction(language, expected):
    assert direction(language) == expected


# API: writing and reading


def test_a_claim_is_created_with_translations_and_reads_them_back_in_detail_and_list(client_editor, client_anon):
    response = client_editor.post(
        "/api/claims/", new_claim_body(translations=[ARABIC, {"language": "fr", "text": "Texte", "kind": "machine"}])
    )
    assert response.status_code == 201, response.content
    claim_id = response.json()["id"]
    expected = [ARABIC, {"language": "fr", "text": "Texte", "quote": "", "kind": "machine", "by": ""}]
    assert response.json()["translations"] == expected

    assert client_anon.get(f"/api/claims/{claim_id}/").json()["translations"] == expected
    (row,) = [c for c in client_anon.get("/api/claims/").json()["results"] if c["id"] == claim_id]
    assert row["translations"] == expected
    assert list(row["translations"][0]) == ["language", "text", "quote", "kind", "by"]


def test_a_claim_without_translations_reads_an_empty_list(client_anon):
    claim = make_claim()
    assert client_anon.get(f"/api/claims/{claim.pk}/").json()["translations"] == []


def test_patching_translations_keeps_the_original_and_is_one_revision_in_the_history(client_editor, client_anon):
    claim = make_claim(text="The original, as written", quote="Our words", language="en")

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": [ARABIC]}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["text"], body["quote"], body["language"]) == ("The original, as written", "Our words", "en")
    assert body["translations"] == [ARABIC]
    assert body["version"] == 2
    latest = client_anon.get(f"/api/claims/{claim.pk}/history/").json()["results"][0]
    assert latest["changes"] == [{"field": "translations", "old": [], "new": [ARABIC]}]


def test_a_translation_is_changed_and_another_removed_in_one_write(client_editor):
    claim = make_claim(translations=[ARABIC, FRENCH])
    corrected = {**ARABIC, "text": "قوات الحشد الشعبي لم تعبر الحدود السورية"}

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": [corrected]})

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.translations == [corrected]


def test_the_same_translations_again_change_nothing(client_editor):
    claim = make_claim(translations=[ARABIC])
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": [dict(reversed(ARABIC.items()))]})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert claim.history.count() == 1


def test_a_stale_write_of_translations_is_refused_and_the_other_edit_kept(client_editor):
    claim = make_claim(translations=[ARABIC])
    first = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": [FRENCH]}, HTTP_IF_MATCH='"1"')
    second = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": []}, HTTP_IF_MATCH='"1"')
    assert (first.status_code, second.status_code) == (200, 412)
    claim.refresh_from_db()
    assert claim.translations == [FRENCH]


@pytest.mark.parametrize(
    ("translations", "field"),
    [
        ("ar", "translations"),
        ({"language": "ar"}, "translations"),
        (["ar"], "translations.0"),
        ([{**ARABIC, "kind": "robot"}], "translations.0.kind"),
        ([{**ARABIC, "language": "Arabic"}], "translations.0.language"),
        ([{**ARABIC, "language": "ar\n"}], "translations.0.language"),
        ([{**ARABIC, "text": "   "}], "translations.0.text"),
        ([{**ARABIC, "text": 5}], "translations.0.text"),
        ([{key: value for key, value in ARABIC.items() if key != "text"}], "translations.0.text"),
        ([{key: value for key, value in ARABIC.items() if key != "kind"}], "translations.0.kind"),
        ([{**ARABIC, "quote": None}], "translations.0.quote"),
        ([{**ARABIC, "quote": "a\x00b"}], "translations.0.quote"),
        ([{**ARABIC, "by": "x" * 201}], "translations.0.by"),
        ([{**ARABIC, "text": "x" * 2001}], "translations.0.text"),
        ([{**ARABIC, "source": "Reuters"}], "translations.0.source"),
        ([ARABIC] * 21, "translations"),
    ],
)
def test_a_bad_translation_is_a_400_naming_the_item_and_field_and_nothing_is_written(
    client_editor, translations, field
):
    claim = make_claim(translations=[FRENCH])

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": translations}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    claim.refresh_from_db()
    assert (claim.translations, claim.version) == ([FRENCH], 1)


@pytest.mark.parametrize(
    ("translations", "field"),
    [
        ([FRENCH, ARABIC, ARABIC], "translations.2"),
        ([FRENCH, {key: value for key, value in FRENCH.items() if key not in ("quote", "by")}], "translations.1"),
        ([{**ARABIC, "language": "en"}], "translations.0.language"),  # the claim's own language
    ],
)
def test_a_rule_between_values_that_no_schema_states_is_a_409_naming_the_item(client_editor, translations, field):
    # As a link from a claim to itself is (docs/design.md): the request is well formed, its values clash.
    claim = make_claim(language="en", translations=[FRENCH])

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": translations}, format="json")

    assert response.status_code == 409, response.content
    assert list(response.json()) == [field]
    claim.refresh_from_db()
    assert (claim.translations, claim.version) == ([FRENCH], 1)


def test_two_translations_into_one_language_by_different_hands_are_both_kept(client_editor):
    claim = make_claim()
    by_machine = {**ARABIC, "kind": "machine", "by": "a translation tool", "quote": ""}
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"translations": [ARABIC, by_machine]}, format="json")
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.translations == [ARABIC, by_machine]


def test_a_bad_translation_on_create_creates_nothing(client_editor):
    response = client_editor.post("/api/claims/", new_claim_body(translations=[{**ARABIC, "kind": "guess"}]))
    assert response.status_code == 400
    assert "translations.0.kind" in response.json()
    assert not Claim.objects.exists()


def test_changing_the_language_to_one_already_translated_into_is_refused_naming_the_language(client_editor):
    claim = make_claim(language="en", translations=[ARABIC])
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"language": "ar"})
    assert response.status_code == 409
    assert list(response.json()) == ["language"]
    claim.refresh_from_db()
    assert claim.language == "en"


def test_the_language_and_its_translations_change_together(client_editor):
    claim = make_claim(language="en", translations=[ARABIC])
    english = {"language": "en", "text": "The original in English", "quote": "", "kind": "human", "by": ""}
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"language": "ar", "translations": [english]})
    assert response.status_code == 200, response.content
    assert response.json()["translations"] == [english]


def test_the_schema_describes_a_translation_exactly(client_anon):
    schema = client_anon.get("/api/schema/?format=json").json()
    claim = schema["components"]["schemas"]["Claim"]["properties"]["translations"]
    item = claim["items"]
    assert claim["type"] == "array"
    assert set(item["properties"]) == {"language", "text", "quote", "kind", "by"}
    assert item["additionalProperties"] is False
    assert set(item["required"]) == {"language", "text", "kind"}
    assert item["properties"]["kind"]["enum"] == ["human", "machine"]
    assert claim["uniqueItems"] is True
    assert re.fullmatch(item["properties"]["language"]["pattern"].strip("^$"), "ar-SY")


# The public page and ClaimReview


def test_the_public_page_shows_each_translation_in_its_language_and_direction(client_anon):
    claim = make_claim(text="The PMF have not crossed", translations=[ARABIC, FRENCH])

    page = client_anon.get(f"/claims/{claim.pk}/").content.decode()
    document = html5lib.parse(page, namespaceHTMLElements=False)

    blocks = {div.get("lang"): div for div in document.iter("div") if div.get("lang")}
    assert blocks["ar"].get("dir") == "rtl"
    assert blocks["fr"].get("dir") == "ltr"
    assert ARABIC["text"] in "".join(blocks["ar"].itertext())
    assert ARABIC["quote"] in "".join(blocks["ar"].itertext())
    assert "translation by Our desk" in page
    assert "machine translation" in page


def test_claimreview_carries_each_translation_in_its_language_and_stays_valid_schema_org(client_anon):
    claim = make_claim(translations=[ARABIC, {**FRENCH, "by": "DeepL"}, {**FRENCH, "language": "de", "by": ""}])
    make_review(claim)

    document = client_anon.get(f"/api/claims/{claim.pk}/claimreview/").json()

    item = document["itemReviewed"]
    assert document["claimReviewed"] == claim.text  # the original, as written
    assert [(t["inLanguage"], t["text"]) for t in item["workTranslation"]] == [
        ("ar", ARABIC["text"]),
        ("fr", FRENCH["text"]),
        ("de", FRENCH["text"]),
    ]
    assert item["workTranslation"][0]["translator"] == {"@type": "Organization", "name": "Our desk"}
    assert "translator" not in item["workTranslation"][1]  # a tool is no translator in schema.org's sense
    assert "DeepL" in item["workTranslation"][1]["description"]
    (node,) = expand(document)
    problems = []
    check_against_vocabulary(node, problems)
    assert problems == []


# Import and export


def run_import(tmp_path, content: str, name="claims.csv") -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    call_command("import_claims", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_imported_row_gives_its_claim_translations_and_the_export_writes_them_back(tmp_path, client_anon):
    make_source(slug="pmf")
    cell = json.dumps([ARABIC, {"language": "fr", "text": "Texte", "kind": "machine"}], ensure_ascii=False)
    line = {"text": "Not crossed", "source": "pmf", "claimed_on": "2017-11-08", "translations": cell}

    run_import(tmp_path, json.dumps(line, ensure_ascii=False) + "\n", "claims.jsonl")

    claim = Claim.objects.get()
    assert claim.translations == [ARABIC, {"language": "fr", "text": "Texte", "quote": "", "kind": "machine", "by": ""}]
    exported = client_anon.get("/api/claims/", {"format": "jsonl"})
    (row,) = [json.loads(text) for text in b"".join(exported.streaming_content).decode().splitlines()]
    assert json.loads(row["translations"]) == claim.translations


def test_an_import_with_bad_translations_names_the_row_and_field_and_writes_nothing(tmp_path):
    make_source(slug="pmf")
    claim = make_claim(source=make_source(slug="sohr"), text="Existing", claimed_on=datetime.date(2017, 11, 8))
    rows = [
        ["text", "source", "claimed_on", "language", "translations"],
        ["Good", "pmf", "2017-11-08", "en", json.dumps([ARABIC])],
        ["Bad kind", "pmf", "2017-11-08", "en", json.dumps([{**ARABIC, "kind": "guess"}])],
        ["Own language", "pmf", "2017-11-08", "ar", json.dumps([FRENCH, ARABIC])],
        ["Not JSON", "pmf", "2017-11-08", "en", "[{language: ar}"],
        ["Existing", "sohr", "2017-11-08", "", json.dumps([{"language": "ar", "text": "x", "kind": "human", "y": 1}])],
    ]
    content = io.StringIO()
    csv.writer(content).writerows(rows)

    with pytest.raises(CommandError) as failure:
        run_import(tmp_path, content.getvalue())

    problems = str(failure.value).splitlines()[1:]
    assert [problem.split(":")[:2] for problem in problems] == [
        ["line 3", " translations.0.kind"],
        ["line 4", " translations.1.language"],
        ["line 5", " translations"],
        ["line 6", " translations.0.y"],
    ]
    assert not Claim.objects.exclude(pk=claim.pk).exists()
    claim.refresh_from_db()
    assert claim.translations == []


# The admin: the original and its translations side by side


def change_url(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def parse(response):
    return html5lib.parse(response.content.decode(), namespaceHTMLElements=False)


def test_the_claim_page_shows_the_original_beside_its_translations_each_in_its_direction():
    claim = make_claim(text="Not crossed", quote="No orders", language="en", translations=[ARABIC, FRENCH])

    document = parse(admin_client(is_superuser=True).get(change_url(claim)))

    editor = document.find(".//div[@class='translations-editor']")
    original = editor.find(".//section[@class='translation-original']")
    assert original.get("lang") == "en"
    assert "Not crossed" in "".join(original.itertext()) and "No orders" in "".join(original.itertext())
    areas = {area.get("name"): area for area in editor.iter("textarea")}
    assert areas["translations-0-text"].text == ARABIC["text"]
    assert (areas["translations-0-text"].get("dir"), areas["translations-0-quote"].get("dir")) == ("rtl", "rtl")
    assert areas["translations-0-text"].get("lang") == "ar"
    assert areas["translations-1-text"].get("dir") == "ltr"
    assert areas["translations-2-text"].get("dir") == "auto"  # the blank row, for adding one


def test_an_editor_corrects_a_translation_adds_one_and_deletes_one_in_one_save():
    claim = make_claim(translations=[ARABIC, FRENCH])
    corrected = "قوات الحشد الشعبي لم تعبر الحدود السورية"
    data = claim_form_data(
        claim,
        **{
            "translations-0-text": corrected,
            "translations-1-DELETE": "on",
            "translations-2-language": "ckb",
            "translations-2-text": "هێزەکانی حەشدی شەعبی سنووریان نەبڕیوە",
            "translations-2-kind": "machine",
        },
    )

    response = admin_client(is_superuser=True).post(change_url(claim), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.translations == [
        {**ARABIC, "text": corrected},
        {"language": "ckb", "text": "هێزەکانی حەشدی شەعبی سنووریان نەبڕیوە", "quote": "", "kind": "machine", "by": ""},
    ]
    assert claim.version == 2


def test_a_bad_translation_in_the_admin_names_the_row_and_field_and_keeps_what_was_typed():
    claim = make_claim(language="en", translations=[ARABIC])
    data = claim_form_data(
        claim,
        **{
            "translations-0-text": "   ",
            "translations-0-quote": "اقتباس جديد لم يحفظ بعد",
            "translations-1-language": "en",
            "translations-1-text": "The claim's own language",
        },
    )

    response = admin_client(is_superuser=True).post(change_url(claim), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Translation 1 (ar), text:" in page
    assert "Translation 2 (en), language: The claim itself is in &#x27;en&#x27;" in page
    areas = {area.get("name"): area for area in parse(response).iter("textarea")}
    assert areas["translations-0-quote"].text == "اقتباس جديد لم يحفظ بعد"
    assert areas["translations-1-text"].text == "The claim's own language"
    claim.refresh_from_db()
    assert (claim.translations, claim.version) == ([ARABIC], 1)


def test_a_translation_into_the_claims_own_language_is_refused_in_the_admin():
    claim = make_claim(language="en")
    data = claim_form_data(
        claim,
        **{"translations-0-language": "en", "translations-0-text": "Same language", "translations-0-kind": "human"},
    )

    response = admin_client(is_superuser=True).post(change_url(claim), data)

    assert response.status_code == 200
    assert "Translation 1 (en), language: The claim itself is in &#x27;en&#x27;" in response.content.decode()
    claim.refresh_from_db()
    assert claim.translations == []


def test_a_form_posted_without_the_translation_rows_keeps_the_translations():
    claim = make_claim(translations=[ARABIC])
    data = {key: value for key, value in claim_form_data(claim, text="Edited").items() if "translations" not in key}

    response = admin_client(is_superuser=True).post(change_url(claim), data)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.translations) == ("Edited", [ARABIC])


# The demo


def test_the_demo_gives_the_pmf_denial_in_arabic_marked_as_our_translation(demo, client_anon):
    denial = ClaimLink.objects.get(
        relation="denies", to_claim__source__slug="syrian-observatory-for-human-rights"
    ).from_claim
    (arabic,) = denial.translations
    assert arabic["language"] == "ar" and arabic["kind"] == "human"
    assert "our translation" in arabic["by"] and "not the PMF" in arabic["by"]
    assert re.search("[\u0600-\u06ff]", arabic["quote"]) and re.search("[\u0600-\u06ff]", arabic["text"])
    assert denial.quote == "We have no orders to cross the borders."  # the English, as the fixture holds it

    page = client_anon.get(f"/claims/{denial.pk}/").content.decode()
    assert '<div lang="ar" dir="rtl">' in page
    assert "our translation of the English report" in page


def test_the_admin_history_shows_a_translation_change_as_text_to_read():
    claim = make_claim(translations=[FRENCH])
    client = admin_client(is_superuser=True)
    data = claim_form_data(claim, **{"translations-0-text": "Les FMP n'ont pas traversé"})
    assert client.post(change_url(claim), data).status_code == 302

    page = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()

    assert "<strong>Translations:</strong>" in page
    assert "fr: Les FMP n&#x27;ont pas traversé | machine" in page
    assert "{&#x27;language&#x27;" not in page  # no Python dict
