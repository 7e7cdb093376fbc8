"""Each list endpoint runs a fixed number of queries, whatever the page size."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import anchoring
from claims.models import Appearance, Claim
from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic

pytestmark = pytest.mark.django_db

# Every read first asks the database for its state, which names the answer in its ETag
# (claims.api.conditional): one small query, and all a 304 costs.
STATE = 1


@pytest.fixture
def record():
    """Sixty claims, each with every relation a claim can render filled in."""
    parent = make_source()
    article = make_article(body="Sixty claims were made here. " * 60)
    elsewhere = make_article()
    topics = [make_topic(), make_topic()]
    claims = []
    for _ in range(60):
        claims.append(
            make_claim(
                source=make_source(affiliation=parent),
                speaker=make_source(affiliation=parent),
                via=make_source(affiliation=parent),
                article=article,
                topics=topics,
            )
        )
    for n, claim in enumerate(claims):
        anchor = anchoring.describe(article.body, 29 * n, 29 * n + 28)
        Appearance.objects.create(claim=claim, article=article, **anchor.__dict__)
        Appearance.objects.create(claim=claim, article=elsewhere)
    for older, newer in itertools.pairwise(claims):
        make_link(newer, older, "denies")
        make_review(older)
    return claims


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # the page of claims with its creator joined (no count: keyset pages), then one batch each: sources
        # (+ affiliation), articles (+ publisher), topics, reviews (+ reviewer), appearances (+ article, publisher),
        # links out, links in (+ claim, source)
        ("/api/claims/", STATE + 8),
        # count, sources with affiliation joined and claim count as a subquery
        ("/api/sources/", STATE + 2),
        # count, articles with publisher joined
        ("/api/articles/", STATE + 2),
        # count, topics with claim count as a subquery
        ("/api/topics/", STATE + 2),
        # count, links with both claims and their sources joined
        ("/api/links/", STATE + 2),
        # count, reviews with claim, its source and reviewer joined
        ("/api/reviews/", STATE + 2),
        # count, appearances with claim, its source, article and publisher joined
        ("/api/appearances/", STATE + 2),
    ],
)
@pytest.mark.parametrize("page_size", [1, 50])
def test_list_query_count_is_fixed(record, client_anon, django_assert_num_queries, url, queries, page_size):
    with django_assert_num_queries(queries):
        response = client_anon.get(url, {"page_size": page_size})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(page_size, body["count"] if "count" in body else Claim.objects.count())


def test_filtered_claim_list_query_count_is_fixed(record, client_anon, django_assert_num_queries):
    # The filters are conditions in the page query's WHERE clause, not queries of their own.
    with django_assert_num_queries(STATE + 8):
        response = client_anon.get(
            "/api/claims/",
            {"page_size": 50, "has_denial": "true", "status": "unverified", "claimed_after": "2017-01-01"},
        )
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize(
    "url", ["/api/claims/", "/api/claims/?q=claim+number&status=unverified", "/api/sources/", "/api/claimreview/"]
)
def test_a_304_costs_the_state_query_alone(record, client_anon, django_assert_num_queries, url):
    tag = client_anon.get(url)["ETag"]
    # the database's state, compared with the one the tag names: no count, no page, no batch
    with django_assert_num_queries(STATE):
        response = client_anon.get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304


def test_page_size_is_capped_at_100(client_anon):
    source = make_source()
    Claim.objects.bulk_create(
        Claim(text=f"c{i}", source=source, claimed_on=datetime.date(2017, 1, 1)) for i in range(105)
    )
    response = client_anon.get("/api/claims/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None


@pytest.mark.parametrize("page_size", [1, 50])
def test_search_runs_as_many_queries_as_the_plain_list(record, client_anon, django_assert_num_queries, page_size):
    with django_assert_num_queries(STATE + 8):
        response = client_anon.get("/api/claims/", {"q": "claim number", "page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


def test_a_status_filter_reads_the_page_without_sorting_every_match(record, client_anon):
    # DISTINCT over a page's columns made PostgreSQL sort every claim of the status, not read 50 in order.
    with CaptureQueriesContext(connection) as queries:
        response = client_anon.get("/api/claims/", {"status": ["unverified", "disputed"], "page_size": 5})
    assert len(response.json()["results"]) == 5
    assert "DISTINCT" not in queries.captured_queries[STATE]["sql"].upper()


@pytest.fixture
def every_kind_of_change():
    """Thirty rounds of changes, each round to every kind of record: any page of the feed holds them all."""
    parent = make_source()
    for _ in range(30):
        article = make_article(publisher=make_source(affiliation=parent), body="A claim was made here.")
        claim = make_claim(source=make_source(affiliation=parent), article=article, topics=[make_topic()])
        make_link(claim, make_claim(source=claim.source), "denies")
        make_review(claim)
        Appearance.objects.create(claim=claim, article=article, **anchoring.describe(article.body, 0, 7).__dict__)


@pytest.mark.parametrize("page_size", [20, 100])
def test_change_feed_query_count_is_fixed(every_kind_of_change, client_anon, django_assert_num_queries, page_size):
    after = (
        client_anon.get("/api/changes/", {"page_size": 5})
        .json()["next"]
        .replace("page_size=5", f"page_size={page_size}")
    )
    # the database state (the ETag); on PostgreSQL, whether the record holds changes from another cluster (a
    # restored dump); whether the cursor's change is still kept; the page of changes with their authors'
    # profiles joined; then the records, one batch per kind: claims (the claim list's 8: the page, sources,
    # articles, topics, reviews, appearances, links out, links in), sources, articles, topics, links,
    # reviews, appearances
    restored = 1 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(STATE + restored + 2 + 8 + 6):
        response = client_anon.get(after)
    entries = response.json()["results"]
    assert len(entries) == page_size
    assert {entry["type"].split(".")[0] for entry in entries} == {
        "claim",
        "source",
        "article",
        "topic",
        "link",
        "review",
        "appearance",
    }


@pytest.mark.parametrize("page_size", [1, 50])
def test_webhook_lists_query_counts_are_fixed(client_anon, django_assert_num_queries, page_size):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from claims.webhooks.models import Attempt, Delivery, Subscription
    from tests.factories import make_user

    owner = make_user("owner", groups=["senior editors"])
    topic, source = make_topic(), make_source(affiliation=make_source())
    for n in range(60):
        subscription = Subscription.objects.create(
            owner=owner, url=f"https://93.184.215.14/{n}", event_types=["claim.*"], topic=topic, source=source
        )
    for n in range(60):
        delivery = Delivery.objects.create(
            subscription=subscription,
            change_id=n + 1,
            event_type="claim.updated",
            subject="1",
            event_time=timezone.now(),
            next_attempt_at=timezone.now(),
        )
        for number in (1, 2):
            Attempt.objects.create(delivery=delivery, number=number, started_at=timezone.now(), latency_ms=5)
    assert not DBTaskResult.objects.exists()
    client_anon.force_authenticate(owner)

    # the database state (the list's ETag), the owner's permissions (two: the user's own, the groups'), count,
    # the subscriptions with owner (+ profile), topic and source (+ affiliation) joined
    with django_assert_num_queries(STATE + 4):
        response = client_anon.get(f"/api/webhooks/?page_size={page_size}")
    assert len(response.data["results"]) == page_size
    client_anon.force_authenticate(type(owner).objects.get(pk=owner.pk))  # permissions not yet read, as per request
    # the database state (the ETag), the owner's permissions (two), the subscription, count, the deliveries,
    # their attempts in one batch
    with django_assert_num_queries(STATE + 6):
        response = client_anon.get(f"/api/webhooks/{subscription.pk}/deliveries/?page_size={page_size}")
    assert len(response.data["results"]) == page_size
    assert [a["number"] for a in response.data["results"][0]["attempts"]] == [1, 2]
