"""Wikidata ids of sources and topics: written and read through the API, refused when malformed or
taken, shown in the claims that name them, linked in the admin and on the public claim page."""

import json

import html5lib
import pytest
from django.urls import reverse

from claims.models import Source, Topic
from tests.factories import admin_client, make_claim, make_review, make_source, make_topic

pytestmark = pytest.mark.django_db

WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"


# API


@pytest.mark.parametrize(("resource", "payload"), [("sources", {"kind": "media"}), ("topics", {"kind": "place"})])
def test_a_source_or_topic_is_written_and_read_with_its_wikidata_id(client_editor, client_anon, resource, payload):
    created = client_editor.post(
        f"/api/{resource}/", {"slug": "reuters", "name": "Reuters", "wikidata": "Q130879", **payload}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    assert client_anon.get(f"/api/{resource}/{pk}/").json()["wikidata"] == "Q130879"
    cleared = client_editor.patch(f"/api/{resource}/{pk}/", {"wikidata": ""}, format="json")
    assert cleared.status_code == 200
    assert client_anon.get(f"/api/{resource}/{pk}/").json()["wikidata"] == ""


@pytest.mark.parametrize("value", ["q42", "Q0", "Q042", "Q", "42", "P31", " Q42", "Q42\n", "Q1234567890123", 42, None])
@pytest.mark.parametrize("resource", ["sources", "topics"])
def test_a_malformed_wikidata_id_is_a_400_naming_the_field(client_editor, resource, value):
    kind = "media" if resource == "sources" else "place"
    response = client_editor.post(
        f"/api/{resource}/", {"slug": "x", "name": "X", "kind": kind, "wikidata": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["wikidata"]
    assert not Source.objects.exists() and not Topic.objects.exists()


@pytest.mark.parametrize(("resource", "make"), [("sources", make_source), ("topics", make_topic)])
def test_a_wikidata_id_another_record_holds_is_a_409_naming_the_field(client_editor, resource, make):
    holder = make(wikidata="Q41053")
    other = make()

    response = client_editor.patch(f"/api/{resource}/{other.pk}/", {"wikidata": "Q41053"}, format="json")

    assert response.status_code == 409  # refused by what is already recorded, as a slug taken is
    assert "wikidata" in response.json()
    other.refresh_from_db()
    assert other.wikidata == ""
    # Its holder may send it back unchanged; and any number of records have none.
    assert (
        client_editor.patch(f"/api/{resource}/{holder.pk}/", {"wikidata": "Q41053"}, format="json").status_code == 200
    )
    make(), make()


def test_claims_show_their_source_speaker_and_topics_wikidata_ids(client_anon):
    hezbollah = make_source(slug="hezbollah", wikidata="Q41053")
    speaker = make_source(slug="spokesman")
    state = make_topic(slug="islamic-state", wikidata="Q2429253")
    claim = make_claim(source=hezbollah, speaker=speaker, topics=[state, make_topic()])

    for response in (client_anon.get("/api/claims/"), client_anon.get(f"/api/claims/{claim.pk}/")):
        body = response.json()
        shown = body["results"][0] if "results" in body else body
        assert shown["source"]["wikidata"] == "Q41053"
        assert shown["speaker"]["wikidata"] == ""
        assert {topic["slug"]: topic["wikidata"] for topic in shown["topics"]}["islamic-state"] == "Q2429253"


# Admin


def test_the_admin_lists_sources_and_topics_with_a_link_to_their_wikidata_item():
    make_source(name="Hezbollah", wikidata="Q41053")
    make_topic(name="Islamic State", wikidata="Q2429253")
    client = admin_client(is_superuser=True)

    for model, item in (("source", "Q41053"), ("topic", "Q2429253")):
        page = client.get(reverse(f"admin:claims_{model}_changelist")).content.decode()
        assert f'href="{WIKIDATA_PAGE}{item}"' in page


@pytest.mark.parametrize("model", ["source", "topic"])
def test_the_admin_finds_a_source_or_topic_by_its_wikidata_id(model):
    make = make_source if model == "source" else make_topic
    found = make(name="Found by its id", wikidata="Q41053")
    make(name="Not this one", wikidata="Q858")
    client = admin_client(is_superuser=True)

    page = client.get(reverse(f"admin:claims_{model}_changelist"), {"q": "Q41053"}).content.decode()

    assert found.name in page and "Not this one" not in page


def test_the_admin_form_names_the_source_that_already_has_the_wikidata_id():
    make_source(name="Hezbollah", wikidata="Q41053")
    other = make_source(name="Hizbollah (a duplicate)")
    client = admin_client(is_superuser=True)
    form = {
        "slug": other.slug,
        "name": other.name,
        "kind": other.kind,
        "aliases": "",
        "wikidata": "Q41053",
        "loaded_version": other.version,
    }

    response = client.post(reverse("admin:claims_source_change", args=[other.pk]), form)

    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["wikidata"]
    assert "Hezbollah" in errors["wikidata"][0]
    other.refresh_from_db()
    assert other.wikidata == ""

    response = client.post(reverse("admin:claims_source_change", args=[other.pk]), {**form, "wikidata": "Q41O53"})
    assert list(response.context["adminform"].form.errors) == ["wikidata"]


# The public claim page


def test_the_claim_page_links_its_source_speaker_and_topics_to_wikidata_and_says_so_in_its_json_ld(client_anon):
    claim = make_claim(
        source=make_source(name="Hezbollah", kind="armed_group", wikidata="Q41053"),
        speaker=make_source(name="A spokesman", kind="person"),
        topics=[make_topic(name="Islamic State", kind="organization", wikidata="Q2429253")],
    )
    make_review(claim)

    response = client_anon.get(f"/claims/{claim.pk}/")

    document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(response.content)
    links = {a.get("href"): "".join(a.itertext()) for a in document.iter("a")}
    assert links[f"{WIKIDATA_PAGE}Q41053"] == "Wikidata Q41053"
    assert links[f"{WIKIDATA_PAGE}Q2429253"] == "Wikidata Q2429253"
    assert sum(href.startswith(WIKIDATA_PAGE) for href in links) == 2  # the speaker has no id: no link
    (script,) = document.findall(".//script")
    item = json.loads(script.text)["itemReviewed"]
    assert item["author"]["sameAs"] == f"{WIKIDATA_PAGE}Q41053"
    assert item["about"] == [{"@type": "Organization", "name": "Islamic State", "sameAs": f"{WIKIDATA_PAGE}Q2429253"}]
