"""Webhooks: every order event goes, as signed JSON, to each active webhook that wants it; failed
deliveries are tried again with backoff through the outbox, and every attempt is logged.

The receiver checks ``X-Atelier-Signature: t=<unix time>,v1=<hex>`` where
``v1 = HMAC-SHA256(secret, "<t>.<body>")``, and may refuse old timestamps to stop replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any
from weakref import WeakSet, ref

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import DeliveryStatus, OrderEvent, Webhook, WebhookDelivery
from .outbox import outbox_acknowledge, outbox_enqueue, outbox_retry_later

logger = logging.getLogger(__name__)

DELIVER_TASK = "orders.deliver_webhook"
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5


#: The channel on which PostgreSQL announces, on commit, any change of the webhooks (a trigger on
#: their table: saves, deletes and bulk updates alike).
WEBHOOKS_CHANGED_CHANNEL = "atelier_webhooks_changed"


class _NoActiveWebhooks:
    """The database connections of this process on which no webhook is active, as far as it knows.

    Most events have no webhook to go to, and every stage task writes some: knowing there are none
    saves it a statement. It is known only on a connection that listens for the webhooks' changes
    and while no change made in this process is uncommitted (or rolled back: then never again, as
    it may have been read as none meanwhile); it is forgotten on a connection that
    receives a change (PostgreSQL delivers it between the connection's transactions, so a
    transaction that starts after the change has committed reads the webhooks again) and, for
    every connection, when this process saves or deletes one. Webhooks found are read again every
    time: one may be deleted meanwhile."""

    def __init__(self) -> None:
        self._listening: WeakSet[Any] = WeakSet()
        self._known: WeakSet[Any] = WeakSet()
        self._local_changes_pending = 0

    def listen(self, raw_connection: Any) -> None:
        self._listening.add(raw_connection)
        self._known.discard(raw_connection)
        listener = ref(raw_connection)
        raw_connection.add_notify_handler(lambda _: self._known.discard(listener()))

    def known(self, raw_connection: Any) -> bool:
        return raw_connection in self._known

    def learn(self, raw_connection: Any) -> None:
        if raw_connection in self._listening and not self._local_changes_pending:
            self._known.add(raw_connection)

    def local_change(self) -> None:
        self._known.clear()
        self._local_changes_pending += 1
        transaction.on_commit(self._local_change_committed)

    def _local_change_committed(self) -> None:
        self._local_changes_pending -= 1


_no_active = _NoActiveWebhooks()


@receiver(connection_created)
def _listen_for_webhook_changes(sender: Any, connection: BaseDatabaseWrapper, **_: Any) -> None:
    raw_connection = connection.connection
    if connection.alias == DEFAULT_DB_ALIAS and hasattr(raw_connection, "add_notify_handler"):
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {WEBHOOKS_CHANGED_CHANNEL}")
        _no_active.listen(raw_connection)


@receiver(post_save, sender="orders.Webhook")
@receiver(post_delete, sender="orders.Webhook")
def _webhook_changed_here(**_: Any) -> None:
    _no_active.local_change()


def webhooks_active() -> list[Webhook]:
    """The active webhooks, in URL order; none without a statement when this process knows it."""
    raw_connection = connections[DEFAULT_DB_ALIAS].connection
    if raw_connection is not None and _no_active.known(raw_connection):
        return []
    webhooks = list(Webhook.objects.filter(is_active=True))
    if not webhooks:
        _no_active.learn(connections[DEFAULT_DB_ALIAS].connection)
    return webhooks


def webhooks_for_events(*, events: list[OrderEvent]) -> list[WebhookDelivery]:
    """Queue a delivery of each event to every active webhook that wants it (in the events'
    transaction); the webhooks are read once for all the events."""
    webhooks = webhooks_active()
    deliveries = []
    for event in events:
        for webhook in webhooks:
            if webhook.wants(event.type):
                delivery = WebhookDelivery.objects.create(webhook=webhook, event=event)
                outbox_enqueue(task=DELIVER_TASK, kwargs={"delivery_id": str(delivery.id)}, order=event.order)
                deliveries.append(delivery)
    return deliveries


def payload(delivery: WebhookDelivery) -> dict[str, Any]:
    event = delivery.event
    order = event.order
    return {
        "id": str(delivery.id),
        "type": f"order.{event.type}",
        "created_at": event.created_at,
        "order": {
            "id": str(order.id),
            "status": order.status,
            "stage": order.stage,
            "queue": order.queue,
            "batch": order.batch,
            "production_mode": order.production_mode,
            "eta": order.eta,
            "product": order.product.code,
            "quantity": order.quantity,
        },
        "event": {
            "type": event.type,
            "status": event.status,
            "stage": event.stage,
            "work_centre": event.work_centre,
            "batch": event.batch,
            "inspection_result": event.inspection_result,
            "message": event.message,
            "data": event.data,
        },
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _post(delivery: WebhookDelivery) -> int:
    if not delivery.webhook.url.lower().startswith(("http://", "https://")):
        raise urllib.error.URLError("only http and https URLs are delivered to")
    body = json.dumps(payload(delivery), cls=DjangoJSONEncoder).encode()
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Atelier-Webhooks/1",
            "X-Atelier-Event": f"order.{delivery.event.type}",
            "X-Atelier-Delivery": str(delivery.id),
            "X-Atelier-Signature": signature(delivery.webhook.secret, int(time.time()), body),
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return response.status


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def webhook_deliver(
    *, delivery_id: uuid.UUID | str, message_id: uuid.UUID | str | None = None
) -> WebhookDelivery | None:
    """Send one delivery; on failure log it and let the outbox send it again later, up to
    ``MAX_ATTEMPTS`` attempts."""
    delivery = (
        WebhookDelivery.objects.select_related("webhook", "event__order__product")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING or not delivery.webhook.is_active:
        outbox_acknowledge(message_id=message_id)
        return delivery
    status, error = None, ""
    try:
        status = _post(delivery)
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code} {failure.reason}"
    except (urllib.error.URLError, TimeoutError, OSError) as failure:
        error = f"{type(failure).__name__}: {getattr(failure, 'reason', failure)}"
    delivered = status is not None and 200 <= status < 300
    attempts = delivery.attempts + 1
    with transaction.atomic():
        fields: dict[str, Any] = {"attempts": attempts, "response_status": status, "last_error": error[:2000]}
        if delivered:
            fields.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
        elif attempts >= MAX_ATTEMPTS:
            fields.update(status=DeliveryStatus.FAILED)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if delivered or attempts >= MAX_ATTEMPTS:
            outbox_acknowledge(message_id=message_id)
        else:
            outbox_retry_later(message_id=message_id, delay=_backoff(attempts))
    if not delivered:
        logger.warning(
            "Webhook delivery %s to %s failed (attempt %s): %s",
            delivery.id,
            delivery.webhook.url,
            attempts,
            error or status,
        )
    delivery.refresh_from_db()
    return delivery
