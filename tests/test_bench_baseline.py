"""The benchmark's baseline (bench/baseline.py) answers the benchmark's requests with the service's bytes.

The benchmark's ratios mean something only if both servers do the same work and send the same
answer; bench/run.py checks the bytes again on the benchmark's own data before it measures.
"""

import datetime
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection
from django.test import Client

from bench import baseline
from claims import anchoring
from claims.api.pagination import cursor_token
from claims.models import Appearance
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the baseline reads through a connection of its own
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the baseline runs on PostgreSQL only"),
]


@pytest.fixture
def baseline_app(monkeypatch):
    settings = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL", f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    monkeypatch.setattr(baseline, "_connection", None)
    yield baseline.application
    if baseline._connection is not None:
        baseline._connection.close()


def baseline_get(app, path: str) -> tuple[str, bytes]:
    environ = {"PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2], "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    answer = {}
    body = b"".join(app(environ, lambda status, headers: answer.update(status=status)))
    return answer["status"], body


@pytest.fixture
def record():
    body = make_source(name="Popular Mobilisation Forces", kind="armed_group")
    spokesman = make_source(name="Ahmed al-Asadi", kind="person", role="spokesman", affiliation=body)
    outlet = make_source(name="al-Manar", kind="media")
    editor = make_user()
    border = make_topic(slug="border", name="Syria–Iraq border")
    other = make_topic(slug="rawa", name="Rawa")
    article = make_article(title="Syria’s army\u2028and its allies", url="https://example.org/a")
    claims = []
    for i in range(120):
        claims.append(
            make_claim(
                text=f"Iraqi militia crossed the border near Albu Kamal, report {i} \U0001f600",
                quote="We did not cross.\u2029" if i % 3 else "",
                source=[body, spokesman, outlet][i % 3],
                speaker=spokesman if i % 4 == 0 else None,
                via=outlet if i % 5 == 0 else None,
                article=article if i % 2 else None,
                topics=[border, other][: 1 + i % 2],
                status=["disputed", "unverified"][i % 2],
                created_by=editor if i % 7 == 0 else None,
                claimed_on=datetime.date(2017, 1, 1) + datetime.timedelta(days=i // 4),
                # Translations, in the order jsonb does not keep: the service and the baseline both restore it.
                translations=[
                    {"by": "Reuters", "kind": "human", "quote": "", "text": f"عبرت الميليشيا {i}", "language": "ar"},
                    {
                        "language": "fr",
                        "text": f"La milice a franchi {i}",
                        "quote": "« Non »",
                        "kind": "machine",
                        "by": "",
                    },
                ][: i % 3],
            )
        )
    for i in range(0, 110, 3):
        make_link(claims[i + 1], claims[i], "denies", note="denied")
        make_review(claims[i], rating="false", reviewer=editor if i % 2 else None)
    # Appearances: anchored in the claim's own article, orphaned there, and in a second article without text.
    article.body = "Iraqi militia crossed the border, the monitor said. “We did not cross,” they said."
    article.save()
    second = make_article(title="Picked up elsewhere", publisher=None)
    for i in range(1, 120, 4):
        anchor = anchoring.describe(article.body, 0, 33) if i % 8 == 1 else None
        fields = anchor.__dict__ if anchor else {"exact": "gone", "status": "orphaned"}
        Appearance.objects.create(claim=claims[i], article=article, **fields)
        Appearance.objects.create(claim=claims[i], article=second)
    return claims


def requests(claims) -> list[str]:
    deep = sorted(claims, key=lambda c: (c.claimed_on, c.pk), reverse=True)[90]
    return [
        "/api/claims/?page_size=50",
        "/api/claims/?page_size=1",
        "/api/claims/?"
        + urlencode(
            {
                "page_size": 20,
                "status": "disputed",
                "topic": "border",
                "claimed_after": "2017-01-05",
                "claimed_before": "2017-01-25",
            }
        ),
        "/api/claims/?"
        + urlencode(
            {"page_size": 50, "cursor": cursor_token(["-claimed_on", "-id"], [deep.claimed_on.isoformat(), deep.pk])}
        ),
        "/api/claims/?" + urlencode({"page_size": 50, "q": "militia border"}),
        "/api/claims/?" + urlencode({"page_size": 50, "q": "report 17"}),
        f"/api/claims/{claims[0].pk}/",
        f"/api/claims/{claims[1].pk}/",
        f"/api/claims/{claims[0].pk}/thread/",
    ]


def test_the_baseline_sends_the_services_bytes(baseline_app, record):
    client = Client(HTTP_HOST="127.0.0.1")
    for path in requests(record):
        ours = client.get(path)
        status, theirs = baseline_get(baseline_app, path)
        assert (ours.status_code, status) == (200, "200 OK"), path
        assert ours.content == theirs, path


def test_following_next_gives_the_same_pages_from_both(baseline_app, record):
    client = Client(HTTP_HOST="127.0.0.1")
    for path in ("/api/claims/?page_size=7", "/api/claims/?page_size=9&q=militia"):
        pages = 0
        while path:
            ours = client.get(path)
            assert ours.content == baseline_get(baseline_app, path)[1], path
            path = ours.json()["next"]
            path = path and path.removeprefix("http://127.0.0.1")
            pages += 1
        assert pages > 10
