"""Locks under concurrency, on PostgreSQL (SQLite takes one write lock per database and cannot
deadlock): placing from a quote twice at once is one order and a 409, never a deadlock, while the
worker routes other orders of the same product; placements of one product never wait on each other
or on routing through a lock on the product row."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from orders.models import Order, OutboxMessage, Quote
from orders.services import order_route
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.orders.conftest import SHIPPING

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]

ROUNDS = 25


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "orders": "100000/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def place_quote(user, quote_id: str):
    def action() -> tuple[int, str]:
        response = client_for(user).post(
            "/api/orders/",
            {"quote": quote_id, "shipping": SHIPPING},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        return response.status_code, response.json().get("code", "")

    return action


def route(order_id) -> callable:
    def action() -> str:
        message_id = OutboxMessage.objects.get(order_id=order_id).pk
        return order_route(order_id=order_id, message_id=message_id, queue="batch").status

    return action


def test_ordering_a_quote_twice_at_once_is_one_order_and_a_409_never_a_deadlock(demo_catalogue):
    customer = UserFactory()
    client = client_for(customer)
    outcomes = []
    for _ in range(ROUNDS):
        quote_id = client.post(
            "/api/quotes/", {"product": "city-bike", "selections": {"frame": "steel"}}, format="json"
        ).json()["id"]
        earlier = client.post(
            "/api/orders/",
            {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        ).json()["id"]
        first, second, routed = run_together(
            place_quote(customer, quote_id), place_quote(customer, quote_id), route(earlier)
        )
        outcomes.append(sorted([first, second]))
        assert routed == "queued", routed
        assert Order.objects.filter(quote_id=quote_id).count() == 1
    assert all(pair == [(201, ""), (409, "quote_already_ordered")] for pair in outcomes), outcomes
    assert Quote.objects.count() == ROUNDS


def test_placements_of_one_product_do_not_wait_for_each_other_or_for_routing(demo_catalogue):
    """Eight placements of one product and the routing of eight more, all at once: every one
    succeeds, with no deadlock and no lost order."""
    customers = [UserFactory() for _ in range(8)]
    earlier = [
        client_for(customer)
        .post(
            "/api/orders/",
            {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        .json()["id"]
        for customer in customers
    ]

    def place(customer):
        def action() -> int:
            return (
                client_for(customer)
                .post(
                    "/api/orders/",
                    {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                )
                .status_code
            )

        return action

    results = run_together(*(place(customer) for customer in customers), *(route(order) for order in earlier))
    assert results == [201] * 8 + ["queued"] * 8, results
    assert Order.objects.count() == 16


def test_a_key_in_flight_is_a_conflict_at_once_and_free_again_once_its_request_fails(demo_catalogue):
    """A placement holds its key until its transaction ends: another request with the key is
    refused at once (409), not kept waiting; when the first fails, nothing of its claim is left."""
    from django.db import transaction

    from orders.idempotency import idempotency_claim, request_fingerprint
    from orders.models import IdempotencyKey

    customer = UserFactory()
    key = str(uuid.uuid4())
    body = {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING}
    claimed, finish = threading.Event(), threading.Event()

    def in_flight() -> None:
        try:
            with transaction.atomic():
                fingerprint = request_fingerprint(method="POST", path="/api/orders/", body=body)
                idempotency_claim(user=customer, key=key, fingerprint=fingerprint)
                claimed.set()
                finish.wait(timeout=60)
                transaction.set_rollback(True)  # the request failed
        finally:
            connections.close_all()

    thread = threading.Thread(target=in_flight)
    thread.start()
    try:
        assert claimed.wait(timeout=60)
        response = client_for(customer).post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_use")
    finally:
        finish.set()
        thread.join(timeout=60)
    assert not IdempotencyKey.objects.filter(key=key).exists()
    response = client_for(customer).post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201
    assert Order.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("routing", [False, True])
def test_routing_locks_the_order_row_only(routing):
    """The routing lock names the order table alone, as a no-key lock: it never waits for (or
    blocks) a placement that references the product, nor an insert that references the order."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from orders.services import order_transition
    from orders.states import OrderStatus

    def transition() -> None:
        if routing:
            order_route(order_id=uuid.uuid4(), message_id=None, queue="batch")
            return
        with transaction.atomic():
            order_transition(order_id=uuid.uuid4(), to=OrderStatus.ROUTED, event=lambda order: None)

    with CaptureQueriesContext(connection) as queries, pytest.raises(Order.DoesNotExist):
        transition()
    locking = [query["sql"] for query in queries.captured_queries if " FOR " in query["sql"]]
    assert len(locking) == 1
    assert locking[0].endswith('FOR NO KEY UPDATE OF "orders_order"'), locking[0]
