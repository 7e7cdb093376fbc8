"""From article to record in a real browser: paste the seed article, extract, review, accept, read."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Article, Claim, ClaimLink
from tests.browser.test_admin_in_browser import log_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The seed article is read where the team keeps it (beside the checkout), never copied into the project.
SEED = Path(__file__).resolve().parents[3] / "shared" / "articles" / "albu-kamal-2017-11-08.txt"
_WORD = re.compile(r"[a-z]{4,}")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("’", "'")))


def same_meaning(found: str, gold: str) -> bool:
    """Whether a created claim says what the demo fixture's claim says: most of its longer words."""
    return len(words(found) & words(gold)) >= 0.6 * len(words(gold))


def matching(claims, gold: Claim) -> Claim | None:
    return next((c for c in claims if c.source_id == gold.source_id and same_meaning(c.text, gold.text)), None)


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"The seed article is not at {SEED}: this test reads it at run time")
    return SEED.read_text(encoding="utf-8")


def test_an_editor_pastes_the_seed_article_extracts_and_accepts_its_claims(live_server, browser, output_dir, seed_text):
    # The demo record first, so the drafts name its sources; its claims are the gold to match.
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
    demo_article = Article.objects.get()
    gold = {c.source.slug: c for c in Claim.objects.filter(article=demo_article).select_related("source")}
    gold_denial = ClaimLink.objects.get(relation="denies", to_claim=gold["syrian-observatory-for-human-rights"])
    make_user("editor", groups=["editors"], is_staff=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    log_in(page, live_server.url, "editor")

    # A new article, its text pasted into the admin.
    page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.fill("#id_title", "Syria's army and allies begin assault on Albu Kamal (pasted)")
    page.fill("#id_published_on", "2017-11-08")
    page.fill("#id_body", seed_text)
    expect(page.locator(".body-length")).to_have_text(f"{len(seed_text):,}")  # counted as it is pasted
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.exclude(pk=demo_article.pk).get()
    assert article.body == seed_text.strip()  # line ends as the file has them, not the browser's CRLF
    expect(page.locator(".body-length")).to_have_text(f"{len(article.body):,}")

    # "Extract claims": the text with each draft's passage highlighted, beside the drafts' forms.
    page.click("text=Extract claims")
    expect(page.locator("h1")).to_contain_text("Extract claims")
    expect(page.locator("input[value='Create selected']")).to_be_visible()  # the whole page is in
    count = page.locator("fieldset.draft").count()
    assert count >= 3
    expect(page.locator("mark.draft-span")).to_have_count(count)
    observatory = gold["syrian-observatory-for-human-rights"].source
    expect(
        page.locator("fieldset.draft select[name$='-source_match'] option[selected]", has_text=observatory.name)
    ).to_have_count(1)
    # Clicking a passage shows its draft (the script); without it the number is a link to the form.
    page.locator("mark#span-2").click()
    expect(page.locator("fieldset#draft-2")).to_have_class(re.compile(r"\bcurrent\b"))
    page.screenshot(path=output_dir / "extraction-review.png", full_page=True)

    page.click("input[value='Create selected']")

    expect(page.locator(".messagelist")).to_contain_text("Created")
    created = list(Claim.objects.filter(article=article).select_related("source"))
    assert len(created) == count
    report = matching(created, gold["syrian-observatory-for-human-rights"])
    assert report is not None, "no claim by the Observatory that Iraqi militias crossed into Syria"
    denial = matching(created, gold_denial.from_claim)
    assert denial is not None, "no denial by the Popular Mobilisation Forces"
    assert denial.speaker_id == gold_denial.from_claim.speaker_id
    assert ClaimLink.objects.filter(from_claim=denial, to_claim=report, relation="denies").exists()
    assert matching(created, gold["al-manar"]) is not None, "no claim by al-Manar that the army entered Albu Kamal"
    assert report.history.get().history_change_reason == f"Extracted from article #{article.pk}"

    # The public page: the text, each claim highlighted and linked to its page; the denied one marked.
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    marks = page.locator(".body mark")
    expect(marks).to_have_count(len(created))
    expect(page.locator(f"mark#claim-{report.pk}")).to_have_class(re.compile(r"\bdenied\b"))
    expect(page.locator(f"mark#claim-{report.pk} a")).to_have_attribute("href", f"/claims/{report.pk}/")
    expect(page.locator(f"mark#claim-{report.pk}")).to_contain_text("Iraqi militias")
    page.screenshot(path=output_dir / "article-page.png", full_page=True)
