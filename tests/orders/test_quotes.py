from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from configurator.plumbing.errors import QuoteExpiredError
from orders.models import Quote
from orders.services import quote_ensure_orderable
from products.services import product_import
from tests.factories import UserFactory, demo_document

pytestmark = pytest.mark.django_db

CARBON = {
    "frame": "carbon",
    "brakes": "hydraulic",
    "colour": "custom_paint",
    "accessories": ["lights", "mudguards"],
    "saddle_height": 81.5,
}


def create(client, selections=CARBON, quantity=1, product="city-bike", **extra):
    return client.post(
        "/api/quotes/",
        {"product": product, "selections": selections, "quantity": quantity, **extra},
        format="json",
    )


def test_a_quote_freezes_the_configure_price_and_production(customer_client, demo_catalogue):
    configured = customer_client.post(
        "/api/products/city-bike/configure", {"selections": CARBON, "quantity": 12}, format="json"
    ).json()
    response = create(customer_client, quantity=12)
    assert response.status_code == 201
    quote = response.json()
    assert quote["price"] == configured["price"]
    assert quote["production"] == configured["production"]
    assert (quote["product"], quote["version"], quote["quantity"], quote["production_mode"]) == (
        "city-bike",
        1,
        12,
        "custom",
    )
    # 899 + carbon 650 + custom paint 250 + hydraulic 160 + mudguards 35 + lights 70 + saddle 40
    # + hand work 140 min at 48/h = 112.00, at a 35 % margin 172.31 + inspection 12.00 at 20 % 15.00
    # - commuter bundle 15 + carbon care 2 % of the 2291.31 before rules (45.83) = 2322.14 a unit;
    # graduated: 4 at 2322.14 + 5 at 3 % off (2252.48) + 3 at 6 % off (2182.81) = 27099.39
    assert (quote["unit_price"], quote["total"]) == ("2322.14", "27099.39")
    assert Decimal("2322.14") * 4 + Decimal("2252.48") * 5 + Decimal("2182.81") * 3 == Decimal("27099.39")
    assert quote["selections"] == {
        **CARBON,
        "accessories": ["mudguards", "lights"],
        "size": "m",
        "gears": "hub7",
        "engraving": "",
        "gift_wrap": False,
    }
    assert quote["expired"] is False
    valid_until = timezone.datetime.fromisoformat(quote["valid_until"])
    assert timedelta(days=29, hours=23) < valid_until - timezone.now() <= timedelta(days=30)
    assert "margin" not in quote["price"] and "cost" not in quote["price"]["lines"][0]


def test_staff_see_costs_and_margin(staff_client, customer, customer_client, demo_catalogue):
    quote_id = create(customer_client).json()["id"]
    quote = staff_client.get(f"/api/quotes/{quote_id}/").json()
    # baseline 430 + carbon 310 + paint 80 + hydraulic 70 + mudguards 12 + lights 31 + saddle 8
    # + 140 min at 48/h (112) + inspection 12
    assert quote["price"]["margin"]["unit_cost"] == "1065.00"
    assert quote["price"]["lines"][0]["cost"] == "430.00"
    assert quote["customer"] == customer.username
    # Rendered in the same thread after staff's, the customer's answer shows no cost.
    again = customer_client.get(f"/api/quotes/{quote_id}/").json()
    assert "margin" not in again["price"] and "cost" not in again["price"]["lines"][0]


def test_a_price_sent_by_the_client_is_ignored(customer_client, demo_catalogue):
    response = create(customer_client, unit_price="1.00", total="1.00", price={"total": "1.00"})
    assert response.status_code == 201
    assert response.json()["total"] == "2322.14"


def test_an_incomplete_configuration_is_refused_naming_the_sets(customer_client, demo_catalogue):
    document = demo_document("custom-shirt")
    document["option_sets"][0]["default"] = None
    product_import(document=document, publish=True)
    response = create(customer_client, selections={"collar": "classic"}, product="custom-shirt")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_configuration"
    assert body["fields"] == {
        "selections.fabric": [
            {"code": "not_chosen", "message": "Choose a value for Fabric.", "constraint": None}
        ]
    }
    assert not Quote.objects.exists()


def test_an_invalid_configuration_is_refused_with_the_engine_errors(customer_client, demo_catalogue):
    response = create(customer_client, selections={"frame": "carbon", "accessories": ["rack"]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_configuration"
    no_rack = {
        "code": "constraint_violated",
        "message": "A carbon frame cannot carry a rack or a child seat.",
        "constraint": "carbon_no_rack",
    }
    disc_brakes = {
        "code": "constraint_violated",
        "message": "Carbon frames are built for disc brakes.",
        "constraint": "carbon_disc_brakes",
    }
    assert body["fields"]["selections.frame"] == [no_rack, disc_brakes]
    assert body["fields"]["selections.accessories"] == [no_rack]
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (-3, "Ensure this value is greater than or equal to 1."),
        (10_001, "At most 10000 units."),
        ("lots", "Expected a whole number."),
        ("2", "Expected a whole number."),
    ],
)
def test_bad_quantities_are_refused(customer_client, demo_catalogue, quantity, message):
    response = create(customer_client, quantity=quantity)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "quantity": [
            {"code": response.json()["fields"]["quantity"][0]["code"], "message": message, "constraint": None}
        ]
    }
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": "city-bike"}, "selections"),
        ({"selections": {}}, "product"),
        ({"product": "city-bike", "selections": {"frame": "gold"}}, "selections.frame"),
        ({"product": "city-bike", "selections": {"wheels": 3}}, "selections.wheels"),
    ],
)
def test_malformed_requests_name_the_field(customer_client, demo_catalogue, body, field):
    response = customer_client.post("/api/quotes/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_unknown_product_and_anonymous_caller(api_client, customer_client, demo_catalogue):
    assert create(customer_client, product="nope").status_code == 404
    assert create(api_client).status_code == 401


def test_customers_see_only_their_own_quotes(customer_client, demo_catalogue):
    mine = create(customer_client).json()["id"]
    other = Quote.objects.get(pk=mine)
    other.pk = None
    other.id = __import__("uuid").uuid4()
    other.customer = UserFactory()
    other.save()
    assert customer_client.get(f"/api/quotes/{other.id}/").status_code == 404
    assert customer_client.get("/api/quotes/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert [quote["id"] for quote in customer_client.get("/api/quotes/").json()["results"]] == [mine]


def test_list_filters(customer_client, demo_catalogue):
    create(customer_client)
    create(customer_client, selections={"frame": "steel"})
    create(customer_client, selections={}, product="office-chair")
    listed = customer_client.get("/api/quotes/?production_mode=batch").json()["results"]
    assert [(quote["product"], quote["production_mode"]) for quote in listed] == [("city-bike", "batch")]
    assert len(customer_client.get("/api/quotes/?product=office-chair").json()["results"]) == 1
    assert customer_client.get("/api/quotes/?expired=true").json()["results"] == []
    assert customer_client.get("/api/quotes/?expired=maybe").status_code == 400


def test_quote_on_an_old_version_stays_readable_and_orderable_until_it_expires(
    customer_client, demo_catalogue
):
    quote_id = create(customer_client).json()["id"]
    cheaper = demo_document("city-bike")
    cheaper["baseline"]["price"] = "799.00"
    product_import(document=cheaper, publish=True)
    quote = customer_client.get(f"/api/quotes/{quote_id}/").json()
    assert (quote["version"], quote["unit_price"]) == (1, "2322.14")
    stored = Quote.objects.get(pk=quote_id)
    assert quote_ensure_orderable(quote=stored) == stored
    with pytest.raises(QuoteExpiredError) as caught:
        quote_ensure_orderable(quote=stored, now=stored.valid_until)
    assert caught.value.status_code == 409
    stored.valid_until = timezone.now() - timedelta(seconds=1)
    stored.save()
    assert customer_client.get(f"/api/quotes/{quote_id}/").json()["expired"] is True
    # 100 less on the baseline, and 2 less on the 2 % carbon care plan
    assert create(customer_client).json()["unit_price"] == str(Decimal("2322.14") - 100 - 2)


def test_quote_validity_is_configurable(customer_client, demo_catalogue, settings):
    settings.ATELIER_QUOTE_VALIDITY_DAYS = 7
    quote = create(customer_client).json()
    valid_until = timezone.datetime.fromisoformat(quote["valid_until"])
    assert timedelta(days=6, hours=23) < valid_until - timezone.now() <= timedelta(days=7)


def test_a_new_quote_answers_what_reading_it_answers_without_reading_its_version(
    customer_client, staff_client, demo_catalogue
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    create(customer_client)  # the process's caches warm
    for client in (customer_client, staff_client):
        with CaptureQueriesContext(connection) as queries:
            response = create(client)
        assert response.status_code == 201
        reads = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
        if client is customer_client:  # staff price on the product read afresh, with its version
            assert not [sql for sql in reads if 'FROM "products_productversion"' in sql]
        quote = response.json()
        assert quote["version"] == 1
        assert client.get(f"/api/quotes/{quote['id']}/").json() == quote
