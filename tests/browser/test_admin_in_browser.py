"""Editors' workflow in the admin, in a real browser."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from claims.models import Claim, ClaimLink, Source
from tests.factories import make_claim, make_source, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-9"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username.upper(), ignore_case=True)


def pick_in_autocomplete(page: Page, select_id: str, term: str) -> None:
    """Choose the first match for `term` in a select2 autocomplete (the admin's autocomplete widget)."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    option = page.locator(".select2-container--open .select2-results__option", has_text=term).first
    option.wait_for()
    option.click()


def test_an_editor_records_a_denial_from_the_claim_form(live_server, browser, output_dir):
    make_user("editor", groups=["editors"], is_staff=True)
    observatory = make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo")
    report = make_claim(text="Iraqi militias crossed into Syria to join the assault", source=observatory)
    make_topic(slug="albu-kamal", name="Albu Kamal")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, live_server.url, "editor")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")

    # A new source, from the claim form's "add another" popup.
    with page.expect_popup() as popup_info:
        page.click("#add_id_source")
    popup = popup_info.value
    popup.locator("#id_name").press_sequentially("Popular Mobilisation Forces")
    expect(popup.locator("#id_slug")).to_have_value("popular-mobilisation-forces")  # filled in from the name
    popup.select_option("#id_kind", "armed_group")
    with popup.expect_event("close"):  # set up before the click: the popup may close at once
        popup.click("input[name=_save]")
    expect(page.locator("#id_source option:checked")).to_have_text("Popular Mobilisation Forces")

    # A new article, the same way.
    with page.expect_popup() as popup_info:
        page.click("#add_id_article")
    popup = popup_info.value
    popup.fill("#id_title", "Syria's army and allies begin assault on Albu Kamal")
    popup.fill("#id_published_on", "2017-11-08")
    with popup.expect_event("close"):  # set up before the click: the popup may close at once
        popup.click("input[name=_save]")

    page.fill("#id_text", "The PMF has not crossed the Syrian border")
    page.fill("#id_quote", "We have no orders to cross the borders.")
    page.fill("#id_claimed_on", "2017-11-08")
    pick_in_autocomplete(page, "id_topics", "Albu Kamal")

    # This claim denies the Observatory's report: a link out, added in the inline.
    page.click("#links_out-group .add-row a")
    page.select_option("#id_links_out-0-relation", "denies")
    pick_in_autocomplete(page, "id_links_out-0-to_claim", "Iraqi militias")
    page.click("input[name=_continue]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    claim = Claim.objects.get(source__slug="popular-mobilisation-forces")
    assert claim.article.title.startswith("Syria's army")
    assert list(claim.topics.values_list("slug", flat=True)) == ["albu-kamal"]
    assert ClaimLink.objects.filter(from_claim=claim, to_claim=report, relation="denies").exists()
    assert Source.objects.filter(slug="popular-mobilisation-forces").exists()

    # The change page shows the thread, drawn and listed, each claim linked to its page.
    thread = page.locator("#thread")
    expect(thread).to_contain_text("Thread: 2 claims")
    expect(thread.locator("svg .claim-box")).to_have_count(2)
    expect(thread.locator("svg .link-denies")).to_have_count(1)
    expect(thread.locator(f"a[href='/admin/claims/claim/{report.pk}/change/']").first).to_be_visible()
    page.screenshot(path=output_dir / "claim-change-page.png", full_page=True)

    # A later change, then the history: the creation and the change, by this editor, with the difference.
    page.select_option("#id_status", "disputed")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.click("a.historylink")
    history = page.locator("#change-history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").first).to_contain_text("Changed")
    expect(history.locator("tbody tr").first).to_contain_text("editor")
    expect(history.locator("tbody tr").first).to_contain_text("Status:")
    expect(history.locator("tbody tr").first).to_contain_text("unverified → disputed")
    expect(history.locator("tbody tr").last).to_contain_text("Created")


def test_of_two_editors_saving_one_claim_the_second_is_refused(live_server, browser, output_dir):
    make_user("amal", groups=["editors"], is_staff=True)
    make_user("bilal", groups=["editors"], is_staff=True)
    claim = make_claim(text="Original wording")
    url = f"{live_server.url}/admin/claims/claim/{claim.pk}/change/"
    first, second = browser.new_context(), browser.new_context()
    page_a, page_b = first.new_page(), second.new_page()
    log_in(page_a, live_server.url, "amal")
    log_in(page_b, live_server.url, "bilal")
    page_a.goto(url)
    page_b.goto(url)  # both have the claim open at the same version

    page_a.fill("#id_text", "Amal's wording")
    page_a.click("input[name=_continue]")
    expect(page_a.locator(".messagelist")).to_contain_text("was changed successfully")

    page_b.fill("#id_text", "Bilal's wording")
    page_b.click("input[name=_continue]")
    expect(page_b.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page_b.locator(".errorlist.nonfield")).to_contain_text("was changed by amal")
    expect(page_b.locator("#id_text")).to_have_value("Bilal's wording")  # the refused input is kept
    page_b.screenshot(path=output_dir / "claim-save-refused.png", full_page=True)

    claim.refresh_from_db()
    assert claim.text == "Amal's wording"
    first.close()
    second.close()


def test_typing_a_claim_shows_the_claims_it_may_duplicate(live_server, browser, output_dir):
    make_user("editor", groups=["editors"], is_staff=True)
    recorded = make_claim(text="Iraqi militias crossed into Syria to join the assault on Albu Kamal")
    make_claim(text="Russian media reported cruise missile strikes in eastern Syria")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, live_server.url, "editor")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    box = page.locator("#similar-claims")
    expect(box).to_contain_text("No similar claim found.")

    page.locator("#id_text").press_sequentially("Iraqi militias crossed into Syria")

    expect(box.locator("li")).to_have_count(1)
    expect(box).to_contain_text(recorded.text)
    expect(box.locator("a")).to_have_attribute("href", f"/admin/claims/claim/{recorded.pk}/change/")
    box.screenshot(path=output_dir / "similar-claims-box.png")

    page.locator("#id_text").fill("Weather in Oslo")
    expect(box).to_contain_text("No similar claim found.")


def test_the_public_claim_page_reads_without_javascript(live_server, browser, output_dir):
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 1400})
    page = context.new_page()

    page.goto(f"{live_server.url}/claims/3/")

    expect(page.locator("h1")).to_have_text("Iraqi militias crossed into Syria to join the assault on Albu Kamal.")
    expect(page.locator(".verdict .rating")).to_have_text("Unproven")
    expect(page.locator("svg.thread-diagram a")).to_have_count(3)  # the report, the denial, its backing
    page.screenshot(path=output_dir / "public-claim-page.png", full_page=True)
    context.close()
