"""The order timeline: one builder per event type, and the one function that records an event.

A builder says what happened (type, message, data); :func:`event_record` writes the row with the
order's status and stage after the change, and queues its webhook deliveries (:func:`events_record`
writes many at once, as the factory does for a lot). Services call it in
the transaction that makes the change (``order_transition`` does so for every status change)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import User

from .models import Order, OrderEvent, OrderEventType
from .webhooks import webhooks_for_events


@dataclass(frozen=True)
class EventSpec:
    """What happened to an order, before it is written."""

    type: OrderEventType
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    work_centre: str = ""
    batch: str = ""
    inspection_result: str = ""


def event_record(*, order: Order, event: EventSpec, actor: User | None = None) -> OrderEvent:
    [row] = events_record(rows=[event_row(order=order, event=event, actor=actor)])
    return row


def event_row(*, order: Order, event: EventSpec, actor: User | None = None) -> OrderEvent:
    """The event's row, not yet written: its time is now, its status and stage the order's."""
    return OrderEvent(
        order=order,
        type=event.type,
        status=order.status,
        stage=order.stage,
        work_centre=event.work_centre,
        batch=event.batch,
        inspection_result=event.inspection_result,
        actor=actor if actor is not None and actor.pk else None,
        message=event.message,
        data=event.data,
    )


def events_record(*, rows: list[OrderEvent]) -> list[OrderEvent]:
    """Write event rows (of one order or many, in the order given) and queue their webhook
    deliveries, in one statement each."""
    if not rows:
        return []
    written = OrderEvent.objects.bulk_create(rows)
    webhooks_for_events(events=written)
    return written


def placed(order: Order) -> EventSpec:
    return EventSpec(
        OrderEventType.PLACED,
        f"Order placed: {order.quantity} x {order.product.name}, {order.production_mode} mode.",
    )


def routed(order: Order, *, queue: str) -> EventSpec:
    production = order.production
    reasons = ", ".join(reason["label"] for reason in production.get("reasons", ())) or "all standard"
    return EventSpec(
        OrderEventType.ROUTED,
        f"Routed to {order.production_mode} production ({reasons}); joins the {queue} queue.",
        data={"mode": order.production_mode, "queue": queue, "setup_key": production.get("setup_key")},
    )


def queued(*, queue: str) -> EventSpec:
    return EventSpec(OrderEventType.QUEUED, f"Waiting in the {queue} queue.", data={"queue": queue})


def cancelled(*, reason: str) -> EventSpec:
    return EventSpec(OrderEventType.CANCELLED, reason or "Cancelled.")


def shipped(order: Order) -> EventSpec:
    return EventSpec(OrderEventType.SHIPPED, f"Shipped to {order.ship_to_city}, {order.ship_to_country}.")


# -- production: the factory writes these through ``orders.services.order_production_step`` --------


def batch_joined(*, batch: str, units: int, size_limit: int) -> EventSpec:
    return EventSpec(
        OrderEventType.QUEUED,
        f"Joined batch {batch} ({units} of {size_limit} units so far).",
        data={"batch": batch, "units": units, "size_limit": size_limit},
        batch=batch,
    )


def stage_started(*, operation: str, work_centre: str, attempt: int, batch: str = "") -> EventSpec:
    again = f" (attempt {attempt})" if attempt > 1 else ""
    return EventSpec(
        OrderEventType.STAGE_STARTED,
        f"Started {operation.replace('_', ' ')} at {work_centre}{again}.",
        data={"operation": operation, "attempt": attempt},
        work_centre=work_centre,
        batch=batch,
    )


def stage_completed(*, operation: str, work_centre: str, attempt: int, batch: str = "") -> EventSpec:
    return EventSpec(
        OrderEventType.STAGE_COMPLETED,
        f"Finished {operation.replace('_', ' ')} at {work_centre}.",
        data={"operation": operation, "attempt": attempt},
        work_centre=work_centre,
        batch=batch,
    )


def inspected(
    *, operation: str, work_centre: str, sampled: int, defects: int, decision: str, batch: str = ""
) -> EventSpec:
    return EventSpec(
        OrderEventType.INSPECTED,
        f"Inspected after {operation.replace('_', ' ')}: {defects} defective of {sampled} sampled; "
        f"{decision}.",
        data={"operation": operation, "sampled": sampled, "defects": defects, "decision": decision},
        work_centre=work_centre,
        batch=batch,
        inspection_result=decision,
    )


def rework_started(*, operation: str, rework: int, limit: int, batch: str = "") -> EventSpec:
    return EventSpec(
        OrderEventType.REWORK_STARTED,
        f"Sent back to {operation.replace('_', ' ')} for rework ({rework} of at most {limit}).",
        data={"operation": operation, "rework": rework, "limit": limit},
        batch=batch,
    )


def scrapped(*, operation: str, batch: str = "") -> EventSpec:
    return EventSpec(
        OrderEventType.SCRAPPED,
        f"Scrapped after {operation.replace('_', ' ')}: the rework limit was reached.",
        data={"operation": operation},
        batch=batch,
    )


def remade(*, remake: int, batch: str = "") -> EventSpec:
    return EventSpec(
        OrderEventType.REMADE,
        f"Remade from the first stage (remake {remake}).",
        data={"remake": remake},
        batch=batch,
    )


def completed(*, batch: str = "") -> EventSpec:
    return EventSpec(OrderEventType.COMPLETED, "Production completed; ready to ship.", batch=batch)
