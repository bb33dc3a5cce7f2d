"""The demo factory as rows, orders placed and queued, and a loop that runs the factory in the test
process (scale 0: every stage is due at once) without a broker."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from manufacturing.documents import demo_factory_spec
from manufacturing.models import QualityCheckpoint, Route, RouteStage, WorkCentre, WorkItem, WorkItemState
from manufacturing.services import job_start, stage_finish
from manufacturing.spec import FactorySpec
from orders.models import Order
from orders.services import OrderRequest, order_place, order_route
from products.models import Product
from tests.orders.conftest import SHIPPING


def factory_rows(spec: FactorySpec) -> None:
    """Write a factory spec as rows (the tests' own; ``load_demo`` has its own loader)."""
    centres = {
        code: WorkCentre.objects.create(
            code=code,
            name=centre.name,
            queue=centre.queue,
            capacity=centre.capacity,
            labour_rate_per_hour=centre.labour_rate_per_hour,
            changeover_minutes=centre.changeover_minutes,
        )
        for code, centre in spec.work_centres.items()
    }
    for route_spec in spec.routes:
        product = Product.objects.get(code=route_spec.product) if route_spec.product else None
        route = Route.objects.create(product=product, mode=route_spec.mode, name=route_spec.name)
        stages = {}
        for position, stage in enumerate(route_spec.stages, start=1):
            stages[stage.operation] = RouteStage.objects.create(
                route=route,
                position=position,
                operation=stage.operation,
                work_centre=centres[stage.work_centre],
                setup_minutes=stage.setup_minutes,
                minutes_per_unit=stage.minutes_per_unit,
                defect_probability=stage.defect_probability,
                condition=stage.condition,
            )
        for stage in route_spec.stages:
            checkpoint = stage.checkpoint
            if checkpoint is None:
                continue
            QualityCheckpoint.objects.create(
                stage=stages[stage.operation],
                inspects=checkpoint.inspects,
                plan=checkpoint.plan.value,
                every_n=checkpoint.every_n,
                inspection_level=checkpoint.inspection_level or "",
                aql=checkpoint.aql,
                rework_stage=stages.get(checkpoint.rework_operation or ""),
                max_rework=checkpoint.max_rework,
            )


@pytest.fixture
def demo_factory(demo_catalogue, settings):
    """The demo factory, making no defects unless a test says otherwise (inspections are drawn
    from a generator seeded by order ids, which differ from run to run)."""
    settings.ATELIER_SIM_TIME_SCALE = 0
    factory_rows(demo_factory_spec())
    RouteStage.objects.update(defect_probability=0)


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
