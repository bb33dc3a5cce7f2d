"""An order's tracking: the route's stages done, current and next, batch, inspections, rework,
remakes and the ETA from the live load."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from configurator.engine.pricing import add_business_days
from manufacturing.documents import demo_factory_spec
from manufacturing.models import Batch, Inspection, InspectionDecision, WorkItemState
from manufacturing.tracking import StageState, order_tracking
from orders.models import Order

from .conftest import item, job_for

pytestmark = pytest.mark.django_db

BATCH = {"frame": "steel"}
NOW = timezone.now().replace(microsecond=0)


def states(tracking) -> list[tuple[str, str]]:
    return [(stage.operation, stage.state.value) for stage in tracking.stages]


def test_an_order_not_in_production_shows_the_route_it_will_take(factory, place):
    order = place(BATCH, quantity=2)
    tracking = order_tracking(order=order, spec=None, now=NOW)
    assert tracking.route == "Bike with batch paint"
    assert not tracking.in_production
    assert states(tracking) == [
        ("frame", "next"),
        ("paint", "next"),
        ("assembly", "next"),
        ("final_inspection", "next"),
    ]
    assert [stage.work_centre for stage in tracking.stages] == [
        "frame_shop",
        "paint_booth",
        "assembly_line",
        "final_inspection",
    ]
    # setup + minutes per unit x 2 units: 12 x 2, 10 + 6 x 2, 18 x 2, 4 x 2
    assert [stage.minutes for stage in tracking.stages] == [24, 22, 36, 8]
    assert tracking.eta.work_minutes == 90
    assert tracking.eta.queue_minutes == 0


def test_only_the_stages_whose_condition_holds_for_the_selections_are_planned(factory, place):
    engraved = place({"engraving": "FOR ADA"})
    plain = place({"saddle_height": 82})
    assert engraved.production_mode == plain.production_mode == "custom"
    assert [stage.operation for stage in order_tracking(order=engraved, spec=None, now=NOW).stages] == [
        "frame",
        "assembly",
        "engraving",
        "final_inspection",
    ]
    assert [stage.operation for stage in order_tracking(order=plain, spec=None, now=NOW).stages] == [
        "frame",
        "assembly",
        "final_inspection",
    ]
    painted = place({"colour": "custom_paint"})
    assert "hand_paint" in [
        stage.operation for stage in order_tracking(order=painted, spec=None, now=NOW).stages
    ]


def test_the_eta_adds_the_work_ahead_on_each_remaining_work_centre_over_its_capacity(
    factory, place, settings
):
    settings.ATELIER_SIM_TIME_SCALE = 60
    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 480
    order = place(BATCH, quantity=2)
    other = job_for(place(BATCH, quantity=3), factory.batch_route)
    # Waiting at the paint booth (capacity 1): 10 + 6 x 3 = 28 minutes ahead.
    item(other, factory.stage(factory.batch_route, "paint"), WorkItemState.WAITING)
    # Running on the assembly line (capacity 3), half done: 15 of its 30 minutes left, 5 per place.
    item(
        other,
        factory.stage(factory.batch_route, "assembly"),
        WorkItemState.RUNNING,
        minutes="30",
        real_start=NOW - timedelta(seconds=10),
        due_at=NOW + timedelta(seconds=10),
    )
    eta = order_tracking(order=order, spec=None, now=NOW).eta
    assert eta.work_minutes == 90
    assert eta.queue_minutes == 28 + 5
    # 123 simulated minutes at 60 simulated seconds per real second: 123 real seconds.
    assert eta.completes_at == NOW + timedelta(seconds=123)
    assert eta.business_days == 1
    assert eta.ship_date == add_business_days(timezone.localdate(NOW), 1)

    settings.ATELIER_FACTORY_MINUTES_PER_DAY = 60
    assert order_tracking(order=order, spec=None, now=NOW).eta.business_days == 3
    settings.ATELIER_SIM_TIME_SCALE = 0
    assert order_tracking(order=order, spec=None, now=NOW).eta.completes_at == NOW


def test_a_waiting_stage_counts_only_the_work_queued_before_it(factory, place):
    order = place(BATCH)
    paint = factory.stage(factory.batch_route, "paint")
    job = job_for(order, factory.batch_route)
    item(
        job,
        factory.stage(factory.batch_route, "frame"),
        WorkItemState.DONE,
        enqueued_at=NOW - timedelta(minutes=9),
    )
    mine = item(job, paint, WorkItemState.WAITING, enqueued_at=NOW - timedelta(minutes=3))
    earlier = job_for(place(BATCH, quantity=2), factory.batch_route)
    later = job_for(place(BATCH, quantity=5), factory.batch_route)
    item(earlier, paint, WorkItemState.WAITING, enqueued_at=mine.enqueued_at - timedelta(seconds=1))
    item(later, paint, WorkItemState.WAITING, enqueued_at=mine.enqueued_at + timedelta(seconds=1))
    tracking = order_tracking(order=order, spec=None, now=NOW)
    assert states(tracking)[:2] == [("frame", "done"), ("paint", "current")]
    assert tracking.stages[1].item_state == "waiting"
    # Only the earlier order's 10 + 6 x 2 minutes are ahead at the paint booth (capacity 1).
    assert tracking.eta.queue_minutes == 22


def test_an_order_in_production_shows_done_current_and_next_with_its_batch(factory, place):
    order = place(BATCH, quantity=2)
    batch = Batch.objects.create(
        code="B-steel-1",
        setup_key="frame=steel",
        product_version=order.product_version,
        route=factory.batch_route,
        work_centre=factory.centres["paint_booth"],
        size_limit=8,
        units=5,
        window_closes_at=NOW + timedelta(minutes=30),
        state="in_production",
    )
    job = job_for(order, factory.batch_route)
    job.batch = batch
    job.save()
    sim = NOW - timedelta(days=3)
    frame = item(
        job,
        factory.stage(factory.batch_route, "frame"),
        WorkItemState.DONE,
        minutes="24",
        real_start=NOW - timedelta(seconds=30),
        due_at=NOW - timedelta(seconds=6),
        sim_start=sim,
        sim_end=sim + timedelta(minutes=24),
    )
    item(
        job,
        factory.stage(factory.batch_route, "paint"),
        WorkItemState.RUNNING,
        minutes="67",
        real_start=NOW - timedelta(seconds=5),
        due_at=NOW + timedelta(seconds=62),
        changeover=True,
    )
    tracking = order_tracking(order=Order.objects.get(pk=order.pk), spec=None, now=NOW)
    assert tracking.in_production
    assert states(tracking) == [
        ("frame", "done"),
        ("paint", "current"),
        ("assembly", "next"),
        ("final_inspection", "next"),
    ]
    done, current = tracking.stages[:2]
    assert (done.sim_start, done.sim_end, done.real_end, done.attempt) == (
        frame.sim_start,
        frame.sim_end,
        frame.real_end,
        1,
    )
    assert current.item_state == "running"
    assert current.minutes == 67
    assert current.due_at == NOW + timedelta(seconds=62)
    assert tracking.stages[2].item_state is None
    assert (tracking.batch.code, tracking.batch.state, tracking.batch.units, tracking.batch.size_limit) == (
        "B-steel-1",
        "in_production",
        5,
        8,
    )
    # The running stage's own rest (62 of 67 real seconds: 62 simulated minutes) and the rest as
    # planned for the batch's 5 units, which pass each stage together.
    assert tracking.eta.work_minutes == Decimal(62) + 18 * 5 + 4 * 5


def test_rework_sends_the_order_back_and_is_counted(factory, place):
    order = place(BATCH)
    job = job_for(order, factory.batch_route)
    route = factory.batch_route
    for operation in ("frame", "paint", "assembly"):
        item(job, factory.stage(route, operation), WorkItemState.DONE, minutes="10")
    inspected = item(job, factory.stage(route, "final_inspection"), WorkItemState.DONE, minutes="4")
    Inspection.objects.create(
        work_item=inspected,
        checkpoint=factory.stage(route, "final_inspection").checkpoint,
        units_sampled=1,
        defects_found=1,
        decision=InspectionDecision.REWORK,
        action="rework at assembly (1 of 2)",
    )
    item(job, factory.stage(route, "assembly"), WorkItemState.WAITING, attempt=2, enqueued_at=timezone.now())
    tracking = order_tracking(order=order, spec=None, now=NOW)
    assert states(tracking) == [
        ("frame", "done"),
        ("paint", "done"),
        ("assembly", "current"),
        ("final_inspection", "next"),
    ]
    assert tracking.stages[2].attempt == 2
    assert tracking.rework_count == 1
    (inspection,) = tracking.inspections
    assert (inspection.operation, inspection.inspects, inspection.decision, inspection.defects_found) == (
        "final_inspection",
        "Brakes and gears",
        "rework",
        1,
    )
    assert inspection.action == "rework at assembly (1 of 2)"


def test_a_made_order_has_no_eta_and_shows_its_own_footprint(factory, place):
    order = place(BATCH, quantity=2)
    job = job_for(order, factory.batch_route)
    route = factory.batch_route
    minutes = {"frame": "24", "paint": "67", "assembly": "36", "final_inspection": "8"}
    for operation, spent in minutes.items():
        item(
            job,
            factory.stage(route, operation),
            WorkItemState.DONE,
            minutes=spent,
            changeover=operation == "paint",
        )
    job.remakes = 0
    job.completed_at = NOW
    job.save()
    spec = demo_factory_spec()
    tracking = order_tracking(order=order, spec=lambda: spec, now=NOW)
    assert all(stage.state is StageState.DONE for stage in tracking.stages)
    assert tracking.eta is None
    footprint = tracking.footprint
    assert footprint.basis == "actual"
    centres = spec.work_centres
    # The paint booth's 45 changeover minutes at its changeover rate, the rest at the running rates.
    energy = (
        Decimal(24) * centres["frame_shop"].energy_kwh_per_running_minute
        + Decimal(67 - 45) * centres["paint_booth"].energy_kwh_per_running_minute
        + Decimal(45) * centres["paint_booth"].energy_kwh_per_changeover_minute
        + Decimal(36) * centres["assembly_line"].energy_kwh_per_running_minute
        + Decimal(8) * centres["final_inspection"].energy_kwh_per_running_minute
    ) / 2
    assert footprint.unit.energy_kwh == energy.quantize(Decimal("0.001"))
    assert footprint.unit.changeover_minutes == Decimal("22.5")
    assert footprint.unit.materials == ("chromoly 4130",)
    assert footprint.baseline.materials == ("aluminium 6061",)
    assert footprint.new_materials == ("chromoly 4130",)
    assert order_tracking(order=order, spec=None, now=NOW).footprint is None


def test_tracking_costs_the_same_queries_for_one_attempt_or_many(
    factory, place, django_assert_max_num_queries, django_assert_num_queries
):
    route = factory.batch_route

    def order_with(attempts: int) -> Order:
        order = place(BATCH)
        job = job_for(order, route)
        for attempt in range(1, attempts + 1):
            for operation in ("frame", "paint", "assembly", "final_inspection"):
                done = item(
                    job, factory.stage(route, operation), WorkItemState.DONE, attempt=attempt, minutes="5"
                )
            Inspection.objects.create(
                work_item=done,
                checkpoint=factory.stage(route, "final_inspection").checkpoint,
                units_sampled=1,
                defects_found=1,
                decision=InspectionDecision.SCRAP,
            )
        item(job, factory.stage(route, "frame"), WorkItemState.WAITING, attempt=attempts + 1)
        return Order.objects.select_related("product_version", "job__route", "job__batch").get(pk=order.pk)

    small, large = order_with(1), order_with(6)
    # Its route's stages, its work items, and the work ahead on its remaining centres and at the
    # stage it waits at (three aggregate queries each).
    with django_assert_max_num_queries(8) as counted:
        assert len(order_tracking(order=small, spec=None, now=NOW).inspections) == 1
    with django_assert_num_queries(len(counted)):
        assert len(order_tracking(order=large, spec=None, now=NOW).inspections) == 6
