"""`manage.py generate_claims`: a synthetic record for benchmarks, valid and searchable like a real one.

Runs on both databases; what is PostgreSQL's own (the COPY path, the search documents it computes
instead of the triggers, the index builds on two connections) is tested there (CI runs both).
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from claims.generate import COLUMNS, GENERATED_USERS, PENDING, Generator, Sizes
from claims.models import (
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    ClaimTopic,
    Review,
    Source,
    Topic,
    validate_translations,
)
from claims.webhooks.models import Attempt, Delivery, Subscription
from tests.factories import make_source

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the COPY path, the search documents and the index builds are PostgreSQL's (CI runs these there)",
)

MODELS = [Source, Topic, Article, Claim, ClaimTopic, ClaimLink, Review]


def generate(claims, seed=1):
    out = StringIO()
    call_command("generate_claims", claims=claims, seed=seed, stdout=out)
    return out.getvalue()


def snapshot():
    """Every generated row, field by field, in id order (users by name: their ids are not ours)."""
    rows = {}
    for model in MODELS:
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[model.__name__] = list(model.objects.order_by("id").values_list(*fields))
    rows["claim authors"] = list(Claim.objects.order_by("id").values_list("created_by__username", flat=True))
    return rows


def wipe():
    """Empty the generated tables and restart their ids, as on a fresh database."""
    # Appearances and webhook subscriptions (with their deliveries and attempts): the generator makes none,
    # but they refer to the generated records, so they go too.
    referring = (Attempt, Delivery, Subscription, Appearance)
    tables = [model._meta.db_table for model in (*referring, *reversed(MODELS))]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')
            cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join(['%s'] * len(tables))})", tables)


def test_it_adds_the_claims_asked_for_and_the_records_they_need():
    output = generate(600)

    assert Claim.objects.count() == 600
    assert Source.objects.count() == 50
    assert Topic.objects.count() == 40
    assert Article.objects.count() == 120
    counts = [c.topics.count() for c in Claim.objects.prefetch_related("topics")]
    assert set(counts) <= {1, 2, 3}
    assert ClaimTopic.objects.count() == sum(counts)
    assert re.fullmatch(
        r"Generated 50 sources, 40 topics, 120 articles, 600 claims, [\d,]+ claim topics, [\d,]+ links, "
        r"[\d,]+ reviews in [\d.]+ s \([\d,]+ claims/s\)\.\n",
        output,
    )


def test_the_record_looks_like_a_real_one():
    generate(2000)

    claims = Claim.objects.all()
    assert claims.filter(article__isnull=False).count() > 1500
    assert claims.filter(speaker__isnull=False).count() > 200
    assert claims.filter(via__isnull=False).count() > 200
    assert claims.exclude(quote="").count() > 800
    assert set(claims.values_list("language", flat=True)) >= {"en", "ar", "fr", "ru", "tr", "fa", "es", "de"}
    assert set(claims.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert set(claims.values_list("claimed_on_precision", flat=True)) == {"day", "month", "year"}
    years = {day.year for day in claims.values_list("claimed_on", flat=True)}
    assert len(years) >= 9
    arabic = claims.filter(language="ar").first()
    assert re.search(r"[\u0600-\u06ff]", arabic.text)
    # Speakers speak for the source; outlets relay; people are affiliated to bodies.
    for claim in claims.filter(speaker__isnull=False).select_related("speaker")[:50]:
        assert claim.speaker.kind == "person"
        assert claim.speaker.affiliation_id == claim.source_id
    assert not claims.filter(via__isnull=False).exclude(via__kind="media").exists()
    assert Source.objects.filter(kind="person", affiliation__isnull=False).exists()
    assert Source.objects.exclude(aliases=[]).exists()
    assert Topic.objects.exclude(aliases=[]).exists()
    assert len(set(Source.objects.values_list("kind", flat=True))) >= 6
    assert Source.objects.exclude(country="").values("country").distinct().count() >= 5
    assert Review.objects.filter(reviewer__username__in=GENERATED_USERS).count() == Review.objects.count() > 0


def test_a_few_percent_of_claims_are_denied():
    generate(2000)

    denied = Claim.objects.filter(links_in__relation="denies").distinct().count()
    assert 0.01 * 2000 <= denied <= 0.1 * 2000
    assert ClaimLink.objects.filter(relation="supports").exists()
    assert ClaimLink.objects.filter(relation="contradicts").exists()


def test_retractions_join_two_claims_of_one_source_and_no_claim_links_itself():
    generate(2000)

    retractions = ClaimLink.objects.filter(relation="retracts").select_related("from_claim", "to_claim")
    assert retractions.count() > 0
    for link in retractions:
        assert link.from_claim.source_id == link.to_claim.source_id
        assert link.to_claim.status == "retracted"
    for link in ClaimLink.objects.exclude(relation="retracts").select_related("from_claim", "to_claim"):
        assert link.from_claim.source_id != link.to_claim.source_id
    links = list(ClaimLink.objects.values_list("from_claim_id", "to_claim_id", "relation"))
    assert len(links) == len(set(links))
    assert all(a != b for a, b, _ in links)


def test_every_generated_record_passes_model_validation():
    generate(400)

    for model in MODELS:
        for record in model.objects.all():
            record.full_clean()


def test_the_api_lists_generated_claims_and_finds_them_by_their_words(client_anon):
    generate(600)

    listed = client_anon.get("/api/claims/", {"page_size": 100})
    assert listed.status_code == 200
    newest_first = Claim.objects.order_by("-claimed_on", "-id").values_list("id", flat=True)[:100]
    assert [c["id"] for c in listed.json()["results"]] == list(newest_first)
    claim = Claim.objects.filter(language="en").order_by("id").first()
    words = [w for w in re.findall(r"[a-z]+", claim.text.lower()) if len(w) > 3 and w not in {"that", "near"}]
    found = client_anon.get("/api/claims/", {"q": " ".join(words), "page_size": 100})
    assert found.status_code == 200
    assert claim.pk in [c["id"] for c in found.json()["results"]]


def test_the_api_shows_a_generated_denial_in_its_thread(client_anon):
    generate(600)

    denial = ClaimLink.objects.filter(relation="denies").first()
    response = client_anon.get(f"/api/claims/{denial.to_claim_id}/thread/")

    assert response.status_code == 200
    body = response.json()
    assert {denial.from_claim_id, denial.to_claim_id} <= {c["id"] for c in body["claims"]}
    assert any(link["relation"] == "denies" for link in body["links"])


def test_claims_can_be_created_through_the_api_afterwards(client_editor):
    generate(300)
    highest_claim = Claim.objects.order_by("-id").values_list("id", flat=True).first()
    highest_source = Source.objects.order_by("-id").values_list("id", flat=True).first()

    response = client_editor.post(
        "/api/claims/",
        {"text": "Zyxwvut forces crossed the river.", "claimed_on": "2020-01-02", "source": Source.objects.first().pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["id"] > highest_claim
    found = client_editor.get("/api/claims/", {"q": "zyxwvut"})
    assert [c["id"] for c in found.json()["results"]] == [response.json()["id"]]
    assert make_source().pk > highest_source


def test_the_same_seed_gives_the_same_records_and_another_seed_others():
    wipe()
    generate(300, seed=7)
    first = snapshot()
    wipe()
    generate(300, seed=7)
    assert snapshot() == first
    wipe()
    generate(300, seed=8)
    assert snapshot()["Claim"] != first["Claim"]


def test_a_second_run_appends_with_fresh_ids_and_slugs():
    generate(300, seed=3)
    first_ids = {model: set(model.objects.values_list("id", flat=True)) for model in MODELS}

    generate(300, seed=3)

    assert Claim.objects.count() == 600
    assert Source.objects.values("slug").distinct().count() == Source.objects.count() == 100
    assert Topic.objects.values("slug").distinct().count() == Topic.objects.count() == 80
    urls = [url for url in Article.objects.values_list("url", flat=True) if url]
    assert len(urls) == len(set(urls))
    for model, ids in first_ids.items():
        assert model.objects.exclude(id__in=ids).exists()
        assert min(model.objects.exclude(id__in=ids).values_list("id", flat=True)) > max(ids)


def test_worker_processes_generate_the_same_claims_as_one_process():
    def claims_made_by(processes):
        generator = Generator(
            Sizes.for_claims(1000), 5, dict.fromkeys(COLUMNS, 0), [1, 2], {Source: set(), Topic: set()}, block=100
        )
        generator.sources(), generator.topics(), generator.stories()
        with generator.claims(processes=processes) as claims:
            lines = list(claims)
        assert len(generator.blocks) > 5
        return lines, generator.claim_topics, generator.links, generator.reviews, generator.linked_keys

    assert claims_made_by(2) == claims_made_by(1)


def test_a_failure_leaves_nothing_written(monkeypatch):
    before = snapshot()
    schema = _schema() if connection.vendor == "postgresql" else None
    real_articles = Generator.articles

    def articles_then_failure(self):
        yield from list(real_articles(self))[:5]
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Generator, "articles", articles_then_failure)

    with pytest.raises(Exception, match="the disk is full"):  # on PostgreSQL, as the COPY that read it failed
        generate(300)

    assert snapshot() == before
    if schema is not None:
        assert _schema() == schema
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'claims_generate%%'")
            assert cursor.fetchone()[0] == 0


def test_it_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="--claims must be between 1"):
        call_command("generate_claims", claims=0)


# PostgreSQL: the search documents and the schema after the load.


@postgresql_only
def test_every_search_document_is_the_one_the_triggers_would_compute():
    generate(2000)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE search_vector IS NOT DISTINCT FROM "
            "claims_search_document(id, text, quote, language, translations, source_id, speaker_id, via_id, "
            "article_id)) FROM claims_claim"
        )
        total, equal = cursor.fetchone()
    assert total == equal == 2000


@postgresql_only
def test_every_claims_topic_ids_are_its_topics(client_anon):
    generate(500)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM claims_claim c WHERE c.topic_ids IS DISTINCT FROM coalesce("
            "(SELECT array_agg(ct.topic_id ORDER BY ct.topic_id) FROM claims_claimtopic ct WHERE ct.claim_id = c.id),"
            " '{}')"
        )
        assert cursor.fetchone()[0] == 0
    # The least used topic, so that its claims fit on one page.
    least = ClaimTopic.objects.values("topic").annotate(n=Count("*")).order_by("n", "topic").first()
    topic = Topic.objects.get(pk=least["topic"])
    response = client_anon.get("/api/claims/", {"topic": topic.slug, "page_size": 100})
    assert least["n"] <= 100 and response.json()["next"] is None
    assert {claim["id"] for claim in response.json()["results"]} == set(
        ClaimTopic.objects.filter(topic=topic).values_list("claim_id", flat=True)
    )


def _schema():
    """Indexes, constraints and triggers of the tables the generator writes, as the catalog has them."""
    tables = [model._meta.db_table for model in MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid::regclass::text = ANY(%s) AND NOT tgisinternal ORDER BY 1, 2",
            [tables],
        )
        triggers = cursor.fetchall()
    return indexes, constraints, triggers


@postgresql_only
def test_indexes_constraints_and_triggers_are_as_migrated_afterwards():
    before = _schema()

    generate(300)

    assert _schema() == before
    indexes, constraints, triggers = before
    assert {"claims_claim_search_vector", "claims_claim_language"} <= {name for name, _, _ in indexes}
    assert all(valid for _, _, valid in indexes) and all(valid for _, _, valid in constraints)
    assert {(t, name) for t, name, _ in triggers} >= {
        ("claims_claim", "claims_claim_search"),
        ("claims_claimtopic", "claims_claimtopic_search_insert"),
    }
    assert {enabled for _, _, enabled in triggers} == {"O"}


@postgresql_only
def test_the_triggers_work_again_on_generated_claims():
    generate(300)
    claim = Claim.objects.first()
    topic = Topic.objects.create(slug="zyxwvut-front", name="Zyxwvut front", kind="place")

    claim.topics.add(topic)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ to_tsquery('factcheck', 'zyxwvut') FROM claims_claim WHERE id = %s", [claim.pk]
        )
        assert cursor.fetchone()[0] is True


@postgresql_only
def test_what_an_interrupted_run_left_undone_is_done_by_the_next_run():
    before = _schema()
    fk = "claims_review_claim_id_45948026_fk_claims_claim_id"
    with connection.cursor() as cursor:
        # As a run interrupted after its commit leaves things: an index not built, a foreign key not checked.
        cursor.execute("SELECT pg_get_indexdef('claims_claim_via_id_bb5b9e2b'::regclass)")
        index = cursor.fetchone()[0]
        cursor.execute("DROP INDEX claims_claim_via_id_bb5b9e2b")
        cursor.execute(f"ALTER TABLE claims_review DROP CONSTRAINT {fk}")
        cursor.execute(
            f"ALTER TABLE claims_review ADD CONSTRAINT {fk} FOREIGN KEY (claim_id) REFERENCES claims_claim(id) "
            "DEFERRABLE INITIALLY DEFERRED NOT VALID"
        )
        cursor.execute(f"CREATE TABLE {PENDING} (id serial PRIMARY KEY, queue integer, statement text)")
        cursor.execute(
            f"INSERT INTO {PENDING} (queue, statement) VALUES (1, %s), (1, %s)",
            [index, f"ALTER TABLE claims_review VALIDATE CONSTRAINT {fk}"],
        )

    generate(100)

    assert _schema() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [PENDING])
        assert cursor.fetchone()[0] is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_indexes_are_built_after_commit_on_two_connections():
    before = _schema()

    generate(300)

    assert Claim.objects.count() == 300
    assert _schema() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'claims_generate%%'")
        assert cursor.fetchone()[0] == 0  # no work table, no list of unbuilt indexes left behind


def test_some_claims_not_in_english_carry_an_english_machine_translation():
    generate(2000)

    translated = Claim.objects.exclude(translations=[])
    assert translated.exists()
    assert not translated.filter(language="en").exists()
    for claim in translated[:50]:
        validate_translations(claim.translations)  # raises on anything the API would refuse
        assert [(t["language"], t["kind"]) for t in claim.translations] == [("en", "machine")]
        assert claim.translations[0]["text"] != claim.text
