"""The claims list and detail, built from rows (claims/api/claim_rows.py), show what ClaimSerializer shows.

ClaimSerializer defines a claim's representation and answers writes; the read path assembles
the same dictionaries without it, for speed. These tests hold the two together over every kind
of value a claim can carry, and the orjson renderer to DRF's bytes.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from claims import selectors
from claims.api.renderers import JSONRenderer
from claims.api.serializers import ClaimSerializer
from claims.models import Claim
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied():
    """Claims with every relation filled, and with each one empty; odd text; several reviews and links."""
    body = make_source(name="Popular Mobilisation Forces", kind="armed_group")
    spokesman = make_source(name="Ahmed al-Asadi", kind="person", role="spokesman", affiliation=body)
    outlet = make_source(name="al-Manar", kind="media")
    editor = make_user()
    article = make_article(title="Syria’s army\u2028and its allies", url='https://example.org/a?b=1&c="2"')
    bare_article = make_article(publisher=None, published_on=None)
    topics = [make_topic(name="Albu Kamal"), make_topic(name="Ālbū Kamāl"), make_topic(name="al-Qaim")]
    full = make_claim(
        text='الجيش السوري دخل البوكمال \U0001f600 "quoted" back\\slash \x01 control',
        quote="We did not cross.\u2029 Tab\there",
        language="ar",
        source=body,
        speaker=spokesman,
        via=outlet,
        article=article,
        topics=topics,
        created_by=editor,
        status="disputed",
        claimed_on_precision="month",
        translations=[
            {"language": "en", "text": "The Syrian army entered Albu Kamal", "quote": "", "kind": "human", "by": "R"},
            {"language": "fr", "text": "L’armée syrienne", "quote": "« Non »\u2028", "kind": "machine", "by": ""},
        ],
    )
    bare = make_claim(source=spokesman, article=bare_article, claimed_on=datetime.date(2001, 1, 1))
    plain = make_claim(source=outlet)
    make_link(bare, full, "denies", note="the spokesman's denial")
    make_link(plain, full, "supports")
    make_link(full, plain, "denies")
    make_review(full, rating="false", summary="Two reviews, newest first", reviewer=editor)
    make_review(full, rating="unproven", reviewed_on=datetime.date(2016, 1, 1))
    make_review(bare, rating="true", url="https://example.org/evidence")
    return [full, bare, plain]


def serialized(claim_id: int) -> dict:
    return ClaimSerializer(selectors.claim_list().get(pk=claim_id)).data


def test_a_claim_reads_as_the_serializer_writes_it(client_anon, varied):
    for claim in varied:
        response = client_anon.get(f"/api/claims/{claim.pk}/")
        assert response.status_code == 200
        assert response.json() == serialized(claim.pk)
        assert response["ETag"].startswith(f'"{claim.version}.')


def test_the_list_reads_as_the_serializer_writes_it(client_anon, varied, demo):
    response = client_anon.get("/api/claims/", {"page_size": 100})
    claims = response.json()["results"]
    assert [claim["id"] for claim in claims] == list(Claim.objects.values_list("id", flat=True))
    assert claims == [serialized(claim["id"]) for claim in claims]


def test_a_write_answers_with_what_a_read_shows(client_editor, varied):
    claim = varied[0]
    response = client_editor.patch(f"/api/claims/{claim.pk}/", {"status": "unverified"})
    assert response.status_code == 200
    assert response.json() == client_editor.get(f"/api/claims/{claim.pk}/").json()


def test_an_unknown_claim_is_a_404(client_anon, varied):
    for pk in (Claim.objects.order_by("-pk").first().pk + 1, 2**63 - 1):
        response = client_anon.get(f"/api/claims/{pk}/")
        assert response.status_code == 404
        assert "No Claim matches" in response.json()["detail"]


TRICKY_TEXT = [
    "plain",
    "الجيش السوري",
    "\U0001f600 emoji",
    "controls \x00 \x01 \x08 \x0c \x1f \x7f",
    'line\nbreaks\r\tand "quotes" and \\ and /',
    "separators \u2028 and \u2029",
    "\u0085 next line, \ufeff BOM, \u200b zero width",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_the_renderer_writes_drfs_bytes(text):
    data = {
        "text": text,
        "n": [1, -2, 2**63 - 1, 1.5, None, True],
        "nested": {"k": text},
        "when": datetime.date(2017, 11, 8),
    }
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_the_renderer_writes_drfs_bytes_for_times_and_big_numbers():
    moment = datetime.datetime(2017, 11, 8, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    data = {"at": moment, "big": 2**70}
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_the_renderer_indents_when_asked(client_anon, varied):
    response = client_anon.get(f"/api/claims/{varied[0].pk}/", HTTP_ACCEPT="application/json; indent=2")
    assert response.content.startswith(b'{\n  "id"')


def test_times_follow_the_current_time_zone_as_the_serializer_does(client_anon, varied):
    with timezone.override("Asia/Baghdad"):
        response = client_anon.get(f"/api/claims/{varied[0].pk}/")
        assert response.json()["created_at"].endswith("+03:00")
        assert response.json() == serialized(varied[0].pk)
