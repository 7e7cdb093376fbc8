"""The schema is the whole contract: what /api/schema/ says a request may be is what the server does.

Rules that Schemathesis with all its checks (.ci/fuzz) holds us to, pinned here one by one.
"""

import django_filters
import pytest
from drf_spectacular.generators import SchemaGenerator

from claims.api import views
from tests.factories import make_claim, make_link

pytestmark = pytest.mark.django_db

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
