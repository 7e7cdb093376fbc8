import pytest

from claims.models import Claim, ClaimLink
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db


def claim_payload(**fields):
    """A valid claim body; `fields` override it (ids or bad values as they are, a Source by its id)."""
    if "source" not in fields:
        fields["source"] = make_source()
    if hasattr(fields["source"], "pk"):
        fields["source"] = fields["source"].pk
    return {"text": "Iraqi militias crossed into Syria.", "claimed_on": "2017-11-08", **fields}


def test_it_creates_a_claim_with_related_objects_by_id(client_editor, editor):
    pmf = make_source(slug="pmf", name="PMF", kind="armed_group")
    asadi = make_source(slug="asadi", name="Ahmed al-Asadi", kind="person", role="spokesman", affiliation=pmf)
    article = make_article(title="Assault begins")
    border = make_topic(slug="border", name="Border")

    response = client_editor.post(
        "/api/claims/",
        claim_payload(
            source=pmf,
            speaker=asadi.pk,
            article=article.pk,
            topics=[border.pk],
            quote="We have no orders to cross the borders.",
            claimed_on_precision="day",
        ),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"]["slug"] == "pmf"
    assert body["speaker"]["name"] == "Ahmed al-Asadi"
    assert body["speaker"]["affiliation"]["slug"] == "pmf"
    assert body["article"]["title"] == "Assault begins"
    assert body["article"]["publisher"]["id"] == article.publisher_id
    assert [t["slug"] for t in body["topics"]] == ["border"]
    assert body["status"] == "unverified"
    # The display name, never the login name (an editor without a profile is "Editor #<id>").
    assert body["created_by"] == {"id": editor.pk, "display_name": f"Editor #{editor.pk}"}
    claim = Claim.objects.get(pk=body["id"])
    assert claim.created_by == editor
    assert list(claim.topics.all()) == [border]


def test_it_ignores_created_by_sent_by_the_client(client_editor, editor):
    other = make_user("someone-else")
    response = client_editor.post("/api/claims/", claim_payload(created_by=other.username))
    assert response.status_code == 201
    assert Claim.objects.get(pk=response.json()["id"]).created_by == editor


def test_claim_shows_links_in_both_directions(client_anon):
    report = make_claim(text="Militias crossed the border")
    denial = make_claim(text="We did not cross")
    backing = make_claim(text="The PMF has no orders to cross")
    make_link(denial, report, "denies")
    make_link(backing, denial, "supports")

    body = client_anon.get(f"/api/claims/{denial.pk}/").json()

    assert [(link["relation"], link["claim"]["id"]) for link in body["links_out"]] == [("denies", report.pk)]
    assert [(link["relation"], link["claim"]["id"]) for link in body["links_in"]] == [("supports", backing.pk)]
    assert body["links_out"][0]["claim"]["text"] == "Militias crossed the border"
    assert body["links_out"][0]["claim"]["source"]["slug"] == report.source.slug


def test_claim_shows_its_reviews_and_denial_count(client_anon):
    report = make_claim()
    make_link(make_claim(), report, "denies")
    make_link(make_claim(), report, "denies")
    make_link(make_claim(), report, "supports")
    make_review(report, rating="unproven", summary="No independent confirmation.")

    body = client_anon.get(f"/api/claims/{report.pk}/").json()

    assert body["denial_count"] == 2
    assert [(r["rating"], r["summary"]) for r in body["reviews"]] == [("unproven", "No independent confirmation.")]


def test_it_updates_topics_and_status(client_editor):
    claim = make_claim(topics=[make_topic()])
    new_topic = make_topic(slug="rawa")

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"topics": [new_topic.pk], "status": "disputed"})

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.status == "disputed"
    assert list(claim.topics.values_list("slug", flat=True)) == ["rawa"]


@pytest.mark.parametrize(
    ("field", "value", "status", "message_part"),
    [
        # A related record that does not exist is the record's state, not a malformed request: 409.
        ("source", 999999, 409, "does not exist"),
        ("source", None, 400, "may not be null"),
        ("status", "maybe", 400, "not a valid choice"),
        ("claimed_on", "2017-02-30", 400, "wrong format"),
        ("claimed_on", "yesterday", 400, "wrong format"),
        ("claimed_on_precision", "week", 400, "not a valid choice"),
        ("topics", [999999], 409, "does not exist"),
        ("language", "English", 400, "BCP 47"),
        ("text", "", 400, "may not be blank"),
        ("article", "abc", 400, "Incorrect type"),
    ],
)
def test_it_refuses_bad_claim_fields_and_names_them(client_editor, field, value, status, message_part):
    response = client_editor.post("/api/claims/", claim_payload(**{field: value}))

    assert response.status_code == status
    assert field in response.json()
    assert message_part in " ".join(response.json()[field])
    assert Claim.objects.count() == 0


def test_it_refuses_a_topic_listed_twice(client_editor):
    topic = make_topic()
    response = client_editor.post("/api/claims/", claim_payload(topics=[topic.pk, topic.pk]))
    assert response.status_code == 400
    assert "topics" in response.json()
    assert Claim.objects.count() == 0


def test_it_requires_text_source_and_date(client_editor):
    response = client_editor.post("/api/claims/", {})
    assert response.status_code == 400
    assert set(response.json()) == {"text", "source", "claimed_on"}


def test_deleting_a_claim_that_others_link_to_is_refused(client_super):
    report, denial = make_claim(), make_claim()
    link = make_link(denial, report)

    response = client_super.delete(f"/api/claims/{report.pk}/")

    assert response.status_code == 409
    assert f"#{link.pk}" in response.json()["detail"]
    assert Claim.objects.filter(pk=report.pk).exists()
    assert ClaimLink.objects.filter(pk=link.pk).exists()


def test_deleting_a_reviewed_claim_is_refused(client_super):
    claim = make_claim()
    make_review(claim)
    response = client_super.delete(f"/api/claims/{claim.pk}/")
    assert response.status_code == 409
    assert "review" in response.json()["detail"]
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_an_unlinked_claim_takes_its_topic_assignments_with_it(client_super):
    topic = make_topic()
    claim = make_claim(topics=[topic])
    response = client_super.delete(f"/api/claims/{claim.pk}/")
    assert response.status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert topic.__class__.objects.filter(pk=topic.pk).exists()


def test_unknown_claim_is_404(client_anon):
    assert client_anon.get("/api/claims/424242/").status_code == 404
    assert client_anon.get("/api/claims/not-a-number/").status_code == 404
    assert client_anon.get("/api/claims/99999999999999999999999/").status_code == 404


def test_what_a_client_read_can_be_written_back_as_it_is(client_editor):
    claim = make_claim(topics=[make_topic()], article=make_article())
    body = client_editor.get(f"/api/claims/{claim.pk}/").json()
    body["text"] = "Reworded"
    response = client_editor.put(f"/api/claims/{claim.pk}/", body, HTTP_IF_MATCH=f'"{body["version"]}"')
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.text == "Reworded"
    assert claim.source_id == body["source"]["id"]


@pytest.mark.parametrize("resource", ["claims", "sources", "articles", "topics", "links", "reviews"])
def test_the_browsable_api_renders_for_an_editor(client_editor, resource):
    claim, other = make_claim(article=make_article(), topics=[make_topic()]), make_claim()
    link = make_link(other, claim)
    review = make_review(claim)
    ids = {
        "claims": claim.pk,
        "sources": claim.source_id,
        "articles": claim.article_id,
        "topics": claim.topics.get().pk,
        "links": link.pk,
        "reviews": review.pk,
    }
    for url in (f"/api/{resource}/", f"/api/{resource}/{ids[resource]}/"):
        response = client_editor.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert b"<form" in response.content
