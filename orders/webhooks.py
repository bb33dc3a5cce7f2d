"""Webhooks: every order event goes, as signed JSON, to each active webhook that wants it; failed
deliveries are tried again with backoff through the outbox, and every attempt is logged.

The receiver checks ``X-Atelier-Signature: t=<unix time>,v1=<hex>`` where
``v1 = HMAC-SHA256(secret, "<t>.<body>")``, and may refuse old timestamps to stop replays.

A delivery goes only where its URL says: redirects are not followed, and unless
``ATELIER_WEBHOOK_PRIVATE_ADDRESSES`` is on (the default with DEBUG), a connection that reaches an
address that is not public (loopback, private, link-local such as a cloud's metadata service) is
closed before anything is sent. The address checked is the one connected to, so a name that
resolves to a public address when saved and to a private one later is refused too."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
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


class DestinationRefused(ConnectionError):
    """A webhook's connection reached an address deliveries may not go to."""


def _destination_check(sock: socket.socket) -> None:
    if settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES:
        return
    address = ipaddress.ip_address(sock.getpeername()[0])
    if not address.is_global:
        sock.close()
        raise DestinationRefused(
            f"{address} is not a public address; set ATELIER_WEBHOOK_PRIVATE_ADDRESSES to deliver "
            "inside your network"
        )


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """Checks the address it connected to before anything else goes over the connection (for
    HTTPS, before the TLS handshake: :class:`_CheckedHTTPSConnection` reaches it through ``super``)."""

    def connect(self) -> None:
        super().connect()
        _destination_check(self.sock)


class _CheckedHTTPSConnection(http.client.HTTPSConnection, _CheckedHTTPConnection):
    pass


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the failure it is for a delivery (``HTTP 302 ...``)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_CheckedHTTPHandler, _CheckedHTTPSHandler, _NoRedirects)


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
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
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
