"""Which production queue an order joins. The strategy grows with the manufacturing issue; today it
maps the production mode decided at pricing time to the queue of that mode."""

from __future__ import annotations

QUEUES = {"standard": "standard", "batch": "batch", "custom": "custom"}


def queue_for(*, production_mode: str) -> str:
    return QUEUES[production_mode]
