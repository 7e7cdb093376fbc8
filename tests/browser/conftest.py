"""A real Chromium (Debian's package, never a downloaded build) driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; Django's guard against ORM calls from
# async code would otherwise refuse the test's own (synchronous) database calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("FACTCHECK_REQUIRE_BROWSER"):
            pytest.fail(message)  # CI installs it: a missing browser there is a failure, not a skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def output_dir() -> Path:
    """Where screenshots go for a reviewer to look at (test-output/ at the repository root)."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
