"""One builder per order event type; each writes an :class:`OrderEvent` row and queues its webhook
deliveries. Call them inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from .models import Order, OrderEvent, OrderEventType
from .webhooks import webhooks_for_event


def _record(order: Order, type_: str, *, actor=None, message: str = "", **fields: Any) -> OrderEvent:
    event = OrderEvent.objects.create(
        order=order,
        type=type_,
        status=order.status,
        stage=order.stage,
        actor=actor if getattr(actor, "pk", None) else None,
        message=message,
        **fields,
    )
    webhooks_for_event(event=event)
    return event


def order_placed(*, order: Order, actor) -> OrderEvent:
    return _record(
        order,
        OrderEventType.PLACED,
        actor=actor,
        message=f"Order placed: {order.quantity} x {order.product.name}, {order.production_mode} mode.",
    )


def order_routed(*, order: Order, queue: str) -> OrderEvent:
    production = order.production
    reasons = ", ".join(reason["label"] for reason in production.get("reasons", ())) or "all standard"
    data = {"mode": order.production_mode, "queue": queue, "setup_key": production.get("setup_key")}
    return _record(
        order,
        OrderEventType.ROUTED,
        data=data,
        message=f"Routed to {order.production_mode} production ({reasons}); joins the {queue} queue.",
    )


def order_queued(*, order: Order, queue: str) -> OrderEvent:
    return _record(
        order, OrderEventType.QUEUED, data={"queue": queue}, message=f"Waiting in the {queue} queue."
    )


def order_cancelled(*, order: Order, actor, reason: str) -> OrderEvent:
    return _record(order, OrderEventType.CANCELLED, actor=actor, message=reason or "Cancelled.")


def order_shipped(*, order: Order, actor) -> OrderEvent:
    return _record(order, OrderEventType.SHIPPED, actor=actor, message="Shipped.")
