"""The placement's 201 is answered from what its transaction wrote, not read back: it must be what
reading the order answers at once, for an order of a configuration and of a quote (also one of an
older version), with and without staff costs."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manufacturing.documents import DEMO_FACTORY
from manufacturing.loading import factory_import
from orders.selectors import order_get
from orders.serializers import OrderOutput, order_output_data
from orders.services import OrderRequest, order_place
from products.services import product_import
from tests.factories import demo_document
from tests.orders.conftest import SHIPPING, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def factory(demo_catalogue):
    """The demo factory: every order has a route, hence stages and an ETA to track."""
    return factory_import(document=json.loads(DEMO_FACTORY.read_text()))


def _read_back(client, order: dict) -> dict:
    response = client.get(f"/api/orders/{order['id']}/")
    assert response.status_code == 200
    return response.json()


def _without_clock(order: dict) -> dict:
    # The ETA's completion time is counted from the moment of each answer.
    eta = order["tracking"]["eta"]
    return {**order, "tracking": {**order["tracking"], "eta": {**eta, "completes_at": None}}}


@pytest.mark.parametrize(
    "selections",
    [{"frame": "steel"}, {"frame": "carbon", "brakes": "disc"}, {"colour": "racing_green", "gears": "hub3"}],
)
def test_the_placement_answers_what_reading_the_order_answers(customer_client, factory, selections):
    response = place(customer_client, selections=selections, quantity=2)
    assert response.status_code == 201
    placed = response.json()
    assert placed["tracking"]["eta"] is not None and placed["timeline"]
    assert _without_clock(placed) == _without_clock(_read_back(customer_client, placed))


def test_a_staff_placement_answers_what_reading_it_answers(staff_client, factory):
    placed = place(staff_client).json()
    assert "margin" in placed["price"]
    assert _without_clock(placed) == _without_clock(_read_back(staff_client, placed))


def test_an_order_of_a_quote_on_an_older_version_answers_what_reading_it_answers(customer_client, factory):
    quote = customer_client.post(
        "/api/quotes/", {"product": "city-bike", "selections": {"frame": "steel"}}, format="json"
    ).json()
    newer = demo_document("city-bike")
    newer["baseline"]["price"] = "799.00"
    product_import(document=newer, publish=True)
    placed = place(customer_client, quote=quote["id"]).json()
    assert (placed["version"], placed["quote"]) == (1, quote["id"])
    assert _without_clock(placed) == _without_clock(_read_back(customer_client, placed))


def test_the_placement_does_not_read_the_order_back(customer_client, factory):
    place(customer_client)  # the process's caches warm
    with CaptureQueriesContext(connection) as queries:
        assert place(customer_client).status_code == 201
    reads = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "orders_order"' in sql or 'FROM "orders_orderevent"' in sql]
    assert not [sql for sql in reads if 'FROM "products_productversion"' in sql]


def test_the_order_serializer_bound_once_renders_what_a_new_one_renders(customer, staff, factory):
    placed = [
        order_place(
            actor=customer,
            request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections=selections),
        )
        for selections in ({"frame": "steel"}, {"frame": "carbon", "brakes": "disc"})
    ]
    now = timezone.now()
    # Alternating audiences and orders: nothing of one rendering may stay in the next.
    for viewer in (staff, customer, staff):
        for written in placed:
            order = order_get(actor=viewer, order_id=written.pk)
            context = {"staff": viewer.is_staff, "now": now}
            assert order_output_data(order, context=context) == OrderOutput(order, context=context).data
    assert "margin" in order_output_data(order, context={"staff": True, "now": now})["price"]
    assert "margin" not in order_output_data(order, context={"staff": False, "now": now})["price"]
