"""Periodic housekeeping of the order app, run by Celery beat."""

from __future__ import annotations

import logging

from configurator.plumbing.task import atelier_task

from .idempotency import idempotency_purge
from .outbox import outbox_purge, outbox_sweep
from .webhooks import webhook_deliver

logger = logging.getLogger(__name__)


@atelier_task(name="orders.sweep_outbox")
def sweep_outbox_task() -> int:
    sent = outbox_sweep()
    if sent:
        logger.info("Outbox sweeper sent %s message(s) again", sent)
    return sent


@atelier_task(name="orders.purge_outbox")
def purge_outbox_task() -> int:
    return outbox_purge()


@atelier_task(name="orders.purge_idempotency_keys")
def purge_idempotency_keys_task() -> int:
    return idempotency_purge()


@atelier_task(name="orders.deliver_webhook")
def deliver_webhook_task(delivery_id: str, message_id: str | None = None) -> None:
    webhook_deliver(delivery_id=delivery_id, message_id=message_id)
