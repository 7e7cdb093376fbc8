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


def test_unknown_parameters_are_ignored(client_anon):
    make_claim()
    response = client_anon.get("/api/claims/?unknown=1")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("ordering", ["password", "source__created_by__password", "-", "claimed_on,password", "text"])
def test_unknown_ordering_fields_are_a_400_listing_the_known_ones(client_anon, ordering):
    make_claim()
    response = client_anon.get("/api/claims/", {"ordering": ordering})
    assert response.status_code == 400
    assert "claimed_on" in response.json()["ordering"][0]


def test_ordering_takes_several_fields(client_anon):
    older, newer = make_claim(claimed_on="2017-01-01"), make_claim(claimed_on="2017-06-01")
    response = client_anon.get("/api/claims/", {"ordering": "claimed_on,-created_at"})
    assert [claim["id"] for claim in response.json()["results"]] == [older.pk, newer.pk]


@pytest.mark.parametrize(
    "query",
    ["page=1&page=2", "page_size=5&page_size=6", "q=a&q=b", "source=x&source=y"],
)
def test_a_single_valued_parameter_given_twice_is_a_400(client_anon, query):
    response = client_anon.get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_a_list_parameter_may_be_repeated(client_anon):
    disputed = make_claim(status="disputed")
    make_claim(status="unverified")
    response = client_anon.get("/api/claims/?status=disputed&status=retracted")
    assert [claim["id"] for claim in response.json()["results"]] == [disputed.pk]


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page_size=abc", "page_size=0", "page_size=-3", "page=1.5"])
def test_a_malformed_page_or_page_size_is_a_400_naming_it(client_anon, query):
    response = client_anon.get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("date", ["2017-1-8", "11/08/2017", "2017-02-30", "20171108"])
def test_dates_must_be_written_yyyy_mm_dd(client_anon, client_editor, date):
    source = make_source()
    assert client_anon.get("/api/claims/", {"claimed_after": date}).status_code == 400
    response = client_editor.post("/api/claims/", {"text": "t", "source": source.pk, "claimed_on": date})
    assert response.status_code == 400
    assert "claimed_on" in response.json()


def test_a_detail_url_ignores_list_filters(client_anon):
    claim = make_claim(status="unverified")
    assert client_anon.get(f"/api/claims/{claim.pk}/", {"status": "disputed", "ordering": "nope"}).status_code == 200


def test_unknown_api_paths_are_a_json_404(client_anon):
    for path in ("/api/nothing/", "/api/claims/1.5/thread/", "/api/claims/abc/"):
        response = client_anon.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_sql_looking_filter_values_are_just_text(client_anon):
    make_claim(text="plain")
    response = client_anon.get("/api/claims/", {"q": "' OR 1=1 --", "source": "x' OR '1'='1"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_page_past_the_end_is_a_404(client_anon):
    make_source()
    assert client_anon.get("/api/sources/?page=999").status_code == 404


def test_claims_have_no_page_numbers_and_say_so(client_anon):
    make_claim()
    response = client_anon.get("/api/claims/?page=2")
    assert response.status_code == 400
    assert "next" in response.json()["page"][0]


def test_an_invalid_put_changes_nothing(client_editor):
    source = make_source(name="Before")
    response = client_editor.put(f"/api/sources/{source.pk}/", {"slug": "bad slug", "name": "After", "kind": "media"})
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.name == "Before"
    assert Source.objects.count() == 1


@pytest.mark.parametrize("path", ["/api/claims/", "/api/reviews/", "/api/claimreview/"])
def test_an_empty_format_is_a_400_naming_it(client_anon, path):
    response = client_anon.get(path, {"format": ""})
    assert response.status_code == 400
    assert "format" in response.json()
