"""What customers and staff see of the live factory (tracking, load, ship dates): a small factory
made of rows (the demo factory's city bike routes), and orders placed in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from manufacturing.models import (
    Job,
    QualityCheckpoint,
    Route,
    RouteStage,
    WorkCentre,
    WorkItem,
    WorkItemState,
)
from orders.models import Order
from orders.services import OrderRequest, order_place
from products.models import Product
from tests.orders.conftest import SHIPPING

#: code: (name, queue, capacity, changeover minutes)
CENTRES = {
    "frame_shop": ("Frame shop", "standard", 2, "0"),
    "paint_booth": ("Paint booth", "batch", 1, "45"),
    "assembly_line": ("Assembly line", "standard", 3, "0"),
    "hand_finishing": ("Hand-finishing bench", "custom", 2, "0"),
    "final_inspection": ("Final inspection", "standard", 2, "0"),
}
#: (operation, work centre, setup minutes, minutes per unit, condition, checkpoint inspects)
BATCH_STAGES = [
    ("frame", "frame_shop", "0", "12", "", ""),
    ("paint", "paint_booth", "10", "6", "", "Paint coverage"),
    ("assembly", "assembly_line", "0", "18", "", ""),
    ("final_inspection", "final_inspection", "0", "4", "", "Brakes and gears"),
]
CUSTOM_STAGES = [
    ("frame", "frame_shop", "15", "20", "", ""),
    ("hand_paint", "hand_finishing", "10", "90", "colour == 'custom_paint'", ""),
    ("assembly", "assembly_line", "0", "25", "", ""),
    ("engraving", "hand_finishing", "5", "15", "engraving != ''", ""),
    ("final_inspection", "final_inspection", "0", "8", "", "Every bespoke detail"),
]


STANDARD_STAGES = [
    ("assembly", "assembly_line", "0", "15", "", ""),
    ("final_inspection", "final_inspection", "0", "3", "", "Finished product"),
]


@dataclass
class Factory:
    centres: dict[str, WorkCentre]
    batch_route: Route
    custom_route: Route

    def stage(self, route: Route, operation: str) -> RouteStage:
        return route.stages.get(operation=operation)


def route_rows(product: Product | None, mode: str, name: str, stages, centres) -> Route:
    route = Route.objects.create(product=product, mode=mode, name=name)
    for position, (operation, centre, setup, per_unit, condition, inspects) in enumerate(stages, start=1):
        stage = RouteStage.objects.create(
            route=route,
            position=position,
            operation=operation,
            work_centre=centres[centre],
            setup_minutes=Decimal(setup),
            minutes_per_unit=Decimal(per_unit),
            condition=condition,
        )
        if inspects:
            QualityCheckpoint.objects.create(stage=stage, inspects=inspects, plan="every_unit", max_rework=2)
    return route


@pytest.fixture
def factory(demo_catalogue) -> Factory:
    centres = {
        code: WorkCentre.objects.create(
            code=code, name=name, queue=queue, capacity=capacity, changeover_minutes=Decimal(changeover)
        )
        for code, (name, queue, capacity, changeover) in CENTRES.items()
    }
    bike = Product.objects.get(code="city-bike")
    route_rows(None, "standard", "Standard line", STANDARD_STAGES, centres)
    return Factory(
        centres=centres,
        batch_route=route_rows(bike, "batch", "Bike with batch paint", BATCH_STAGES, centres),
        custom_route=route_rows(bike, "custom", "Bespoke bike", CUSTOM_STAGES, centres),
    )


@pytest.fixture
def place(customer):
    def place(selections: dict, quantity: int = 1) -> Order:
        return order_place(
            actor=customer,
            request=OrderRequest(
                shipping=SHIPPING, product_code="city-bike", selections=selections, quantity=quantity
            ),
        )

    return place


def job_for(order: Order, route: Route, operations: list[str] | None = None) -> Job:
    operations = operations or list(route.stages.order_by("position").values_list("operation", flat=True))
    return Job.objects.create(order=order, route=route, operations=operations)


def item(
    job: Job,
    stage: RouteStage,
    state: WorkItemState,
    *,
    enqueued_at: datetime | None = None,
    attempt: int = 1,
    units: int | None = None,
    minutes: str = "0",
    real_start: datetime | None = None,
    due_at: datetime | None = None,
    sim_start: datetime | None = None,
    sim_end: datetime | None = None,
    changeover: bool = False,
) -> WorkItem:
    return WorkItem.objects.create(
        job=job,
        stage=stage,
        work_centre=stage.work_centre,
        attempt=attempt,
        units=job.order.quantity if units is None else units,
        state=state,
        enqueued_at=enqueued_at or timezone.now() - timedelta(minutes=5),
        minutes=Decimal(minutes),
        real_start=real_start,
        due_at=due_at,
        sim_start=sim_start,
        sim_end=sim_end,
        real_end=due_at if state == WorkItemState.DONE else None,
        changeover=changeover,
    )
