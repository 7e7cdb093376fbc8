"""Bulk import (`manage.py import_claims`) and export (`GET /api/claims/?format=csv|jsonl`), one format."""

import csv
import datetime
import io
import json
import sys

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Article, Claim, ClaimLink, Source, Topic
from tests.factories import make_article, make_claim, make_link, make_source, make_topic

pytestmark = pytest.mark.django_db

HEADER = [
    "ref",
    "text",
    "quote",
    "language",
    "translations",
    "claimed_on",
    "claimed_on_precision",
    "status",
    "source",
    "source_name",
    "source_kind",
    "source_wikidata",
    "speaker",
    "speaker_name",
    "speaker_wikidata",
    "via",
    "via_name",
    "via_wikidata",
    "article_url",
    "article_title",
    "article_publisher",
    "article_publisher_wikidata",
    "article_published_on",
    "topics",
    "topics_wikidata",
    "links",
]
NOV_8 = datetime.date(2017, 11, 8)


# Helpers: files are written with the csv and json modules, not with the code under test.


def csv_file(rows: list[dict], columns=None) -> str:
    columns = columns or list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def run_import(tmp_path, content, name="claims.csv", *args) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_claims", str(path), *args, stdout=out, stderr=err)
    assert err.getvalue() == ""  # no progress bar when stderr is not a terminal
    return out.getvalue()


def import_errors(tmp_path, content, name="claims.csv") -> list[str]:
    with pytest.raises(CommandError) as failure:
        run_import(tmp_path, content, name)
    return str(failure.value).splitlines()


def export(client, fmt="csv", **params) -> str:
    response = client.get("/api/claims/", {"format": fmt, **params})
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def exported_csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def database_snapshot() -> dict:
    """Row counts of every table (records, history, topic snapshots, users...) and every claim as stored."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}
    claims = list(Claim.objects.order_by("pk").values())
    topics = list(Claim.topics.through.objects.order_by("pk").values_list("claim_id", "topic_id"))
    return {"counts": counts, "claims": claims, "claim_topics": topics}


def empty_the_record():
    """Delete every claims record (the database as a fresh install has it, history aside)."""
    ClaimLink.objects.all().delete()
    Claim.objects.all().delete()
    Article.objects.all().delete()
    Topic.objects.all().delete()
    Source.objects.filter(affiliation__isnull=False).delete()
    Source.objects.all().delete()


def record_state() -> dict:
    """What the record says, without ids: claims by (source, date, text), links between them, and the rest."""

    def key(claim):
        return (claim.source.slug, claim.claimed_on, claim.text)

    def who(source):
        return (source.slug, source.name) if source else None

    claims = Claim.objects.select_related("source", "speaker", "via", "article__publisher").prefetch_related("topics")
    return {
        "claims": {
            key(c): {
                "quote": c.quote,
                "language": c.language,
                "translations": c.translations,
                "precision": c.claimed_on_precision,
                "status": c.status,
                "source": (c.source.slug, c.source.name, c.source.kind),
                "speaker": who(c.speaker),
                "via": who(c.via),
                "article": (
                    c.article.url,
                    c.article.title,
                    c.article.published_on,
                    c.article.publisher.slug if c.article.publisher else None,
                )
                if c.article
                else None,
                "topics": sorted(t.slug for t in c.topics.all()),
            }
            for c in claims
        },
        "links": sorted(
            (key(link.from_claim), link.relation, key(link.to_claim))
            for link in ClaimLink.objects.select_related("from_claim__source", "to_claim__source")
        ),
        "sources": sorted(Source.objects.values_list("slug", "wikidata")),
        "topics": sorted(Topic.objects.values_list("slug", "wikidata")),
        "articles": sorted(
            (a.url, a.title, a.published_on, a.publisher.slug if a.publisher else None)
            for a in Article.objects.select_related("publisher")
        ),
    }


def build_record():
    """A small record with every column in use: the Albu Kamal report, reshaped."""
    reuters = make_source(slug="reuters", name="Reuters", kind="media", wikidata="Q130879")
    pmf = make_source(
        slug="popular-mobilisation-forces", name="Popular Mobilisation Forces", kind="armed_group", wikidata="Q1000001"
    )
    asadi = make_source(slug="ahmed-al-asadi", name="Ahmed al-Asadi", kind="person", affiliation=pmf)
    sohr = make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo")
    manar = make_source(slug="al-manar", name="al-Manar television", kind="media", wikidata="Q1000002")
    with_url = make_article(
        title="Syria's army begins assault on Albu Kamal", url="https://example.org/albu-kamal", publisher=reuters
    )
    without_url = make_article(title="Iraqi forces near the border", url="", publisher=None, published_on=None)
    albu_kamal = make_topic(slug="albu-kamal", name="Albu Kamal", kind="place")
    border = make_topic(slug="syria-iraq-border", name="Syria–Iraq border", kind="place", wikidata="Q1000003")
    report = make_claim(
        text="Iraqi militias crossed into Syria to join the assault on Albu Kamal.",
        source=sohr,
        status="disputed",
        article=with_url,
        topics=[albu_kamal, border],
    )
    denial = make_claim(
        text="The Popular Mobilisation Forces have not crossed the Syrian border.",
        quote="We have no orders to cross the borders.",
        translations=[
            {
                "language": "ar",
                "text": "لم تعبر قوات الحشد الشعبي الحدود السورية.",
                "quote": "ليست لدينا أوامر بعبور الحدود.",
                "kind": "human",
                "by": "test desk",
            },
            {
                "language": "fr",
                "text": "Les FMP n'ont pas franchi la frontière.",
                "quote": "",
                "kind": "machine",
                "by": "",
            },
        ],
        source=pmf,
        speaker=asadi,
        via=manar,
        article=with_url,
        topics=[border],
    )
    backing = make_claim(
        text="The PMF move under orders from the commander in chief.",
        source=pmf,
        speaker=asadi,
        article=without_url,
        claimed_on=datetime.date(2017, 11, 1),
        claimed_on_precision="month",
        language="en-GB",
    )
    correction = make_claim(text="Correction: the PMF statement was on 8 November.", source=pmf)
    make_link(denial, report, "denies")
    make_link(backing, denial, "supports")
    make_link(correction, backing, "retracts")
    return report, denial, backing, correction


# Round trips


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_then_import_into_an_empty_database_gives_the_same_record(client_anon, tmp_path, fmt):
    build_record()
    before = record_state()
    exported = export(client_anon, fmt)
    empty_the_record()

    output = run_import(tmp_path, exported, f"claims.{fmt}")

    assert output.startswith(
        "created 4 claims, updated 0, unchanged 0; created 5 sources, 2 topics, 2 articles, 3 links"
    )
    assert record_state() == before


def test_export_writes_sources_by_slug_and_name_and_links_by_ref(client_anon):
    report, denial, *_ = build_record()
    rows = {row["text"]: row for row in exported_csv_rows(export(client_anon))}

    row = rows[denial.text]
    assert list(row) == HEADER
    assert (row["source"], row["source_name"], row["source_kind"]) == (
        "popular-mobilisation-forces",
        "Popular Mobilisation Forces",
        "armed_group",
    )
    assert (row["speaker"], row["speaker_name"], row["via"], row["via_name"]) == (
        "ahmed-al-asadi",
        "Ahmed al-Asadi",
        "al-manar",
        "al-Manar television",
    )
    assert row["article_url"] == "https://example.org/albu-kamal"
    assert row["article_publisher"] == "reuters"
    assert row["topics"] == "syria-iraq-border"
    assert row["links"] == f"denies {rows[report.text]['ref']}"


def test_export_leaves_out_links_to_claims_outside_the_export(client_anon):
    report, denial, *_ = build_record()
    rows = exported_csv_rows(export(client_anon, source="popular-mobilisation-forces"))

    assert report.text not in {row["text"] for row in rows}
    denial_row = next(row for row in rows if row["text"] == denial.text)
    assert denial_row["links"] == ""  # it denies the Observatory's report, which is not in this file
    backing_row = next(row for row in rows if row["links"].startswith("supports"))
    assert backing_row["links"] == f"supports {denial_row['ref']}"


# Idempotency at scale


def ten_thousand_rows(existing_source: Source) -> tuple[str, int]:
    """A 10,000-row file: 40 sources by name, one existing by slug, speakers, articles, topics, links."""
    rows, links = [], 0
    for i in range(10_000):
        row = {
            "ref": f"r{i}",
            "text": f"Claim number {i}: fighters were seen near checkpoint {i % 97} — قرب الحاجز {i}",
            "quote": f"We saw them ({i})" if i % 4 == 0 else "",
            "language": "ar" if i % 10 == 0 else "",
            "claimed_on": (datetime.date(2017, 1, 1) + datetime.timedelta(days=i % 365)).isoformat(),
            "claimed_on_precision": "month" if i % 11 == 0 else "day",
            "status": ["unverified", "disputed", "retracted", ""][i % 4],
            "source": existing_source.slug if i % 50 == 0 else f"Source Number {i % 40}",
            "source_kind": ["media", "ngo", "government", ""][i % 4] if i % 50 else "",
            "speaker": f"spokesman-{i % 25}" if i % 3 == 0 else "",
            "via": "Relay Outlet" if i % 7 == 0 else "",
            "article_url": f"https://example.org/report/{i // 2 % 100}" if i % 2 == 0 else "",
            "article_title": f"Report {i // 2 % 100}" if i % 2 == 0 else "",
            "article_publisher": "wire-agency" if i % 2 == 0 else "",
            "article_published_on": "2017-11-08" if i % 2 == 0 else "",
            "topics": f"Front Line {i // 5 % 30}; theme-{i % 7}" if i % 5 else "",
            "links": "",
        }
        if i % 5 == 4:
            # Denies the claim just before it, of another source (i - 1 and i differ modulo 40).
            row["links"] = f"denies r{i - 1}"
            links += 1
        rows.append(row)
    return csv_file(rows, HEADER), links


def test_ten_thousand_rows_import_and_a_second_import_changes_nothing(tmp_path):
    existing_source = make_source(slug="wire-service", name="Wire service", kind="media")
    content, link_count = ten_thousand_rows(existing_source)

    first = run_import(tmp_path, content)

    assert first.startswith("created 10000 claims, updated 0, unchanged 0; ")
    assert Claim.objects.count() == 10_000
    assert ClaimLink.objects.count() == link_count
    # 40 sources by name, 25 speakers, one relaying outlet, one publisher
    assert Source.objects.count() == 1 + 40 + 25 + 1 + 1
    assert Article.objects.count() == 100
    assert Topic.objects.count() == 30 + 7
    snapshot = database_snapshot()

    second = run_import(tmp_path, content)

    assert second.startswith(
        "created 0 claims, updated 0, unchanged 10000; created 0 sources, 0 topics, 0 articles, 0 links"
    )
    assert database_snapshot() == snapshot


# Every bad row reported, nothing written


def test_every_bad_row_is_reported_by_its_line_and_nothing_is_written(tmp_path):
    other = make_source(slug="someone-else")
    in_database = make_claim(source=other)
    snapshot = database_snapshot()
    columns = ["ref", "text", "source", "source_kind", "claimed_on", "status", "topics", "links"]
    rows = [
        # line 2: fine, and creates a source and a topic if the file is accepted
        {"ref": "r1", "text": "A good claim", "source": "New Observatory", "claimed_on": "2017-11-08", "topics": "x"},
        {"ref": "r2", "text": "A bad date", "source": "new-observatory", "claimed_on": "2017-11-31"},  # line 3
        {"ref": "r3", "text": "An unknown status", "source": "new-observatory", "claimed_on": "2017-11-08",
         "status": "fake"},  # line 4
        {"ref": "r4", "text": "", "source": "new-observatory", "claimed_on": "2017-11-08"},  # line 5: no text
        # lines 6-7: one row whose text spans two lines; fine
        {"ref": "r5", "text": "A claim\non two lines", "source": "new-observatory", "claimed_on": "2017-11-08"},
        {"ref": "r6", "text": "Denies a ref not in the file", "source": "new-observatory", "claimed_on": "2017-11-08",
         "links": f"denies {in_database.pk}"},  # line 8: the id of a claim in the database is not a ref
        {"ref": "r7", "text": "Denies itself", "source": "new-observatory", "claimed_on": "2017-11-08",
         "links": "denies r7"},  # line 9
        {"ref": "r8", "text": "Retracts another source's claim", "source": "someone-else", "claimed_on": "2017-11-08",
         "links": "retracts r1"},  # line 10
        {"ref": "r9", "text": "A bad kind for a new source", "source": "Brand New", "source_kind": "alien",
         "claimed_on": "2017-11-08"},  # line 11
    ]  # fmt: skip

    errors = import_errors(tmp_path, csv_file(rows, columns))

    assert errors[0] == "7 problems in " + str(tmp_path / "claims.csv") + "; nothing was imported."
    problems = errors[1:]
    assert [problem.split(":")[:2] for problem in problems] == [
        ["line 3", " claimed_on"],
        ["line 4", " status"],
        ["line 5", " text"],
        ["line 8", " links"],
        ["line 9", " links"],
        ["line 10", " links"],
        ["line 11", " source_kind"],
    ]
    assert "'2017-11-31' is not a date" in problems[0]
    assert "'fake' is not a valid choice" in problems[1]
    assert "required" in problems[2]
    assert f"no row in this file has the ref '{in_database.pk}'" in problems[3]
    assert "cannot be linked to itself" in problems[4]
    assert "same source can retract" in problems[5]
    assert "'alien' is not a valid choice" in problems[6]
    assert database_snapshot() == snapshot


def test_a_bad_header_is_reported_before_any_row(tmp_path):
    errors = import_errors(tmp_path, "ref,txt,source\n1,Hello,someone\n")

    assert errors[1:] == [
        f"line 1: txt: unknown column (known: {', '.join(HEADER)})",
        "line 1: text: missing column: every row needs it",
        "line 1: claimed_on: missing column: every row needs it",
    ]


def test_refs_name_rows_of_the_file_only_once(tmp_path):
    rows = [
        {"ref": "a", "text": "One", "source": "s", "claimed_on": "2017-11-08"},
        {"ref": "a", "text": "Two", "source": "s", "claimed_on": "2017-11-08"},
        {"ref": "b", "text": "One", "source": "s", "claimed_on": "2017-11-08"},
    ]

    errors = import_errors(tmp_path, csv_file(rows))

    assert errors[1] == "line 3: ref: 'a' is also the ref of line 2: refs name one row each"
    assert errors[2] == "line 4: text: line 2 has the same source, date and text: one row per claim"


# Cells: formulas, scripts, byte-order mark


FORMULA_LIKE = ["=1+1", "+33 6 12 34 56", "-5 killed", "@everyone", "\tindented", "\rreturn", "'=HYPERLINK(x)", "''=2"]
PLAIN = ["'quoted but harmless", "a=b", "5 - 3"]


def test_csv_export_disarms_formulas_and_the_import_restores_them_exactly(client_anon, tmp_path):
    source = make_source(slug="spreadsheet-fan")
    for text in FORMULA_LIKE + PLAIN:
        make_claim(text=text, quote=text, source=source)

    exported = export(client_anon)
    cells = {row["quote"] for row in exported_csv_rows(exported)}
    jsonl_texts = {json.loads(line)["text"] for line in export(client_anon, "jsonl").splitlines()}
    empty_the_record()
    run_import(tmp_path, exported)

    assert cells == {"'" + text for text in FORMULA_LIKE} | set(PLAIN)
    assert jsonl_texts == set(FORMULA_LIKE + PLAIN)  # JSON Lines are not for spreadsheets: no prefix
    assert set(Claim.objects.values_list("text", flat=True)) == set(FORMULA_LIKE + PLAIN)
    assert set(Claim.objects.values_list("quote", flat=True)) == set(FORMULA_LIKE + PLAIN)


def test_csv_import_takes_one_disarming_quote_off(tmp_path):
    rows = [
        {"text": "'=SUM(A1:A3)", "source": "s", "claimed_on": "2017-11-08"},
        {"text": "'plain text with a leading quote", "source": "s", "claimed_on": "2017-11-08"},
    ]

    run_import(tmp_path, csv_file(rows))

    assert set(Claim.objects.values_list("text", flat=True)) == {"=SUM(A1:A3)", "'plain text with a leading quote"}


ARABIC = "قالت قوات الحشد الشعبي إنها لم تعبر الحدود السورية"
MIXED = "The PMF (\u2067الحشد الشعبي\u2069) said: \u200fلم نعبر الحدود\u200e — 3 times, 2017-11-08"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_arabic_and_mixed_direction_text_round_trips_exactly(client_anon, tmp_path, fmt):
    observatory = make_source(slug="sohr", name="المرصد السوري لحقوق الإنسان", kind="ngo")
    make_claim(text=ARABIC, quote=MIXED, language="ar", source=observatory)
    make_claim(text=MIXED, quote=ARABIC, source=observatory)
    before = record_state()

    exported = export(client_anon, fmt)
    empty_the_record()
    run_import(tmp_path, exported, f"claims.{fmt}")

    assert record_state() == before
    assert Source.objects.get().name == "المرصد السوري لحقوق الإنسان"


def test_a_byte_order_mark_is_accepted(tmp_path):
    content = "\ufeff" + csv_file([{"text": ARABIC, "source": "sohr", "claimed_on": "2017-11-08"}])

    run_import(tmp_path, content.encode("utf-8"))

    assert Claim.objects.get().text == ARABIC


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    content = b"text,source,claimed_on\nfine,s,2017-11-08\n" + "café,s,2017-11-08\n".encode("latin-1")

    errors = import_errors(tmp_path, content)

    assert errors[1].startswith("line 3: file: is not UTF-8 text")
    assert not Claim.objects.exists()


# JSON Lines


def test_json_lines_import_reads_one_object_a_line(tmp_path):
    lines = [
        {"ref": 1, "text": "First", "source": "Source One", "claimed_on": "2017-11-08", "topics": "Albu Kamal"},
        {"ref": "2", "text": "Second", "source": "source-one", "claimed_on": "2017-11-09", "links": "supports 1"},
    ]
    content = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"

    output = run_import(tmp_path, content, "claims.jsonl")

    assert output.startswith(
        "created 2 claims, updated 0, unchanged 0; created 1 sources, 1 topics, 0 articles, 1 links"
    )
    link = ClaimLink.objects.get()
    assert (link.from_claim.text, link.relation, link.to_claim.text) == ("Second", "supports", "First")
    assert Source.objects.get().name == "Source One"
    assert Topic.objects.get().slug == "albu-kamal"


def test_a_malformed_json_line_is_reported_by_its_line_number(tmp_path):
    good = json.dumps({"text": "Fine", "source": "s", "claimed_on": "2017-11-08"})
    content = f'{good}\n\n{{"text": "Broken", "source": \n{good.replace("Fine", "Also fine")}\n[1, 2]\n'

    errors = import_errors(tmp_path, content, "claims.jsonl")

    assert errors[1].startswith("line 3: row: is not valid JSON")
    assert errors[2] == "line 5: row: must be a JSON object, one per line"
    assert not Claim.objects.exists()


def test_the_format_can_be_given_and_standard_input_read(tmp_path, monkeypatch):
    content = json.dumps({"text": "From a pipe", "source": "s", "claimed_on": "2017-11-08"}) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(content.encode())))

    call_command("import_claims", "-", "--format", "jsonl", stdout=io.StringIO())

    assert Claim.objects.get().text == "From a pipe"
    with pytest.raises(CommandError, match="give --format"):
        call_command("import_claims", str(tmp_path / "claims.txt"))


# What rows name: sources, topics, articles; updates


def test_names_are_slugified_and_missing_records_created_with_defaults(tmp_path):
    reuters = make_source(slug="reuters", name="Reuters", kind="media")
    rows = [
        {
            "text": "Militias crossed",
            "source": "Syrian Observatory",
            "source_kind": "ngo",
            "claimed_on": "2017-11-08",
            "speaker": "ahmed-al-asadi",
            "via": "Reuters",
            "article_title": "Assault begins",
            "article_published_on": "2017-11-08",
            "article_publisher": "reuters",
            "topics": "albu-kamal; Islamic State",
        }
    ]

    run_import(tmp_path, csv_file(rows))

    claim = Claim.objects.get()
    assert (claim.source.slug, claim.source.name, claim.source.kind) == (
        "syrian-observatory",
        "Syrian Observatory",
        "ngo",
    )
    assert (claim.speaker.slug, claim.speaker.name, claim.speaker.kind) == ("ahmed-al-asadi", "Ahmed al asadi", "other")
    assert claim.via == reuters
    assert (claim.article.title, claim.article.publisher, claim.article.published_on) == (
        "Assault begins",
        reuters,
        NOV_8,
    )
    assert {(t.slug, t.name, t.kind) for t in claim.topics.all()} == {
        ("albu-kamal", "Albu kamal", "theme"),
        ("islamic-state", "Islamic State", "theme"),
    }
    assert (claim.status, claim.language, claim.claimed_on_precision) == ("unverified", "en", "day")


def test_names_find_records_whose_slug_is_not_their_name_slugified(tmp_path):
    border = make_topic(slug="syria-iraq-border", name="Syria–Iraq border")
    observatory = make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo")
    rows = [
        {
            "text": "Militias crossed the border",
            "source": "syrian observatory for human rights",
            "claimed_on": "2017-11-08",
            "topics": "Syria–Iraq border",
        }
    ]

    run_import(tmp_path, csv_file(rows))

    claim = Claim.objects.get()
    assert claim.source == observatory
    assert list(claim.topics.all()) == [border]
    assert (Source.objects.count(), Topic.objects.count()) == (1, 1)


def test_a_slug_given_in_the_file_is_never_taken_for_a_namesake(tmp_path):
    mosul = make_source(slug="ahmed-hassan-mosul", name="Ahmed Hassan", kind="person")
    rows = [
        {
            "text": "The bridge was hit",
            "source": "ahmed-hassan-basra",
            "source_name": "Ahmed Hassan",
            "source_kind": "person",
            "claimed_on": "2017-11-08",
        }
    ]

    run_import(tmp_path, csv_file(rows))

    claim = Claim.objects.get()
    assert claim.source != mosul
    assert (claim.source.slug, claim.source.name) == ("ahmed-hassan-basra", "Ahmed Hassan")


def test_articles_are_found_by_url_or_else_by_title_and_date(tmp_path):
    by_url = make_article(title="Old title", url="https://example.org/a")
    by_title = make_article(title="Untitled wire", url="", published_on=NOV_8)
    rows = [
        {"text": "One", "source": "s", "claimed_on": "2017-11-08", "article_url": "https://example.org/a",
         "article_title": "A new title is not a new article"},
        {"text": "Two", "source": "s", "claimed_on": "2017-11-08", "article_title": "Untitled wire",
         "article_published_on": "2017-11-08"},
    ]  # fmt: skip

    run_import(tmp_path, csv_file(rows))

    assert Claim.objects.get(text="One").article == by_url
    assert Claim.objects.get(text="Two").article == by_title
    assert Article.objects.count() == 2


def test_a_row_for_an_existing_claim_updates_what_differs_with_a_revision(tmp_path, client_anon):
    claim = make_claim(text="Militias crossed", source=make_source(slug="sohr"), quote="old")
    rows = [{"text": "Militias crossed", "source": "sohr", "claimed_on": "2017-11-08", "status": "disputed"}]

    output = run_import(tmp_path, csv_file(rows), "update.csv")

    assert output.startswith("created 0 claims, updated 1, unchanged 0")
    claim.refresh_from_db()
    assert (claim.status, claim.quote) == ("disputed", "old")  # no quote column: the quote is left alone
    latest = client_anon.get(f"/api/claims/{claim.pk}/history/").json()["results"][0]
    assert latest["type"] == "changed"
    assert latest["reason"] == "import update.csv"
    assert latest["changes"] == [{"field": "status", "old": "unverified", "new": "disputed"}]


# History


def test_imported_claims_get_a_revision_with_their_topics(tmp_path, client_anon):
    rows = [{"text": "Militias crossed", "source": "sohr", "claimed_on": "2017-11-08", "topics": "albu-kamal; rawa"}]

    run_import(tmp_path, csv_file(rows), "november.csv")

    claim = Claim.objects.get()
    entries = client_anon.get(f"/api/claims/{claim.pk}/history/").json()["results"]
    assert len(entries) == 1
    assert entries[0]["type"] == "created"
    assert entries[0]["reason"] == "import november.csv"
    assert entries[0]["user"] is None
    topics = next(change for change in entries[0]["changes"] if change["field"] == "topics")
    assert sorted(topics["new"]) == sorted(Topic.objects.values_list("pk", flat=True))
    assert Source.history.get().history_change_reason == "import november.csv"


# Export through the API


def test_export_takes_the_list_filters_and_streams_every_row_past_a_page(client_anon):
    source = make_source()
    for i in range(130):
        make_claim(source=source, status="disputed", claimed_on=NOV_8 - datetime.timedelta(days=i))
    make_claim(source=source, status="unverified", text="Not disputed")

    response = client_anon.get("/api/claims/", {"format": "csv", "status": "disputed", "ordering": "claimed_on"})
    rows = exported_csv_rows(b"".join(response.streaming_content).decode())

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    assert len(rows) == 130
    assert {row["status"] for row in rows} == {"disputed"}
    dates = [row["claimed_on"] for row in rows]
    assert dates == sorted(dates)


def test_export_as_json_lines_and_by_accept_header(client_anon):
    make_claim(text="Only one")

    response = client_anon.get("/api/claims/", {"format": "jsonl"})
    by_header = client_anon.get("/api/claims/", HTTP_ACCEPT="text/csv")

    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claims.jsonl"'
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["Only one"]
    assert by_header["Content-Type"] == "text/csv; charset=utf-8"


def test_a_bad_filter_on_an_export_is_a_json_400_and_other_endpoints_have_no_export(client_anon):
    claim = make_claim()

    bad = client_anon.get("/api/claims/", {"format": "csv", "status": "nonsense"})
    detail = client_anon.get(f"/api/claims/{claim.pk}/", {"format": "csv"})

    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/json"
    assert "status" in bad.json()
    assert detail.status_code == 404


def make_claims_with_everything(count: int):
    parent = make_source()
    article = make_article()
    topics = [make_topic(), make_topic()]
    previous = None
    for _ in range(count):
        claim = make_claim(
            source=make_source(affiliation=parent),
            speaker=make_source(),
            via=make_source(),
            article=article,
            topics=topics,
        )
        if previous is not None:
            make_link(claim, previous, "denies")
        previous = claim


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_runs_the_same_queries_whatever_the_number_of_rows(client_anon, fmt):
    def queries_to_export(count: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            content = export(client_anon, fmt)
        lines = content.splitlines()
        assert len(lines) == count + (1 if fmt == "csv" else 0)
        return len(queries)

    make_claims_with_everything(3)
    few = queries_to_export(3)
    make_claims_with_everything(147)
    many = queries_to_export(150)

    # the database state (the download's ETag), the ids in the file, the claims with their relations joined,
    # then topics and links per chunk of rows
    assert few == many == 5


# Wikidata ids of sources and topics


def test_export_writes_each_sources_and_topics_wikidata_id_beside_it(client_anon):
    report, denial, *_ = build_record()
    rows = {row["text"]: row for row in exported_csv_rows(export(client_anon))}

    row = rows[denial.text]
    assert (row["source"], row["source_wikidata"]) == ("popular-mobilisation-forces", "Q1000001")
    assert (row["speaker"], row["speaker_wikidata"]) == ("ahmed-al-asadi", "")
    assert (row["via"], row["via_wikidata"]) == ("al-manar", "Q1000002")
    assert (row["article_publisher"], row["article_publisher_wikidata"]) == ("reuters", "Q130879")
    assert (row["topics"], row["topics_wikidata"]) == ("syria-iraq-border", "Q1000003")
    # Item by item: Albu Kamal has no id, so its place in the list is empty.
    assert (rows[report.text]["topics"], rows[report.text]["topics_wikidata"]) == (
        "albu-kamal; syria-iraq-border",
        "; Q1000003",
    )


def test_an_import_gives_a_source_and_topic_without_one_their_wikidata_id_once(tmp_path, client_anon):
    sohr = make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo")
    make_topic(slug="albu-kamal", name="Albu Kamal")
    rows = [
        {"text": "Militias crossed", "source": "sohr", "source_wikidata": "Q1140914", "claimed_on": "2017-11-08",
         "topics": "albu-kamal; islamic-state", "topics_wikidata": "Q1000004; Q2429253"},
    ]  # fmt: skip

    output = run_import(tmp_path, csv_file(rows), "ids.csv")

    assert output.startswith("created 1 claims, updated 0, unchanged 0; created 0 sources, 1 topics")
    assert output.rstrip().endswith("gave 2 sources and topics their Wikidata id")
    sohr.refresh_from_db()
    assert sohr.wikidata == "Q1140914"
    assert Topic.objects.get(slug="albu-kamal").wikidata == "Q1000004"
    assert Topic.objects.get(slug="islamic-state").wikidata == "Q2429253"  # created with it
    history = client_anon.get(f"/api/sources/{sohr.pk}/history/").json()["results"]
    assert history[0]["reason"] == "import ids.csv"
    assert {"field": "wikidata", "old": "", "new": "Q1140914"} in history[0]["changes"]

    again = run_import(tmp_path, csv_file(rows), "ids.csv")
    assert again.startswith("created 0 claims, updated 0, unchanged 1; created 0 sources, 0 topics")
    assert "Wikidata" not in again


def test_a_source_or_topic_is_found_by_its_wikidata_id_whatever_the_file_calls_it(tmp_path):
    pmf = make_source(slug="popular-mobilisation-forces", name="Popular Mobilisation Forces", wikidata="Q1000001")
    state = make_topic(slug="islamic-state", name="Islamic State", wikidata="Q2429253")
    rows = [
        {"text": "No orders to cross", "source": "hashd", "source_wikidata": "Q1000001", "claimed_on": "2017-11-08",
         "topics": "daesh", "topics_wikidata": "Q2429253"},
    ]  # fmt: skip

    run_import(tmp_path, csv_file(rows))

    claim = Claim.objects.get()
    assert claim.source == pmf
    assert list(claim.topics.all()) == [state]
    assert (Source.objects.count(), Topic.objects.count()) == (1, 1)


def test_bad_wikidata_cells_are_reported_by_line_and_column_and_nothing_is_written(tmp_path):
    make_source(slug="reuters", wikidata="Q130879")
    make_source(slug="sohr")
    make_topic(slug="syria", wikidata="Q858")
    snapshot = database_snapshot()
    sources = list(Source.objects.order_by("pk").values())
    topics = list(Topic.objects.order_by("pk").values())
    columns = [
        "text",
        "source",
        "source_wikidata",
        "speaker",
        "speaker_wikidata",
        "claimed_on",
        "topics",
        "topics_wikidata",
    ]
    rows = [
        {"text": "Fine", "source": "new-one", "source_wikidata": "Q5000", "claimed_on": "2017-11-08"},  # line 2
        {"text": "Lower case", "source": "sohr", "source_wikidata": "q42", "claimed_on": "2017-11-08"},  # line 3
        {"text": "Not an item", "source": "sohr", "speaker": "someone", "speaker_wikidata": "P31",
         "claimed_on": "2017-11-08"},  # line 4
        {"text": "Replaces an id", "source": "reuters", "source_wikidata": "Q1", "claimed_on": "2017-11-08"},  # 5
        {"text": "Another's id", "source": "sohr", "source_wikidata": "Q130879", "claimed_on": "2017-11-08"},  # 6
        {"text": "Too few", "source": "sohr", "claimed_on": "2017-11-08", "topics": "a; b",
         "topics_wikidata": "Q7"},  # line 7
        {"text": "No speaker", "source": "sohr", "speaker_wikidata": "Q8", "claimed_on": "2017-11-08"},  # line 8
        {"text": "Another topic", "source": "sohr", "claimed_on": "2017-11-08", "topics": "syria",
         "topics_wikidata": "Q796"},  # line 9
    ]  # fmt: skip

    errors = import_errors(tmp_path, csv_file(rows, columns))

    problems = errors[1:]
    assert [problem.split(":")[:2] for problem in problems] == [
        ["line 3", " source_wikidata"],
        ["line 4", " speaker_wikidata"],
        ["line 5", " source_wikidata"],
        ["line 6", " source_wikidata"],
        ["line 7", " topics_wikidata"],
        ["line 8", " speaker_wikidata"],
        ["line 9", " topics_wikidata"],
    ]
    assert "Wikidata item id" in problems[0] and "Wikidata item id" in problems[1]
    assert "'reuters' has the Wikidata id Q130879, not Q1" in problems[2]
    assert "Q130879 is the Wikidata id of the source 'reuters'" in problems[3]
    assert "has 1 items; topics has 2" in problems[4]
    assert "without speaker" in problems[5]
    assert "'syria' has the Wikidata id Q858, not Q796" in problems[6]
    assert database_snapshot() == snapshot
    assert list(Source.objects.order_by("pk").values()) == sources
    assert list(Topic.objects.order_by("pk").values()) == topics
