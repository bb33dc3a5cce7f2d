"""Live vs simulated: a demand trace read from jobs and work items, as the live factory writes
them, run again through the SimPy model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from manufacturing.models import (
    Batch,
    Job,
    Route,
    RouteStage,
    SimulationClock,
    WorkCentre,
    WorkItem,
    WorkItemState,
)
from manufacturing.simulation.live import live_compare, live_render, live_trace_get
from manufacturing.spec import BatchPolicySpec, FactorySpec, RouteSpec, StageSpec, WorkCentreSpec
from orders.services import OrderRequest, order_place
from tests.orders.conftest import SHIPPING

pytestmark = pytest.mark.django_db

REAL_START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
SIM_START = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def bench_route(mode: str) -> RouteSpec:
    return RouteSpec(
        product="city-bike",
        mode=mode,
        name=f"Bench {mode}",
        stages=(StageSpec("assembly", "bench", Decimal(0), Decimal(10)),),
    )


FACTORY = FactorySpec(
    work_centres={
        "bench": WorkCentreSpec(
            code="bench",
            name="Bench",
            queue="standard",
            capacity=1,
            labour_rate_per_hour=Decimal(30),
            changeover_minutes=Decimal(0),
        )
    },
    routes=(bench_route("standard"), bench_route("batch")),
    batch_policy=BatchPolicySpec(size_limit=2, window_minutes=Decimal(60)),
)


@pytest.fixture
def stage(demo_catalogue):
    bench = WorkCentre.objects.create(code="bench", name="Bench", queue="standard", capacity=1)
    route = Route.objects.create(product=demo_catalogue["city-bike"], mode="standard", name="Bench line")
    SimulationClock.objects.create(real_anchor=REAL_START, sim_anchor=SIM_START, scale=60)
    return RouteStage.objects.create(
        route=route, position=1, operation="assembly", work_centre=bench, minutes_per_unit=Decimal(10)
    )


def made(
    customer, stage, *, arrival: float, start: float, end: float, state=WorkItemState.DONE, batch=None
) -> Job:
    """An order whose job was created at simulated minute ``arrival`` (real seconds at scale 60)
    and whose one work item ran from ``start`` to ``end`` (in a batch: the batch's lot, each item
    carrying the lot's minutes, as the live factory writes them)."""
    order = order_place(
        actor=customer, request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections={})
    )
    if batch is not None:
        order.production = {**order.production, "setup_key": batch.setup_key}
        order.save(update_fields=["production"])
    job = Job.objects.create(
        order=order,
        route=stage.route,
        batch=batch,
        operations=["assembly"],
        created_at=REAL_START + timedelta(seconds=arrival),
    )
    WorkItem.objects.create(
        job=job,
        stage=stage,
        work_centre=stage.work_centre,
        units=1,
        state=state,
        minutes=Decimal(str(end - start)),
        sim_start=SIM_START + timedelta(minutes=start),
        sim_end=SIM_START + timedelta(minutes=end) if state == WorkItemState.DONE else None,
    )
    return job


def test_a_trace_the_model_reproduces(customer, stage):
    made(customer, stage, arrival=0, start=0, end=10)
    made(customer, stage, arrival=5, start=10, end=20)
    made(customer, stage, arrival=30, start=30, end=40)
    made(customer, stage, arrival=35, start=40, end=45, state=WorkItemState.RUNNING)  # not finished
    trace = live_trace_get()
    assert [order.arrival for order in trace.orders] == [0, 5, 30]
    assert trace.lead_times == {0: 10, 1: 15, 2: 10}
    comparison = live_compare(factory=FACTORY, trace=trace)
    [standard] = comparison.modes
    assert (standard.measured_mean, standard.predicted_mean) == (pytest.approx(35 / 3), pytest.approx(35 / 3))
    assert (standard.measured_p95, standard.predicted_p95) == (15, 15)
    [bench] = comparison.centres
    assert (bench.measured, bench.predicted) == (pytest.approx(0.75), pytest.approx(0.75))


def test_a_slower_live_factory_shows_beside_the_prediction(customer, stage):
    made(customer, stage, arrival=0, start=0, end=10)
    made(customer, stage, arrival=5, start=10, end=30)  # took twice its route's time
    comparison = live_compare(factory=FACTORY, trace=live_trace_get())
    [standard] = comparison.modes
    assert standard.measured_mean == pytest.approx((10 + 25) / 2)
    assert standard.predicted_mean == pytest.approx((10 + 15) / 2)
    [bench] = comparison.centres
    assert bench.measured == pytest.approx(30 / 30)
    assert bench.predicted == pytest.approx(20 / 20)
    text = live_render(comparison)
    assert "standard (2 orders): mean 0.29 | 0.21" in text
    assert "Bench: 100.0% | 100.0%" in text


def test_a_batch_lot_counts_its_minutes_once(customer, stage, demo_catalogue):
    route = Route.objects.create(product=demo_catalogue["city-bike"], mode="batch", name="Bench batch")
    batch_stage = RouteStage.objects.create(
        route=route, position=1, operation="assembly", work_centre=stage.work_centre, minutes_per_unit=10
    )
    batch = Batch.objects.create(
        code="B-1",
        setup_key="city-bike:red",
        product_version=demo_catalogue["city-bike"].current_version,
        route=route,
        work_centre=stage.work_centre,
        size_limit=2,
        window_closes_at=REAL_START,
    )
    # Released full when the second order came at minute 10; painted as one lot of 2 units.
    made(customer, batch_stage, arrival=0, start=10, end=30, batch=batch)
    made(customer, batch_stage, arrival=10, start=10, end=30, batch=batch)
    trace = live_trace_get()
    assert trace.busy_minutes == {"bench": 20}
    assert {order.setup_key for order in trace.orders} == {"city-bike:red"}
    comparison = live_compare(factory=FACTORY, trace=trace)
    [mode] = comparison.modes
    assert (mode.mode, mode.measured_mean, mode.predicted_mean) == ("batch", 25, 25)
    [bench] = comparison.centres
    assert bench.measured == bench.predicted == pytest.approx(20 / 30)


def test_no_finished_jobs_says_so(db):
    assert "no finished jobs" in live_render(live_compare(factory=FACTORY, trace=live_trace_get()))


def test_the_command_prints_live_vs_simulated_on_the_database_factory(customer, stage, capsys):
    made(customer, stage, arrival=0, start=0, end=10)
    made(customer, stage, arrival=5, start=10, end=20)
    call_command("simulate", "--live")
    out = capsys.readouterr().out
    assert "Factory: the database's." in out
    assert "standard (2 orders): mean 0.21 | 0.21" in out


def test_the_command_simulates_the_database_factory_when_loaded(demo_factory, capsys):
    call_command("simulate", "--orders=60", "--no-progress")
    out = capsys.readouterr().out
    assert "Factory: the database's." in out and "Little's law" in out


def test_the_command_falls_back_to_the_demo_file(db, capsys):
    call_command("simulate", "--orders=60", "--no-progress")
    assert "Factory: the demo file" in capsys.readouterr().out
