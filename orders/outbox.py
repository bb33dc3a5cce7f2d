"""The transactional outbox: tasks are written as rows with the change that needs them, handed to
Celery after commit, re-sent by the sweeper until the task acknowledges them.

Nothing is lost when the broker is down (the row waits) and nothing is done twice when a message is
delivered twice (tasks acknowledge in the transaction of their own change, behind a state guard)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from configurator.celery import app

from .models import Order, OutboxMessage

logger = logging.getLogger(__name__)

#: Publishing gives up quickly when the broker is down: the sweeper will try again.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
SWEEP_BATCH_SIZE = 200


def outbox_enqueue(
    *, task: str, kwargs: dict[str, Any], order: Order | None = None, queue: str = "default"
) -> OutboxMessage:
    """Write a message in the current transaction; the relay sends it once the transaction commits."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs, order=order, queue=queue)
    transaction.on_commit(lambda: outbox_relay(message_ids=[message.id]), robust=True)
    return message


def _backoff(attempts: int) -> timedelta:
    seconds = min(settings.ATELIER_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 600)
    return timedelta(seconds=seconds)


def _publish(message: OutboxMessage) -> None:
    app.send_task(
        message.task,
        kwargs={**message.kwargs, "message_id": str(message.id)},
        queue=message.queue,
        retry=True,
        retry_policy=PUBLISH_RETRY_POLICY,
    )


def outbox_relay(*, message_ids: Iterable[uuid.UUID | str]) -> int:
    """Hand unacknowledged messages to the broker; returns how many were sent. A failure is logged
    and left to the sweeper, never raised: the change that wrote the message is already committed."""
    sent = 0
    for message in OutboxMessage.objects.filter(pk__in=list(message_ids), acknowledged_at__isnull=True):
        now = timezone.now()
        try:
            _publish(message)
        except Exception as error:
            logger.warning(
                "Outbox message %s not sent (attempt %s): %s", message.id, message.attempts + 1, error
            )
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1,
                last_error=str(error)[:2000],
                next_attempt_at=now + _backoff(message.attempts + 1),
            )
        else:
            sent += 1
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1,
                sent_at=now,
                last_error="",
                next_attempt_at=now + timedelta(seconds=settings.ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS),
            )
    return sent


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Send again every message that is due: never sent, or sent and not acknowledged in time."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            OutboxMessage.objects.filter(Q(acknowledged_at__isnull=True) & Q(next_attempt_at__lte=now))
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
        )
        ids = list(due)
        # Claim them for the ack timeout so that a concurrent sweeper skips them.
        OutboxMessage.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=settings.ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS)
        )
    return outbox_relay(message_ids=ids) if ids else 0


def outbox_acknowledge(*, message_id: uuid.UUID | str | None) -> None:
    """Mark a message done; call it in the transaction of the task's own change."""
    if message_id is None:
        return
    OutboxMessage.objects.filter(pk=message_id, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )


def outbox_retry_later(*, message_id: uuid.UUID | str | None, delay: timedelta) -> None:
    """Leave a message unacknowledged, for the sweeper to send again after ``delay``."""
    if message_id is None:
        return
    OutboxMessage.objects.filter(pk=message_id, acknowledged_at__isnull=True).update(
        next_attempt_at=timezone.now() + delay
    )
