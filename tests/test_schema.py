"""The OpenAPI schema is complete enough for a generated client."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn: every field, filter and response has a type; --validate: it is valid OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["openapi"].startswith("3.")


def test_schema_is_served(client_anon):
    response = client_anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/claims/{id}/thread/" in response.json()["paths"]


def test_docs_page_uses_local_assets(client_anon):
    page = client_anon.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_claim_filters_are_documented_with_enums(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    expected = {"source", "source_kind", "via", "article", "topic", "status", "claimed_after", "claimed_before"}
    assert expected | {"has_denial", "denied_by", "q", "ordering", "cursor", "page_size"} <= set(params)
    assert set(params["status"]["schema"]["items"]["enum"]) == {
        "unverified",
        "disputed",
        "confirmed",
        "refuted",
        "retracted",
    }
    assert params["claimed_after"]["schema"]["format"] == "date"


def test_nullable_relations_and_write_ids_are_documented(schema):
    components = schema["components"]["schemas"]
    speaker = components["Claim"]["properties"]["speaker"]
    assert speaker["nullable"] is True
    assert components["ClaimRequest"]["properties"]["source"]["type"] == "integer"
    assert components["ClaimRequest"]["properties"]["topics"]["items"]["type"] == "integer"


def test_error_responses_are_documented(schema):
    paths = schema["paths"]
    assert {"400", "404"} <= set(paths["/api/claims/"]["get"]["responses"])
    assert {"201", "400", "401", "403"} <= set(paths["/api/claims/"]["post"]["responses"])
    assert {"204", "401", "403", "404", "409"} <= set(paths["/api/claims/{id}/"]["delete"]["responses"])
    assert {"200", "400", "404", "409"} <= set(paths["/api/claims/{id}/"]["patch"]["responses"])


def test_public_reads_are_documented_as_open_and_writes_as_authenticated(schema):
    paths = schema["paths"]
    for path in ("/api/claims/", "/api/claims/{id}/", "/api/claims/{id}/thread/", "/api/sources/{id}/history/"):
        assert {} in paths[path]["get"]["security"], path
    assert {} in paths["/api/auth/token/"]["post"]["security"]
    for path, method in (("/api/claims/", "post"), ("/api/claims/{id}/", "patch"), ("/api/links/{id}/", "delete")):
        assert {} not in paths[path][method]["security"], (path, method)


def test_history_is_documented_as_a_page_of_revisions(schema):
    response = schema["paths"]["/api/claims/{id}/history/"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"count", "next", "previous", "results"}


def test_conditional_writes_are_documented(schema):
    patch = schema["paths"]["/api/claims/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert "412" in patch["responses"]
    assert "ETag" in schema["paths"]["/api/claims/{id}/"]["get"]["responses"]["200"]["headers"]
