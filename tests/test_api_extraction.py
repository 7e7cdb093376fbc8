"""The extraction endpoints: drafts from a text or an article's text, nothing written; then accepted as returned."""

from pathlib import Path

import pytest
from django.core.management import call_command

from claims.api.drafts import EXTRACT_MAX
from claims.models import Appearance, Claim, ClaimLink, Source
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db

TEXT = (
    "The Harbour Workers Union said on Monday that dock owners had cut wages by a fifth. "
    "The Port Authority denied the report, saying wages had not changed since January."
)
SEED = Path(__file__).resolve().parents[2] / "shared" / "articles" / "albu-kamal-2017-11-08.txt"


def counts():
    return [model.objects.count() for model in (Claim, Source, Appearance, ClaimLink)]


def test_extract_returns_drafts_and_writes_nothing(client_editor):
    union = make_source(slug="harbour-workers-union", name="Harbour Workers Union", kind="other")
    before = counts()

    response = client_editor.post(
        "/api/extract/", {"text": TEXT, "published_on": "2025-06-11", "language": "en"}, format="json"
    )

    assert response.status_code == 200, response.data
    drafts = response.json()["drafts"]
    assert counts() == before
    report = next(d for d in drafts if d["source"]["match"] and d["source"]["match"]["id"] == union.pk)
    # "on Monday" in a Wednesday report is two days before.
    assert (report["claimed_on"], report["claimed_on_precision"]) == ("2025-06-09", "day")
    assert "cut wages" in TEXT[report["span"]["start"] : report["span"]["end"]]
    denial = next(d for d in drafts if d["source"]["name"] == "Port Authority")
    assert denial["source"]["match"] is None
    assert {"relation": "denies", "draft": drafts.index(report)} in denial["links"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "", "published_on": "2025-06-11"}, "text"),
        ({"text": "   \n ", "published_on": "2025-06-11"}, "text"),
        ({"text": "x" * (EXTRACT_MAX + 1), "published_on": "2025-06-11"}, "text"),
        ({"text": TEXT, "published_on": "11 June 2025"}, "published_on"),
        ({"text": TEXT}, "published_on"),
        ({"text": TEXT, "published_on": "2025-06-11", "language": "English"}, "language"),
        ({"text": 42, "published_on": "2025-06-11"}, "text"),
    ],
)
def test_extract_refuses_bad_input_naming_the_field(client_editor, body, field):
    response = client_editor.post("/api/extract/", body, format="json")

    assert response.status_code == 400
    assert field in response.data


def test_extracting_needs_an_editor(client_anon, client_norole):
    body = {"text": TEXT, "published_on": "2025-06-11"}

    assert client_anon.post("/api/extract/", body, format="json").status_code == 401
    assert client_norole.post("/api/extract/", body, format="json").status_code == 403


def test_an_article_without_text_or_date_cannot_be_read(client_editor):
    no_text = make_article(title="No text")
    no_date = make_article(title="No date", body=TEXT, published_on=None)

    missing_text = client_editor.post(f"/api/articles/{no_text.pk}/extract/")
    missing_date = client_editor.post(f"/api/articles/{no_date.pk}/extract/")

    assert (missing_text.status_code, list(missing_text.data)) == (409, ["body"])
    assert (missing_date.status_code, list(missing_date.data)) == (409, ["published_on"])


def test_drafts_accepted_exactly_as_returned_become_anchored_claims(client_editor, client_anon):
    article = make_article(title="Dock wages", body=TEXT, published_on="2025-06-11")
    drafts = client_editor.post(f"/api/articles/{article.pk}/extract/").json()["drafts"]

    response = client_editor.post(f"/api/articles/{article.pk}/accept/", {"drafts": drafts}, format="json")

    assert response.status_code == 201, response.data
    assert len(response.data["claims"]) == len(drafts)
    for pk, draft in zip(response.data["claims"], drafts, strict=True):
        anchor = client_anon.get(f"/api/claims/{pk}/").json()["anchor"]
        assert (anchor["start"], anchor["end"]) == (draft["span"]["start"], draft["span"]["end"])
    assert ClaimLink.objects.filter(relation="denies").count() == 1


def test_the_seed_article_read_through_the_api_names_the_observatory_and_the_denial(client_editor):
    call_command("loaddata", "albu_kamal_2017", verbosity=0)  # the record: its sources are the dictionary
    # Read at run time from ../shared: the article's text is test data, not part of the project.
    response = client_editor.post(
        "/api/extract/", {"text": SEED.read_text(encoding="utf-8"), "published_on": "2017-11-08"}, format="json"
    )

    drafts = response.json()["drafts"]
    slugs = [(d["source"]["match"] or {}).get("slug") for d in drafts]
    observatory = [i for i, slug in enumerate(slugs) if slug == "syrian-observatory-for-human-rights"]
    denials = [d for d in drafts if any(link["draft"] in observatory for link in d["links"])]
    assert observatory, slugs
    # The PMF's denial, matched to the record's source. (The text also says the militias "denied it":
    # a second, unnamed denial that the fixture folds into the PMF's.)
    assert "popular-mobilisation-forces" in [(d["source"]["match"] or {}).get("slug") for d in denials]


def test_a_source_renamed_between_two_extractions_is_matched_by_its_new_name(client_editor):
    union = make_source(slug="harbour-workers-union", name="Dockers Guild", kind="other")
    body = {"text": TEXT, "published_on": "2025-06-11"}

    before = client_editor.post("/api/extract/", body, format="json").json()["drafts"]
    union.name = "Harbour Workers Union"
    union.save()
    after = client_editor.post("/api/extract/", body, format="json").json()["drafts"]

    assert all(d["source"]["match"] is None for d in before)
    assert [d["source"]["match"]["id"] for d in after if d["source"]["match"]] == [union.pk]
