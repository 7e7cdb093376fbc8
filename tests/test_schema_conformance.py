"""Regression tests for what Schemathesis found against /api/schema/ (see .ci/fuzz).

Each test is a request the fuzzer sent and the answer the schema promises: a
malformed request is a 400, a well-formed one refused by the record's state a
409, and what the code enforces is what the schema states.
"""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from claims.models import Article, Claim, ClaimLink, Source, Topic, country_code, language_code, not_blank, web_url
from tests.factories import make_claim, make_source, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/articles/", {"title": "t", "dateline": 0}, "dateline"),
        ("/api/reviews/", {"rating": "true", "summary": 0}, "summary"),
        ("/api/topics/", {"slug": "t", "name": "T", "kind": "place", "aliases": [0]}, "aliases"),
        ("/api/claims/", {"text": "t", "claimed_on": "2017-11-08", "topics": {}}, "topics"),
        ("/api/claims/", {"text": 5, "claimed_on": "2017-11-08"}, "text"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400(client_super, url, body, field):
    # DRF turned 0 into "0" and read an object's keys as a list.
    claim = make_claim()
    body = {**body, **({"claim": claim.pk} if url == "/api/reviews/" else {})}
    body = {**body, **({"source": claim.source_id} if url == "/api/claims/" else {})}

    response = client_super.post(url, body)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("https://ar.wikipedia.org/wiki/داعش", True),
        ("http://0", True),
        ("https://000000000000000000000000000000000000000000000000000000000000000000.example", True),
        ("http://5\x85x", False),  # U+0085 is a space to Python, not to the schema's JavaScript regex
        ("https:///path", False),
        ("ftp://example.org", False),
        ("https://exa mple.org", False),
        ("http://[", False),  # found by Schemathesis: an address Python's own URL parser refuses
        ("https://example.org/search?q=[a]", True),
    ],
)
def test_urls_follow_the_schemas_pattern(client_super, value, accepted):
    response = client_super.post("/api/articles/", {"title": "t", "url": value})

    assert response.status_code == (201 if accepted else 400)
    assert Article.objects.exists() == accepted


@pytest.mark.parametrize("name", [" \x85 ", "\u3000", "", "a\x00b"])
def test_a_name_needs_a_visible_character_and_no_nul(client_super, name):
    response = client_super.post("/api/topics/", {"slug": "t", "name": name, "kind": "place"})

    assert response.status_code == 400
    assert "name" in response.json()


def test_a_topic_listed_twice_is_a_400_and_an_unknown_one_a_409(client_super):
    topic, source = make_topic(), make_source()
    base = {"text": "t", "source": source.pk, "claimed_on": "2017-11-08"}

    assert client_super.post("/api/claims/", {**base, "topics": [topic.pk, topic.pk]}).status_code == 400
    assert client_super.post("/api/claims/", {**base, "topics": [999999]}).status_code == 409
    assert not Claim.objects.exists()


def test_aliases_distinct_as_written_are_accepted(client_super):
    response = client_super.post(
        "/api/topics/", {"slug": "is", "name": "Islamic State", "kind": "organization", "aliases": ["ISIS", "Isis"]}
    )

    assert response.status_code == 201
    assert Topic.objects.get().aliases == ["ISIS", "Isis"]


@pytest.mark.parametrize(
    ("header", "status"), [("0", 412), ('"1"', 200), ("1", 200), ("garbage", 412), (' , "1"', 200)]
)
def test_if_match_is_read_leniently(client_super, header, status):
    source = make_source(name="Before")

    response = client_super.patch(f"/api/sources/{source.pk}/", {"name": "After"}, HTTP_IF_MATCH=header)

    assert response.status_code == status
    source.refresh_from_db()
    assert source.name == ("After" if status == 200 else "Before")


def test_a_delete_to_an_unknown_api_path_with_a_session_is_a_json_404_not_a_csrf_page(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)

    response = client.delete("/api/sources/1.5e-184/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_self_link_is_a_conflict_and_writes_nothing(client_super):
    claim = make_claim()

    response = client_super.post("/api/links/", {"from_claim": claim.pk, "to_claim": claim.pk, "relation": "denies"})

    assert response.status_code == 409
    assert not ClaimLink.objects.exists()


@pytest.mark.parametrize(
    ("component", "field", "validator"),
    [
        ("ArticleRequest", "url", web_url),
        ("ArticleRequest", "language", language_code),
        ("SourceRequest", "country", country_code),
        ("SourceRequest", "name", not_blank),
        ("ClaimRequest", "text", not_blank),
    ],
)
def test_the_schema_states_the_patterns_the_code_enforces(schema, component, field, validator):
    declared = schema["components"]["schemas"][component]["properties"][field]
    # A field that may also be empty is declared as oneOf: the pattern, or the empty string.
    pattern = declared.get("pattern") or declared["oneOf"][0]["pattern"]
    # The schema spells \xHH as \u00HH, the form both Python and JavaScript regexes read.
    assert pattern == validator.regex.pattern.replace("\\x", "\\u00")


def test_free_text_in_the_schema_excludes_nul(schema):
    quote = schema["components"]["schemas"]["ClaimRequest"]["properties"]["quote"]
    assert re.fullmatch(quote["pattern"], "said \x00") is None
    assert re.fullmatch(quote["pattern"], "قال")


def test_lists_of_ids_and_aliases_are_declared_without_repeats(schema):
    assert schema["components"]["schemas"]["ClaimRequest"]["properties"]["topics"]["uniqueItems"] is True
    assert schema["components"]["schemas"]["TopicRequest"]["properties"]["aliases"]["uniqueItems"] is True


def test_relation_ids_are_declared_in_the_range_of_ids(schema, client_super):
    source = schema["components"]["schemas"]["ClaimRequest"]["properties"]["source"]
    assert (source["minimum"], source["maximum"]) == (1, 2**63 - 1)
    claim = make_claim()

    for outside in (0, -1, 2**63):
        response = client_super.patch(f"/api/claims/{claim.pk}/", {"source": outside})
        assert response.status_code == 400, outside
    assert Source.objects.count() == 1


@pytest.mark.parametrize("query", ["page=true", "page_size=0"])
def test_an_export_checks_the_page_parameters_it_does_not_use(client_anon, query):
    response = client_anon.get(f"/api/claims/?format=csv&{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()
