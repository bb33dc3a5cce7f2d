"""Webhooks against a real HTTP server on localhost: signed JSON, retries through the outbox,
the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from orders.models import OutboxMessage, Webhook, WebhookDelivery
from orders.outbox import outbox_sweep
from orders.services import order_route
from orders.webhooks import MAX_ATTEMPTS, webhook_deliver
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server that records what it receives and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        #: Answer 302 to this URL instead.
        self.redirect_to = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(302 if receiver.redirect_to else receiver.status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def deliver_all() -> None:
    for message in OutboxMessage.objects.filter(task="orders.deliver_webhook", acknowledged_at__isnull=True):
        webhook_deliver(message_id=message.id, **message.kwargs)


def test_events_are_delivered_signed(customer_client, demo_catalogue, receiver):
    webhook = Webhook.objects.create(url=receiver.url)
    order_id = place(customer_client).json()["id"]
    order_route(order_id=order_id, message_id=None, queue="batch")
    deliver_all()
    assert [json.loads(request["body"])["type"] for request in receiver.requests] == [
        "order.placed",
        "order.routed",
        "order.queued",
    ]
    request = receiver.requests[-1]
    body = json.loads(request["body"])
    assert (body["order"]["id"], body["order"]["status"], body["event"]["data"]["queue"]) == (
        order_id,
        "queued",
        "batch",
    )
    timestamp, signed = (
        part.split("=", 1)[1] for part in request["headers"]["X-Atelier-Signature"].split(",")
    )
    expected = hmac.new(webhook.secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256)
    assert hmac.compare_digest(signed, expected.hexdigest())
    assert request["headers"]["X-Atelier-Event"] == "order.queued"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert not OutboxMessage.objects.filter(
        task="orders.deliver_webhook", acknowledged_at__isnull=True
    ).exists()


def test_webhooks_filter_event_types_and_skip_inactive_ones(customer_client, demo_catalogue, receiver):
    Webhook.objects.create(url=receiver.url, event_types=["cancelled"])
    Webhook.objects.create(url=receiver.url, is_active=False)
    order_id = place(customer_client).json()["id"]
    customer_client.post(f"/api/orders/{order_id}/cancel", {}, format="json")
    deliver_all()
    assert [json.loads(request["body"])["type"] for request in receiver.requests] == ["order.cancelled"]


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(
    customer_client, demo_catalogue, receiver, published
):
    Webhook.objects.create(url=receiver.url, event_types=["placed"])
    receiver.status = 503
    place(customer_client)
    OutboxMessage.objects.filter(task="manufacturing.route_order").update(acknowledged_at=timezone.now())
    message = OutboxMessage.objects.get(task="orders.deliver_webhook")
    delivery = webhook_deliver(message_id=message.id, **message.kwargs)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 503)
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    message.refresh_from_db()
    assert message.acknowledged_at is None
    assert (message.next_attempt_at - timezone.now()).total_seconds() == pytest.approx(30, abs=2)
    assert outbox_sweep() == 0  # not due yet
    assert outbox_sweep(now=message.next_attempt_at) == 1
    assert [sent.pk for sent in published] == [message.pk]
    for _ in range(MAX_ATTEMPTS - 1):
        delivery = webhook_deliver(message_id=message.id, **message.kwargs)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert OutboxMessage.objects.get(pk=message.pk).acknowledged_at is not None
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_an_unreachable_url_is_logged_and_retried(customer_client, demo_catalogue):
    Webhook.objects.create(url="http://127.0.0.1:9/nothing", event_types=["placed"])
    place(customer_client)
    message = OutboxMessage.objects.get(task="orders.deliver_webhook")
    delivery = webhook_deliver(message_id=message.id, **message.kwargs)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "Connection refused" in delivery.last_error


def test_a_delivered_event_is_not_sent_twice(customer_client, demo_catalogue, receiver):
    Webhook.objects.create(url=receiver.url, event_types=["placed"])
    place(customer_client)
    message = OutboxMessage.objects.get(task="orders.deliver_webhook")
    webhook_deliver(message_id=message.id, **message.kwargs)
    webhook_deliver(message_id=message.id, **message.kwargs)
    assert len(receiver.requests) == 1


def _first_delivery() -> WebhookDelivery:
    message = OutboxMessage.objects.get(task="orders.deliver_webhook")
    return webhook_deliver(message_id=message.id, **message.kwargs)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_private_address_is_refused_before_anything_is_sent(
    customer_client, demo_catalogue, receiver, settings, host
):
    settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES = False
    Webhook.objects.create(url=receiver.url.replace("127.0.0.1", host), event_types=["placed"])
    place(customer_client)
    delivery = _first_delivery()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "is not a public address" in delivery.last_error
    assert receiver.requests == []


def test_a_redirect_is_a_failed_attempt_never_followed(customer_client, demo_catalogue, receiver):
    elsewhere = Receiver()
    try:
        receiver.redirect_to = elsewhere.url
        Webhook.objects.create(url=receiver.url, event_types=["placed"])
        place(customer_client)
        delivery = _first_delivery()
    finally:
        elsewhere.close()
    assert (delivery.status, delivery.response_status) == ("pending", 302)
    assert (len(receiver.requests), elsewhere.requests) == (1, [])


@pytest.mark.parametrize(
    ("peer", "refused"),
    [
        (("93.184.216.34", 443), False),
        (("2606:2800:220:1:248:1893:25c8:1946", 443, 0, 0), False),
        (("10.1.2.3", 80), True),
        (("169.254.169.254", 80), True),
        (("::1", 80, 0, 0), True),
        (("::ffff:192.168.0.1", 80, 0, 0), True),
        (("fe80::1%1", 80, 0, 1), True),
    ],
)
def test_only_public_addresses_are_delivered_to(settings, peer, refused):
    from orders.webhooks import DestinationRefused, _destination_check

    class Socket:
        closed = False

        def getpeername(self):
            return peer

        def close(self):
            self.closed = True

    settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES = False
    sock = Socket()
    if refused:
        with pytest.raises(DestinationRefused):
            _destination_check(sock)
    else:
        _destination_check(sock)
    assert sock.closed is refused
    settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES = True
    _destination_check(Socket())


@pytest.fixture
def tls_receiver(tmp_path):
    """A TLS server on localhost with a self-signed certificate: counts the handshakes it completes."""
    import socket
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    handshakes: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(connection, server_side=True):
                    handshakes.append(1)
            except (ssl.SSLError, OSError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/hooks", handshakes
    listener.close()


def test_https_is_refused_before_its_handshake_and_verifies_certificates(
    customer_client, demo_catalogue, tls_receiver, settings
):
    url, handshakes = tls_receiver
    Webhook.objects.create(url=url, event_types=["placed"])
    place(customer_client)
    settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES = False
    refused = _first_delivery()
    assert "is not a public address" in refused.last_error
    assert handshakes == []
    settings.ATELIER_WEBHOOK_PRIVATE_ADDRESSES = True
    message = OutboxMessage.objects.get(task="orders.deliver_webhook")
    untrusted = webhook_deliver(message_id=message.id, **message.kwargs)
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.last_error
    assert untrusted.attempts == 2
