"""Full-text search on claims: `q` on /api/claims/ (and the admin's search box).

The query language and alias matching work on both databases; stemming, accent
folding and the stored, indexed search document are PostgreSQL's, tested there.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from claims.models import Claim, Topic
from claims.search import search_claims
from tests.factories import admin_client, make_article, make_claim, make_source, make_topic

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stemming, accent folding and the search index are PostgreSQL features (CI runs these there)",
)


def found(client, q, **params):
    response = client.get("/api/claims/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def test_a_match_in_the_text_ranks_above_the_quote_above_the_names(client_anon):
    # Oldest first, so that ranking (not the default newest-first order) has to put them right.
    in_topic = make_claim(text="Fighting went on overnight.", topics=[make_topic(name="Rawa offensive")])
    in_quote = make_claim(text="The town is surrounded.", quote="We have surrounded Rawa.")
    in_text = make_claim(text="The army entered Rawa.")
    make_claim(text="Nothing about that town.")

    assert found(client_anon, "rawa") == [in_text.pk, in_quote.pk, in_topic.pk]


def test_explicit_ordering_wins_over_relevance(client_anon):
    older = make_claim(text="The army entered Rawa.", claimed_on="2017-01-01")
    newer = make_claim(text="Fighting near the town.", quote="Rawa is ours.", claimed_on="2017-06-01")

    assert found(client_anon, "rawa") == [older.pk, newer.pk]
    assert found(client_anon, "rawa", ordering="-claimed_on") == [newer.pk, older.pk]


def test_a_quoted_phrase_matches_the_words_together_only(client_anon):
    together = make_claim(text="Iraqi militias crossed into Syria overnight.")
    make_claim(text="Syria said militias from Iraq had crossed the border.")

    assert found(client_anon, '"crossed into Syria"') == [together.pk]


def test_a_minus_sign_excludes_a_word(client_anon):
    kept = make_claim(text="Militias crossed the border near Albu Kamal.")
    make_claim(text="Militias crossed the border near Rawa.")

    assert found(client_anon, "militias -rawa") == [kept.pk]


def test_a_trailing_star_matches_words_that_start_so(client_anon):
    militias = make_claim(text="Militias advanced.")
    military = make_claim(text="Military officials spoke.")
    make_claim(text="The mayor spoke.")

    assert set(found(client_anon, "milit*")) == {militias.pk, military.pk}


def test_or_matches_either_word(client_anon):
    rawa = make_claim(text="Fighting in Rawa.")
    raqqa = make_claim(text="Fighting in Raqqa.")
    make_claim(text="Fighting in Mosul.")

    assert set(found(client_anon, "rawa OR raqqa")) == {rawa.pk, raqqa.pk}


def test_case_is_ignored(client_anon):
    claim = make_claim(text="HEZBOLLAH fighters advanced.")

    assert found(client_anon, "hezbollah") == [claim.pk]


def test_an_alias_of_a_topic_finds_the_claims_about_it(client_anon):
    islamic_state = make_topic(name="Islamic State", aliases=["Daesh", "ISIS", "داعش"])
    about_it = make_claim(text="The group still holds two towns.", topics=[islamic_state])
    make_claim(text="The group holds nothing.")

    assert found(client_anon, "Daesh") == [about_it.pk]
    assert found(client_anon, "داعش") == [about_it.pk]


def test_an_alias_of_the_source_or_a_name_of_the_outlet_finds_its_claims(client_anon):
    observatory = make_source(name="Syrian Observatory for Human Rights", aliases=["SOHR"])
    by_it = make_claim(text="Militias crossed the border.", source=observatory)
    relayed = make_claim(text="The army entered the town.", via=make_source(name="Al-Manar TV"))

    assert found(client_anon, "SOHR") == [by_it.pk]
    assert found(client_anon, "manar") == [relayed.pk]


def test_the_article_title_is_searched(client_anon):
    claim = make_claim(text="The army advanced.", article=make_article(title="Assault on the last stronghold"))

    assert found(client_anon, "stronghold") == [claim.pk]


def test_search_combines_with_the_other_filters(client_anon):
    disputed = make_claim(text="Militias crossed the border.", status="disputed")
    make_claim(text="Militias crossed the border again.", status="unverified")

    assert found(client_anon, "militias", status="disputed") == [disputed.pk]


@pytest.mark.parametrize(
    "q",
    [
        "'",
        "\\",
        '"',
        "-",
        "*",
        "OR",
        "a:b & c | !d",
        "(((",
        "'; DROP TABLE claims_claim; --",
        "x" * 1000,
        "ñ' OR '1'='1",
    ],
)
def test_queries_made_of_operators_and_quotes_are_searched_as_text(client_anon, q):
    make_claim(text="Militias crossed the border.")

    response = client_anon.get("/api/claims/", {"q": q})

    assert response.status_code == 200
    assert Claim.objects.count() == 1


def test_a_query_past_its_maximum_length_is_a_400_naming_it(client_anon):
    response = client_anon.get("/api/claims/", {"q": "x" * 1001})

    assert response.status_code == 400
    assert "1000" in response.json()["q"][0]


def test_a_query_of_only_punctuation_filters_nothing(client_anon):
    make_claim()

    assert len(found(client_anon, " - * ")) == 1


def test_the_admin_search_box_uses_the_same_search():
    islamic_state = make_topic(name="Islamic State", aliases=["Daesh"])
    about_it = make_claim(text="The group still holds two towns.", topics=[islamic_state])
    make_claim(text="Unrelated.")

    page = admin_client(is_superuser=True).get("/admin/claims/claim/", {"q": "daesh -unrelated"})

    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert list(page.context["cl"].result_list) == [about_it]


# PostgreSQL: stemming, accents, and a stored, indexed document kept current on every write path.


@postgresql_only
def test_english_words_match_their_other_forms(client_anon):
    claim = make_claim(text="Iraqi militias crossed into Syria.")

    assert found(client_anon, "militia crossing") == [claim.pk]


@postgresql_only
def test_accents_are_folded_both_ways(client_anon):
    accented = make_claim(text="Les résidents ont fui Alep.")
    plain = make_claim(text="The residents of Deir ez-Zor fled.")

    assert set(found(client_anon, "residents")) == {accented.pk, plain.pk}
    assert set(found(client_anon, "résidents")) == {accented.pk, plain.pk}


@postgresql_only
def test_the_document_follows_edits_through_the_api(client_editor):
    source = make_source(name="Al-Manar")
    claim = make_claim(text="The army surrounded the town.", source=source)

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"text": "The army entered the town."})
    assert response.status_code == 200
    assert found(client_editor, "surrounded") == []
    assert found(client_editor, "entered") == [claim.pk]

    topic = make_topic(name="Albu Kamal")
    assert client_editor.patch(f"/api/claims/{claim.pk}/", {"topics": [topic.pk]}).status_code == 200
    assert found(client_editor, "kamal") == [claim.pk]
    assert client_editor.patch(f"/api/claims/{claim.pk}/", {"topics": []}).status_code == 200
    assert found(client_editor, "kamal") == []


@postgresql_only
def test_renaming_a_source_topic_or_article_updates_the_claims_that_name_it(client_editor):
    source = make_source(name="Hezbollah-controlled media")
    topic = make_topic(name="Assault on the stronghold")
    article = make_article(title="Syria's army began an assault")
    claim = make_claim(text="The army advanced.", source=source, topics=[topic], article=article)

    client_editor.patch(f"/api/sources/{source.pk}/", {"aliases": ["Al-Manar network"]})
    client_editor.patch(f"/api/topics/{topic.pk}/", {"name": "Battle of Albu Kamal"})
    client_editor.patch(f"/api/articles/{article.pk}/", {"title": "Caliphate near its end"})

    assert found(client_editor, "network") == [claim.pk]
    assert found(client_editor, "battle") == [claim.pk]
    assert found(client_editor, "caliphate") == [claim.pk]
    assert found(client_editor, "stronghold") == []
    assert found(client_editor, "began") == []


@postgresql_only
def test_the_document_follows_bulk_writes_that_bypass_the_models(client_anon):
    claim = make_claim(text="The army advanced.")
    Claim.objects.filter(pk=claim.pk).update(text="The army withdrew.")
    topic = make_topic(name="Rawa")
    Claim.topics.through.objects.bulk_create([Claim.topics.through(claim=claim, topic=topic)])
    Topic.objects.filter(pk=topic.pk).update(aliases=["راوة"])

    assert found(client_anon, "withdrew") == [claim.pk]
    assert found(client_anon, "راوة") == [claim.pk]

    Claim.topics.through.objects.filter(claim=claim).update(topic=make_topic(name="Mosul"))
    assert found(client_anon, "mosul") == [claim.pk]
    assert found(client_anon, "راوة") == []


@postgresql_only
def test_renaming_a_source_of_many_claims_is_not_cut_by_the_statement_timeout(client_editor):
    source = make_source(name="Wire service")
    Claim.objects.bulk_create(Claim(text=f"Report {i}", source=source, claimed_on="2017-11-08") for i in range(3000))
    with connection.cursor() as cursor:
        # Far below what recomputing 3,000 documents takes; a request's own statements must stay under it.
        cursor.execute("SET statement_timeout = 20")

    response = client_editor.patch(f"/api/sources/{source.pk}/", {"name": "Agency wire"})

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 5000")
    assert response.status_code == 200
    assert len(found(client_editor, "agency", page_size=5)) == 5


@postgresql_only
def test_the_demo_fixture_is_searchable_after_loaddata(client_anon):
    call_command("loaddata", "albu_kamal_2017", verbosity=0)

    # The PMF spokesman says "Daesh"; other claims are about the topic whose alias it is.
    daesh = found(client_anon, "Daesh")
    quoted = set(Claim.objects.filter(quote__contains="Daesh").values_list("pk", flat=True))
    tagged = set(Claim.objects.filter(topics__slug="islamic-state").values_list("pk", flat=True))
    assert quoted and tagged - quoted
    assert set(daesh) == quoted | tagged
    assert set(daesh[: len(quoted)]) == quoted  # words said rank above topics tagged


@postgresql_only
def test_search_uses_the_gin_index():
    make_claim(text="Militias crossed the border.")
    queryset = Claim.objects.all()

    with connection.cursor() as cursor:
        # On a table this small a sequential scan is cheaper; forbid it to see that the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Unordered, as a count is: an ordered scan of another index could otherwise win.
        plan = search_claims(queryset, "militias", rank=False).order_by().explain()

    assert "Bitmap Index Scan on claims_claim_search_vector" in plan, plan
