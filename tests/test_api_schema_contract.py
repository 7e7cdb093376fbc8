"""The schema is the whole contract: what /api/schema/ says a request may be is what the server does.

Rules that Schemathesis with all its checks (.ci/fuzz) holds us to, pinned here one by one: yes/no
filters are booleans; an empty parameter or header is refused, as the schema says (docs/design.md,
"Empty values"); a record's history outlives its delete, as the schema says; each create links to
the operations on the record it made; and the fuzz itself runs every check.
"""

import re
from pathlib import Path

import django_filters
import pytest
from drf_spectacular.generators import SchemaGenerator

from claims.api import views
from claims.models import Appearance, Source
from claims.webhooks.models import Subscription
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

FILTERSETS = [
    view.filterset_class
    for view in vars(views).values()
    if isinstance(view, type) and getattr(view, "filterset_class", None) is not None
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def parameters(schema, where):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == where:
                yield path, method, parameter


@pytest.fixture
def records():
    """One record of each kind, so that every detail route has an id to answer for."""
    source = make_source()
    claim = make_claim(source=source, article=make_article(), topics=[make_topic()])
    denial = make_claim()
    link = make_link(denial, claim)
    review = make_review(claim)
    return {
        "sources": source,
        "articles": claim.article,
        "topics": claim.topics.get(),
        "claims": claim,
        "links": link,
        "reviews": review,
        "appearances": Appearance.objects.create(claim=claim, article=claim.article),
        "webhooks": Subscription.objects.create(
            owner=make_user("subscriber"), url="https://93.184.215.14/hook", event_types=["claim.*"]
        ),
    }


def url_of(path, records):
    if "{id}" not in path:
        return path
    return path.replace("{id}", str(records[path.split("/")[2]].pk))


# Yes/no filters are booleans ------------------------------------------------------------------------


def test_it_declares_every_yes_no_filter_as_a_boolean(schema):
    declared = {
        (path, parameter["name"]): parameter["schema"]
        for path, _, parameter in parameters(schema, "query")
        if parameter["schema"].get("type") == "boolean"
    }
    boolean_filters = {
        name
        for filterset in FILTERSETS
        for name, f in filterset.base_filters.items()
        if isinstance(f, django_filters.BooleanFilter)
    }

    assert ("/api/claims/", "has_denial") in declared
    assert {name for _, name in declared} == boolean_filters
    # No yes/no filter is left as a string enum, which a generated client cannot pass True to.
    string_yes_no = [
        (path, parameter["name"])
        for path, _, parameter in parameters(schema, "query")
        if set(parameter["schema"].get("enum", [])) == {"true", "false"}
    ]
    assert string_yes_no == []


def test_has_denial_true_and_false_filter_the_claims(client_anon):
    denied, lone = make_claim(), make_claim()
    make_link(make_claim(), denied, relation="denies")

    def ids(value):
        response = client_anon.get("/api/claims/", {"has_denial": value})
        assert response.status_code == 200, response.content
        return {claim["id"] for claim in response.json()["results"]}

    assert ids("true") == {denied.pk}
    assert lone.pk in ids("false") and denied.pk not in ids("false")


@pytest.mark.parametrize("value", ["maybe", "True", "1", "yes", "on", " true"])
def test_a_yes_no_filter_refuses_anything_but_true_or_false_naming_it(client_anon, value):
    make_claim()

    response = client_anon.get("/api/claims/", {"has_denial": value})

    assert response.status_code == 400
    assert response.json()["has_denial"] == ["Enter true or false."]


# An empty parameter or header is refused ------------------------------------------------------------


def test_the_schema_allows_no_empty_query_parameter_or_header(schema):
    allowed_empty = []
    for path, method, parameter in [*parameters(schema, "query"), *parameters(schema, "header")]:
        value = parameter["schema"]
        if value.get("type") == "string":
            empty_ok = "" in value["enum"] if "enum" in value else value.get("minLength", 0) == 0
        elif value.get("type") == "array" and parameter.get("explode") is False:  # `ordering=` is the empty list
            empty_ok = value.get("minItems", 0) == 0
        else:
            empty_ok = False  # an integer or a boolean is never the empty string
        if empty_ok:
            allowed_empty.append((method, path, parameter["name"]))

    assert allowed_empty == []


def test_every_documented_query_parameter_given_empty_is_a_400_naming_it(client_super, schema, records):
    answers = {}
    for path, method, parameter in parameters(schema, "query"):
        assert method == "get", (method, path)
        response = client_super.get(f"{url_of(path, records)}?{parameter['name']}=")
        answers[(path, parameter["name"])] = (response.status_code, parameter["name"] in response.json())

    assert len(answers) > 40  # every list's filters, pages and orderings, and the detail routes' formats
    assert {key: answer for key, answer in answers.items() if answer != (400, True)} == {}


@pytest.mark.parametrize("path", ["/api/claims/", "/api/sources/", "/api/reviews/"])
def test_an_empty_ordering_is_a_400_not_the_default_order(client_anon, path):
    make_review(make_claim())

    response = client_anon.get(f"{path}?ordering=")

    assert response.status_code == 400
    assert "ordering" in response.json()


@pytest.mark.parametrize("header", ["", " ", ",", " , "])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_if_match_naming_no_version_is_a_400_and_changes_nothing(client_super, method, header):
    source = make_source(name="Before", slug="before")
    body = {"slug": "after", "name": "After", "kind": "media"} if method != "delete" else None

    response = getattr(client_super, method)(f"/api/sources/{source.pk}/", body, HTTP_IF_MATCH=header)

    assert response.status_code == 400
    assert "If-Match" in response.json()
    assert Source.objects.filter(pk=source.pk, name="Before", version=1).exists()


def test_an_empty_if_match_is_named_even_when_the_body_is_wrong_too(client_super):
    source = make_source()

    response = client_super.put(f"/api/sources/{source.pk}/", {"kind": "not a kind"}, HTTP_IF_MATCH="")

    assert response.status_code == 400
    assert "If-Match" in response.json()


def test_the_schemas_if_match_pattern_refuses_what_the_server_refuses(schema):
    # If-Match and If-None-Match alike: each names at least one tag.
    patterns = {parameter["schema"]["pattern"] for _, _, parameter in parameters(schema, "header")}
    assert len(patterns) == 1
    pattern = re.compile(patterns.pop())

    assert [value for value in ["", " ", ",", " , \t"] if pattern.search(value)] == []
    assert all(pattern.search(value) for value in ['"3"', "3", '"2", "3"', "*", 'W/"3"'])


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_is_documented_on_every_conditional_write_and_nowhere_else(schema, method):
    documented = {
        path for path, m, parameter in parameters(schema, "header") if m == method and parameter["name"] == "If-Match"
    }
    # Every versioned record's; a token (revoked, never edited) has no version to match.
    writes = {path for path, m, _ in operations(schema) if m == method and not path.startswith("/api/tokens/")}

    assert documented == writes
    # sources, articles, topics, claims, links, reviews, appearances, webhook subscriptions
    assert len(writes) == 8
    # ... and each says it may answer 400 (an If-Match that names no version) and 412 (a stale one).
    assert all({"400", "412"} <= set(schema["paths"][path][method]["responses"]) for path in writes)


# History outlives a delete --------------------------------------------------------------------------

HISTORIES = ["sources", "articles", "topics", "claims", "links", "reviews", "appearances"]


@pytest.mark.parametrize("name", HISTORIES)
def test_the_schema_says_history_answers_after_a_delete(schema, name):
    responses = schema["paths"][f"/api/{name}/{{id}}/history/"]["get"]["responses"]

    assert "deleted" in responses["200"]["description"]
    assert "ever" in responses["404"]["description"]  # a 404 only for an id no record ever had
    description = schema["paths"][f"/api/{name}/{{id}}/history/"]["get"]["description"]
    assert "after a DELETE" in description


FRESH = {
    "sources": make_source,
    "articles": make_article,
    "topics": make_topic,
    "claims": make_claim,
    "links": lambda: make_link(make_claim(), make_claim()),
    "reviews": lambda: make_review(make_claim()),
    "appearances": lambda: Appearance.objects.create(claim=make_claim(), article=make_article()),
}


@pytest.mark.parametrize("name", HISTORIES)
def test_history_answers_after_the_record_is_deleted_with_the_deletion_first(client_super, name):
    record = FRESH[name]()  # nothing depends on it, so it can be deleted

    deleted = client_super.delete(f"/api/{name}/{record.pk}/")
    response = client_super.get(f"/api/{name}/{record.pk}/history/")

    assert deleted.status_code == 204, deleted.content
    assert client_super.get(f"/api/{name}/{record.pk}/").status_code == 404
    assert response.status_code == 200
    assert [entry["type"] for entry in response.json()["results"]] == ["deleted", "created"]


@pytest.mark.parametrize("name", HISTORIES)
def test_history_of_an_id_no_record_ever_had_is_a_404(client_anon, name):
    FRESH[name]()

    assert client_anon.get(f"/api/{name}/{10**9}/history/").status_code == 404


# Links: how a create leads to the next request ----------------------------------------------------


@pytest.mark.parametrize("name", HISTORIES)
def test_each_create_links_to_every_operation_on_the_record_it_made(schema, name):
    links = schema["paths"][f"/api/{name}/"]["post"]["responses"]["201"]["links"]
    on_the_record = {
        operation["operationId"] for path, _, operation in operations(schema) if path.startswith(f"/api/{name}/{{id}}/")
    }

    assert {link["operationId"] for link in links.values()} == on_the_record
    assert {f"{name}_retrieve", f"{name}_destroy", f"{name}_history_retrieve"} <= on_the_record
    assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links.values())


def test_the_id_a_create_links_with_is_the_record_it_made(client_super):
    created = client_super.post("/api/topics/", {"slug": "rawa", "name": "Rawa", "kind": "place"})

    assert created.status_code == 201
    assert client_super.get(f"/api/topics/{created.json()['id']}/").json()["slug"] == "rawa"


# CI's fuzz runs every check --------------------------------------------------------------------------


def test_the_fuzz_runs_every_check_but_one_each_on_a_few_kinds_of_operation():
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.config._checks import _BUILTIN_CHECK_NAMES

    config = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
    project = config.projects.get_default()
    ids = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    ok = {"200": {"description": "ok"}}
    operation = {"parameters": ids, "responses": ok}
    paths = {
        "/a/{id}/": {"get": operation},
        "/a/{id}/history/": {"get": operation},
        "/api/articles/{id}/accept/": {"post": operation},
        "/api/appearances/": {"get": {"responses": ok}, "post": {"responses": ok}},
        "/api/appearances/{id}/": dict.fromkeys(("get", "put", "patch", "delete"), operation),
        "/api/webhooks/": {"get": {"responses": ok}, "post": {"responses": ok}},
        "/api/webhooks/{id}/": dict.fromkeys(("get", "put", "patch", "delete"), operation),
    }
    api = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}, config=config
    )

    def off(path, method, phase):
        checks = project.checks_config_for(operation=api[path][method], phase=phase)
        # max_response_time needs a limit to mean anything; no other check is off unless we turned it off.
        return {
            name for name in _BUILTIN_CHECK_NAMES - {"max_response_time"} if not checks.get_by_name(name=name).enabled
        }

    for phase in ("coverage", "fuzzing", "stateful"):
        assert off("/a/{id}/", "GET", phase) == set()
        assert off("/a/{id}/history/", "GET", phase) == {"use_after_free"}
        assert off("/api/articles/{id}/accept/", "POST", phase) == {"positive_data_acceptance"}
        assert off("/api/appearances/", "POST", phase) == {"positive_data_acceptance"}
        assert off("/api/appearances/{id}/", "PATCH", phase) == {"positive_data_acceptance"}
        assert off("/api/appearances/{id}/", "PUT", phase) == {"positive_data_acceptance"}
        assert off("/api/appearances/", "GET", phase) == set()
        assert off("/api/appearances/{id}/", "DELETE", phase) == set()
        assert off("/api/webhooks/", "POST", phase) == {"positive_data_acceptance"}
        assert off("/api/webhooks/{id}/", "PUT", phase) == {"positive_data_acceptance"}
        assert off("/api/webhooks/{id}/", "PATCH", phase) == {"positive_data_acceptance"}
        assert off("/api/webhooks/", "GET", phase) == set()
        assert off("/api/webhooks/{id}/", "DELETE", phase) == set()
    # Checks named on the command line would override schemathesis.toml (and its one exemption).
    script = (ROOT / ".ci" / "fuzz").read_text()
    assert "schemathesis run" in script
    assert "--checks" not in script and "--exclude-checks" not in script


# Each action documents its own answer -------------------------------------------------------------------


def test_extracting_an_articles_drafts_answers_the_200_the_schema_documents(schema, client_super):
    # Extraction and accepting share their options; once they shared the schema too, and extract was
    # documented as accept's 201 (the fuzzer's status-code check found it).
    article = make_article(body="The ministry said on Tuesday that the road was open.", published_on="2025-06-11")
    response = client_super.post(f"/api/articles/{article.pk}/extract/")
    assert response.status_code == 200
    documented = schema["paths"]["/api/articles/{id}/extract/"]["post"]["responses"]
    assert "200" in documented and "201" not in documented
    assert "201" in schema["paths"]["/api/articles/{id}/accept/"]["post"]["responses"]
