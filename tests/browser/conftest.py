"""Browser tests: headless Chromium (Debian's, never a downloaded build) driven by Playwright
against pytest-django's live server. One browser per session; a fresh context per test.

Where no Chromium is installed these tests skip with a message saying so, except in CI
(``CI=true``), where they fail."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
#: WCAG 2.1 A and AA, what axe-core checks by these tags.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser


def _no_browser(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        _no_browser(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (pip install -e '.[dev]')")
    # Playwright's sync API keeps an event loop in this thread while the module's tests run; the ORM
    # calls they (and the database flush after each) make are ordinary blocking calls, not calls
    # from a coroutine. The loop and the variable end with the module, so neither reaches the tests
    # that this process runs next (under pytest-xdist, any module's).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageErrors(list):
    """Script errors a page raised; a test fails on any."""


@pytest.fixture
def context(browser) -> Iterator:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def page(context, live_server) -> Iterator:
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.base = live_server.url
    yield page
    assert not errors, f"script errors on the page: {errors}"


def assert_accessible(page, *, what: str = "") -> None:
    """Run axe-core on the page as it is and fail on any WCAG 2.1 A/AA violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", AXE_TAGS
    )
    report = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else json.dumps(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in violations
    ]
    assert not report, f"accessibility violations on {what or page.url}:\n" + "\n".join(report)


def assert_fits_the_width(page) -> None:
    """Nothing makes the page scroll sideways at this width."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px window"


def wait_for_round(page, after: int) -> int:
    """Wait until the configurator has applied an answer newer than round ``after``."""
    page.wait_for_function(
        "n => Number(document.getElementById('configurator').dataset.rounds || 0) > n", arg=after
    )
    return int(page.get_attribute("#configurator", "data-rounds"))


def rounds(page) -> int:
    return int(page.get_attribute("#configurator", "data-rounds") or 0)


def round_trip_report(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"{label}: {len(ordered)} round trips in the browser (change -> configure API -> page updated), "
        f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
    )


def log_in(page, username: str, password: str) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{page.base}/")
