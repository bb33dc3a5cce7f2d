"""Tasks that move work into and through production."""

from __future__ import annotations

import logging

from configurator.plumbing.task import atelier_task
from orders.models import Order
from orders.services import order_route

from .routing import queue_for

logger = logging.getLogger(__name__)


@atelier_task(name="manufacturing.route_order")
def route_order_task(order_id: str, message_id: str | None = None) -> None:
    """Hand a placed order to production: record the routing decision and queue it."""
    mode = Order.objects.filter(pk=order_id).values_list("production_mode", flat=True).first()
    if mode is None:
        logger.warning("route_order: no order %s; nothing to do", order_id)
        return
    order_route(order_id=order_id, message_id=message_id, queue=queue_for(production_mode=mode))
