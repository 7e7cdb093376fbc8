"""The admin: every page renders, and an editor can record a claim and its denial there."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.diagram import format_claim_date
from claims.models import Claim, ClaimLink, Source
from tests.factories import (
    logged_in,
    make_article,
    make_claim,
    make_link,
    make_review,
    make_source,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

MODELS = ["source", "article", "topic", "claim", "claimlink", "review"]


@pytest.fixture
def record():
    source = make_source(affiliation=make_source())
    claim = make_claim(source=source, article=make_article(), topics=[make_topic()])
    denial = make_claim()
    link = make_link(denial, claim)
    review = make_review(claim)
    return {
        "source": source,
        "article": claim.article,
        "topic": claim.topics.get(),
        "claim": claim,
        "claimlink": link,
        "review": review,
    }


@pytest.fixture
def admin_client_super():
    return logged_in(make_user("root", is_superuser=True, is_staff=True))


@pytest.fixture
def admin_client_editor():
    return logged_in(make_user("ed", groups=["editors"], is_staff=True))


@pytest.mark.parametrize("model", MODELS)
def test_changelist_add_and_change_pages_render(admin_client_super, record, model):
    obj = record[model]
    for url in (
        reverse(f"admin:claims_{model}_changelist"),
        reverse(f"admin:claims_{model}_add"),
        reverse(f"admin:claims_{model}_change", args=[obj.pk]),
    ):
        response = admin_client_super.get(url)
        assert response.status_code == 200, url


def test_claims_changelist_search_covers_text_quote_source_and_article(admin_client_super):
    by_text = make_claim(text="Militias crossed the border")
    by_quote = make_claim(quote="We have no orders to cross the borders")
    by_source = make_claim(source=make_source(name="Border Monitor"))
    by_article = make_claim(article=make_article(title="On the border"))
    make_claim(text="Unrelated")
    response = admin_client_super.get(reverse("admin:claims_claim_changelist"), {"q": "border"})
    assert set(response.context["cl"].queryset) == {by_text, by_quote, by_source, by_article}


@pytest.mark.parametrize(
    ("model", "term", "field"), [("source", "Mobilisation", "name"), ("topic", "Daesh", "aliases")]
)
def test_sources_and_topics_are_found_by_name_or_alias(admin_client_super, model, term, field):
    target = make_source(name="Popular Mobilisation Forces") if model == "source" else make_topic(aliases=["Daesh"])
    (make_source if model == "source" else make_topic)()
    response = admin_client_super.get(reverse(f"admin:claims_{model}_changelist"), {"q": term})
    assert list(response.context["cl"].queryset) == [target]


def test_claim_changelist_shows_denial_counts_and_filters(admin_client_super, record):
    url = reverse("admin:claims_claim_changelist")
    denied = admin_client_super.get(url, {"has_denial": "yes"})
    assert list(denied.context["cl"].queryset) == [record["claim"]]
    assert denied.context["cl"].result_list[0].denial_count == 1
    by_status = admin_client_super.get(url, {"status__exact": "refuted"})
    assert list(by_status.context["cl"].queryset) == []
    ngo_claim = make_claim(source=make_source(kind="ngo"))
    by_kind = admin_client_super.get(url, {"source__kind__exact": "ngo"})
    assert list(by_kind.context["cl"].queryset) == [ngo_claim]


def test_editor_records_a_claim_with_a_topic_and_a_denial_from_the_claim_form(admin_client_editor):
    report = make_claim(text="Iraqi militias crossed into Syria")
    pmf = make_source(slug="pmf", name="PMF")
    topic = make_topic()
    data = {
        "text": "The PMF has not crossed the border",
        "quote": "We have no orders to cross the borders.",
        "language": "en",
        "status": "unverified",
        "source": pmf.pk,
        "claimed_on": "2017-11-08",
        "claimed_on_precision": "day",
        "topics": [topic.pk],
        "links_out-TOTAL_FORMS": "1",
        "links_out-INITIAL_FORMS": "0",
        "links_out-0-to_claim": report.pk,
        "links_out-0-relation": "denies",
        "links_out-0-note": "PMF denial",
        "links_in-TOTAL_FORMS": "0",
        "links_in-INITIAL_FORMS": "0",
        "reviews-TOTAL_FORMS": "0",
        "reviews-INITIAL_FORMS": "0",
        "appearances-TOTAL_FORMS": "0",
        "appearances-INITIAL_FORMS": "0",
    }
    response = admin_client_editor.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    claim = Claim.objects.get(source=pmf)
    assert claim.created_by.username == "ed"
    assert list(claim.topics.all()) == [topic]
    assert ClaimLink.objects.filter(from_claim=claim, to_claim=report, relation="denies").exists()


def test_admin_refuses_a_self_link_with_a_message(admin_client_super, record):
    claim = record["claim"]
    response = admin_client_super.post(
        reverse("admin:claims_claimlink_add"), {"from_claim": claim.pk, "to_claim": claim.pk, "relation": "denies"}
    )
    assert response.status_code == 200
    assert "A claim cannot be linked to itself." in response.content.decode()


def test_admin_refuses_to_delete_a_source_in_use(admin_client_super, record):
    source = record["source"]
    url = reverse("admin:claims_source_delete", args=[source.pk])
    page = admin_client_super.get(url)
    assert "protected" in page.content.decode()
    admin_client_super.post(url, {"post": "yes"})
    assert Source.objects.filter(pk=source.pk).exists()


def test_editors_see_no_delete_in_the_admin(admin_client_editor, record):
    url = reverse("admin:claims_claim_delete", args=[record["claim"].pk])
    assert admin_client_editor.get(url).status_code == 403


def test_source_autocomplete_finds_by_name(admin_client_super):
    make_source(name="Popular Mobilisation Forces")
    response = admin_client_super.get(
        reverse("admin:autocomplete"),
        {"term": "mobilisation", "app_label": "claims", "model_name": "claim", "field_name": "source"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Popular Mobilisation Forces"]


def test_claim_change_page_shows_the_thread_and_its_diagram(admin_client_super):
    pmf = make_source(name="Popular Mobilisation Forces")
    report = make_claim(text="Iraqi militias crossed into Syria")
    denial = make_claim(text="We have not crossed", source=pmf)
    backing = make_claim(text="We move only on orders", source=pmf)
    make_link(denial, report, "denies")
    make_link(backing, denial, "supports")
    make_claim(text="Unrelated claim")

    page = admin_client_super.get(reverse("admin:claims_claim_change", args=[report.pk])).content.decode()

    assert "Thread: 3 claims in this dispute" in page
    for claim in (denial, backing):
        assert reverse("admin:claims_claim_change", args=[claim.pk]) in page
    assert "Unrelated claim" not in page
    svg = page[page.index("<svg xmlns") : page.index("</svg>", page.index("<svg xmlns"))]
    assert svg.count('class="claim-box') == 3
    assert 'class="link link-denies"' in svg and 'class="link link-supports"' in svg
    assert ">denies</text>" in svg and "Popular Mobilisation Forces" in svg


def test_the_diagram_escapes_what_editors_typed(admin_client_super):
    report = make_claim(text='<script>alert("x")</script>')
    make_link(make_claim(source=make_source(name="A & B <Media>")), report, "denies")
    page = admin_client_super.get(reverse("admin:claims_claim_change", args=[report.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "A &amp; B &lt;Media&gt;" in page


def test_claims_changelist_filters_by_topic_and_review(admin_client_super, record):
    url = reverse("admin:claims_claim_changelist")
    reviewed = admin_client_super.get(url, {"has_review": "yes"})
    assert list(reviewed.context["cl"].queryset) == [record["claim"]]
    not_reviewed = admin_client_super.get(url, {"has_review": "no"})
    assert record["claim"] not in not_reviewed.context["cl"].queryset
    by_topic = admin_client_super.get(url, {"topic": record["topic"].slug})
    assert list(by_topic.context["cl"].queryset) == [record["claim"]]


@pytest.mark.parametrize("model", ["claim", "source"])
def test_changelist_queries_do_not_grow_with_rows(admin_client_super, model):
    def queries_for_list():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client_super.get(reverse(f"admin:claims_{model}_changelist")).status_code == 200
        return len(ctx)

    parent = make_source()
    make_claim(source=make_source(affiliation=parent), via=make_source(), article=make_article())
    few = queries_for_list()
    for _ in range(20):
        make_claim(source=make_source(affiliation=parent), via=make_source(), article=make_article())
    assert queries_for_list() == few


def test_claim_dates_are_shown_as_precisely_as_recorded():
    day = datetime.date(2017, 11, 8)
    assert format_claim_date(day, "day") == "8 Nov 2017"
    assert format_claim_date(day, "month") == "Nov 2017"
    assert format_claim_date(day, "year") == "2017"


def test_claims_list_shows_dates_as_precisely_as_recorded(admin_client_super):
    make_claim(claimed_on=datetime.date(2017, 10, 1), claimed_on_precision="month")
    page = admin_client_super.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "Oct 2017" in page
    assert "Oct. 1, 2017" not in page


def test_the_article_search_finds_by_title_words_publisher_or_whole_url(admin_client_super):
    reuters = make_source(name="Reuters")
    wanted = make_article(title="Syrian army enters Albu Kamal", url="https://example.org/a/1", publisher=reuters)
    other = make_article(title="Weather in Oslo", publisher=make_source(name="NRK"))
    url = reverse("admin:claims_article_changelist")

    def found(term):
        return set(admin_client_super.get(url, {"q": term}).context["cl"].queryset)

    assert found("albu army") == {wanted}
    assert found("reuters") == {wanted}
    assert found("https://example.org/a/1") == {wanted}
    assert found("oslo albu") == set()
    assert found("oslo") == {other}
