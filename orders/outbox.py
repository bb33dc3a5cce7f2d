"""The transactional outbox: tasks are written as rows with the change that needs them, handed to
Celery after commit, re-sent by the sweeper until the task acknowledges them.

Nothing is lost when the broker is down (the row waits) and nothing is done twice when a message is
delivered twice (tasks acknowledge in the transaction of their own change, behind a state guard)."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
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
    transaction.on_commit(lambda: outbox_dispatch(message_ids=[message.id]), robust=True)
    return message


def outbox_dispatch(*, message_ids: list) -> None:
    """Hand committed messages to the relay: by default the process's background relay, so that the
    request that wrote them never waits on the broker (``ATELIER_OUTBOX_RELAY=inline``: here and now)."""
    if settings.ATELIER_OUTBOX_RELAY == "inline":
        outbox_relay(message_ids=message_ids)
    else:
        background_relay.submit(message_ids)


class BackgroundRelay:
    """One daemon thread per process that publishes committed messages, off the request.

    The row is the promise: a message this thread never gets to (the process died, the broker is
    down or hung) stays unsent in the database, and the sweeper sends it. After a failed publish
    the thread stops trying for ``ATELIER_OUTBOX_RETRY_SECONDS`` and leaves what arrives meanwhile
    to the sweeper (a circuit breaker), so a hung broker costs one socket timeout, not one per
    message."""

    #: Messages published together at most (a burst after an outage).
    BATCH = 100
    #: Seconds without a message after which the thread closes its database connection. While
    #: orders come in it keeps it: closing it after each message made every placement cost the
    #: database a new connection (a backend started, authenticated and set up).
    IDLE_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[list] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._paused_until = 0.0

    def submit(self, message_ids: list) -> None:
        self._ensure_thread()
        self._queue.put(list(message_ids))

    def _ensure_thread(self) -> None:
        # A forked process (gunicorn, Celery's prefork) inherits no running thread: start its own.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
                self._thread.start()

    def _take_batch(self) -> list:
        try:
            first = self._queue.get(timeout=self.IDLE_SECONDS)
        except queue.Empty:
            # Idle: give the database connection back rather than hold it open.
            connection.close()
            first = self._queue.get()
        batch = list(first)
        while len(batch) < self.BATCH:
            try:
                batch.extend(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            if time.monotonic() < self._paused_until:
                continue  # the broker failed a moment ago: the sweeper sends these
            try:
                close_old_connections()
                if outbox_relay(message_ids=batch, unsent_only=True) < len(batch):
                    self._pause()
            except Exception:
                logger.exception("The outbox relay failed; the sweeper will send its messages")
                self._pause()

    def resume(self) -> None:
        """Forget a past failure: publish what comes next (e.g. on another broker)."""
        self._paused_until = 0.0

    def _pause(self) -> None:
        self._paused_until = time.monotonic() + settings.ATELIER_OUTBOX_RETRY_SECONDS


background_relay = BackgroundRelay()


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


def outbox_relay(*, message_ids: Iterable[uuid.UUID | str], unsent_only: bool = False) -> int:
    """Hand unacknowledged messages to the broker; returns how many were sent. A failure is logged
    and left to the sweeper, never raised: the change that wrote the message is already committed.
    ``unsent_only``: skip messages sent meanwhile (by the sweeper)."""
    sent = 0
    messages = OutboxMessage.objects.filter(pk__in=list(message_ids), acknowledged_at__isnull=True)
    if unsent_only:
        messages = messages.filter(sent_at__isnull=True)
    for message in messages:
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


#: Acknowledged messages deleted per statement by :func:`outbox_purge`: short transactions.
PURGE_BATCH_SIZE = 5_000


def outbox_purge(*, now: datetime | None = None) -> int:
    """Delete messages acknowledged more than ``ATELIER_OUTBOX_RETENTION_DAYS`` ago (their work is
    done and recorded by its own rows: the order's events, the delivery log), a batch per
    statement; unacknowledged ones are never deleted. Answers how many went."""
    before = (now or timezone.now()) - timedelta(days=settings.ATELIER_OUTBOX_RETENTION_DAYS)
    done = OutboxMessage.objects.filter(acknowledged_at__lt=before)
    purged = 0
    while batch := list(done.values_list("pk", flat=True)[:PURGE_BATCH_SIZE]):
        purged += OutboxMessage.objects.filter(pk__in=batch).delete()[0]
    return purged


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
