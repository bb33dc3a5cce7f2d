"""The storefront's pages as the server renders them (the browser tests drive their scripts)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from configurator.storefront.links import configuration_query
from orders.services import OrderRequest, order_place, quote_create
from tests.orders.conftest import SHIPPING

pytestmark = pytest.mark.django_db


def test_catalogue_shows_each_product_with_picture_price_and_lead_time(client, demo_catalogue):
    html = client.get("/").content.decode()
    for name in ("City bike", "Office chair", "Custom shirt"):
        assert name in html
    assert "899.00 EUR" in html and "5 business days" in html
    assert 'class="drawing bike"' in html
    assert reverse("product-page", args=["city-bike"]) in html


def test_product_page_renders_a_control_per_kind(client, demo_catalogue):
    html = client.get("/products/city-bike/").content.decode()
    assert 'type="radio" name="frame"' in html
    assert 'type="checkbox" name="accessories"' in html and "Choose up to 3." in html
    assert 'type="number" id="v-saddle_height" name="saddle_height" min="60" max="95" step="0.5"' in html
    assert 'maxlength="20"' in html and "pattern=" in html
    assert 'role="switch" name="gift_wrap"' in html
    assert "3 % from 5 units" in html
    assert 'id="page-data"' in html


def test_unknown_product_is_a_404_in_the_site_style(client, demo_catalogue):
    response = client.get("/products/no-such-thing/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content and b"site-header" in response.content


def test_account_pages_need_a_login(client):
    for url in ("/orders/", "/quotes/", "/saved/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_quote_and_order_pages(client, customer, demo_catalogue):
    quote = quote_create(actor=customer, product_code="city-bike", selections={"frame": "steel"}, quantity=2)
    client.force_login(customer)
    html = client.get(f"/quotes/{quote.id}/").content.decode()
    assert "Chromoly steel" in html and 'id="order-form"' in html and "Valid until" in html
    order = order_place(actor=customer, request=OrderRequest(shipping=SHIPPING, quote_id=quote.id))
    html = client.get(f"/quotes/{quote.id}/").content.decode()
    assert 'id="order-form"' not in html and f"/orders/{order.id}/" in html
    page = client.get(f"/orders/{order.id}/").content.decode()
    assert 'id="order-view"' in page and "Chromoly steel" in page
    assert str(order.id)[:8] in client.get("/orders/").content.decode()


def test_someone_elses_order_and_quote_are_404(client, customer, demo_catalogue):
    from tests.factories import UserFactory

    quote = quote_create(actor=customer, product_code="city-bike", selections={}, quantity=1)
    client.force_login(UserFactory())
    assert client.get(f"/quotes/{quote.id}/").status_code == 404


def test_staff_see_links_to_the_admin(client, staff, customer):
    client.force_login(customer)
    assert "/admin/" not in client.get("/").content.decode().split("<main")[0]
    client.force_login(staff)
    header = client.get("/").content.decode().split("<main")[0]
    assert 'href="/admin/"' in header and 'href="/admin/orders/order/"' in header


def test_configuration_links_keep_the_order_of_choices():
    query = configuration_query(
        selections={"frame": "steel", "accessories": ["rack", "lights"], "gift_wrap": True, "lumbar": None},
        version=3,
        quantity=6,
    )
    assert query == "-version=3&-quantity=6&frame=steel&accessories=rack%2Clights&gift_wrap=true&lumbar="
