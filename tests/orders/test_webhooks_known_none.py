"""A process that knows no webhook is active writes events without reading the webhooks, and
learns at once of one added anywhere: by another process (PostgreSQL announces the change on
commit) or by itself (even before it commits)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders import events, webhooks
from orders.models import Order, OrderEvent, Webhook, WebhookDelivery
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listening(monkeypatch):
    """This process's knowledge starts empty, on a connection made anew (which listens)."""
    monkeypatch.setattr(webhooks, "_no_active", webhooks._NoActiveWebhooks())
    connection.close()
    connection.ensure_connection()


@pytest.fixture
def order(customer_client, demo_catalogue, listening) -> Order:
    return Order.objects.get(pk=place(customer_client).json()["id"])


def record(order: Order) -> tuple[OrderEvent, int]:
    """An event recorded in a transaction of its own; answers it and the webhook reads it cost."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        event = events.event_record(order=order, event=events.queued(queue="standard"))
    return event, sum('FROM "orders_webhook"' in query["sql"] for query in queries.captured_queries)


def another_process_adds_a_webhook(url: str) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or None
    ) as other:
        other.execute(
            "INSERT INTO orders_webhook (url, description, secret, event_types, is_active, created_at)"
            " VALUES (%s, '', 's', '[]', true, now())",
            [url],
        )


def test_no_webhook_is_read_once_none_is_known_until_another_process_adds_one(order):
    # Placing the order read them and found none.
    assert record(order)[1] == 0
    another_process_adds_a_webhook("http://127.0.0.1:9/hooks")
    event, reads = record(order)
    assert reads == 1
    assert WebhookDelivery.objects.filter(event=event, webhook__url="http://127.0.0.1:9/hooks").exists()
    assert record(order)[1] == 1  # webhooks found are read every time


def test_another_process_activating_one_in_bulk_is_learnt_too(order):
    webhook = Webhook.objects.create(url="http://127.0.0.1:9/hooks", is_active=False)
    assert record(order)[1] == 1  # saved here: forgotten at once, read again
    assert record(order)[1] == 0
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or None
    ) as other:
        other.execute("UPDATE orders_webhook SET is_active = true")
    event, _ = record(order)
    assert WebhookDelivery.objects.filter(event=event, webhook=webhook).exists()


class RolledBack(Exception):
    pass


def test_a_webhook_saved_here_is_seen_before_it_commits_and_none_is_not_believed_after_a_rollback(order):
    assert record(order)[1] == 0
    try:
        with transaction.atomic():
            Webhook.objects.create(url="http://127.0.0.1:9/hooks")
            event = events.event_record(order=order, event=events.queued(queue="standard"))
            assert WebhookDelivery.objects.filter(event=event).exists()
            Webhook.objects.all().delete()
            assert record(order)[1] == 1
            raise RolledBack
    except RolledBack:
        pass
    # A change made here that rolled back may have been read as none: read them from now on.
    assert record(order)[1] == 1
    assert record(order)[1] == 1
