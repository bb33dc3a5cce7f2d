"""The worked pricing example of the README and docs/pricing.md, through the configure endpoint:
every figure they print, derived here from the city bike's document."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

SELECTIONS = {
    "frame": "steel",
    "colour": "racing_green",
    "accessories": ["mudguards", "lights"],
}


@pytest.fixture
def answer(staff_client, demo_catalogue) -> dict:
    response = staff_client.post(
        "/api/products/city-bike/configure", {"selections": SELECTIONS, "quantity": 6}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_the_lines_add_up_to_the_documented_unit_price(answer):
    price = answer["price"]
    lines = {line["code"]: (Decimal(line["amount"]), Decimal(line["cost"])) for line in price["lines"]}
    assert lines["baseline"] == (Decimal("899.00"), Decimal("430.00"))
    assert lines["frame.steel"] == (Decimal("120.00"), Decimal("55.00"))
    assert lines["colour.racing_green"] == (Decimal("90.00"), Decimal("22.00"))
    assert lines["accessories.mudguards"] == (Decimal("35.00"), Decimal("12.00"))
    assert lines["accessories.lights"] == (Decimal("70.00"), Decimal("31.00"))
    # two changeovers (frame, colour) x 180.00 shared by a batch of 25 = 14.40, at a 25 % margin
    setup_cost = 2 * Decimal("180.00") / 25
    assert lines["setup"] == ((setup_cost / (1 - Decimal("0.25"))).quantize(Decimal("0.01")), setup_cost)
    assert lines["commuter_bundle"][0] == Decimal("-15.00")
    unit = 899 + 120 + 90 + 35 + 70 + Decimal("19.20") - 15
    assert Decimal(price["unit_price"]) == unit == Decimal("1218.20")
    assert sum(amount for amount, _ in lines.values()) == unit


def test_graduated_breaks_premium_and_margin(answer):
    price = answer["price"]
    assert price["quantity_breaks"]["mode"] == "graduated"
    discounted = Decimal("1218.20") - (Decimal("1218.20") * 3 / 100).quantize(Decimal("0.01"))
    assert discounted == Decimal("1181.65")
    tiers = [(tier["quantity"], Decimal(tier["unit_price"])) for tier in price["quantity_breaks"]["tiers"]]
    assert tiers == [(4, Decimal("1218.20")), (2, discounted)]
    total = 4 * Decimal("1218.20") + 2 * discounted
    assert Decimal(price["total"]) == total == Decimal("7236.10")
    assert (price["premium"]["amount"], price["premium"]["percent"]) == ("319.20", "35.5")
    unit_cost = Decimal("430.00") + 55 + 22 + 12 + 31 + Decimal("14.40")
    assert Decimal(price["margin"]["unit_cost"]) == unit_cost == Decimal("564.40")
    assert Decimal(price["margin"]["amount"]) == total - 6 * unit_cost == Decimal("3849.70")
    assert price["margin"]["percent"] == "53.2"


def test_mode_setup_key_and_lead_time(answer):
    production = answer["production"]
    assert production["mode"] == "batch"
    assert production["setup_key"] == "colour=racing_green|frame=steel"
    assert production["lead_time"]["components"] == [
        {"what": "baseline", "days": 5},
        {"what": "batch wait", "days": 6},
        {"what": "setup", "days": 1},
    ]
    assert production["lead_time"]["business_days"] == 5 + 6 + 1
