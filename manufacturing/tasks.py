"""Tasks that move work into and through production: each loads by id and calls one service.

Queues: ``route_order`` and the periodic wake run on ``default``; a job starts on the queue of its
production mode (``standard``, ``batch`` where batches form, ``custom``); a stage finishes on the
queue of its work centre (``WorkCentre.queue``). Every task is idempotent behind state guards, so
late acknowledgement, redelivery and the wake's re-sends never make a step happen twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings

from configurator.plumbing.task import TRANSIENT_ERRORS, atelier_task
from orders.models import Order
from orders.services import order_route

from . import services
from .routing import queue_for

logger = logging.getLogger(__name__)


def _poison_guard(
    task: Any,
    action: Callable[[], Any],
    flag: Callable[[str], Any],
    failed: Callable[[], Any] | None = None,
) -> Any:
    """Run ``action``; a failure that is not a passing database or broker problem is counted
    (``failed``) and retried a bounded number of times, then ``flag`` marks the order for staff
    instead of looping."""
    try:
        return action()
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        if failed is not None:
            failed()
        retries = task.request.retries
        if retries >= settings.ATELIER_FACTORY_POISON_RETRIES:
            logger.exception("%s failed %s times; flagging its order", task.name, retries + 1)
            flag(f"{task.name} failed {retries + 1} times: {error}")
            return None
        raise task.retry(exc=error, countdown=min(2**retries, 30)) from error


@atelier_task(name="manufacturing.route_order")
def route_order_task(order_id: str, message_id: str | None = None) -> None:
    """Hand a placed order to production: record the routing decision, queue it, and start its job
    on the queue of its production mode."""
    try:
        order = order_route(
            order_id=order_id, message_id=message_id, queue=lambda mode: queue_for(production_mode=mode)
        )
    except Order.DoesNotExist:
        logger.warning("route_order: no order %s; nothing to do", order_id)
        return
    start_job_task.apply_async(args=[order_id], queue=queue_for(production_mode=order.production_mode))


@atelier_task(name=services.START_JOB_TASK, queue="standard")
def start_job_task(order_id: str) -> None:
    """Give a queued order its job: its first stage, or (batch mode) its batch."""
    _poison_guard(
        start_job_task,
        lambda: services.job_start(order_id=order_id),
        lambda reason: services.job_flag(order_id=order_id, reason=reason),
    )


@atelier_task(name=services.FINISH_STAGE_TASK, queue="standard")
def finish_stage_task(work_item_id: int) -> None:
    """Finish a due stage of a lot, inspect it, and move it on."""

    _poison_guard(
        finish_stage_task,
        lambda: services.stage_finish(work_item_id=work_item_id),
        lambda reason: services.job_flag(work_item_id=work_item_id, reason=reason),
        lambda: services.work_item_failed(work_item_id=work_item_id),
    )


@atelier_task(name="manufacturing.wake_factory", max_retries=0)
def wake_factory_task() -> None:
    """Beat's sweep (every ``ATELIER_FACTORY_WAKE_SECONDS``): batch windows, free capacity, lost
    messages."""
    wake = services.factory_wake()
    if wake.released or wake.redriven or wake.restarted:
        logger.info("Factory wake: %s", wake)
