"""Search by language: each claim's words read as its own language reads them, translations searchable,
Arabic normalised on both sides, and `?lang=` naming the query's language (docs/languages.md).

Stemming and normalisation are PostgreSQL's text search configurations: those tests run there
(CI runs both databases). Validation of `?lang=` runs on both.
"""

import pytest
from django.db import connection

from claims.models import Claim
from claims.search import search_claims
from tests.factories import make_article, make_claim, make_source

pytestmark = pytest.mark.django_db

# The rules of migration 0012's claims_search_normalize, written out independently to check it on
# PostgreSQL (docs/languages.md): alef forms to alef, alef maqsura to yeh, taa marbuta to heh;
# tashkeel (U+064B-U+065F), the superscript alef (U+0670) and tatweel (U+0640) removed.
_ARABIC_FOLDED = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u0629": "\u0647",
    }
    | {chr(c): None for c in [*range(0x064B, 0x0660), 0x0670, 0x0640]}
)


def normalize_arabic(text: str) -> str:
    """`text` with Arabic letter forms folded and diacritics and tatweel removed (docs/languages.md)."""
    return text.translate(_ARABIC_FOLDED)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stemming per language and Arabic normalisation are PostgreSQL text search features (CI runs these there)",
)


def found(client, q, **params):
    response = client.get("/api/claims/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def translation(language, text, quote="", kind="human", by="the project"):
    return {"language": language, "text": text, "quote": quote, "kind": kind, "by": by}


# Arabic ------------------------------------------------------------------------------------------


@postgresql_only
def test_an_arabic_word_finds_its_form_with_the_definite_article(client_anon):
    # "The militias crossed the borders near Albu Kamal."
    claim = make_claim(text="عبرت الميليشيات الحدود قرب البوكمال", language="ar")
    make_claim(text="قصفت الطائرات المطار", language="ar")

    assert found(client_anon, "حدود") == [claim.pk]


@postgresql_only
def test_an_arabic_word_finds_its_diacritised_form_and_the_reverse(client_anon):
    voweled = make_claim(text="عبرت الميليشيات الحُدُودَ ليلا", language="ar")
    plain = make_claim(text="أغلقت السلطات الحدود", language="ar")

    assert set(found(client_anon, "الحدود")) == {voweled.pk, plain.pk}
    assert set(found(client_anon, "الحُدُودَ")) == {voweled.pk, plain.pk}


@postgresql_only
@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("مستشفى", "مستشفي"),  # alef maqsura and yeh
        ("مدرسة", "مدرسه"),  # taa marbuta and heh
        ("أربيل", "اربيل"),  # alef with hamza above and bare alef
        ("إدلب", "ادلب"),  # alef with hamza below
        ("ٱلقرية", "القرية"),  # alef wasla
        ("العـــراق", "العراق"),  # tatweel
    ],
)
def test_arabic_letter_forms_are_folded_both_ways(client_anon, written, searched):
    claim = make_claim(text=f"قصفت الطائرات {written} فجر الجمعة", language="ar")
    make_claim(text="انسحب الجيش من المطار", language="ar")

    assert found(client_anon, searched) == [claim.pk]
    assert found(client_anon, written) == [claim.pk]


@postgresql_only
def test_an_arabic_claim_is_found_through_its_english_translation(client_anon):
    claim = make_claim(
        text="عبرت الميليشيات الحدود قرب البوكمال",
        language="ar",
        translations=[translation("en", "Militias crossed the border near Albu Kamal.")],
    )
    make_claim(text="The army entered the town.")

    # English stemming applies to the English translation: "militia crossing" finds "Militias crossed".
    assert found(client_anon, "militia crossing") == [claim.pk]
    assert found(client_anon, "militia crossing", lang="en") == [claim.pk]


@postgresql_only
def test_a_translations_quote_is_searched_and_an_edit_of_the_translations_is_followed(client_anon):
    claim = make_claim(
        text="Militias crossed the border.",
        translations=[translation("fr", "Des milices ont franchi la frontière.", quote="Nous contrôlons la ville.")],
    )
    assert found(client_anon, "contrôlons", lang="fr") == [claim.pk]

    Claim.objects.filter(pk=claim.pk).update(translations=[translation("fr", "Des milices sont entrées.")])

    assert found(client_anon, "contrôlons", lang="fr") == []
    assert found(client_anon, "entrées", lang="fr") == [claim.pk]


# Russian and French ------------------------------------------------------------------------------


@postgresql_only
def test_a_russian_word_finds_its_inflected_forms(client_anon):
    # "Militants crossed the border near Albu Kamal": границу is the accusative of граница.
    claim = make_claim(text="Боевики пересекли границу в районе города Абу-Кемаль", language="ru")
    make_claim(text="Беспилотники атаковали аэропорт", language="ru")

    assert found(client_anon, "граница") == [claim.pk]
    assert found(client_anon, "границы", lang="ru") == [claim.pk]


@postgresql_only
def test_a_french_word_finds_its_inflected_forms(client_anon):
    claim = make_claim(text="Des milices ont franchi les frontières près d'Alep", language="fr-FR")
    make_claim(text="L'armée a évacué l'hôpital", language="fr")

    assert found(client_anon, "frontière") == [claim.pk]
    assert found(client_anon, "milice franchissent", lang="fr") == [claim.pk]


@postgresql_only
def test_a_russian_query_returns_no_arabic_claim(client_anon):
    # Arabic claims of every kind a Russian query could reach by accident: plain, diacritised, with
    # Latin names, and in a dialect tag; and Russian claims to find.
    arabic = [
        make_claim(text="عبرت الميليشيات الحدود قرب البوكمال", language="ar"),
        make_claim(text="الحُدُودَ مغلقة", language="ar-SY"),
        make_claim(text="أكدت وزارة الدفاع أن Hezbollah انسحب من الموقع", language="ar"),
        make_claim(
            text="لا حدود للمعاناة", language="ar", translations=[translation("en", "No end to the suffering.")]
        ),
    ]
    russian = make_claim(text="Боевики пересекли границу в районе города Абу-Кемаль", language="ru")

    for q in ["граница", "границу", "граница -аэропорт", "границ*", '"пересекли границу"', "граница OR боевики"]:
        ids = set(found(client_anon, q)) | set(found(client_anon, q, lang="ru"))
        assert ids == {russian.pk}, q
    assert not {c.pk for c in arabic} & set(found(client_anon, "в и на"))


@postgresql_only
def test_a_word_excluded_in_any_language_excludes_the_claim(client_anon):
    # Without `lang` every language reads the query: an English claim must not come back because a
    # French reading of the excluded word stems it otherwise than English does.
    make_claim(text="Hezbollah fighters left the hospitals.")
    kept = make_claim(text="Hezbollah fighters left the airport.")

    assert found(client_anon, "hezbollah -hospitals") == [kept.pk]


# ?lang= --------------------------------------------------------------------------------------------


@postgresql_only
def test_lang_reads_the_query_in_that_language_only(client_anon):
    claim = make_claim(text="Боевики пересекли границу", language="ru")

    assert found(client_anon, "граница", lang="ru") == [claim.pk]
    # English does not stem Russian: as English reads it, "граница" is not "границу".
    assert found(client_anon, "граница", lang="en") == []
    # A region subtag reads as its language; a language without a configuration reads words as written.
    assert found(client_anon, "граница", lang="ru-RU") == [claim.pk]
    assert found(client_anon, "границу", lang="ku") == []


@pytest.mark.parametrize("lang", ["", "english", "EN", "ar_SY", "a", "en-", "x" * 40, "en\x00"])
def test_a_lang_that_is_no_language_code_is_a_400_naming_it(client_anon, lang):
    response = client_anon.get("/api/claims/", {"q": "militias", "lang": lang})

    assert response.status_code == 400
    assert "lang" in response.json()


def test_lang_is_accepted_on_both_databases(client_anon):
    claim = make_claim(text="Militias crossed the border.")

    assert found(client_anon, "militias", lang="en") == [claim.pk]


# Ranking stays as it was for English -----------------------------------------------------------------


@postgresql_only
def test_english_ranking_is_unchanged_beside_claims_in_other_languages(client_anon):
    in_title = make_claim(text="Fighting went on overnight.", article=make_article(title="Militias reach the border"))
    in_quote = make_claim(text="The fighters are near the town.", quote="Militias have crossed the border at Rawa.")
    near = make_claim(text="Militias crossed the border at Rawa.")
    apart = make_claim(text="Militias came to Rawa, then crossed the river and the hills to the border.")
    translated = make_claim(
        text="عبرت الميليشيات الحدود", language="ar", translations=[translation("en", "Militias crossed the border.")]
    )
    make_claim(text="Des milices ont franchi la frontière", language="fr", source=make_source(name="Border radio"))

    ranked = found(client_anon, "militias border")

    # The words close together in the text first, the title last of the English claims; the claim found
    # through its translation after those found in their own language.
    assert set(ranked) == {near.pk, apart.pk, in_quote.pk, in_title.pk, translated.pk}
    assert ranked[0] == near.pk and ranked[3:] == [in_title.pk, translated.pk]
    # And exactly as migration 0004 ranked English claims: one configuration, one query, ts_rank.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM claims_claim WHERE language = 'en' AND search_vector @@ to_tsquery('factcheck', %s) "
            "ORDER BY ts_rank(search_vector, to_tsquery('factcheck', %s)) DESC, claimed_on DESC, id DESC",
            ["'militias' & 'border'"] * 2,
        )
        assert ranked[:4] == [pk for (pk,) in cursor.fetchall()]


# The document is kept by the database, and the query is one constant ------------------------------


@postgresql_only
def test_a_change_of_language_recomputes_the_document(client_anon):
    claim = make_claim(text="Боевики пересекли границу")  # entered as English by mistake

    assert found(client_anon, "граница") == []
    Claim.objects.filter(pk=claim.pk).update(language="ru")
    assert found(client_anon, "граница") == [claim.pk]


@postgresql_only
def test_an_articles_title_is_read_in_the_articles_language(client_anon):
    article = make_article(title="Бои у границы", language="ru")
    claim = make_claim(text="The army advanced.", article=article)

    assert found(client_anon, "граница") == [claim.pk]


@postgresql_only
def test_the_query_reaches_the_planner_as_one_constant():
    make_claim(text="Militias crossed the border.")

    plan = search_claims(Claim.objects.all(), "militias -border", rank=False).order_by().explain()

    # Folded before planning: no function of the query is left to run per row.
    assert "claims_search_query" not in plan, plan


# The normalisation's rules, written in Python to check the database's function -------------------------


def test_the_python_normalisation_folds_what_the_database_folds():
    assert normalize_arabic("الحُدُودَ") == "الحدود"
    assert normalize_arabic("أإآٱ") == "اااا"
    assert normalize_arabic("مستشفى مدرسة العـــراق") == "مستشفي مدرسه العراق"
    assert normalize_arabic("Militias граница") == "Militias граница"


@postgresql_only
def test_the_python_normalisation_is_the_databases():
    samples = ["الحُدُودَ", "أحمد إسلام آمن ٱلحدود", "مستشفى مدرسة العـــراق", "ـًٌٍَُِّْٰ", "Militias граница"]
    with connection.cursor() as cursor:
        for text in samples:
            cursor.execute("SELECT claims_search_normalize(%s)", [text])
            assert cursor.fetchone()[0] == normalize_arabic(text), text


def test_similar_claims_of_an_arabic_claim_read_its_text_as_arabic(client_anon):
    original = make_claim(text="عبرت الميليشيات الحدود قرب البوكمال ليلا", language="ar")
    copy = make_claim(text="عبرت الميليشيات الحدود قرب البوكمال", language="ar")
    make_claim(text="قصفت الطائرات المطار في حلب", language="ar")

    response = client_anon.get(f"/api/claims/{original.pk}/similar/")

    assert response.status_code == 200
    assert [claim["id"] for claim in response.json()] == [copy.pk]
