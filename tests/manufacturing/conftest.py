"""The demo factory imported, work items made by hand, orders placed and queued, and a loop that
runs the factory in the test process (scale 0: every stage is due at once) without a broker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from manufacturing.documents import DEMO_FACTORY
from manufacturing.loading import factory_import
from manufacturing.models import Job, Route, RouteStage, WorkCentre, WorkItem, WorkItemState
from manufacturing.services import job_start, stage_finish
from orders.models import Order
from orders.services import OrderRequest, order_place, order_route
from tests.orders.conftest import SHIPPING


@pytest.fixture
def factory_document() -> dict:
    """The demo factory document, a fresh copy to change."""
    return json.loads(DEMO_FACTORY.read_text())


@pytest.fixture
def demo_factory(demo_catalogue, factory_document):
    """The demo catalogue and the demo factory, imported."""
    return factory_import(document=factory_document)


@pytest.fixture
def running_factory(demo_factory, settings):
    """The demo factory at scale 0, making no defects unless a test says otherwise (inspections
    are drawn from a generator seeded by order ids, which differ from run to run)."""
    settings.ATELIER_SIM_TIME_SCALE = 0
    RouteStage.objects.update(defect_probability=0)
    return demo_factory


@pytest.fixture
def work_item_on(customer):
    """A work item of a fresh city-bike order at a stage of the given route, as production makes
    one (what a route's stages and work centres cannot be removed under)."""

    def make(route: Route, operation: str, work_centre: WorkCentre | None = None) -> WorkItem:
        order = order_place(
            actor=customer, request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections={})
        )
        job = Job.objects.create(
            order=order, route=route, operations=[s.operation for s in route.stages.all()]
        )
        stage = route.stages.get(operation=operation)
        return WorkItem.objects.create(
            job=job, stage=stage, work_centre=work_centre or stage.work_centre, units=1
        )

    return make


def queued_order(
    customer, *, product: str = "city-bike", selections: dict[str, Any] | None = None, quantity: int = 1
) -> Order:
    order = order_place(
        actor=customer,
        request=OrderRequest(
            shipping=SHIPPING, product_code=product, selections=selections or {}, quantity=quantity
        ),
    )
    return order_route(order_id=order.pk, message_id=None, queue=order.production_mode)


def run_factory(*, limit: int = 1000) -> int:
    """Finish running stages, oldest due first, until nothing runs; answers how many finished."""
    finished = 0
    for _ in range(limit):
        running = WorkItem.objects.filter(state=WorkItemState.RUNNING).order_by("due_at", "pk").first()
        if running is None:
            return finished
        finished += stage_finish(work_item_id=running.pk, now=timezone.now()).finished
    raise AssertionError("the factory did not come to rest")


def start_and_run(*orders: Order) -> None:
    for order in orders:
        job_start(order_id=order.pk)
    run_factory()
