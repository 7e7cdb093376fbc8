"""An article's text, claims anchored in it, and anchors found again (or orphaned) when the text is edited."""

import html
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from claims.models import ARTICLE_BODY_MAX, Appearance, Article, Claim
from tests.factories import claim_form_data, make_article, make_claim, make_link, make_source, make_user

pytestmark = pytest.mark.django_db

BODY = (
    "BEIRUT (Wire) - Fighting went on near the border on Wednesday.\n\n"
    "A monitoring group said on Tuesday that armed volunteers had crossed the river at dawn. "
    "The volunteers' commander denied that, saying his men had not moved from their base.\n\n"
    "Officials said the bridge would reopen next week."
)
PASSAGE = "armed volunteers had crossed the river at dawn"
DENIAL = "his men had not moved from their base"


@pytest.fixture
def article():
    return make_article(title="Fighting near the border", body=BODY)


@pytest.fixture
def claim(article):
    return make_claim(text="Armed volunteers crossed the river.", article=article)


def anchor(client, claim, article, **fields):
    return client.post("/api/appearances/", {"claim": claim.pk, "article": article.pk, **fields}, format="json")


def test_it_anchors_a_passage_given_by_its_words_and_keeps_both_selectors(client_editor, claim, article):
    response = anchor(client_editor, claim, article, exact=PASSAGE)

    assert response.status_code == 201, response.data
    start = BODY.index(PASSAGE)
    assert response.data["start"] == start
    assert response.data["end"] == start + len(PASSAGE)
    assert response.data["prefix"] == BODY[start - 32 : start]
    assert response.data["suffix"] == BODY[start + len(PASSAGE) : start + len(PASSAGE) + 32]
    assert response.data["status"] == "anchored"


def test_it_anchors_by_position_and_reads_the_words_from_the_text(client_editor, claim, article):
    start = BODY.index(DENIAL)

    response = anchor(client_editor, claim, article, start=start, end=start + len(DENIAL))

    assert response.status_code == 201, response.data
    assert response.data["exact"] == DENIAL


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        # The request itself is wrong: 400.
        ({"start": 20, "end": 10}, "end", 400),
        ({"start": 10}, "end", 400),
        ({"start": -1, "end": 6}, "start", 400),
        ({"start": "1", "end": 6}, "start", 400),
        # The article's text does not allow it: 409, as any clash with the record.
        ({"start": 10, "end": len(BODY) + 1}, "end", 409),
        ({"exact": "words the article never had"}, "exact", 409),
        ({"start": 0, "end": 6, "exact": "NOT IT"}, "exact", 409),
    ],
)
def test_a_passage_outside_the_text_is_refused_naming_the_field_and_nothing_is_written(
    client_editor, claim, article, fields, field, status
):
    response = anchor(client_editor, claim, article, **fields)

    assert response.status_code == status
    assert field in response.data
    assert not Appearance.objects.exists()


def test_an_article_without_text_takes_an_appearance_but_no_anchor(client_editor, claim):
    bare = make_article(title="Wire copy, text not recorded")

    refused = anchor(client_editor, claim, bare, exact=PASSAGE)
    plain = anchor(client_editor, claim, bare)

    assert refused.status_code == 409
    assert "no text" in str(refused.data["exact"])
    assert plain.status_code == 201
    assert (plain.data["start"], plain.data["status"]) == (None, None)


def test_claim_detail_shows_its_anchor_and_every_appearance(client_editor, client_anon, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)
    other = make_article(title="Picked up elsewhere")
    anchor(client_editor, claim, other)

    data = client_anon.get(f"/api/claims/{claim.pk}/").json()

    start = BODY.index(PASSAGE)
    assert data["anchor"]["start"] == start
    assert data["anchor"]["exact"] == PASSAGE
    assert data["anchor"]["status"] == "anchored"
    assert [a["article"]["title"] for a in data["appearances"]] == ["Fighting near the border", "Picked up elsewhere"]
    assert data["appearances"][1]["anchor"] is None


def test_a_claim_without_an_anchored_article_has_a_null_anchor(client_anon):
    claim = make_claim()

    assert client_anon.get(f"/api/claims/{claim.pk}/").json()["anchor"] is None


def edit_body(client, article, body):
    response = client.patch(f"/api/articles/{article.pk}/", {"body": body}, format="json")
    assert response.status_code == 200, response.data
    return Appearance.objects.get(article=article)


def test_an_edit_above_the_passage_moves_its_anchor_and_the_history_says_so(client_editor, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)
    claim_version = Claim.objects.get(pk=claim.pk).version
    edited = "UPDATED with a new first paragraph.\n\n" + BODY

    appearance = edit_body(client_editor, article, edited)

    assert appearance.status == "moved"
    assert edited[appearance.start : appearance.end] == PASSAGE
    assert appearance.start == BODY.index(PASSAGE) + len("UPDATED with a new first paragraph.\n\n")
    # The claim itself never changes.
    assert Claim.objects.get(pk=claim.pk).version == claim_version
    history = client_editor.get(f"/api/appearances/{appearance.pk}/history/").json()["results"]
    assert "text changed" in history[0]["reason"]
    assert {c["field"] for c in history[0]["changes"]} >= {"start", "end", "status"}


def test_an_edit_elsewhere_keeps_the_anchor_where_it_was(client_editor, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)

    appearance = edit_body(client_editor, article, BODY.replace("reopen next week", "reopen on Monday"))

    assert (appearance.start, appearance.status) == (BODY.index(PASSAGE), "anchored")


def test_a_reworded_passage_is_found_approximately(client_editor, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)
    edited = BODY.replace("had crossed the river at dawn", "had crossed the river before dawn")

    appearance = edit_body(client_editor, article, edited)

    assert appearance.status == "fuzzy"
    assert "crossed the river before dawn" in appearance.exact
    assert edited[appearance.start : appearance.end] == appearance.exact


def test_a_removed_passage_orphans_its_anchor_and_restoring_it_finds_it_again(
    client_editor, client_anon, claim, article
):
    anchor(client_editor, claim, article, exact=PASSAGE)
    without = BODY.replace(
        "A monitoring group said on Tuesday that armed volunteers had crossed the river at dawn. ", ""
    )

    orphan = edit_body(client_editor, article, without)

    assert (orphan.status, orphan.start, orphan.end) == ("orphaned", None, None)
    assert orphan.exact == PASSAGE  # kept, so that it can be found again
    data = client_anon.get(f"/api/claims/{claim.pk}/").json()
    assert data["anchor"]["status"] == "orphaned"
    assert client_anon.get(f"/api/claims/{claim.pk}/annotation/").status_code == 404
    assert client_anon.get(f"/api/articles/{article.pk}/annotations/").json()["items"] == []

    found = edit_body(client_editor, article, BODY)

    assert found.status == "moved"
    assert BODY[found.start : found.end] == PASSAGE


def test_of_two_identical_passages_the_one_in_the_same_context_is_chosen(client_editor, article):
    body = "First, the army said it had advanced. Later, the ministry said it had advanced."
    article.body = body
    article.save()
    claim = make_claim(article=article)
    second = body.rindex("it had advanced")
    anchor(client_editor, claim, article, start=second, end=second + len("it had advanced"))

    appearance = edit_body(client_editor, article, "Update. " + body)

    assert appearance.start == second + len("Update. ")
    assert appearance.prefix.endswith("the ministry said ")


def test_an_article_text_longer_than_the_limit_is_refused_naming_body(client_editor, article):
    response = client_editor.patch(
        f"/api/articles/{article.pk}/", {"body": "x" * (ARTICLE_BODY_MAX + 1)}, format="json"
    )

    assert response.status_code == 400
    assert "body" in response.data
    assert Article.objects.get(pk=article.pk).body == BODY


def test_lists_leave_the_text_out_and_say_whether_there_is_one(client_anon, article):
    make_article(title="No text")

    listed = {a["title"]: a for a in client_anon.get("/api/articles/").json()["results"]}
    detail = client_anon.get(f"/api/articles/{article.pk}/").json()

    assert "body" not in listed["Fighting near the border"]
    assert listed["Fighting near the border"]["has_body"] is True
    assert listed["No text"]["has_body"] is False
    assert detail["body"] == BODY


def test_the_claims_annotation_is_a_web_annotation_with_both_selectors(client_editor, client_anon, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)

    response = client_anon.get(f"/api/claims/{claim.pk}/annotation/", HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "Annotation"
    assert document["target"]["source"] == f"http://testserver/articles/{article.pk}/"
    quote, position = document["target"]["selector"]
    start = BODY.index(PASSAGE)
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": PASSAGE,
        "prefix": BODY[start - 32 : start],
        "suffix": BODY[start + len(PASSAGE) : start + len(PASSAGE) + 32],
    }
    assert position == {"type": "TextPositionSelector", "start": start, "end": start + len(PASSAGE)}
    assert document["body"][0]["value"] == claim.text
    assert document["body"][1]["id"] == f"http://testserver/claims/{claim.pk}/"


def test_an_article_lists_its_annotations_in_text_order_a_page_at_a_time(client_editor, client_anon, article):
    later, earlier = make_claim(article=article), make_claim(article=article)
    anchor(client_editor, later, article, exact=DENIAL)
    anchor(client_editor, earlier, article, exact=PASSAGE)

    first = client_anon.get(f"/api/articles/{article.pk}/annotations/", {"page_size": 1}).json()
    second = client_anon.get(first["next"]).json()

    assert first["type"] == "AnnotationPage"
    assert first["partOf"]["total"] == 2
    assert first["items"][0]["target"]["selector"][0]["exact"] == PASSAGE
    assert second["items"][0]["target"]["selector"][0]["exact"] == DENIAL
    assert second["startIndex"] == 1


def test_the_article_page_highlights_each_claim_and_marks_the_denied_one(client_editor, client, article):
    reported = make_claim(text="Volunteers crossed.", article=article, source=make_source(name="Monitor"))
    denial = make_claim(text="They did not move.", article=article)
    make_link(denial, reported, "denies")
    anchor(client_editor, reported, article, exact=PASSAGE)
    anchor(client_editor, denial, article, exact=DENIAL)

    page = client.get(f"/articles/{article.pk}/").content.decode()

    assert f'<mark id="claim-{reported.pk}" class="status-unverified denied"' in page
    assert f'<a href="/claims/{reported.pk}/">{PASSAGE}</a>' in page
    assert f'<mark id="claim-{denial.pk}" class="status-unverified"' in page
    # The text around the passages is there too, escaped.
    assert html.escape("The volunteers' commander denied that") in page


def test_the_claim_page_shows_the_passage_in_its_context(client_editor, client, claim, article):
    anchor(client_editor, claim, article, exact=PASSAGE)

    page = client.get(f"/claims/{claim.pk}/").content.decode()

    assert f"<mark>{PASSAGE}</mark>" in page
    assert "A monitoring group said on Tuesday that" in page
    assert f'href="/articles/{article.pk}/#claim-{claim.pk}"' in page


@pytest.fixture
def admin_client_editor():
    client = Client()
    client.force_login(make_user("ed", groups=["editors"], is_staff=True))
    return client


def appearance_form(claim, article, **fields):
    return claim_form_data(
        claim,
        **{
            "appearances-TOTAL_FORMS": "1",
            "appearances-0-article": article.pk,
            **{f"appearances-0-{name}": value for name, value in fields.items()},
        },
    )


def test_an_editor_anchors_a_claim_in_the_admin_by_its_words_and_sees_it_in_context(
    admin_client_editor, claim, article
):
    url = f"/admin/claims/claim/{claim.pk}/change/"

    response = admin_client_editor.post(url, appearance_form(claim, article, exact=PASSAGE))

    assert response.status_code == 302, response.context["inline_admin_formsets"][-1].formset.errors
    appearance = Appearance.objects.get(claim=claim)
    assert (appearance.start, appearance.status) == (BODY.index(PASSAGE), "anchored")
    page = admin_client_editor.get(url).content.decode()
    assert f"<mark>{PASSAGE}</mark>" in page


def test_the_admin_refuses_words_the_article_lacks_and_keeps_the_editors_input(admin_client_editor, claim, article):
    response = admin_client_editor.post(
        f"/admin/claims/claim/{claim.pk}/change/", appearance_form(claim, article, exact="not in the text")
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][-1].formset.errors
    assert "Not found in article" in str(errors[0]["exact"])
    assert not Appearance.objects.exists()


SEED = Path(__file__).resolve().parents[2] / "shared" / "articles" / "albu-kamal-2017-11-08.txt"


def import_article(*args) -> str:
    out = io.StringIO()
    call_command("import_article", *map(str, args), stdout=out)
    return out.getvalue()


def test_import_article_reads_the_seed_article_into_a_new_article():
    output = import_article(SEED, "--title", "Syrian army enters Albu Kamal", "--published-on", "2017-11-08")

    article = Article.objects.get()
    assert f"Created article #{article.pk}" in output
    assert article.body == SEED.read_text(encoding="utf-8").replace("\r\n", "\n")
    assert article.published_on.isoformat() == "2017-11-08"
    assert article.history.get().history_change_reason == "import_article albu-kamal-2017-11-08.txt"


def test_import_article_again_by_url_replaces_the_text_and_finds_the_anchors_again(tmp_path, claim, article):
    article.url = "https://example.org/border"
    article.save()
    Appearance.objects.create(
        claim=claim,
        article=article,
        exact=PASSAGE,
        start=BODY.index(PASSAGE),
        end=BODY.index(PASSAGE) + len(PASSAGE),
        status="anchored",
    )
    corrected = tmp_path / "corrected.txt"
    corrected.write_text("CORRECTION: the bridge stays shut.\r\n\r\n" + BODY, encoding="utf-8")

    output = import_article(corrected, "--url", "https://example.org/border")

    assert "Updated (anchors: 1 moved)" in output
    appearance = Appearance.objects.get()
    assert Article.objects.get().body[appearance.start : appearance.end] == PASSAGE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "T", "--published-on", "8/11/2017"], "--published-on"),
        (["--title", "T", "--published-on", "2017-02-30"], "--published-on"),
        (["--published-on", "2017-11-08"], "--title"),
        (["--title", "T", "--publisher", "nobody"], "--publisher"),
        (["--title", "T", "--language", "English"], "--language"),
    ],
)
def test_import_article_refuses_bad_arguments_naming_them_and_writes_nothing(tmp_path, args, message):
    text = tmp_path / "a.txt"
    text.write_text("Some text.", encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        import_article(text, *args)
    assert not Article.objects.exists()


def test_import_article_refuses_a_file_that_is_not_utf8_or_too_long(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9".encode("latin-1"))
    long = tmp_path / "long.txt"
    long.write_text("x" * (ARTICLE_BODY_MAX + 1), encoding="utf-8")

    with pytest.raises(CommandError, match="not UTF-8"):
        import_article(latin, "--title", "T")
    with pytest.raises(CommandError, match=r"long\.txt: Ensure this value has at most"):
        import_article(long, "--title", "T")
    assert not Article.objects.exists()
