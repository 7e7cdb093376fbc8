"""Accepting drafts: an article's claims created with their sources, anchors and links, all or nothing."""

import pytest

from claims.models import Appearance, Claim, ClaimLink, Source
from tests.factories import make_article, make_source, make_topic

pytestmark = pytest.mark.django_db

BODY = (
    "The monitoring group said on Tuesday that volunteers had crossed the river. "
    "The group's commander, Karim Haddad, denied the report, telling a local radio station "
    '"we have not moved from our base".'
)
REPORT = "volunteers had crossed the river"
DENIAL = "we have not moved from our base"


def party(name, kind, role="", match=None):
    return {
        "name": name,
        "role": role,
        "kind": kind,
        "match": None if match is None else {"id": match.pk, "slug": match.slug, "name": match.name},
    }


def span(text):
    start = BODY.index(text)
    return {"start": start, "end": start + len(text)}


@pytest.fixture
def article():
    return make_article(title="Volunteers at the river", body=BODY)


@pytest.fixture
def monitor():
    return make_source(slug="monitor", name="Monitoring Group", kind="ngo")


@pytest.fixture
def drafts(monitor):
    """Two drafts as extraction would return them: a report, and its denial by a new party."""
    return [
        {
            "text": "Volunteers crossed the river.",
            "quote": "",
            "cue": "said",
            "span": span(REPORT),
            "source": party("monitoring group", "ngo", match=monitor),
            "speaker": None,
            "via": None,
            "claimed_on": "2024-03-05",
            "claimed_on_precision": "day",
            "links": [],
        },
        {
            "text": "The volunteers have not moved from their base.",
            "quote": "we have not moved from our base",
            "cue": "denied",
            "span": span(DENIAL),
            "source": party("Volunteer Brigade", "armed_group"),
            "speaker": party("Karim Haddad", "person", role="commander"),
            "via": party("a local radio station", "media"),
            "claimed_on": "2024-03-06",
            "claimed_on_precision": "day",
            "links": [{"relation": "denies", "draft": 0}],
        },
    ]


def accept(client, article, drafts):
    return client.post(f"/api/articles/{article.pk}/accept/", {"drafts": drafts}, format="json")


def counts():
    return [model.objects.count() for model in (Claim, Source, Appearance, ClaimLink)]


def test_accepted_drafts_become_claims_with_their_sources_anchors_and_denial(client_editor, article, drafts, monitor):
    response = accept(client_editor, article, drafts)

    assert response.status_code == 201, response.data
    report, denial = (Claim.objects.get(pk=pk) for pk in response.data["claims"])
    assert report.source == monitor
    assert (report.article, report.claimed_on.isoformat()) == (article, "2024-03-05")
    assert denial.source.name == "Volunteer Brigade"
    assert denial.source.kind == "armed_group"
    assert (denial.speaker.name, denial.speaker.role, denial.speaker.affiliation) == (
        "Karim Haddad",
        "commander",
        denial.source,
    )
    assert denial.via.kind == "media"
    assert denial.quote == DENIAL
    link = ClaimLink.objects.get(pk=response.data["links"][0])
    assert (link.from_claim, link.relation, link.to_claim) == (denial, "denies", report)
    anchor = Appearance.objects.get(claim=denial)
    assert BODY[anchor.start : anchor.end] == DENIAL
    assert anchor.status == "anchored"
    assert sorted(response.data["sources"]) == sorted([denial.source.pk, denial.speaker.pk, denial.via.pk])
    assert report.history.get().history_change_reason == f"Extracted from article #{article.pk}"
    assert denial.source.history.get().history_change_reason == f"Extracted from article #{article.pk}"


def test_accepted_claims_show_their_anchor_in_the_api(client_editor, client_anon, article, drafts):
    pk = accept(client_editor, article, drafts).data["claims"][0]

    data = client_anon.get(f"/api/claims/{pk}/").json()

    assert data["anchor"]["exact"] == REPORT
    assert data["appearances"][0]["article"]["id"] == article.pk


def test_a_draft_left_out_is_not_created(client_editor, article, drafts):
    drafts[1]["include"] = False

    response = accept(client_editor, article, drafts)

    assert response.status_code == 201
    assert len(response.data["claims"]) == 1
    assert Claim.objects.get().text == "Volunteers crossed the river."


def test_two_drafts_naming_one_new_party_make_one_source(client_editor, article, drafts):
    drafts[0]["source"] = party("Volunteer Brigade", "armed_group")

    response = accept(client_editor, article, drafts)

    assert response.status_code == 201
    assert Source.objects.filter(name="Volunteer Brigade").count() == 1


def test_topics_are_set_from_their_ids(client_editor, article, drafts):
    topic = make_topic(name="River crossing")
    drafts[0]["topics"] = [topic.pk]

    pk = accept(client_editor, article, drafts).data["claims"][0]

    assert list(Claim.objects.get(pk=pk).topics.all()) == [topic]


@pytest.mark.parametrize(
    ("change", "index", "field", "status"),
    [
        # Malformed drafts: 400.
        (lambda d: d[1]["source"].update(kind="militia"), "1", "source.kind", 400),
        (lambda d: d[1]["source"].update(name="  "), "1", "source.name", 400),
        (lambda d: d[1]["source"].pop("role"), "1", "source.role", 400),
        (lambda d: d[0]["source"]["match"].update(id="7"), "0", "source.match.id", 400),
        (lambda d: d[0].update(span={"start": 10, "end": 5}), "0", "span", 400),
        (lambda d: d[0].update(claimed_on="5 March 2024"), "0", "claimed_on", 400),
        (lambda d: d[0].update(text=""), "0", "text", 400),
        (lambda d: d[0].update(quote=None), "0", "quote", 400),
        (lambda d: d[0].update(cue=3), "0", "cue", 400),
        (lambda d: d[1]["links"][0].update(draft=7), "1", "links.0.draft", 400),
        (lambda d: d[1]["links"][0].update(draft=1), "1", "links.0.draft", 400),
        (lambda d: d[1]["links"][0].update(draft="0"), "1", "links.0.draft", 400),
        (lambda d: d[1]["links"][0].update(relation="refutes"), "1", "links.0.relation", 400),
        (lambda d: d[0].update(include=False), "1", "links.0.draft", 400),
        (lambda d: d[0].update(topics=["1"]), "0", "topics", 400),
        (lambda d: d[0].update(speker=None), "0", "speker", 400),
        # Drafts that clash with the record: an id it does not hold, a passage past the text's end. 409.
        (lambda d: d[1]["source"].update(match={"id": 999999, "slug": "x", "name": "x"}), "1", "source.match.id", 409),
        (lambda d: d[0].update(span={"start": 10, "end": len(BODY) + 5}), "0", "span", 409),
        (lambda d: d[0].update(topics=[999999]), "0", "topics", 409),
    ],
)
def test_a_wrong_draft_is_named_by_index_and_field_and_nothing_is_created(
    client_editor, article, drafts, change, index, field, status
):
    before = counts()
    change(drafts)

    response = accept(client_editor, article, drafts)

    assert response.status_code == status, response.data
    assert field in response.data["drafts"][index], response.data
    assert counts() == before


def test_an_editor_cannot_accept_a_verdict_status(client_editor, article, drafts):
    drafts[0]["status"] = "confirmed"

    response = accept(client_editor, article, drafts)

    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_a_span_into_an_article_without_text_is_refused(client_editor, drafts):
    bare = make_article(title="No text recorded")

    response = accept(client_editor, bare, drafts)

    assert response.status_code == 409
    assert "no text" in str(response.data["drafts"]["0"]["span"])


@pytest.mark.parametrize("body", [{"drafts": []}, {"drafts": "two"}, {}, {"drafts": [{}], "more": 1}, []])
def test_a_body_without_drafts_is_refused(client_editor, article, body):
    before = counts()

    response = client_editor.post(f"/api/articles/{article.pk}/accept/", body, format="json")

    assert response.status_code == 400
    assert "drafts" in response.data
    assert counts() == before


def test_accepting_needs_an_editor(client_anon, client_norole, article, drafts):
    assert accept(client_anon, article, drafts).status_code == 401
    assert accept(client_norole, article, drafts).status_code == 403
    assert not Claim.objects.exists()


def test_the_same_drafts_accepted_twice_are_refused_the_second_time(client_editor, article, drafts):
    first = accept(client_editor, article, drafts)
    before = counts()

    second = accept(client_editor, article, drafts)

    assert first.status_code == 201
    assert second.status_code == 409
    assert f"Claim #{first.data['claims'][0]} already records" in str(second.data["drafts"]["0"]["text"])
    assert "1" in second.data["drafts"]  # the denial, by a source the first accept made
    assert counts() == before
