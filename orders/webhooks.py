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

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import DeliveryStatus, OrderEvent, Webhook, WebhookDelivery
from .outbox import outbox_acknowledge, outbox_enqueue, outbox_retry_later

logger = logging.getLogger(__name__)

DELIVER_TASK = "orders.deliver_webhook"
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5


def webhooks_for_events(*, events: list[OrderEvent]) -> list[WebhookDelivery]:
    """Queue a delivery of each event to every active webhook that wants it (in the events'
    transaction); the webhooks are read once for all the events."""
    webhooks = list(Webhook.objects.filter(is_active=True))
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
