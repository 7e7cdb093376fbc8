"""Sources, articles, topics, links and reviews: create, read, update, delete, and the rules on each."""

import pytest

from claims.models import Article, ClaimLink, Profile, Review, Source, Topic
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic

pytestmark = pytest.mark.django_db


# Sources


def test_it_creates_a_source_with_an_affiliation(client_editor):
    pmf = make_source(slug="pmf", name="PMF")
    response = client_editor.post(
        "/api/sources/",
        {
            "slug": "ahmed-al-asadi",
            "name": "Ahmed al-Asadi",
            "kind": "person",
            "role": "spokesman",
            "affiliation": pmf.pk,
            "country": "IQ",
            "aliases": ["أحمد الأسدي"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["affiliation"] == {"id": pmf.pk, "slug": "pmf", "name": "PMF", "kind": "media"}
    assert body["aliases"] == ["أحمد الأسدي"]
    assert body["claim_count"] == 0


def test_source_lists_count_their_claims(client_anon):
    pmf = make_source(slug="pmf")
    make_claim(source=pmf)
    make_claim(source=pmf)
    body = client_anon.get(f"/api/sources/{pmf.pk}/").json()
    assert body["claim_count"] == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "alien"}, "kind"),
        ({"slug": "has spaces"}, "slug"),
        ({"country": "Syria"}, "country"),
        ({"url": "not a url"}, "url"),
        ({"aliases": "Daesh"}, "aliases"),
        ({"aliases": ["Daesh", "Daesh"]}, "aliases"),
        ({"aliases": ["Daesh", 5]}, "aliases"),
        ({"aliases": [""]}, "aliases"),
    ],
)
def test_it_refuses_bad_source_fields(client_editor, payload, field):
    response = client_editor.post("/api/sources/", {"slug": "x", "name": "X", "kind": "media", **payload})
    assert response.status_code == 400
    assert field in response.json()
    assert not Source.objects.exists()


def test_it_refuses_a_duplicate_source_slug(client_editor):
    make_source(slug="pmf")
    response = client_editor.post("/api/sources/", {"slug": "pmf", "name": "Other", "kind": "media"})
    assert response.status_code == 409  # refused by what is already recorded, not by the request's form
    assert "slug" in response.json()


def test_it_refuses_an_affiliation_loop(client_editor):
    a = make_source()
    b = make_source(affiliation=a)
    response = client_editor.patch(f"/api/sources/{a.pk}/", {"affiliation": b.pk})
    assert response.status_code == 409
    assert "loop" in response.json()["affiliation"][0]
    a.refresh_from_db()
    assert a.affiliation is None


def test_it_refuses_a_source_affiliated_with_itself(client_editor):
    a = make_source()
    response = client_editor.patch(f"/api/sources/{a.pk}/", {"affiliation": a.pk})
    assert response.status_code == 409
    assert "affiliation" in response.json()


def test_deleting_a_source_with_claims_is_refused_and_names_them(client_super):
    source = make_source()
    claim = make_claim(source=source)
    response = client_super.delete(f"/api/sources/{source.pk}/")
    assert response.status_code == 409
    assert f"#{claim.pk}" in response.json()["detail"]
    assert Source.objects.filter(pk=source.pk).exists()


def test_deleting_a_source_others_belong_to_is_refused(client_super):
    parent = make_source()
    make_source(affiliation=parent)
    assert client_super.delete(f"/api/sources/{parent.pk}/").status_code == 409
    assert Source.objects.filter(pk=parent.pk).exists()


def test_deleting_an_unused_source_works(client_super):
    source = make_source()
    assert client_super.delete(f"/api/sources/{source.pk}/").status_code == 204
    assert not Source.objects.filter(pk=source.pk).exists()


# Articles


def test_it_creates_an_article_and_shows_its_publisher(client_editor):
    reuters = make_source(slug="reuters", name="Reuters")
    response = client_editor.post(
        "/api/articles/",
        {
            "title": "Assault on Albu Kamal",
            "url": "https://example.org/a",
            "publisher": reuters.pk,
            "published_on": "2017-11-08",
            "dateline": "BEIRUT/BAGHDAD",
            "language": "en",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["publisher"]["slug"] == "reuters"


def test_article_url_is_unique_when_given_but_may_be_blank_twice(client_editor):
    make_article(url="https://example.org/a")
    make_article(url="")
    duplicate = client_editor.post("/api/articles/", {"title": "Again", "url": "https://example.org/a"})
    assert duplicate.status_code == 409
    assert "already exists" in str(duplicate.json())
    blank = client_editor.post("/api/articles/", {"title": "No URL either", "url": ""})
    assert blank.status_code == 201
    assert Article.objects.filter(url="").count() == 2


def test_deleting_an_article_with_claims_is_refused(client_super):
    article = make_article()
    make_claim(article=article)
    assert client_super.delete(f"/api/articles/{article.pk}/").status_code == 409
    assert Article.objects.filter(pk=article.pk).exists()


# Topics


def test_it_creates_a_topic_with_aliases(client_editor):
    response = client_editor.post(
        "/api/topics/",
        {"slug": "islamic-state", "name": "Islamic State", "kind": "organization", "aliases": ["Daesh", "ISIS"]},
    )
    assert response.status_code == 201, response.content
    assert Topic.objects.get(slug="islamic-state").aliases == ["Daesh", "ISIS"]


def test_deleting_a_topic_in_use_is_refused(client_super):
    topic = make_topic()
    claim = make_claim(topics=[topic])
    response = client_super.delete(f"/api/topics/{topic.pk}/")
    assert response.status_code == 409
    assert f"1 claim (#{claim.pk})" in response.json()["detail"]
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert list(claim.topics.all()) == [topic]


# Links


def test_it_links_a_denial_to_the_report_it_denies(client_editor):
    report, denial = make_claim(), make_claim()
    response = client_editor.post(
        "/api/links/", {"from_claim": denial.pk, "to_claim": report.pk, "relation": "denies", "note": "PMF denial"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from_claim"]["id"] == denial.pk
    assert body["to_claim"]["text"] == report.text
    assert ClaimLink.objects.filter(from_claim=denial, to_claim=report, relation="denies").exists()


def test_it_refuses_a_self_link(client_editor):
    claim = make_claim()
    response = client_editor.post("/api/links/", {"from_claim": claim.pk, "to_claim": claim.pk, "relation": "denies"})
    assert response.status_code == 409  # a rule between two fields, answered as the other link rules
    assert "itself" in response.json()["to_claim"][0]
    assert not ClaimLink.objects.exists()


def test_it_refuses_a_duplicate_link(client_editor):
    report, denial = make_claim(), make_claim()
    make_link(denial, report, "denies")
    response = client_editor.post("/api/links/", {"from_claim": denial.pk, "to_claim": report.pk, "relation": "denies"})
    assert response.status_code == 409
    assert "already linked" in response.json()["non_field_errors"][0]
    assert ClaimLink.objects.count() == 1


def test_the_same_pair_may_have_two_different_relations(client_editor):
    a, b = make_claim(), make_claim()
    make_link(a, b, "contradicts")
    response = client_editor.post("/api/links/", {"from_claim": a.pk, "to_claim": b.pk, "relation": "denies"})
    assert response.status_code == 201


def test_retracts_only_between_claims_of_one_source(client_editor):
    source = make_source()
    original, retraction = make_claim(source=source), make_claim(source=source)
    stranger = make_claim()
    refused = client_editor.post(
        "/api/links/", {"from_claim": stranger.pk, "to_claim": original.pk, "relation": "retracts"}
    )
    assert refused.status_code == 409
    assert "same source" in refused.json()["relation"][0]
    accepted = client_editor.post(
        "/api/links/", {"from_claim": retraction.pk, "to_claim": original.pk, "relation": "retracts"}
    )
    assert accepted.status_code == 201


def test_changing_a_link_into_a_self_link_is_refused(client_editor):
    a, b = make_claim(), make_claim()
    link = make_link(a, b)
    response = client_editor.patch(f"/api/links/{link.pk}/", {"to_claim": a.pk})
    assert response.status_code == 409
    link.refresh_from_db()
    assert link.to_claim == b


def test_it_refuses_a_link_to_an_unknown_claim(client_editor):
    claim = make_claim()
    response = client_editor.post("/api/links/", {"from_claim": claim.pk, "to_claim": 10**30, "relation": "denies"})
    assert response.status_code == 400  # not an id at all
    assert "to_claim" in response.json()
    response = client_editor.post("/api/links/", {"from_claim": claim.pk, "to_claim": 999999, "relation": "denies"})
    assert response.status_code == 409  # an id, of no claim
    assert "does not exist" in response.json()["to_claim"][0]


# Reviews


def test_a_review_is_signed_by_the_user_who_saves_it(client_editor, editor):
    Profile.objects.create(user=editor, display_name="Rima Haddad")
    claim = make_claim()
    response = client_editor.post(
        "/api/reviews/",
        {"claim": claim.pk, "rating": "unproven", "summary": "Denied; no independent source.", "reviewer": "someone"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["reviewer"] == {"id": editor.pk, "display_name": "Rima Haddad"}
    assert Review.objects.get().reviewer == editor


def test_it_refuses_a_review_with_an_unknown_rating(client_editor):
    response = client_editor.post("/api/reviews/", {"claim": make_claim().pk, "rating": "pants_on_fire"})
    assert response.status_code == 400
    assert "rating" in response.json()
    assert not Review.objects.exists()


def test_reviews_show_the_claim_they_judge(client_anon):
    claim = make_claim(text="Militias crossed")
    make_review(claim)
    body = client_anon.get("/api/reviews/").json()["results"][0]
    assert body["claim"]["id"] == claim.pk
    assert body["claim"]["text"] == "Militias crossed"
