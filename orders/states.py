"""The order state machine: every allowed transition, and who may cancel when."""

from __future__ import annotations

from django.db import models


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    ROUTED = "routed", "Routed"
    QUEUED = "queued", "Queued for production"
    IN_PRODUCTION = "in_production", "In production"
    INSPECTION = "inspection", "In inspection"
    REWORK = "rework", "In rework"
    SCRAPPED = "scrapped", "Scrapped (to be remade)"
    COMPLETED = "completed", "Completed"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


S = OrderStatus

#: status -> the statuses it may move to. Anything else is refused.
ALLOWED: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.ROUTED, S.CANCELLED}),
    S.ROUTED: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.IN_PRODUCTION, S.CANCELLED}),
    # A route has several stages: in production -> inspection -> in production (next stage) ...
    S.IN_PRODUCTION: frozenset({S.INSPECTION, S.COMPLETED, S.CANCELLED}),
    S.INSPECTION: frozenset({S.IN_PRODUCTION, S.REWORK, S.SCRAPPED, S.COMPLETED, S.CANCELLED}),
    S.REWORK: frozenset({S.INSPECTION, S.SCRAPPED, S.CANCELLED}),
    # A scrapped piece is remade: back into its queue.
    S.SCRAPPED: frozenset({S.QUEUED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: Customers may cancel their own order until production starts; staff at any time before shipping.
CUSTOMER_CANCELLABLE = frozenset({S.PLACED, S.ROUTED, S.QUEUED})
FINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())
