"""Shipping fields are printed on labels: control characters and bidirectional overrides are
refused, text is stored composed (NFC)."""

from __future__ import annotations

import pytest

from orders.models import Order
from tests.orders.conftest import SHIPPING, place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "code_point"),
    [
        ("name", "Alice\u202eecilA", "U+202E"),  # right-to-left override
        ("line1", "1 Main\u2066 Street", "U+2066"),  # left-to-right isolate
        ("city", "Ber\u200flin", "U+200F"),  # right-to-left mark
        ("name", "Alice\x00", "U+0000"),
        ("line2", "Flat 3\nRing twice", "U+000A"),
        ("postal_code", "101\t15", "U+0009"),
        ("phone", "+49\x1b[31m", "U+001B"),
        ("name", "Al\ufeffice", "U+FEFF"),
    ],
)
def test_control_and_bidi_characters_are_refused_naming_the_field(
    customer_client, demo_catalogue, field, value, code_point
):
    response = place(customer_client, shipping={**SHIPPING, field: value})
    assert response.status_code == 400, response.json()
    body = response.json()
    assert list(body["fields"]) == [f"shipping.{field}"]
    assert code_point in body["message"]
    assert not Order.objects.exists()


def test_text_is_stored_composed_and_joiners_are_kept(customer_client, demo_catalogue):
    decomposed = "Jose\u0301 Mu\u0308ller"
    persian = "می\u200cخواهم"
    response = place(customer_client, shipping={**SHIPPING, "name": decomposed, "line2": persian})
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.ship_to_name == "José Müller" and len(order.ship_to_name) == 11
    assert order.ship_to_line2 == persian
    assert response.json()["shipping"]["name"] == "José Müller"
