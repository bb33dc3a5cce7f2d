"""The promised ship date of configure, quotes and orders counts the live queue ahead on the work
centres of the route; the configure answer gives the footprint estimate next to the price."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.utils import timezone

from configurator.configure.services import queue_days_forget
from configurator.engine.pricing import add_business_days
from manufacturing.models import WorkItemState
from tests.orders.conftest import SHIPPING

from .conftest import item, job_for

pytestmark = pytest.mark.django_db

BATCH = {"frame": "steel"}


@pytest.fixture
def busy_paint_booth(factory, place, settings):
    """40 minutes waiting at the paint booth (capacity 1) and 30 per place at assembly (90 over
    capacity 3): 70 minutes ahead of a batch bike; 2 days of a 35-minute working day."""
    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 35

    def add() -> None:
        other = job_for(place(BATCH, quantity=5), factory.batch_route)
        item(other, factory.stage(factory.batch_route, "paint"), WorkItemState.WAITING)
        item(other, factory.stage(factory.batch_route, "assembly"), WorkItemState.WAITING)

    return add


def lead_time(production: dict) -> tuple[int, dict[str, int]]:
    lead = production["lead_time"]
    return lead["business_days"], {part["what"]: part["days"] for part in lead["components"]}


def test_configure_adds_the_queue_ahead_to_the_lead_time(api_client, busy_paint_booth):
    def configure() -> dict:
        response = api_client.post("/api/products/city-bike/configure", {"selections": BATCH}, format="json")
        assert response.status_code == 200
        return response.json()

    quiet_days, quiet = lead_time(configure()["production"])
    assert "queue load" not in quiet
    busy_paint_booth()
    answer = configure()
    days, parts = lead_time(answer["production"])
    assert parts["queue load"] == 2
    assert days == quiet_days + 2
    today = timezone.localdate()
    assert date.fromisoformat(answer["production"]["lead_time"]["ship_date"]) == add_business_days(
        today, days
    )


def test_the_queue_ahead_is_read_once_per_period_by_configure_and_quotes(
    api_client, customer_client, busy_paint_booth, settings
):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600

    def queue_load() -> int | None:
        response = api_client.post("/api/products/city-bike/configure", {"selections": BATCH}, format="json")
        return lead_time(response.json()["production"])[1].get("queue load")

    assert queue_load() is None
    busy_paint_booth()
    assert queue_load() is None  # the queue as read a moment ago, within the period
    quote = customer_client.post("/api/quotes/", {"product": "city-bike", "selections": BATCH}, format="json")
    assert "queue load" not in lead_time(quote.json()["production"])[1]
    queue_days_forget()  # the period is over
    assert queue_load() == 2


def test_quotes_and_orders_promise_the_ship_date_with_the_queue_ahead(customer_client, busy_paint_booth):
    busy_paint_booth()
    quote = customer_client.post("/api/quotes/", {"product": "city-bike", "selections": BATCH}, format="json")
    assert quote.status_code == 201
    assert lead_time(quote.json()["production"])[1]["queue load"] == 2
    order = customer_client.post(
        "/api/orders/",
        {"product": "city-bike", "selections": BATCH, "shipping": SHIPPING},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()
    days, parts = lead_time(order["production"])
    assert parts["queue load"] == 2
    assert date.fromisoformat(order["eta"]) == add_business_days(timezone.localdate(), days)


def test_configure_gives_the_footprint_estimate_next_to_the_price(api_client, factory):
    answer = api_client.post(
        "/api/products/city-bike/configure", {"selections": BATCH, "quantity": 2}, format="json"
    ).json()
    footprint = answer["footprint"]
    assert footprint["basis"] == "estimate"
    assert footprint["route"] == "Bike with batch paint"
    assert footprint["unit"]["materials"] == ["chromoly 4130"]
    assert footprint["baseline"]["materials"] == ["aluminium 6061"]
    assert footprint["new_materials"] == ["chromoly 4130"]
    # The batch route's stages against the standard line's (15 + 3 minutes a unit, no setup).
    assert float(footprint["unit"]["running_minutes"]) > float(footprint["baseline"]["running_minutes"]) >= 18


def test_without_a_factory_there_is_no_footprint_and_no_queue(api_client, demo_catalogue):
    answer = api_client.post("/api/products/city-bike/configure", {"selections": BATCH}, format="json").json()
    assert answer["footprint"] is None
    assert "queue load" not in lead_time(answer["production"])[1]
