"""One decorator declares every Celery task the same way: a stable name, a queue, late
acknowledgement with redelivery when a worker dies, retries with backoff for transient errors
only, time limits, no results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from configurator.celery import app

#: Errors worth retrying: the database or the broker went away for a moment.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    BrokerError,
    ConnectionError,
)


def atelier_task(
    *,
    name: str,
    queue: str = "default",
    max_retries: int = 8,
    soft_time_limit: int = 120,
    time_limit: int = 150,
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a task. Its body must be idempotent: tasks are acknowledged late, so a task whose
    worker died is delivered again, and the outbox may send a message twice."""
    return app.task(
        name=name,
        queue=queue,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=True,
        retry_backoff_max=120,
        retry_jitter=True,
        max_retries=max_retries,
        soft_time_limit=soft_time_limit,
        time_limit=time_limit,
        ignore_result=True,
    )
