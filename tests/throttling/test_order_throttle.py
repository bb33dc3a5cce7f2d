"""Order placement is throttled on a counter every web process shares."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from configurator.throttling.models import RateCounter
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders_a_minute(monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "orders": "2/min"}
    )


def test_the_limit_holds_across_processes_without_a_shared_cache(
    customer_client, demo_catalogue, two_orders_a_minute
):
    assert [place(customer_client).status_code for _ in range(2)] == [201, 201]
    caches["default"].clear()  # another web process: its own empty memory, the same database
    refused = place(customer_client)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 120
    assert RateCounter.objects.get().count == 2


def test_the_order_list_is_not_throttled(customer_client, demo_catalogue, two_orders_a_minute):
    for _ in range(3):
        place(customer_client)
    assert customer_client.get("/api/orders/").status_code == 200
