"""The admin's "Extract claims": an article's drafts reviewed beside its text, then accepted by the service."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertHTMLEqual

from claims.admin import extraction
from claims.models import Appearance, Claim, ClaimLink, Source
from tests.factories import logged_in, make_article, make_source, make_topic, make_user

pytestmark = pytest.mark.django_db

# Written for these tests; published on a Wednesday, so "on Tuesday" is the day before.
BODY = (
    "The Monitoring Group said on Tuesday that volunteers had crossed the river near Tel Amar. "
    "The regional council's spokesman, Karim Haddad, denied the report, telling reporters "
    '"we have not moved from our base". '
    "Heavy rain fell across the valley on Wednesday."
)
REPORT = "volunteers had crossed the river near Tel Amar"
DENIAL = "we have not moved from our base"


def span(passage):
    start = BODY.index(passage)
    return {"start": start, "end": start + len(passage)}


@pytest.fixture
def monitor():
    return make_source(slug="monitoring-group", name="Monitoring Group", kind="ngo")


@pytest.fixture
def article():
    return make_article(title="Volunteers at the river", body=BODY, published_on=datetime.date(2024, 3, 6))


@pytest.fixture
def editor_client():
    return logged_in(make_user("ed", groups=["editors"], is_staff=True))


@pytest.fixture
def known_drafts(monitor, monkeypatch):
    """Extraction replaced by two fixed drafts: a report, and its denial by a new council and speaker."""
    drafts = [
        {
            "text": "Volunteers crossed the river near Tel Amar.",
            "quote": "",
            "cue": "said",
            "span": span(REPORT),
            "source": {
                "name": "Monitoring Group",
                "role": "",
                "kind": "ngo",
                "match": {"id": monitor.pk, "slug": monitor.slug, "name": monitor.name},
            },
            "speaker": None,
            "via": None,
            "claimed_on": "2024-03-05",
            "claimed_on_precision": "day",
            "links": [],
        },
        {
            "text": "The volunteers have not moved from their base.",
            "quote": DENIAL,
            "cue": "denied",
            "span": span(DENIAL),
            "source": {"name": "Regional Council", "role": "", "kind": "government", "match": None},
            "speaker": {"name": "Karim Haddad", "role": "spokesman", "kind": "person", "match": None},
            "via": None,
            "claimed_on": "2024-03-06",
            "claimed_on_precision": "day",
            "links": [{"relation": "denies", "draft": 0}],
        },
    ]
    calls = []

    def fake_extract(text, published_on, language="en"):
        calls.append((text, published_on, language))
        return drafts

    monkeypatch.setattr(extraction, "extract_from_record", fake_extract)
    return calls


def extract_url(article):
    return reverse("admin:claims_article_extract", args=[article.pk])


def posted(formset, **changes) -> dict:
    """What the browser posts for the review page as shown, with `changes` ({"0-text": ...}) applied."""
    data = {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
    for form in formset.forms:
        for name in form.fields:
            value = form[name].value()
            if name == "include":
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = [str(v) for v in value] if isinstance(value, list) else str(value)
    for key, value in changes.items():
        key = f"{formset.prefix}-{key}"
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def review(client, article):
    response = client.get(extract_url(article))
    assert response.status_code == 200
    return response


def test_it_shows_each_drafts_passage_highlighted_and_numbered_beside_its_form(
    editor_client, article, monitor, known_drafts
):
    response = review(editor_client, article)

    assert known_drafts == [(BODY, datetime.date(2024, 3, 6), "en")]
    page = response.content.decode()
    first_span = '<mark id="span-1" class="draft-span" data-draft="1"><a href="#draft-1" class="draft-number">1</a>'
    assert f"{first_span}{REPORT}</mark>" in page
    assert f'<a href="#draft-2" class="draft-number">2</a>{DENIAL}</mark>' in page
    assert 'id="draft-1"' in page and 'id="draft-2"' in page
    first, second = response.context["formset"].forms
    assert first["source_match"].value() == monitor.pk
    assert f'<option value="{monitor.pk}" selected>Monitoring Group</option>' in page  # the match, without script
    assert second["source_match"].value() is None
    assert (second["source_name"].value(), second["source_kind"].value()) == ("Regional Council", "government")
    assert (second["speaker_name"].value(), second["speaker_role"].value()) == ("Karim Haddad", "spokesman")
    assert (second["link_relation_0"].value(), second["link_draft_0"].value()) == ("denies", "0")
    assert ("0", "#1: Volunteers crossed the river near Tel Amar.") in second.fields["link_draft_0"].choices
    assert first["include"].value() is True
    assert Claim.objects.count() == 0  # reviewing writes nothing


def test_it_reads_drafts_from_the_article_with_the_real_engine(editor_client, article, monitor):
    response = review(editor_client, article)

    forms = response.context["formset"].forms
    report = next(form for form in forms if form["source_match"].value() == monitor.pk)
    start, end = report["span_start"].value(), report["span_end"].value()
    assert REPORT in BODY[start:end]
    assert "volunteers" in report["text"].value().lower()
    assert report["claimed_on"].value() == "2024-03-05"  # "on Tuesday", in Wednesday's report
    denial = next(form for form in forms if form["speaker_name"].value() == "Karim Haddad")
    assert denial["cue"].value() == "denied"
    assert denial["source_match"].value() is None  # the council is not in the record: a new source
    page = response.content.decode()
    assert page.count('class="draft-span"') == len(forms)


def test_create_selected_makes_the_claims_through_the_service(editor_client, article, monitor, known_drafts):
    formset = review(editor_client, article).context["formset"]

    response = editor_client.post(extract_url(article), posted(formset), follow=True)

    assert response.redirect_chain == [(reverse("admin:claims_article_change", args=[article.pk]), 302)]
    report = Claim.objects.get(source=monitor)
    denial = Claim.objects.get(source__name="Regional Council")
    assert (report.article, report.claimed_on, report.created_by.username) == (article, datetime.date(2024, 3, 5), "ed")
    assert denial.speaker.name == "Karim Haddad" and denial.quote == DENIAL
    assert ClaimLink.objects.filter(from_claim=denial, to_claim=report, relation="denies").exists()
    anchor = Appearance.objects.get(claim=report)
    assert (anchor.exact, anchor.status) == (REPORT, "anchored")
    assert report.history.get().history_change_reason == f"Extracted from article #{article.pk}"
    message = str(next(iter(response.context["messages"])))
    assert message.startswith("Created 2 claims from this article")
    assert f'<a href="{reverse("admin:claims_claim_change", args=[report.pk])}">#{report.pk}</a>' in message


def test_the_editors_changes_are_what_is_created(editor_client, article, monitor, known_drafts):
    topic = make_topic(slug="river", name="River")
    formset = review(editor_client, article).context["formset"]
    data = posted(
        formset,
        **{
            "0-text": "Volunteers crossed the river.",
            "0-topics": [str(topic.pk)],
            "1-source_match": str(monitor.pk),  # the editor decides the council's denial was the group's own
            "1-link_relation_0": "contradicts",
            "1-claimed_on_precision": "month",
        },
    )

    editor_client.post(extract_url(article), data)

    report = Claim.objects.get(text="Volunteers crossed the river.")
    assert list(report.topics.all()) == [topic]
    denial = Claim.objects.get(quote=DENIAL)
    assert (denial.source, denial.claimed_on_precision) == (monitor, "month")
    assert ClaimLink.objects.get().relation == "contradicts"
    assert not Source.objects.filter(name="Regional Council").exists()


def test_an_included_draft_linking_to_a_left_out_one_is_refused_and_nothing_is_written(
    editor_client, article, known_drafts
):
    formset = review(editor_client, article).context["formset"]
    sources_before = Source.objects.count()

    response = editor_client.post(
        extract_url(article), posted(formset, **{"0-include": None, "1-text": "Edited by the editor."})
    )

    assert response.status_code == 200
    second = response.context["formset"].forms[1]
    assert second.errors["link_draft_0"] == ["Draft #1 is not included: include it too, or remove this link."]
    assert second["text"].value() == "Edited by the editor."  # the editor's input is kept
    assert "“Karim Haddad”" in response.content.decode()  # and the names the text gave
    assert response.context["formset"].forms[0]["include"].value() is False
    assert "Nothing was created" in response.content.decode()
    assert (Claim.objects.count(), Source.objects.count()) == (0, sources_before)


def test_a_bad_date_is_reported_on_its_field(editor_client, article, known_drafts):
    formset = review(editor_client, article).context["formset"]

    response = editor_client.post(extract_url(article), posted(formset, **{"1-claimed_on": "2024-02-30"}))

    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors["claimed_on"] == ["Enter a real date."]
    assert response.context["formset"].forms[1]["claimed_on"].value() == "2024-02-30"
    assert Claim.objects.count() == 0


def test_a_new_source_without_a_kind_is_reported_on_the_kind(editor_client, article, known_drafts):
    formset = review(editor_client, article).context["formset"]

    response = editor_client.post(extract_url(article), posted(formset, **{"1-source_kind": ""}))

    assert response.context["formset"].forms[1].errors["source_kind"][0].startswith("Choose one of: person, media")
    assert Claim.objects.count() == 0


def test_a_left_out_draft_is_not_checked(editor_client, article, known_drafts):
    formset = review(editor_client, article).context["formset"]
    data = posted(formset, **{"1-include": None, "1-source_match": "99999", "1-link_relation_0": None})

    response = editor_client.post(extract_url(article), data)

    assert response.status_code == 302
    assert list(Claim.objects.values_list("text", flat=True)) == ["Volunteers crossed the river near Tel Amar."]


def test_an_article_without_text_says_so(editor_client, monkeypatch):
    article = make_article(title="No text yet", body="")
    monkeypatch.setattr(extraction, "extract_from_record", lambda *a, **k: pytest.fail("extraction ran on no text"))

    response = editor_client.get(extract_url(article))

    assert response.status_code == 200
    assert "This article has no text yet" in response.content.decode()
    assert response.context["formset"].forms == []


def test_the_change_page_offers_extract_claims_to_editors(editor_client, article):
    response = editor_client.get(reverse("admin:claims_article_change", args=[article.pk]))

    assert f'<a href="{extract_url(article)}" class="extract-link">Extract claims</a>' in response.content.decode()


def test_the_change_page_has_no_extract_link_for_a_user_who_cannot_add_claims(article):
    user = make_user(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_article", "change_article"]))
    response = logged_in(user).get(reverse("admin:claims_article_change", args=[article.pk]))

    assert response.status_code == 200
    assert "Extract claims" not in response.content.decode()


def test_a_staff_user_without_claim_permissions_is_refused(article):
    response = logged_in(make_user(is_staff=True)).get(extract_url(article))

    assert response.status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, article):
    response = client.get(extract_url(article))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_an_unknown_article_goes_back_to_the_list(editor_client):
    response = editor_client.get(reverse("admin:claims_article_extract", args=["999999"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_review_page_reads_the_record_once_for_extraction(editor_client, article, monitor):
    make_source(name="Another source")
    with CaptureQueriesContext(connection) as queries:
        review(editor_client, article)

    sources_read = [q["sql"] for q in queries if 'FROM "claims_source"' in q["sql"]]
    # Whether the sources changed, the dictionary (every source, one query) and the matched source shown in the
    # first draft's widget.
    assert len(sources_read) == 3, sources_read


def test_the_article_form_has_a_large_monospace_body_with_its_length(editor_client, article):
    response = editor_client.get(reverse("admin:claims_article_change", args=[article.pk]))

    field = response.context["adminform"].form["body"]
    assert 'class="article-body"' in str(field) and 'rows="24"' in str(field)
    assert f'the text has <span class="body-length">{len(BODY):,}</span>' in field.help_text


def test_a_pasted_body_keeps_plain_line_ends(editor_client, article):
    data = {
        "title": article.title,
        "language": "en",
        "published_on": "2024-03-06",
        "body": "First paragraph.\r\n\r\nSecond paragraph.",
        "loaded_version": article.version,
    }

    response = editor_client.post(reverse("admin:claims_article_change", args=[article.pk]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "First paragraph.\n\nSecond paragraph."


def test_an_unknown_source_is_reported_on_its_field_and_nothing_is_written(editor_client, article, known_drafts):
    formset = review(editor_client, article).context["formset"]

    response = editor_client.post(extract_url(article), posted(formset, **{"0-source_match": "99999"}))

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["source_match"][0].startswith("Select a valid choice.")
    assert Claim.objects.count() == 0


def test_a_post_without_the_formsets_counts_is_refused_without_an_error_page(editor_client, article, known_drafts):
    response = editor_client.post(extract_url(article), {"draft-0-text": "A claim", "draft-0-include": "on"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "ManagementForm data is missing or has been tampered with" in page
    assert "Extract the drafts again" in page
    assert Claim.objects.count() == 0


def _as_django_renders_it(monkeypatch):
    """Undo the review page's shortcuts: every widget, label and error list through Django's own templates."""
    from django import forms
    from django.contrib.admin.widgets import AutocompleteMixin
    from django.forms.utils import ErrorList

    from claims.admin.forms import SafeAutocompleteMixin

    monkeypatch.setattr(extraction, "_PLAIN", {})
    monkeypatch.setattr(extraction.DraftForm, "render", forms.Form.render)
    for name in ("render", "__str__", "__html__"):
        monkeypatch.setattr(extraction.PlainErrorList, name, ErrorList.render)
    monkeypatch.setattr(
        SafeAutocompleteMixin,
        "optgroups",
        lambda self, name, value, attr=None: AutocompleteMixin.optgroups(self, name, [v for v in value if v], attr),
    )


def _page(response) -> str:
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)


@pytest.mark.parametrize("errors", [False, True], ids=["as extracted", "posted back with errors"])
def test_the_review_page_is_the_html_djangos_templates_write(editor_client, article, known_drafts, monkeypatch, errors):
    """Its widgets, labels and empty error lists are written without templates (for speed): the same HTML."""
    formset = review(editor_client, article).context["formset"]
    changes = {"1-claimed_on": "2024-02-30"} if errors else {}

    def fetch():
        if errors:
            return editor_client.post(extract_url(article), posted(formset, **changes))
        return review(editor_client, article)

    ours = fetch()
    _as_django_renders_it(monkeypatch)
    djangos = fetch()

    assert ours.status_code == djangos.status_code == 200
    assert ("Enter a real date." in _page(ours)) is errors
    assertHTMLEqual(_page(ours), _page(djangos))
