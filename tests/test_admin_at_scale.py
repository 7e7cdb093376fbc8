"""The editors' pages cost the same with one row as with many: query counts, counts, dates, deep pages."""

import datetime

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.admin import ClaimAdmin, scale
from claims.models import Claim
from tests.factories import (
    admin_client,
    make_article,
    make_claim,
    make_link,
    make_review,
    make_source,
    make_topic,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2017, 11, 8)


def add_claims(n, topic, first=None):
    """`n` claims with every relation filled in, each denying the one before, in two languages and on two
    days of November 2017 (alternating, so that any four hold every pair of them)."""
    parent = make_source()
    claims = [first] if first else []
    for i in range(n):
        claim = make_claim(
            text=f"Militias crossed the border near Albu Kamal, report {i}",
            source=make_source(affiliation=parent),
            speaker=make_source(affiliation=parent),
            via=make_source(),
            article=make_article(published_on=DAY),
            claimed_on=DAY + datetime.timedelta(days=(i // 2) % 2),
            language=["en", "ar"][i % 2],
            topics=[topic],
        )
        if claims:
            make_link(claim, claims[-1], "denies")
        make_review(claim, reviewed_on=DAY)
        claims.append(claim)
    return claims


def pages(claim, topic):
    """Every page an editor opens, with each list filter, search, the date hierarchy and a second page."""
    changelist = reverse("admin:claims_claim_changelist")
    autocomplete = reverse("admin:autocomplete") + "?app_label=claims&term=report&model_name="
    return [
        changelist,
        changelist + "?q=militias+border",
        changelist + "?status__exact=unverified",
        changelist + "?source__kind__exact=media",
        changelist + f"?topic={topic.slug}",
        changelist + "?has_denial=yes",
        changelist + "?has_review=no",
        changelist + "?claimed_on_precision__exact=day",
        changelist + "?language=ar",
        changelist + "?claimed_on__year=2017",
        changelist + "?claimed_on__year=2017&claimed_on__month=11",
        changelist + "?claimed_on__year=2017&claimed_on__month=11&claimed_on__day=8",
        changelist + "?p=2",
        reverse("admin:claims_claim_change", args=[claim.pk]),
        reverse("admin:claims_claim_add"),
        reverse("admin:claims_claim_history", args=[claim.pk]),
        reverse("admin:claims_source_changelist"),
        reverse("admin:claims_article_changelist"),
        reverse("admin:claims_article_changelist") + "?published_on__year=2017",
        reverse("admin:claims_topic_changelist"),
        reverse("admin:claims_claimlink_changelist"),
        reverse("admin:claims_review_changelist"),
        reverse("admin:claims_review_changelist") + "?reviewed_on__year=2017",
        reverse("admin:auth_user_changelist"),
        autocomplete + "claimlink&field_name=to_claim",
        autocomplete + "claim&field_name=source",
        autocomplete + "claim&field_name=topics",
        autocomplete + "claim&field_name=article",
    ]


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch, request):
    # 120 claims make several pages of 50, with counts above the limit (estimated on PostgreSQL).
    monkeypatch.setattr(ClaimAdmin, "list_per_page", 50)
    monkeypatch.setattr(scale, "EXACT_COUNT_LIMIT", 60)
    if "four_rows" in request.node.name:
        # Pages of one row make the small record a list of several pages too (a page past the first
        # costs a query), and no count is estimated (an estimate costs one): like for like.
        for model_admin in site._registry.values():
            monkeypatch.setattr(model_admin, "list_per_page", 1)
        monkeypatch.setattr(scale, "EXACT_COUNT_LIMIT", 10_000)


def test_every_admin_page_runs_as_many_queries_with_four_rows_as_with_many():
    # Four claims, not one: the language filter and the date hierarchy run one short query per value
    # they offer (each language, each day), so the small record holds both languages on both days.
    client = admin_client(is_superuser=True)
    topic = make_topic()
    claims = add_claims(4, topic)
    urls = pages(claims[0], topic)
    for url in urls:  # Django caches content types and permissions in memory after a first use
        queries(client, url)
    with_four = {url: queries(client, url) for url in urls}

    add_claims(120, topic, first=claims[-1])

    with_many = {url: queries(client, url) for url in urls}
    assert with_many == with_four


def test_the_claims_list_runs_a_query_per_value_offered_not_per_row():
    client = admin_client(is_superuser=True)
    topic = make_topic()
    add_claims(4, topic)
    url = reverse("admin:claims_claim_changelist")
    before = queries(client, url)

    make_claim(language="fr", claimed_on=DAY)  # a third language: one more seek for the language filter

    assert queries(client, url) == before + 1


def test_a_count_past_the_limit_is_an_estimate_said_as_one_and_its_pages_are_served():
    client = admin_client(is_superuser=True)
    add_claims(121, make_topic())
    page = client.get(reverse("admin:claims_claim_changelist"))
    cl = page.context["cl"]
    if connection.vendor == "postgresql":
        assert cl.paginator.estimated and cl.result_count > scale.EXACT_COUNT_LIMIT
        assert "about " in page.content.decode()
    else:  # SQLite has no planner estimate to take: the count is exact
        assert cl.result_count == 121 and not cl.paginator.estimated
    # A page past the counted ones is served, with the claims that are really there.
    third = client.get(reverse("admin:claims_claim_changelist") + "?p=3")
    assert third.status_code == 200
    expected = list(Claim.objects.order_by("-claimed_on", "-id").values_list("pk", flat=True)[100:150])
    assert [claim.pk for claim in third.context["cl"].result_list] == expected


def test_a_count_within_the_limit_is_exact():
    client = admin_client(is_superuser=True)
    add_claims(7, make_topic())
    page = client.get(reverse("admin:claims_claim_changelist"), {"language": "ar"})
    assert page.context["cl"].result_count == 3 and not page.context["cl"].paginator.estimated
    assert "about " not in page.content.decode()


def test_deep_pages_hold_the_claims_the_ordering_puts_there():
    client = admin_client(is_superuser=True)
    add_claims(120, make_topic())
    for ordering, page_number in [("", 2), ("?o=3", 3), ("?o=-1", 2)]:
        url = reverse("admin:claims_claim_changelist") + (ordering or "?") + f"&p={page_number}"
        cl = client.get(url).context["cl"]
        everything = list(cl.queryset.values_list("pk", flat=True))
        start = (page_number - 1) * 50
        assert [claim.pk for claim in cl.result_list] == everything[start : start + 50]


@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_the_dates_in_use_are_those_django_lists(kind):
    for day in ["2015-03-02", "2017-11-08", "2017-11-09", "2017-12-31", "2018-01-01", "2021-06-15"]:
        make_claim(claimed_on=datetime.date.fromisoformat(day))
    claims = Claim.objects.all()
    assert scale.values_in_use(claims, "claimed_on", period=kind) == list(claims.dates("claimed_on", kind))
    only_2017 = claims.filter(claimed_on__year=2017)
    assert scale.values_in_use(only_2017, "claimed_on", period=kind) == list(only_2017.dates("claimed_on", kind))


def test_the_date_hierarchy_offers_the_years_and_months_in_use():
    client = admin_client(is_superuser=True)
    for day in ["2016-05-01", "2017-11-08", "2017-12-01"]:
        make_claim(claimed_on=datetime.date.fromisoformat(day))
    page = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "claimed_on__year=2016" in page and "claimed_on__year=2017" in page
    assert "claimed_on__year=2015" not in page
    months = client.get(reverse("admin:claims_claim_changelist"), {"claimed_on__year": 2017}).content.decode()
    assert "claimed_on__month=11" in months and "claimed_on__month=12" in months
    assert "claimed_on__month=10" not in months


def test_the_language_filter_offers_the_languages_in_use():
    client = admin_client(is_superuser=True)
    for language in ["fr", "ar", "fr", "ru"]:
        make_claim(language=language)
    cl = client.get(reverse("admin:claims_claim_changelist")).context["cl"]
    (language_filter,) = [f for f in cl.filter_specs if getattr(f, "parameter_name", None) == "language"]
    assert [value for value, _ in language_filter.lookup_choices] == ["ar", "fr", "ru"]


def test_the_topic_filter_offers_every_topic_and_finds_its_claims():
    client = admin_client(is_superuser=True)
    used, unused = make_topic(name="Albu Kamal"), make_topic(name="Raqqa")
    about = make_claim(topics=[used])
    make_claim()
    cl = client.get(reverse("admin:claims_claim_changelist"), {"topic": used.slug}).context["cl"]
    (topic_filter,) = [f for f in cl.filter_specs if getattr(f, "parameter_name", None) == "topic"]
    assert [slug for slug, _ in topic_filter.lookup_choices] == [used.slug, unused.slug]
    assert list(cl.result_list) == [about]
    none = client.get(reverse("admin:claims_claim_changelist"), {"topic": "no-such-topic"}).context["cl"]
    assert list(none.result_list) == []


def test_a_page_far_past_an_estimate_is_refused_not_a_server_error():
    client = admin_client(is_superuser=True)
    add_claims(121, make_topic())
    for page in ["9999", str(2**64)]:
        response = client.get(reverse("admin:claims_claim_changelist"), {"p": page})
        assert response.status_code == 302 and "e=1" in response["Location"]
