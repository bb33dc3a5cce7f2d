from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from configurator.plumbing.errors import InvalidTransitionError
from orders import events
from orders.models import Order, OrderEvent, OutboxMessage, Quote
from orders.outbox import outbox_purge, outbox_sweep
from orders.services import order_route, order_transition
from orders.states import ALLOWED, OrderStatus
from products.services import product_import
from tests.factories import UserFactory, demo_document
from tests.orders.conftest import SHIPPING, place

pytestmark = pytest.mark.django_db


def test_placing_writes_the_order_its_event_and_an_outbox_message(
    customer_client, demo_catalogue, customer, django_capture_on_commit_callbacks, published
):
    with django_capture_on_commit_callbacks(execute=True):
        response = place(customer_client, selections={"frame": "steel", "colour": "racing_green"}, quantity=2)
    assert response.status_code == 201
    body = response.json()
    # 899 + steel 120 + racing green 90 + setup 2 x 180 / 25 at a 25 % margin (19.20) = 1128.20 a unit
    assert (body["status"], body["production_mode"], body["quantity"], body["total"]) == (
        "placed",
        "batch",
        2,
        "2256.40",
    )
    assert body["shipping"] == {**SHIPPING, "line2": "", "phone": ""}
    assert [event["type"] for event in body["timeline"]] == ["placed"]
    assert body["eta"] == body["production"]["lead_time"]["ship_date"]
    order = Order.objects.get()
    assert (order.customer, order.product_version.number) == (customer, 1)
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs, message.order_id) == (
        "manufacturing.route_order",
        {"order_id": str(order.id)},
        order.id,
    )
    assert published == [message] and OutboxMessage.objects.get().sent_at is not None


def test_the_order_is_committed_and_answered_even_when_the_broker_is_down(
    customer_client, demo_catalogue, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(message):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr("orders.outbox._publish", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = place(customer_client)
    assert response.status_code == 201
    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.acknowledged_at, message.attempts) == (None, None, 1)
    assert "Connection refused" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_the_sweeper_sends_again_what_was_not_acknowledged(
    customer_client, demo_catalogue, published, monkeypatch, settings
):
    place(customer_client)
    place(customer_client)
    first, second = OutboxMessage.objects.order_by("created_at")
    OutboxMessage.objects.filter(pk=second.pk).update(acknowledged_at=timezone.now())
    assert outbox_sweep() == 1
    assert [message.pk for message in published] == [first.pk]
    assert outbox_sweep() == 0  # sent: waits for the ack timeout
    later = timezone.now() + timedelta(seconds=settings.ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS + 1)
    assert outbox_sweep(now=later) == 1
    assert OutboxMessage.objects.get(pk=first.pk).attempts == 2


def test_the_purge_deletes_only_messages_acknowledged_before_the_retention(
    customer_client, demo_catalogue, published, settings, monkeypatch
):
    monkeypatch.setattr("orders.outbox.PURGE_BATCH_SIZE", 2)
    settings.ATELIER_OUTBOX_RETENTION_DAYS = 7
    for _ in range(5):
        place(customer_client)
    old, older, oldest, recent, pending = OutboxMessage.objects.order_by("created_at")
    now = timezone.now()
    for message, days in [(old, 8), (older, 9), (oldest, 30), (recent, 6)]:
        OutboxMessage.objects.filter(pk=message.pk).update(acknowledged_at=now - timedelta(days=days))
    OutboxMessage.objects.filter(pk=pending.pk).update(created_at=now - timedelta(days=60))
    assert outbox_purge(now=now) == 3
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert outbox_purge(now=now) == 0


def test_routing_queues_the_order_once_and_acknowledges(customer_client, demo_catalogue):
    order_id = place(customer_client).json()["id"]
    message = OutboxMessage.objects.get()
    order_route(order_id=order_id, message_id=message.id, queue="batch")
    order_route(order_id=order_id, message_id=message.id, queue="batch")
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.queue) == ("queued", "batch")
    events = list(order.events.values_list("type", "status"))
    assert events == [("placed", "placed"), ("routed", "routed"), ("queued", "queued")]
    routed = order.events.get(type="routed")
    assert routed.data == {"mode": "batch", "queue": "batch", "setup_key": "frame=steel"}
    assert OutboxMessage.objects.get().acknowledged_at is not None


def test_a_cancelled_order_is_not_routed(customer_client, demo_catalogue):
    order_id = place(customer_client).json()["id"]
    assert customer_client.post(f"/api/orders/{order_id}/cancel", {}, format="json").status_code == 200
    order_route(order_id=order_id, message_id=OutboxMessage.objects.get().id, queue="batch")
    assert Order.objects.get(pk=order_id).status == "cancelled"
    assert OutboxMessage.objects.get().acknowledged_at is not None


def test_illegal_transitions_are_refused_logged_and_not_applied(customer_client, demo_catalogue, caplog):
    order_id = place(customer_client).json()["id"]
    with pytest.raises(InvalidTransitionError, match=r"An order that is placed cannot become shipped\."):
        order_transition(order_id=order_id, to=OrderStatus.SHIPPED, event=events.shipped)
    assert "Refused order transition placed -> shipped" in caplog.text
    assert Order.objects.get(pk=order_id).status == "placed"
    assert OrderEvent.objects.count() == 1
    _, changed = order_transition(order_id=order_id, to=OrderStatus.PLACED, event=events.placed)
    assert not changed
    assert OrderEvent.objects.count() == 1


def test_the_transition_table_is_closed():
    targets = {target for targets in ALLOWED.values() for target in targets}
    assert set(ALLOWED) == set(OrderStatus.values)
    assert targets <= set(OrderStatus.values)
    assert ALLOWED[OrderStatus.SHIPPED] == ALLOWED[OrderStatus.CANCELLED] == frozenset()


def test_order_from_a_quote_keeps_its_frozen_price_and_version(customer_client, demo_catalogue):
    quote = customer_client.post(
        "/api/quotes/",
        {"product": "city-bike", "selections": {"frame": "steel"}, "quantity": 3},
        format="json",
    ).json()
    cheaper = demo_document("city-bike")
    cheaper["baseline"]["price"] = "799.00"
    product_import(document=cheaper, publish=True)
    response = place(customer_client, quote=quote["id"])
    assert response.status_code == 201
    order = response.json()
    assert (order["version"], order["total"], order["quote"]) == (1, quote["total"], quote["id"])
    assert order["selections"] == quote["selections"]
    again = place(customer_client, quote=quote["id"])
    assert (again.status_code, again.json()["code"]) == (409, "quote_already_ordered")


def test_an_expired_quote_cannot_be_ordered(customer_client, demo_catalogue):
    quote = customer_client.post(
        "/api/quotes/", {"product": "city-bike", "selections": {}}, format="json"
    ).json()
    Quote.objects.filter(pk=quote["id"]).update(valid_until=timezone.now() - timedelta(minutes=1))
    response = place(customer_client, quote=quote["id"])
    assert (response.status_code, response.json()["code"]) == (409, "quote_expired")
    assert not Order.objects.exists()


def test_another_customers_quote_cannot_be_ordered(customer_client, demo_catalogue):
    other = UserFactory()
    quote = Quote.objects.create(
        customer=other,
        product=demo_catalogue["city-bike"],
        product_version=demo_catalogue["city-bike"].current_version,
        selections={},
        quantity=1,
        currency="EUR",
        unit_price=1,
        total=1,
        price={},
        production_mode="standard",
        production={},
        valid_until=timezone.now() + timedelta(days=1),
    )
    response = place(customer_client, quote=str(quote.id))
    assert response.status_code == 400
    assert response.json()["code"] == "quote_not_found"
    assert response.json()["fields"] == {
        "quote": [{"code": "does_not_exist", "message": "No such quote.", "constraint": None}]
    }


def test_snapshot_survives_catalogue_changes(customer_client, demo_catalogue):
    order_id = place(customer_client).json()["id"]
    changed = demo_document("city-bike")
    changed["option_sets"][0]["options"][1]["price_delta"] = "999.00"
    product_import(document=changed, publish=True)
    order = customer_client.get(f"/api/orders/{order_id}/").json()
    assert order["version"] == 1
    assert (
        next(line for line in order["price"]["lines"] if line["code"] == "frame.steel")["amount"] == "120.00"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"product": "city-bike", "selections": {"frame": "carbon", "accessories": ["rack"]}},
            "selections.frame",
        ),
        ({"product": "city-bike", "selections": {"frame": "steel"}, "quantity": 0}, "quantity"),
        (
            {
                "product": "city-bike",
                "selections": {"frame": "steel"},
                "shipping": {**SHIPPING, "country": "Germany"},
            },
            "shipping.country",
        ),
        (
            {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": {"name": "x"}},
            "shipping.line1",
        ),
        ({"quote": str(uuid.uuid4()), "product": "city-bike"}, "product"),
        ({"quote": "not-a-uuid"}, "quote"),
    ],
)
def test_bad_orders_are_refused_naming_the_field_and_nothing_is_stored(
    customer_client, demo_catalogue, body, field
):
    response = place(customer_client, **body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Order.objects.exists() and not OutboxMessage.objects.exists()


def test_an_order_needs_a_product_or_a_quote(customer_client, demo_catalogue):
    response = customer_client.post(
        "/api/orders/", {"shipping": SHIPPING}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 400
    required = [{"code": "required", "message": "This field is required.", "constraint": None}]
    assert response.json()["fields"] == {"product": required, "selections": required}


def test_an_order_of_a_quote_carries_no_configuration(customer_client, demo_catalogue):
    quote_id = customer_client.post(
        "/api/quotes/", {"product": "city-bike", "selections": {"frame": "steel"}}, format="json"
    ).json()["id"]
    response = customer_client.post(
        "/api/orders/",
        {"quote": quote_id, "quantity": 2, "shipping": SHIPPING},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["quantity"][0]["code"] == "unknown_field"
    assert not Order.objects.exists()


def test_a_price_or_status_sent_by_the_client_is_refused(customer_client, demo_catalogue):
    response = place(customer_client, total="1.00", unit_price="1.00", status="shipped")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"total", "unit_price", "status"}
    assert not Order.objects.exists()
    # 899 + steel 120 + one setup 180 / 25 at 25 % margin (9.60): the server's price
    assert place(customer_client).json()["total"] == "1028.60"


# -- idempotency -------------------------------------------------------------------------------


def test_the_same_key_and_body_returns_the_same_order(customer_client, demo_catalogue):
    key = str(uuid.uuid4())
    first = place(customer_client, key=key)
    second = place(customer_client, key=key)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(customer_client, demo_catalogue):
    key = str(uuid.uuid4())
    place(customer_client, key=key)
    response = place(customer_client, key=key, quantity=2)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert Order.objects.count() == 1


def test_keys_belong_to_their_user(customer_client, demo_catalogue):
    key = str(uuid.uuid4())
    place(customer_client, key=key)
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(UserFactory())
    assert place(other, key=key).status_code == 201
    assert Order.objects.count() == 2


def test_a_failed_request_frees_its_key(customer_client, demo_catalogue):
    key = str(uuid.uuid4())
    assert place(customer_client, key=key, selections={"frame": "gold"}).status_code == 400
    assert place(customer_client, key=key).status_code == 201


def test_a_key_is_required_and_bounded(customer_client, demo_catalogue):
    response = customer_client.post(
        "/api/orders/", {"product": "city-bike", "selections": {}, "shipping": SHIPPING}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert place(customer_client, key="k" * 256).status_code == 400


def test_a_claim_committed_by_the_previous_release_is_in_use_and_taken_over_once_stale(
    customer_client, customer, demo_catalogue
):
    """The previous release committed a claim row before its request ran: recent, the key is in
    use (a request in flight elsewhere); old, a crashed process left it. (A claim in flight now is
    a lock: tests/orders/test_locking.py.)"""
    from orders.idempotency import request_fingerprint
    from orders.models import IdempotencyKey

    key = str(uuid.uuid4())
    body = {"shipping": SHIPPING, "product": "city-bike", "selections": {"frame": "steel"}}
    fingerprint = request_fingerprint(method="POST", path="/api/orders/", body=body)
    IdempotencyKey.objects.create(
        user=customer, key=key, fingerprint=fingerprint, expires_at=timezone.now() + timedelta(hours=24)
    )
    response = place(customer_client, key=key, selections={"frame": "steel"})
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_use")
    IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(minutes=5))
    assert place(customer_client, key=key, selections={"frame": "steel"}).status_code == 201
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get(key=key).response_status == 201


def test_expired_keys_are_purged_and_may_be_used_again(customer_client, demo_catalogue):
    from orders.idempotency import idempotency_purge
    from orders.models import IdempotencyKey

    key = str(uuid.uuid4())
    place(customer_client, key=key)
    stored = IdempotencyKey.objects.get()
    assert stored.expires_at - stored.created_at == timedelta(hours=24)
    IdempotencyKey.objects.update(expires_at=timezone.now())
    assert place(customer_client, key=key, quantity=2).status_code == 201
    IdempotencyKey.objects.update(expires_at=timezone.now())
    assert idempotency_purge() == 1


def test_order_creation_is_throttled(customer_client, demo_catalogue, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkey_rates = {**api_settings.DEFAULT_THROTTLE_RATES, "orders": "2/min"}
    ScopedRateThrottle.THROTTLE_RATES = monkey_rates
    try:
        statuses = [place(customer_client).status_code for _ in range(3)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
    assert statuses == [201, 201, 429]
    assert customer_client.get("/api/orders/").status_code == 200
