"""A claim's translations beside its original in the admin, in a real browser: Arabic reads right to left."""

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from tests.browser.test_admin_in_browser import log_in
from tests.factories import make_claim, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC = {
    "language": "ar",
    "text": "قوات الحشد الشعبي لم تعبر الحدود السورية",
    "quote": "ليست لدينا أوامر بعبور الحدود",
    "kind": "human",
    "by": "Our desk",
}


def computed_direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def test_an_editor_reads_the_arabic_translation_right_to_left_beside_the_english_and_corrects_it(
    live_server, browser, output_dir
):
    make_user("editor", groups=["editors"], is_staff=True)
    claim = make_claim(
        text="The PMF have not crossed the Syrian border",
        quote="We have no orders to cross the borders.",
        translations=[ARABIC],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, live_server.url, "editor")
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")

    editor = page.locator(".translations-editor")
    original = editor.locator(".translation-original")
    expect(original).to_contain_text("We have no orders to cross the borders.")
    arabic_text = editor.locator("textarea[name='translations-0-text']")
    expect(arabic_text).to_have_value(ARABIC["text"])
    assert computed_direction(arabic_text) == "rtl"
    assert computed_direction(editor.locator("textarea[name='translations-0-quote']")) == "rtl"
    assert computed_direction(original.locator(".original-text")) == "ltr"
    # Side by side: the translation starts to the right of the original, on the same line.
    original_box, translation_box = original.bounding_box(), editor.locator(".translation-row").first.bounding_box()
    assert translation_box["x"] >= original_box["x"] + original_box["width"]
    assert translation_box["y"] < original_box["y"] + original_box["height"]
    editor.scroll_into_view_if_needed()
    page.screenshot(path=output_dir / "claim-translations.png", full_page=True)

    # Typing a right-to-left language into the blank row turns its text right to left at once.
    new_text = editor.locator("textarea[name='translations-1-text']")
    assert computed_direction(new_text) == "ltr"  # "auto" on an empty box
    editor.locator("input[name='translations-1-language']").fill("fa")
    assert computed_direction(new_text) == "rtl"
    new_text.fill("نیروهای حشد شعبی از مرز سوریه عبور نکرده‌اند")

    arabic_text.fill("قوات الحشد الشعبي لم تعبر الحدود السورية ولا تهاجم البوكمال")
    page.click("input[name=_continue]")

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    claim = Claim.objects.get(pk=claim.pk)
    assert [(t["language"], t["text"]) for t in claim.translations] == [
        ("ar", "قوات الحشد الشعبي لم تعبر الحدود السورية ولا تهاجم البوكمال"),
        ("fa", "نیروهای حشد شعبی از مرز سوریه عبور نکرده‌اند"),
    ]
    assert claim.text == "The PMF have not crossed the Syrian border"  # the original, as written
    assert computed_direction(page.locator("textarea[name='translations-1-text']")) == "rtl"
