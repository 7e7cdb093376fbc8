"""A crash in the middle of a multi-object write leaves all or nothing, in the API and the admin."""

import pytest
from django.db.models import QuerySet
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink, ClaimTopic
from tests.factories import admin_client, make_claim, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: a rollback must undo them


class Crash(Exception):
    pass


@pytest.fixture
def crash_on_topics(monkeypatch):
    """Saving a claim's topics fails, after the claim row itself was written."""
    bulk_create = QuerySet.bulk_create

    def failing(self, objs, *args, **kwargs):
        if self.model is ClaimTopic:
            raise Crash("the process died while saving topics")
        return bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)


def record_state():
    return (
        list(Claim.objects.values_list("pk", "text", "version")),
        list(ClaimTopic.objects.values_list("claim_id", "topic_id")),
        list(ClaimLink.objects.values_list("pk")),
        Claim.history.count(),
    )


def test_an_api_create_that_crashes_midway_leaves_nothing(crash_on_topics):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(make_user(is_superuser=True))
    source, topic = make_source(), make_topic()
    before = record_state()

    response = client.post(
        "/api/claims/", {"text": "t", "source": source.pk, "claimed_on": "2017-11-08", "topics": [topic.pk]}
    )

    assert response.status_code == 500
    assert record_state() == before


def test_an_api_update_that_crashes_midway_changes_nothing(crash_on_topics):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(make_user(is_superuser=True))
    claim = make_claim(text="before")
    before = record_state()

    response = client.patch(f"/api/claims/{claim.pk}/", {"text": "after", "topics": [make_topic().pk]})

    assert response.status_code == 500
    assert record_state() == before


def test_an_admin_save_that_crashes_in_an_inline_leaves_nothing(monkeypatch):
    target = make_claim()
    source = make_source()
    before = record_state()

    def crash(self, *args, **kwargs):
        raise Crash("the process died while saving a link")

    monkeypatch.setattr(ClaimLink, "save", crash)
    client = admin_client(is_superuser=True)
    client.raise_request_exception = False
    data = {
        "text": "A new claim with a denial",
        "language": "en",
        "status": "unverified",
        "source": source.pk,
        "claimed_on": "2017-11-08",
        "claimed_on_precision": "day",
        "links_out-TOTAL_FORMS": "1",
        "links_out-INITIAL_FORMS": "0",
        "links_out-0-relation": "denies",
        "links_out-0-to_claim": target.pk,
        "links_in-TOTAL_FORMS": "0",
        "links_in-INITIAL_FORMS": "0",
        "reviews-TOTAL_FORMS": "0",
        "reviews-INITIAL_FORMS": "0",
        "appearances-TOTAL_FORMS": "0",
        "appearances-INITIAL_FORMS": "0",
    }

    response = client.post("/admin/claims/claim/add/", data)

    assert response.status_code == 500
    assert record_state() == before
