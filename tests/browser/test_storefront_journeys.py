"""A shopper's journeys in a real browser: sign up, configure through blocked values and a
conflict, share, save, quote, order (a double click orders once), on each page an accessibility
check, and the pages at a phone's width."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from configurator.storefront.models import SavedConfiguration
from orders.models import Order, Quote

from .conftest import (
    PHONE,
    assert_accessible,
    assert_fits_the_width,
    log_in,
    round_trip_report,
    rounds,
    wait_for_round,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(demo_catalogue):
    return demo_catalogue


def sign_up(page, username: str) -> None:
    page.goto(f"{page.base}/")
    assert_accessible(page, what="the catalogue")
    page.get_by_role("link", name="Sign up").click()
    assert_accessible(page, what="the sign-up page")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Password confirmation").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{page.base}/")
    assert page.get_by_text(f"Welcome, {username}!").is_visible()


def choose(page, set_code: str, value_name: str, *, force: bool = False) -> int:
    before = rounds(page)
    page.locator(f"#set-{set_code} label", has_text=value_name).first.click(force=force)
    return wait_for_round(page, before)


def test_sign_up_configure_the_bike_share_save_quote_and_order(page, context, catalogue):
    sign_up(page, "erin")
    page.get_by_role("link", name="Configure the City bike").click()
    wait_for_round(page, 0)
    assert_accessible(page, what="the bike configurator")
    assert page.locator("#total").inner_text() == "899.00 EUR"
    standard_ship_date = page.get_attribute("#ship-date", "data-date")

    # A batchable colour: the price rises and the bike ships later, in a batch.
    choose(page, "colour", "Racing green")
    assert page.locator("#mode").inner_text() == "Batch production"
    assert page.get_attribute("#ship-date", "data-date") > standard_ship_date
    assert page.get_attribute("#picture", "data-colour") == "racing_green"
    assert "racing green" in page.get_attribute("#picture", "aria-label")

    # Carbon blocks the rack: disabled, and its reason shows on keyboard focus and on hover.
    choose(page, "frame", "Carbon fibre")
    rack = page.locator("#set-accessories .value[data-value=rack]")
    assert "blocked" in rack.get_attribute("class")
    assert rack.locator("input").get_attribute("aria-disabled") == "true"
    rack.locator("input").focus()
    reason = rack.locator(".reason")
    assert reason.is_visible()
    assert "A carbon frame cannot carry a rack" in reason.inner_text()
    assert reason.get_attribute("role") == "tooltip"
    rack.locator("input").blur()
    page.locator("#product-title").hover()
    assert not reason.is_visible()
    rack.locator("label").hover()
    assert reason.is_visible()
    # Carbon also implies disc brakes... or hydraulic: the rim brakes are blocked.
    assert "blocked" in page.locator("#set-brakes .value[data-value=rim]").get_attribute("class")

    # Forcing the blocked rack on purpose: a conflict, explained, with one-click repairs.
    before = rounds(page)
    rack.locator("label").click(force=True)  # Playwright refuses aria-disabled targets; people can click
    page.get_by_role("button", name="Choose Rear rack anyway").click()
    wait_for_round(page, before)
    conflict = page.locator("#conflict")
    assert conflict.is_visible()
    assert "A carbon frame cannot carry a rack" in conflict.inner_text()
    assert_accessible(page, what="the configurator showing a conflict")
    repairs = conflict.get_by_role("button")
    assert repairs.count() >= 1
    repair = conflict.get_by_role("button", name=re.compile("Change Frame from Carbon fibre"))
    before = rounds(page)
    repair.click()
    wait_for_round(page, before)
    assert not conflict.is_visible()
    assert page.locator("#set-accessories .value[data-value=rack] input").is_checked()
    assert not page.locator("#set-frame .value[data-value=carbon] input").is_checked()

    # A made-to-measure number, a text and quantity breaks.
    before = rounds(page)
    page.get_by_label("Saddle height in cm").fill("82")
    page.get_by_label("Saddle height in cm").press("Enter")
    wait_for_round(page, before)
    assert page.locator("#mode").inner_text() == "Made by hand"
    before = rounds(page)
    page.get_by_label("Quantity").fill("6")
    page.get_by_label("Quantity").press("Enter")
    wait_for_round(page, before)
    assert page.locator("#tiers-row").is_visible()
    assert "(−3 %)" in page.locator("#tiers").inner_text()
    total = page.locator("#total").inner_text()
    assert total.endswith("for 6")

    # The link reproduces the configuration exactly in a fresh context (no cookies, no login).
    link = page.locator("#share-link").input_value()
    assert "-quantity=6" in link and "colour=racing_green" in link
    fresh = context.browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(link)
        wait_for_round(other, 0)
        assert other.locator("#total").inner_text() == total
        assert other.locator("#set-colour .value[data-value=racing_green] input").is_checked()
        assert other.get_by_label("Saddle height in cm").input_value() == "82"
        assert other.locator("#link-notice").is_hidden()
        assert other.get_by_role("link", name="Log in").is_visible()
    finally:
        fresh.close()

    # Save it under a name, find it under Saved, reopen it.
    timings = page.evaluate("window.__atelierTimings")
    page.get_by_label("Save as").fill("Green commuter")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved as “Green commuter”").wait_for()
    saved = SavedConfiguration.objects.get(customer__username="erin")
    assert saved.quantity == 6 and saved.selections["colour"] == "racing_green"

    # Back to the standard product.
    before = rounds(page)
    page.get_by_role("button", name="Back to the standard product").click()
    wait_for_round(page, before)
    assert page.locator("#total").inner_text() == "899.00 EUR"
    assert page.get_attribute("#ship-date", "data-date") == standard_ship_date

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved").click()
    assert_accessible(page, what="the saved configurations")
    page.get_by_role("link", name="Green commuter").click()
    wait_for_round(page, 0)
    assert page.locator("#total").inner_text() == total

    # Quote, then order with a double click: one order.
    print(round_trip_report("city bike", timings + page.evaluate("window.__atelierTimings")))
    page.get_by_role("button", name="Get a quote").click()
    page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]+/$"))
    assert_accessible(page, what="the quote page")
    quote = Quote.objects.get(customer__username="erin")
    assert f"{quote.total} EUR" in page.locator("#quote-total").inner_text()
    assert "Valid until" in page.locator("#quote-price").inner_text()

    page.get_by_label("Full name").fill("Erin Example")
    page.get_by_label("Address", exact=True).fill("1 Main Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country code").fill("1x")
    page.get_by_role("button", name=re.compile("Place the order")).click()
    country_error = page.locator("#err-country")
    country_error.wait_for()
    assert "two-letter country code" in country_error.inner_text()
    assert page.get_by_label("Country code").get_attribute("aria-invalid") == "true"
    assert_accessible(page, what="the order form with an error")

    page.get_by_label("Country code").fill("de")
    page.get_by_role("button", name=re.compile("Place the order")).dblclick()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]+/$"))
    assert Order.objects.filter(customer__username="erin").count() == 1
    order = Order.objects.get(customer__username="erin")
    assert order.ship_to_country == "DE" and order.quote_id == quote.id
    page.locator("#timeline li").first.wait_for()
    assert "Order placed" in page.locator("#timeline").inner_text()
    assert_accessible(page, what="the order page")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders").click()
    assert_accessible(page, what="my orders")
    assert str(order.id)[:8] in page.content()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quotes").click()
    assert_accessible(page, what="my quotes")


def test_the_shirt_made_to_measure(page, catalogue):
    get_user_model().objects.create_user("frank", "frank@example.com", "a-long-pass-phrase")
    log_in(page, "frank", "a-long-pass-phrase")
    page.goto(f"{page.base}/products/custom-shirt/")
    wait_for_round(page, 0)
    # Standard sizes take the standard measurements: the numbers are fixed until made to measure.
    choose(page, "size", "L")
    assert page.locator("#range-neck").inner_text().startswith("With your choices: 40–40")
    choose(page, "size", "Made to measure")
    assert page.locator("#mode").inner_text() == "Made by hand"
    before = rounds(page)
    page.get_by_label("Neck in cm").fill("45")
    page.get_by_label("Neck in cm").press("Enter")
    wait_for_round(page, before)
    # chest >= 2 * neck + 10: the chest range narrows to 100 and up.
    assert page.locator("#range-chest").inner_text().startswith("With your choices: 100–150")
    assert_accessible(page, what="the shirt configurator")

    # A chest below the range is a conflict with repairs that keep the latest choice.
    before = rounds(page)
    page.get_by_label("Chest in cm").fill("96")
    page.get_by_label("Chest in cm").press("Enter")
    wait_for_round(page, before)
    conflict = page.locator("#conflict")
    assert conflict.is_visible()
    assert "twice the neck plus 10" in conflict.inner_text()
    before = rounds(page)
    conflict.get_by_role("button", name=re.compile("Change Neck")).first.click()
    wait_for_round(page, before)
    assert not conflict.is_visible()
    assert page.get_by_label("Chest in cm").input_value() == "96"
    neck = float(page.get_by_label("Neck in cm").input_value())
    assert 2 * neck + 10 <= 96

    # A monogram needs its position: choosing a monogram implies where it can go.
    before = rounds(page)
    page.get_by_label("Monogram").fill("AB")
    page.get_by_label("Monogram").press("Tab")
    wait_for_round(page, before)
    assert page.locator("#set-monogram_position").get_attribute("data-state") == "choose one"
    assert page.locator("#quote-button").get_attribute("aria-disabled") == "true"
    choose(page, "monogram_position", "Chest")
    assert page.locator("#quote-button").get_attribute("aria-disabled") is None
    page.get_by_role("button", name="Get a quote").click()
    page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]+/$"))
    quote = Quote.objects.get(customer__username="frank")
    assert quote.selections["size"] == "made_to_measure" and quote.selections["chest"] == 96
    assert quote.production_mode == "custom"


def test_pages_fit_a_phone_and_errors_look_like_the_site(browser, live_server, catalogue):
    get_user_model().objects.create_user("gina", "gina@example.com", "a-long-pass-phrase")
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.base = live_server.url
        for path in (
            "/",
            "/products/city-bike/",
            "/products/office-chair/",
            "/accounts/login/",
            "/accounts/signup/",
        ):
            page.goto(f"{page.base}{path}")
            if path.startswith("/products/"):
                wait_for_round(page, 0)
            assert_fits_the_width(page)
            assert_accessible(page, what=f"{path} on a phone")
        missing = page.goto(f"{page.base}/products/no-such-bike/")
        assert missing.status == 404
        assert page.get_by_role("heading", name="We could not find that page").is_visible()
        assert page.locator(".site-header").is_visible()
        assert_fits_the_width(page)
        assert_accessible(page, what="the 404 page")
        page.goto(f"{page.base}/accounts/password-reset/")
        assert_accessible(page, what="the password reset page")
        log_in(page, "gina", "a-long-pass-phrase")
        for path in ("/orders/", "/quotes/", "/saved/"):
            page.goto(f"{page.base}{path}")
            assert_fits_the_width(page)
            assert_accessible(page, what=f"{path} on a phone")
    finally:
        phone.close()


def test_a_link_from_an_older_version_says_what_no_longer_fits(page, catalogue):
    page.goto(
        f"{page.base}/products/city-bike/?-version=0&frame=titanium&colour=white&accessories=rack,jetpack"
    )
    wait_for_round(page, 0)
    notice = page.locator("#link-notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "made for version 0" in text and "“titanium” is no longer offered" in text
    assert "“jetpack” no longer offered" in text
    assert page.locator("#set-colour .value[data-value=white] input").is_checked()
    assert page.locator("#set-accessories .value[data-value=rack] input").is_checked()
    assert "frame=titanium" not in page.locator("#share-link").input_value()
