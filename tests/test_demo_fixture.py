"""The demo fixture: the Reuters report of 2017-11-08, loaded with one command."""

import pytest
from django.core.management import call_command

from claims.models import Article, Claim, ClaimLink, Source

pytestmark = pytest.mark.django_db


def observatory_report():
    return Claim.objects.get(source__slug="syrian-observatory-for-human-rights")


def test_the_pmf_denial_is_linked_to_the_observatory_report(demo):
    denial = ClaimLink.objects.get(relation="denies", to_claim=observatory_report()).from_claim
    assert denial.source.slug == "popular-mobilisation-forces"
    assert denial.speaker.name == "Ahmed al-Asadi"
    assert denial.speaker.role == "spokesman"
    assert denial.speaker.affiliation == denial.source
    assert "We have no orders to cross the borders." in denial.quote


def test_the_report_appears_under_has_denial_and_denied_by(demo, client_anon):
    report = observatory_report()
    has_denial = client_anon.get("/api/claims/?has_denial=true").json()["results"]
    denied_by = client_anon.get("/api/claims/?denied_by=popular-mobilisation-forces").json()["results"]
    assert [c["id"] for c in has_denial] == [report.pk]
    assert [c["id"] for c in denied_by] == [report.pk]


def test_the_report_thread_holds_the_denial(demo, client_anon):
    report = observatory_report()
    body = client_anon.get(f"/api/claims/{report.pk}/thread/").json()
    sources = {c["source"]["slug"] for c in body["claims"]}
    assert "popular-mobilisation-forces" in sources
    assert any(link["relation"] == "denies" and link["to_claim"] == report.pk for link in body["links"])


def test_relayed_and_dated_claims_are_attributed_as_the_article_says(demo):
    hezbollah_media = Claim.objects.get(via__slug="hezbollah-controlled-media")
    assert hezbollah_media.source.slug == "hezbollah"
    manar = Source.objects.get(slug="al-manar")
    assert manar.affiliation.slug == "hezbollah"
    # Shaaban spoke on Tuesday; the article is Wednesday's.
    shaaban = Claim.objects.filter(source__slug="bouthaina-shaaban").first()
    assert str(shaaban.claimed_on) == "2017-11-07"
    assert str(shaaban.article.published_on) == "2017-11-08"
    assert shaaban.source.affiliation.slug == "syrian-government"
    # "In recent weeks" is not a day.
    assert Claim.objects.get(source__slug="russian-official-media").claimed_on_precision == "month"


def test_loading_it_twice_changes_nothing(demo):
    counts = (Claim.objects.count(), ClaimLink.objects.count(), Source.objects.count())
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
    assert (Claim.objects.count(), ClaimLink.objects.count(), Source.objects.count()) == counts


def test_load_demo_adds_an_article_with_its_text_and_its_claims_extracted_and_anchored(client_anon):
    call_command("load_demo", verbosity=0)

    article = Article.objects.exclude(body="").get()
    claims = Claim.objects.filter(article=article)
    assert claims.count() >= 10
    for claim in claims:
        appearance = claim.appearances.get()
        assert article.body[appearance.start : appearance.end] == appearance.exact
        assert claim.history.get().history_change_reason == f"Extracted from article #{article.pk}"
    assert ClaimLink.objects.filter(from_claim__article=article, relation="denies").exists()
    page = client_anon.get(f"/articles/{article.pk}/").content.decode()
    assert page.count("<mark id=") == claims.count()
