"""Bad input gets a 4xx naming the problem, never a 500, and writes nothing."""

import pytest

from claims.models import Claim, Source
from tests.factories import make_claim, make_source

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "unterminated',
        b"not json at all",
        b'{"text": "a", }',
    ],
)
def test_malformed_json_is_a_400(client_editor, body):
    response = client_editor.generic("POST", "/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Claim.objects.exists()


def test_an_empty_body_names_the_required_fields(client_editor):
    response = client_editor.generic("POST", "/api/claims/", b"", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"text", "source", "claimed_on"}


def test_a_json_array_instead_of_an_object_is_a_400(client_editor):
    response = client_editor.post("/api/claims/", [1, 2], format="json")
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_an_unsupported_content_type_is_a_415(client_editor):
    response = client_editor.generic("POST", "/api/claims/", b"<claim/>", content_type="application/xml")
    assert response.status_code == 415
    assert not Claim.objects.exists()


def test_a_lone_surrogate_in_a_string_is_a_400(client_editor):
    source = make_source()
    body = b'{"text": "bad \\ud800 text", "source": %d, "claimed_on": "2017-11-08"}' % source.pk
    response = client_editor.generic("POST", "/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_a_nul_byte_in_a_string_is_a_400_naming_the_field(client_editor):
    source = make_source()
    response = client_editor.post("/api/claims/", {"text": "a\x00b", "source": source.pk, "claimed_on": "2017-11-08"})
    assert response.status_code == 400
    assert "text" in response.json()
    assert not Claim.objects.exists()


@pytest.mark.parametrize("query", ["q=%00", "source=a%00b", "ordering=%00", "x%00=1"])
def test_a_nul_byte_in_a_query_is_a_400(client_anon, query):
    make_claim()
    assert client_anon.get(f"/api/claims/?{query}").status_code == 400


@pytest.mark.parametrize("claimed_on", ["0000-01-01", "10000-01-01", "2017-11-32", "-1-01-01"])
def test_dates_out_of_range_are_a_400(client_editor, claimed_on):
    source = make_source()
    response = client_editor.post("/api/claims/", {"text": "t", "source": source.pk, "claimed_on": claimed_on})
    assert response.status_code == 400
    assert "claimed_on" in response.json()


@pytest.mark.parametrize("value", [10**30, -1, 0, 1.5, True, "1; DROP TABLE claims_claim"])
def test_odd_ids_for_a_relation_are_a_400(client_editor, value):
    response = client_editor.post("/api/claims/", {"text": "t", "source": value, "claimed_on": "2017-11-08"})
    assert response.status_code == 400
    assert "source" in response.json()
    assert not Claim.objects.exists()


def test_text_over_its_maximum_length_is_a_400(client_editor):
    source = make_source()
    response = client_editor.post("/api/claims/", {"text": "x" * 2001, "source": source.pk, "claimed_on": "2017-11-08"})
    assert response.status_code == 400
    assert "2000" in response.json()["text"][0]


def test_arabic_and_mixed_direction_text_round_trips_exactly(client_editor, client_anon):
    source = make_source()
    text = "قال المتحدث أحمد الأسدي: \u202b«ليست لدينا أوامر بعبور الحدود»\u202c (PMF, 2017)"
    response = client_editor.post("/api/claims/", {"text": text, "source": source.pk, "claimed_on": "2017-11-08"})
    assert response.status_code == 201
    assert client_anon.get(f"/api/claims/{response.json()['id']}/").json()["text"] == text


@pytest.mark.parametrize("query", ["ordering=password", "ordering=source__created_by__password", "unknown=1"])
def test_unknown_parameters_and_ordering_fields_are_ignored(client_anon, query):
    make_claim()
    response = client_anon.get(f"/api/claims/?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_sql_looking_filter_values_are_just_text(client_anon):
    make_claim(text="plain")
    response = client_anon.get("/api/claims/", {"q": "' OR 1=1 --", "source": "x' OR '1'='1"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_page_past_the_end_is_a_404(client_anon):
    make_claim()
    assert client_anon.get("/api/claims/?page=999").status_code == 404


def test_an_invalid_put_changes_nothing(client_editor):
    source = make_source(name="Before")
    response = client_editor.put(f"/api/sources/{source.pk}/", {"slug": "bad slug", "name": "After", "kind": "media"})
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.name == "Before"
    assert Source.objects.count() == 1
