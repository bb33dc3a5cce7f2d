from __future__ import annotations

import uuid

import pytest

SHIPPING = {
    "name": "Alice Example",
    "line1": "1 Main Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


@pytest.fixture
def published(monkeypatch):
    """Record what the outbox relay hands to the broker instead of publishing it."""
    sent: list = []
    monkeypatch.setattr("orders.outbox._publish", lambda message: sent.append(message))
    return sent


def place(client, *, key: str | None = None, **body):
    body = {"shipping": SHIPPING, **body}
    if "quote" not in body:
        body.setdefault("product", "city-bike")
        body.setdefault("selections", {"frame": "steel"})
    return client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))
