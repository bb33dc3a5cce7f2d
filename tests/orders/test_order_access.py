"""Who sees and changes which orders, the list's filters and pagination, and its query count."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from orders.states import OrderStatus
from tests.factories import StaffFactory, UserFactory
from tests.orders.conftest import SHIPPING, place

pytestmark = pytest.mark.django_db


def test_customers_see_only_their_own_orders(customer_client, demo_catalogue):
    mine = place(customer_client).json()["id"]
    other_client = APIClient()
    other_client.force_authenticate(UserFactory())
    theirs = place(other_client).json()["id"]
    assert customer_client.get(f"/api/orders/{theirs}/").status_code == 404
    assert customer_client.post(f"/api/orders/{theirs}/cancel", {}, format="json").status_code == 404
    assert [order["id"] for order in customer_client.get("/api/orders/").json()["results"]] == [mine]
    assert Order.objects.get(pk=theirs).status == "placed"


def test_staff_see_every_order(staff_client, customer_client, demo_catalogue):
    ids = {place(customer_client).json()["id"] for _ in range(2)}
    listed = {order["id"] for order in staff_client.get("/api/orders/").json()["results"]}
    assert listed == ids
    detail = staff_client.get(f"/api/orders/{ids.pop()}/").json()
    assert "margin" in detail["price"]


def test_anonymous_callers_are_refused(api_client, demo_catalogue):
    assert api_client.get("/api/orders/").status_code == 401
    assert place(api_client).status_code == 401
    assert api_client.get(f"/api/orders/{uuid.uuid4()}/").status_code == 401


def test_customer_cancels_until_production_starts(customer_client, demo_catalogue):
    order_id = place(customer_client).json()["id"]
    response = customer_client.post(
        f"/api/orders/{order_id}/cancel", {"reason": "Changed my mind"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert [(event["type"], event["message"]) for event in body["timeline"]][-1] == (
        "cancelled",
        "Changed my mind",
    )
    started = place(customer_client).json()["id"]
    Order.objects.filter(pk=started).update(status=OrderStatus.IN_PRODUCTION)
    response = customer_client.post(f"/api/orders/{started}/cancel", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "production_started")
    assert Order.objects.get(pk=started).status == "in_production"


def test_staff_cancel_at_any_time_with_a_reason(staff_client, customer_client, demo_catalogue, staff):
    order_id = place(customer_client).json()["id"]
    Order.objects.filter(pk=order_id).update(status=OrderStatus.INSPECTION)
    response = staff_client.post(f"/api/orders/{order_id}/cancel", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    response = staff_client.post(
        f"/api/orders/{order_id}/cancel", {"reason": "Supplier recall"}, format="json"
    )
    assert response.json()["status"] == "cancelled"
    cancelled = Order.objects.get(pk=order_id).events.get(type="cancelled")
    assert (cancelled.actor, cancelled.message) == (staff, "Supplier recall")
    Order.objects.filter(pk=order_id).update(status=OrderStatus.SHIPPED)
    response = staff_client.post(f"/api/orders/{order_id}/cancel", {"reason": "Too late"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_list_filters(customer_client, demo_catalogue):
    steel = place(customer_client).json()["id"]
    standard = place(customer_client, selections={}).json()["id"]
    chair = place(
        customer_client, product="office-chair", selections={"seat_width": 520, "armrests": "none"}
    ).json()
    Order.objects.filter(pk=standard).update(status=OrderStatus.QUEUED, batch="B-7")
    Order.objects.filter(pk=steel).update(created_at=timezone.now() - timedelta(days=3))

    def ids(query: str) -> set[str]:
        response = customer_client.get(f"/api/orders/?{query}")
        assert response.status_code == 200, response.json()
        return {order["id"] for order in response.json()["results"]}

    assert ids("status=placed") == {steel, chair["id"]}
    assert ids("status=placed&status=queued") == {steel, standard, chair["id"]}
    assert ids("production_mode=custom") == {chair["id"]}
    assert ids("product=office-chair") == {chair["id"]}
    assert ids("batch=B-7") == {standard}
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"created_after={since}") == {standard, chair["id"]}
    assert ids(f"created_before={since}") == {steel}
    assert customer_client.get("/api/orders/?status=lost").status_code == 400
    assert customer_client.get("/api/orders/?created_after=yesterday").status_code == 400
    # An offset PostgreSQL cannot store is normalised to UTC first; an instant outside UTC's range is a 400.
    far_offset = (timezone.now() - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(18 * 60 + 25))
    assert ids(f"created_after={far_offset.isoformat().replace('+', '%2B')}") == {standard, chair["id"]}
    response = customer_client.get("/api/quotes/?created_after=0001-01-01T00:00:00%2B05:00")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["created_after"])


def test_cursor_pagination_walks_every_order_once(customer_client, customer, demo_catalogue):
    first = place(customer_client).json()
    template = Order.objects.get(pk=first["id"])
    now = timezone.now()
    for index in range(44):
        template.pk = uuid.uuid4()
        template.created_at = now - timedelta(minutes=index)
        template.save(force_insert=True)
    seen, url = [], "/api/orders/?page_size=10"
    while url:
        page = customer_client.get(url).json()
        seen += [order["id"] for order in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 45


def test_the_list_costs_the_same_queries_for_5_or_50_orders(
    customer_client, customer, demo_catalogue, django_assert_num_queries
):
    template = Order.objects.get(pk=place(customer_client).json()["id"])

    def add(count: int) -> None:
        for _ in range(count):
            template.pk = uuid.uuid4()
            template.save(force_insert=True)

    add(4)
    with django_assert_num_queries(1):
        assert len(customer_client.get("/api/orders/?page_size=50").json()["results"]) == 5
    add(45)
    with django_assert_num_queries(1):
        assert len(customer_client.get("/api/orders/?page_size=50").json()["results"]) == 50


def test_the_detail_costs_a_fixed_number_of_queries(
    customer_client, demo_catalogue, django_assert_num_queries
):
    order_id = place(customer_client).json()["id"]
    # The order with its job, its events, and the route it will take (its tracking).
    with django_assert_num_queries(3):
        customer_client.get(f"/api/orders/{order_id}/")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_order(demo_catalogue):
    """Two requests with the same key at the same moment: one order, and the loser gets a 409 (or,
    when it arrives after the winner finished, the winner's response)."""
    user = StaffFactory(is_staff=False)
    key, barrier, results = str(uuid.uuid4()), threading.Barrier(2), []

    def post() -> None:
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            results.append(
                client.post(
                    "/api/orders/",
                    {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=key,
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Order.objects.filter(customer=user).count() == 1
    assert sorted(results) in ([201, 409], [201, 201])
