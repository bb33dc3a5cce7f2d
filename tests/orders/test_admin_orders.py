"""The admin's Orders page: filters, the detail with snapshot and timeline, staff actions."""

from __future__ import annotations

import pytest

from orders.events import EventSpec
from orders.models import Order, OrderEventType
from orders.services import OrderRequest, order_place, order_transition
from orders.states import OrderStatus
from tests.orders.conftest import SHIPPING

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, demo_catalogue):
    from tests.factories import StaffFactory

    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    return client


@pytest.fixture
def order(customer, demo_catalogue):
    return order_place(
        actor=customer, request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections={})
    )


def test_list_filters_by_status_mode_stage_and_batch(admin_client, order):
    Order.objects.filter(pk=order.pk).update(stage="paint", batch="B-7")
    url = "/admin/orders/order/"
    assert str(order.pk)[:8] in admin_client.get(url).content.decode()
    for query in ("status__exact=placed", "production_mode__exact=standard", "stage=paint", "batch=B-7"):
        assert str(order.pk)[:8] in admin_client.get(f"{url}?{query}").content.decode(), query
    for query in ("status__exact=shipped", "stage=assembly", "batch=-"):
        assert str(order.pk)[:8] not in admin_client.get(f"{url}?{query}").content.decode(), query


def test_detail_shows_snapshot_and_timeline(admin_client, order):
    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Price breakdown:" in html and "&quot;baseline_price&quot;: &quot;899.00&quot;" in html
    assert "Order placed" in html
    assert "Cancel with a reason" in html and "Mark shipped" not in html


def test_cancel_with_a_reason(admin_client, order):
    url = f"/admin/orders/order/{order.pk}/cancel/"
    assert admin_client.post(url, {"reason": ""}).status_code == 200  # the form asks again
    response = admin_client.post(url, {"reason": "Customer called"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.get(type="cancelled").message == "Customer called"


def test_mark_shipped_only_when_completed(admin_client, order):
    admin_client.post(f"/admin/orders/order/{order.pk}/ship/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    from django.db import transaction

    steps = {
        OrderStatus.ROUTED: OrderEventType.ROUTED,
        OrderStatus.QUEUED: OrderEventType.QUEUED,
        OrderStatus.IN_PRODUCTION: OrderEventType.STAGE_STARTED,
        OrderStatus.COMPLETED: OrderEventType.COMPLETED,
    }
    with transaction.atomic():
        for status, event_type in steps.items():
            order_transition(
                order_id=order.pk, to=status, event=lambda _, kind=event_type: EventSpec(kind, "By hand.")
            )
    assert "Mark shipped" in admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    admin_client.post("/admin/orders/order/", {"action": "mark_shipped", "_selected_action": [str(order.pk)]})
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.events.filter(type="shipped").count() == 1


def test_customers_cannot_ship(customer, order):
    from configurator.plumbing.errors import PermissionDeniedError
    from orders.services import order_ship

    with pytest.raises(PermissionDeniedError):
        order_ship(actor=customer, order_id=order.pk)
