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

#: The queue each task is declared on, read by :func:`declared_queue` (Celery's ``task_routes``):
#: Celery 5.7 deprecates routing options given as task attributes, and Celery 6 ignores them.
_DECLARED_QUEUES: dict[str, str] = {}


def declared_queue(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any
) -> dict[str, str] | None:
    """The router of ``CELERY_TASK_ROUTES``: a task goes to the queue it was declared on, unless the
    sender names another (``apply_async(queue=...)``, which Celery lets win over a route)."""
    queue = _DECLARED_QUEUES.get(name)
    return {"queue": queue} if queue is not None else None


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
    _DECLARED_QUEUES[name] = queue
    return app.task(
        name=name,
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
