"""The outbox with a real broker (Redis and RabbitMQ) and real worker processes: an order reaches
the queue once, also when it was placed while the broker was unreachable."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from orders.models import Order, OutboxMessage
from products.demo import demo_documents
from products.services import product_import
from tests.factories import UserFactory
from tests.integration.conftest import (
    celery_broker,
    start_beat,
    start_worker,
    stop_worker,
    unreachable_url,
    wait_for,
    wait_until_ready,
    worker_env,
)
from tests.orders.conftest import place

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer_client():
    for document in demo_documents():
        product_import(document=document, publish=True)
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def is_queued(order_id) -> bool:
    return Order.objects.filter(pk=order_id, status="queued").exists()


def test_a_placed_order_is_routed_and_queued_by_a_real_worker(customer_client, broker_url, tmp_path):
    worker = start_worker(queues=["default"], env=worker_env(broker_url, tmp_path))
    try:
        with celery_broker(broker_url):
            wait_until_ready(worker)
            order_id = place(customer_client).json()["id"]
            assert OutboxMessage.objects.get().sent_at is not None
            wait_for(lambda: is_queued(order_id), what="the order to be queued")
    finally:
        log = stop_worker(worker)
    order = Order.objects.get(pk=order_id)
    assert [event.type for event in order.events.all()] == ["placed", "routed", "queued"], log
    assert order.queue == "batch"
    assert OutboxMessage.objects.get().acknowledged_at is not None


def test_an_order_placed_while_the_broker_is_down_is_queued_exactly_once_when_it_is_back(
    customer_client, broker_url, tmp_path
):
    with celery_broker(unreachable_url(broker_url)):
        response = place(customer_client)
    assert response.status_code == 201
    order_id = response.json()["id"]
    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.attempts) == (None, 1)
    assert message.last_error

    env = worker_env(broker_url, tmp_path)
    worker = start_worker(queues=["default"], env=env)
    beat = start_beat(env=env, folder=tmp_path)
    try:
        with celery_broker(broker_url):
            wait_until_ready(worker)
        wait_for(lambda: is_queued(order_id), what="the swept order to be queued")
        # Let the sweeper run a few more times: nothing may happen twice.
        wait_for(lambda: OutboxMessage.objects.get().acknowledged_at is not None, what="the acknowledgement")
        time.sleep(3)
    finally:
        beat_log = stop_worker(beat)
        log = stop_worker(worker)
    order = Order.objects.get(pk=order_id)
    assert [event.type for event in order.events.all()] == ["placed", "routed", "queued"], log
    assert "orders.sweep_outbox" in beat_log
