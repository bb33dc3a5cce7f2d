"""Which production queue an order joins: the queue of the production mode decided at pricing time."""

from __future__ import annotations

from configurator.engine.pricing import Mode

QUEUES: dict[Mode, str] = {Mode.STANDARD: "standard", Mode.BATCH: "batch", Mode.CUSTOM: "custom"}


def queue_for(*, production_mode: str) -> str:
    return QUEUES[Mode(production_mode)]
