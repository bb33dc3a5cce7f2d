"""The order page follows the order's tracking: its route's stages done, current and next with
work centres and times, its batch, inspections, rework, the live ETA, and its footprint once made;
accessible at every step. The factory's rows are made directly (no worker needed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from manufacturing.models import Batch, Inspection, InspectionDecision, WorkCentre, WorkItemState
from orders.models import Order
from orders.services import OrderRequest, order_place
from products.models import Product
from tests.manufacturing.live.conftest import (
    BATCH_STAGES,
    CENTRES,
    STANDARD_STAGES,
    item,
    job_for,
    route_rows,
)
from tests.orders.conftest import SHIPPING

from .conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bike_route(demo_catalogue):
    centres = {
        code: WorkCentre.objects.create(
            code=code, name=name, queue=queue, capacity=capacity, changeover_minutes=Decimal(changeover)
        )
        for code, (name, queue, capacity, changeover) in CENTRES.items()
    }
    route_rows(None, "standard", "Standard line", STANDARD_STAGES, centres)
    return route_rows(
        Product.objects.get(code="city-bike"), "batch", "Bike with batch paint", BATCH_STAGES, centres
    )


@pytest.fixture
def customer_order():
    customer = get_user_model().objects.create_user("hana", "hana@example.com", "a-long-pass-phrase")

    def place() -> Order:
        return order_place(
            actor=customer,
            request=OrderRequest(
                shipping=SHIPPING, product_code="city-bike", selections={"frame": "steel"}, quantity=2
            ),
        )

    return place


def test_the_order_page_shows_where_the_order_is(page, bike_route, customer_order):
    order = customer_order()
    now = timezone.now()
    job = job_for(order, bike_route)
    job.batch = Batch.objects.create(
        code="B-steel-7",
        setup_key="frame=steel",
        product_version=order.product_version,
        route=bike_route,
        work_centre=WorkCentre.objects.get(code="paint_booth"),
        size_limit=8,
        units=2,
        state="in_production",
        window_closes_at=now,
    )
    job.save()
    stage = {stage.operation: stage for stage in bike_route.stages.all()}
    item(job, stage["frame"], WorkItemState.DONE, minutes="24", due_at=now - timedelta(minutes=3))
    painted = item(job, stage["paint"], WorkItemState.DONE, minutes="22", due_at=now - timedelta(minutes=2))
    Inspection.objects.create(
        work_item=painted,
        checkpoint=stage["paint"].checkpoint,
        units_sampled=2,
        defects_found=1,
        decision=InspectionDecision.REWORK,
        action="rework at paint (1 of 2)",
    )
    item(
        job,
        stage["paint"],
        WorkItemState.RUNNING,
        attempt=2,
        minutes="22",
        real_start=now - timedelta(minutes=1),
        due_at=now + timedelta(minutes=10),
        enqueued_at=now - timedelta(minutes=1),
    )
    log_in(page, "hana", "a-long-pass-phrase")
    page.goto(f"{page.base}/orders/{order.id}/")
    assert page.locator("#stage-list .stage-state").all_text_contents() == ["done", "current", "next", "next"]
    stages = page.locator("#stage-list li")
    assert "Paint booth" in stages.nth(1).inner_text() and "attempt 2" in stages.nth(1).inner_text()
    assert "until about" in stages.nth(1).inner_text()
    assert "Route: Bike with batch paint" in page.locator("#stages-route").inner_text()
    assert "B-steel-7" in page.locator("#order-batch").inner_text()
    assert page.locator("#order-rework").inner_text() == "1"
    assert "sent to rework" in page.locator("#inspection-list").inner_text()
    assert "1 defect in 2 units inspected" in page.locator("#inspection-list").inner_text()
    assert "production done about" in page.locator("#order-eta-note").inner_text()
    assert page.locator("#footprint-panel").is_hidden()
    assert_accessible(page, what="an order in production")


def test_a_made_order_shows_every_stage_done_and_its_footprint(page, bike_route, customer_order):
    order = customer_order()
    job = job_for(order, bike_route)
    for stage in bike_route.stages.all():
        item(job, stage, WorkItemState.DONE, minutes="10", due_at=timezone.now())
    job.completed_at = timezone.now()
    job.save()
    Order.objects.filter(pk=order.pk).update(status="completed")
    log_in(page, "hana", "a-long-pass-phrase")
    page.goto(f"{page.base}/orders/{order.id}/")
    assert set(page.locator("#stage-list .stage-state").all_text_contents()) == {"done"}
    assert page.locator("#order-eta-note").inner_text() == ""
    assert page.locator("#footprint-panel").is_visible()
    assert page.locator("#footprint-table tbody tr").count() == 4
    assert "chromoly 4130" in page.locator("#footprint-materials").inner_text()
    assert_accessible(page, what="a made order")
