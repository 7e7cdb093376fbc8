"""The topic filter: the same claims on both databases, and on PostgreSQL an index kept current by triggers."""

import pytest
from django.db import connection

from claims.models import ClaimTopic
from tests.factories import make_claim, make_topic

pytestmark = pytest.mark.django_db


def topic_ids_agree() -> bool:
    """Every claim's stored topic_ids (migration 0006) are its claim-topic rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM claims_claim c WHERE c.topic_ids IS DISTINCT FROM coalesce("
            "(SELECT array_agg(ct.topic_id ORDER BY ct.topic_id) FROM claims_claimtopic ct WHERE ct.claim_id = c.id),"
            " '{}')"
        )
        return cursor.fetchone()[0] == 0


def listed(client, **params) -> list[int]:
    response = client.get("/api/claims/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def test_the_topic_filter_follows_every_change_of_topics(client_anon, client_editor):
    border, rawa, other = make_topic(slug="border"), make_topic(slug="rawa"), make_topic(slug="other")
    first = make_claim(topics=[border])
    second = make_claim(topics=[border, rawa])
    make_claim()
    assert sorted(listed(client_anon, topic="border")) == sorted([first.pk, second.pk])

    # Through the API, the ORM's m2m methods, and a bulk delete by topic.
    assert client_editor.patch(f"/api/claims/{first.pk}/", {"topics": [rawa.pk]}).status_code == 200
    second.topics.add(other)
    assert listed(client_anon, topic="border") == [second.pk]
    assert sorted(listed(client_anon, topic="rawa")) == sorted([first.pk, second.pk])
    ClaimTopic.objects.filter(topic=rawa).delete()
    assert listed(client_anon, topic="rawa") == []
    assert listed(client_anon, topic="other") == [second.pk]
    assert listed(client_anon, topic="nothing-by-this-slug") == []
    if connection.vendor == "postgresql":
        assert topic_ids_agree()


def test_a_topic_combines_with_the_other_filters(client_anon):
    border = make_topic(slug="border")
    wanted = make_claim(topics=[border], status="disputed", claimed_on="2017-11-08")
    make_claim(topics=[border], status="unverified", claimed_on="2017-11-08")
    make_claim(topics=[border], status="disputed", claimed_on="2016-01-01")
    make_claim(status="disputed", claimed_on="2017-11-08")
    assert listed(client_anon, topic="border", status="disputed", claimed_after="2017-01-01") == [wanted.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="topic_ids is PostgreSQL's (CI runs this there)")
def test_claims_written_in_bulk_get_their_topic_ids(client_anon):
    topics = [make_topic(), make_topic()]
    claims = [make_claim() for _ in range(5)]
    ClaimTopic.objects.bulk_create(ClaimTopic(claim=c, topic=t) for c in claims for t in topics)
    assert topic_ids_agree()
    assert sorted(listed(client_anon, topic=topics[1].slug)) == sorted(c.pk for c in claims)
