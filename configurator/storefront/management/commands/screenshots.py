"""Save a screenshot of each storefront page (the README shows them): starts the site in this
process against the configured database, loads the demo catalogue, places a demo order for alice
and drives Debian's Chromium with Playwright (the dev extra)."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from orders.services import OrderRequest, order_place, quote_create

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHIPPING = {
    "name": "Alice Example",
    "line1": "1 Main Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        return


class Command(BaseCommand):
    help = "Save a PNG of each storefront page into a folder (default docs/screenshots)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "screenshots"))
        parser.add_argument("--chromium", default=CHROMIUM)

    def handle(self, *args, output: str, chromium: str, **options) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise CommandError("Install the dev extra first: pip install -e '.[dev]'") from None
        if not Path(chromium).exists():
            raise CommandError(f"No Chromium at {chromium}: apt-get install chromium")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", verbosity=0)
        alice = get_user_model().objects.get(username="alice")
        quote = quote_create(
            actor=alice,
            product_code="city-bike",
            selections={"frame": "steel", "colour": "racing_green", "accessories": ["lights", "mudguards"]},
            quantity=2,
        )
        order = order_place(
            actor=alice,
            request=OrderRequest(
                shipping=SHIPPING,
                product_code="city-bike",
                selections={"colour": "white", "saddle_height": 84},
            ),
        )
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(get_wsgi_application())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True, args=CHROMIUM_ARGS
                )
                self.shoot(browser, base, folder, quote_id=quote.id, order_id=order.id)
                browser.close()
        finally:
            server.shutdown()
        self.stdout.write(self.style.SUCCESS(f"Screenshots saved in {folder}"))

    def shoot(self, browser, base: str, folder: Path, *, quote_id, order_id) -> None:
        desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = desktop.new_page()

        def save(name: str, url: str, *, configurator: bool = False, full: bool = True) -> None:
            page.goto(f"{base}{url}")
            if configurator:
                page.wait_for_function(
                    "() => Number(document.getElementById('configurator').dataset.rounds) > 0"
                )
            page.screenshot(path=str(folder / f"{name}.png"), full_page=full)
            self.stdout.write(f"  {name}.png  {url}")

        save("catalogue", "/")
        save(
            "configurator-bike",
            "/products/city-bike/?frame=steel&colour=racing_green&accessories=rack,lights",
            configurator=True,
        )
        page.goto(f"{base}/products/city-bike/?frame=carbon&accessories=rack")
        page.wait_for_function("() => Number(document.getElementById('configurator').dataset.rounds) > 0")
        page.locator("#conflict").scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "configurator-conflict.png"), full_page=False)
        self.stdout.write("  configurator-conflict.png")
        save(
            "configurator-shirt",
            "/products/custom-shirt/?size=made_to_measure&neck=42&chest=100",
            configurator=True,
        )
        save("sign-up", "/accounts/signup/")
        save("not-found", "/products/no-such-product/")
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("alice")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        save("quote", f"/quotes/{quote_id}/")
        save("order", f"/orders/{order_id}/")
        save("my-orders", "/orders/")
        desktop.close()
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="en-GB")
        page = phone.new_page()
        save(
            "phone-configurator",
            "/products/office-chair/?upholstery=mesh&colour=navy",
            configurator=True,
            full=False,
        )
        phone.close()
