"""Imported Renault (99 option sets, 396 values) in the browser: grouped, collapsible, searchable,
and the guidance round trip timed in the page (printed, never asserted: timings belong in
benchmarks, and this machine is shared)."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from tests.requirements import shared_benchmark

from .conftest import assert_accessible, round_trip_report, rounds, wait_for_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = 30


def test_renault_is_grouped_searchable_and_timed(page):
    call_command(
        "import_product",
        str(shared_benchmark("renault/megane.xml")),
        "--code",
        "megane",
        "--publish",
        verbosity=0,
    )
    page.goto(f"{page.base}/products/megane/")
    wait_for_round(page, 0)
    groups = page.locator("details.set-group")
    assert groups.count() == 10
    assert page.locator("fieldset.option-set").count() == 99
    assert page.locator("details.set-group[open]").count() == 1
    assert_accessible(page, what="the Renault configurator")

    # Search finds one set by name and opens its group; clearing it shows them all again.
    page.get_by_label("Find an option set or value").fill("var58")
    assert page.locator("fieldset.option-set:visible").count() == 1
    assert page.locator("#set-Var58").is_visible()
    assert page.locator("#search-count").inner_text() == "1 option set shown"
    page.get_by_label("Find an option set or value").fill("")
    page.get_by_role("button", name="Collapse all").click()
    assert page.locator("details.set-group[open]").count() == 0
    page.get_by_role("button", name="Expand all").click()
    assert page.locator("details.set-group[open]").count() == 10

    # A customer's walk through the model: each step picks an available value of an open set.
    chooser = random.Random(13)
    for _ in range(STEPS):
        candidates = page.evaluate(
            """() => Array.from(
                   document.querySelectorAll("fieldset.option-set[data-open=true] .value:not(.blocked)"))
                 .filter(v => v.dataset.value && !v.querySelector("input").checked)
                 .map(v => v.querySelector("input").id)"""
        )
        if not candidates:
            break
        before = rounds(page)
        page.locator(f"label[for='{chooser.choice(candidates)}']").click()
        wait_for_round(page, before)
        assert not page.locator("#conflict").is_visible(), "choosing an available value never conflicts"
    timings = page.evaluate("window.__atelierTimings")
    assert len(timings) >= 5
    # The first answer compiles the model in the server process: left out, as a warm server would.
    print(round_trip_report("Renault megane (99 sets, 396 values)", timings[1:]))
    print(
        round_trip_report("  of which updating the page", page.evaluate("window.__atelierRenderTimings")[1:])
    )

    # Only the sets still open; the rest are settled by the choices.
    page.get_by_label("Only sets still open").check()
    open_sets = page.locator("fieldset.option-set:visible").count()
    assert open_sets < 99
    assert all(
        state != "your choice"
        for state in page.locator("fieldset.option-set:visible").evaluate_all(
            "s => s.map(f => f.dataset.state)"
        )
    )
