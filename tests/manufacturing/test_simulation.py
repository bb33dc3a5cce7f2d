"""The what-if simulation: determinism, Little's law in every report, the rules of batching,
changeovers, inspections, rework and scrap, the report's baseline, and the command."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from manufacturing.documents import demo_factory_spec
from manufacturing.simulation import DemandError, SimOrder, SimulationSettings, report_render, simulation_run
from manufacturing.simulation.chart import chart_write
from manufacturing.simulation.demand import mix_parse
from manufacturing.simulation.model import MAX_REMAKES
from manufacturing.simulation.policy import policy_parse
from manufacturing.simulation.report import baseline_per_unit
from manufacturing.spec import (
    BatchPolicySpec,
    CheckpointSpec,
    FactorySpec,
    RouteSpec,
    SamplingPlanKind,
    StageSpec,
    WorkCentreSpec,
)


def centre(code: str, *, capacity: int = 1, changeover: str = "0", rate: str = "60") -> WorkCentreSpec:
    return WorkCentreSpec(
        code=code,
        name=code.title(),
        queue="standard",
        capacity=capacity,
        labour_rate_per_hour=Decimal(rate),
        changeover_minutes=Decimal(changeover),
        energy_kwh_per_running_minute=Decimal("0.5"),
        energy_kwh_per_changeover_minute=Decimal("1"),
    )


def stage(operation: str, work_centre: str, minutes: str, **extra) -> StageSpec:
    return StageSpec(
        operation=operation,
        work_centre=work_centre,
        setup_minutes=Decimal(extra.pop("setup", "0")),
        minutes_per_unit=Decimal(minutes),
        **extra,
    )


def small_factory(*, changeover: str = "0", size: int = 3, window: str = "60", **stage_extra) -> FactorySpec:
    """One paint booth; every mode of ``chair`` paints for 10 minutes a unit."""
    routes = tuple(
        RouteSpec(
            product="chair", mode=mode, name=mode, stages=(stage("paint", "booth", "10", **stage_extra),)
        )
        for mode in ("standard", "batch", "custom")
    )
    return FactorySpec(
        work_centres={"booth": centre("booth", changeover=changeover)},
        routes=routes,
        batch_policy=BatchPolicySpec(size_limit=size, window_minutes=Decimal(window)),
    )


def order(number: int, arrival: float, mode: str = "batch", key: str = "red", quantity: int = 1) -> SimOrder:
    """A chair order; only batch orders have a setup key (as pricing decides)."""
    return SimOrder(
        number=number,
        arrival=arrival,
        product="chair",
        mode=mode,
        quantity=quantity,
        setup_key=f"chair:{key}" if mode == "batch" else "",
        operations=frozenset({"paint"}),
    )


def run(factory: FactorySpec, orders: list[SimOrder], *policies: str):
    settings = SimulationSettings(orders=len(orders), policies=policies or ("configured",))
    return simulation_run(factory=factory, settings=settings, orders=orders)


def test_same_seed_same_report_and_another_seed_another():
    factory = demo_factory_spec()
    settings = SimulationSettings(orders=300, seed=7, policies=("configured", "batch=off"))
    first = simulation_run(factory=factory, settings=settings)
    assert simulation_run(factory=factory, settings=settings) == first
    assert simulation_run(factory=factory, settings=dataclasses.replace(settings, seed=8)) != first


@pytest.mark.parametrize("policy", ["configured", "size=2,window=30", "window=720", "batch=off"])
@pytest.mark.parametrize("service", [False, True], ids=["deterministic", "exponential"])
def test_littles_law_holds_in_every_report(policy, service):
    settings = SimulationSettings(
        orders=400, seed=3, policies=(policy,), quantity="1-3", exponential_service=service
    )
    [report] = simulation_run(factory=demo_factory_spec(), settings=settings)
    assert report.little_holds
    for mode in (*report.modes, report.total):
        assert mode.wip > 0
        assert abs(mode.wip - mode.little_lambda_w) <= 0.02 * mode.wip


def test_a_batch_is_released_when_full():
    [report] = run(small_factory(size=3), [order(0, 0), order(1, 5), order(2, 10)])
    # Released at minute 10 as one lot of 3 units: 30 minutes of painting, one changeover at most.
    assert report.total.lead_time_mean == pytest.approx((40 + 35 + 30) / 3)
    assert report.total.changeovers == 0


def test_a_batch_is_released_when_its_window_closes():
    [report] = run(small_factory(size=10, window="60"), [order(0, 0), order(1, 30)])
    # Opened at 0, released at 60 with 2 units: done at 80.
    assert report.total.lead_time_mean == pytest.approx((80 + 50) / 2)


def test_setup_keys_batch_apart_and_changeovers_follow_the_key():
    orders = [
        order(0, 0, key="red"),
        order(1, 1, key="blue"),
        order(2, 2, key="red"),
        order(3, 3, key="blue"),
    ]
    [batched, alone] = run(small_factory(changeover="15", size=2), orders, "configured", "batch=off")
    # Batched: red (released at 2) then blue (at 3): the booth changes to red, then to blue.
    assert batched.total.changeovers == 2
    assert batched.centres[0].changeover_minutes == 30
    # One by one in arrival order the key changes at every order.
    assert alone.total.changeovers == 4
    assert alone.total.cost_per_unit > batched.total.cost_per_unit


def test_standard_and_custom_orders_change_over_only_after_a_batch():
    """They have no setup key: a fresh booth needs no changeover for them, a batch's key does."""
    orders = [order(0, 0, mode="custom"), order(1, 100, key="red"), order(2, 200, mode="custom")]
    [mixed] = run(small_factory(changeover="15", size=1), orders)
    assert mixed.total.changeovers == 2
    assert [mode.changeovers for mode in mixed.modes] == [1, 1]  # batch, custom
    [standard] = run(small_factory(changeover="15"), [order(n, n * 100, mode="standard") for n in range(3)])
    assert standard.total.changeovers == 0


def test_unbatched_products_go_one_by_one_the_others_still_batch():
    desk_routes = tuple(
        RouteSpec(product="desk", mode=mode, name=mode, stages=(stage("paint", "booth", "10"),))
        for mode in ("standard", "batch")
    )
    base = small_factory(changeover="15", size=2)
    factory = dataclasses.replace(base, routes=(*base.routes, *desk_routes))
    chairs = [order(n, n) for n in range(4)]
    desks = [
        dataclasses.replace(order(n, 100 + n), product="desk", setup_key="desk:red") for n in range(4, 8)
    ]
    [batched, chairs_alone] = run(factory, chairs + desks, "configured", "unbatched=chair")
    assert chairs_alone.policy.unbatched == {"chair"}
    # Chairs: two batches of 2 (one changeover to red) or 4 lots of 1 (still one: the key stays red);
    # they differ in lots run, so in setups and lead time, not changeovers.
    assert batched.total.changeovers == chairs_alone.total.changeovers == 2
    assert chairs_alone.total.lead_time_mean != batched.total.lead_time_mean
    assert "chair one by one" in report_render(chairs_alone)


def every_unit(max_rework: int) -> CheckpointSpec:
    return CheckpointSpec(
        inspects="paint", plan=SamplingPlanKind.EVERY_UNIT, rework_operation="paint", max_rework=max_rework
    )


def test_a_failing_lot_is_reworked_then_scrapped_and_remade_then_flagged():
    factory = small_factory(defect_probability=Decimal(1), checkpoint=every_unit(1))
    [report] = run(factory, [order(0, 0, mode="standard")])
    mode = report.total
    # Every inspection fails: rework once, then scrap and remake, until the remakes run out.
    assert mode.rework_units == MAX_REMAKES + 1
    assert mode.scrap_units == MAX_REMAKES + 1
    assert mode.inspections == 2 * (MAX_REMAKES + 1)
    assert (mode.flagged_orders, mode.first_pass_yield) == (1, 0)
    assert report.centres[0].quality == 0


def test_remakes_are_limited_by_the_setting():
    factory = small_factory(defect_probability=Decimal(1), checkpoint=every_unit(0))
    settings = SimulationSettings(orders=1, max_remakes=1)
    [report] = simulation_run(factory=factory, settings=settings, orders=[order(0, 0, mode="standard")])
    assert (report.total.scrap_units, report.total.rework_units, report.total.inspections) == (2, 0, 2)


def test_no_defects_no_rework_and_first_pass_yield_one():
    factory = small_factory(checkpoint=every_unit(2))
    [report] = run(factory, [order(n, n * 5, mode="standard", key="chair") for n in range(5)])
    assert (report.total.rework_units, report.total.scrap_units, report.total.first_pass_yield) == (0, 0, 1)
    assert report.total.inspections == 5
    assert report.centres[0].quality == 1


def test_a_failed_batch_sample_inspects_the_whole_batch():
    """Every third unit sampled, accept none: after a failed sample of 2, all 6 units."""
    checkpoint = CheckpointSpec(
        inspects="paint", plan=SamplingPlanKind.EVERY_NTH, every_n=3, rework_operation="paint", max_rework=9
    )
    factory = small_factory(size=6, defect_probability=Decimal("0.1"), checkpoint=checkpoint)
    orders = [order(n, n) for n in range(6)]
    outcomes = set()
    for seed in range(30):
        settings = SimulationSettings(orders=6, seed=seed)
        [report] = simulation_run(factory=factory, settings=settings, orders=orders)
        mode = report.total
        assert mode.units_inspected == 2 + 6 * (mode.inspections - 1)
        assert mode.rework_units + mode.scrap_units == 6 * (mode.inspections - 1)
        outcomes.add(mode.inspections > 1)
    assert outcomes == {True, False}


def test_an_order_that_fails_a_sample_stays_on_its_plan():
    """Only a batch goes to 100 % inspection: an order of 6 units keeps sampling 2."""
    checkpoint = CheckpointSpec(
        inspects="paint", plan=SamplingPlanKind.EVERY_NTH, every_n=3, rework_operation="paint", max_rework=9
    )
    factory = small_factory(defect_probability=Decimal("0.3"), checkpoint=checkpoint)
    reworked = False
    for seed in range(10):
        settings = SimulationSettings(orders=1, seed=seed)
        [report] = simulation_run(
            factory=factory, settings=settings, orders=[order(0, 0, "standard", quantity=6)]
        )
        assert report.total.units_inspected == 2 * report.total.inspections
        reworked = reworked or report.total.rework_units > 0
    assert reworked


def test_cost_and_energy_against_the_standard_route():
    factory = small_factory(changeover="15", size=1)
    cost, energy = baseline_per_unit(factory=factory, product="chair")
    assert (cost, energy) == (10.0, 5.0)  # 10 minutes at 60/h; 10 running minutes at 0.5 kWh
    [report] = run(factory, [order(n, n * 100, key=f"k{n}") for n in range(2)])
    # Two batches of one, two changeovers of 15 minutes: 50 minutes of labour at 60/h, and
    # 2 x 10 running minutes at 0.5 kWh + 2 x 15 changeover minutes at 1 kWh, over 2 units.
    assert report.total.cost_per_unit == pytest.approx(50 / 2)
    assert report.total.energy_kwh_per_unit == pytest.approx(40 / 2)
    assert report.total.baseline_cost_per_unit == 10


def test_oee_counts_changeovers_as_lost_availability():
    orders = [order(n, n * 100, key=f"k{n}") for n in range(3)]
    [report] = run(small_factory(changeover="10", size=1), orders)
    booth = report.centres[0]
    assert booth.availability == pytest.approx(30 / 60)
    assert booth.performance == 1 and booth.quality == 1
    assert booth.oee == pytest.approx(0.5)
    assert booth.utilisation == pytest.approx(60 / report.makespan_minutes)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("city-bike", "mix"),
        ("city-bike:mass=1", "mix"),
        ("city-bike:standard=-1", "mix"),
        ("city-bike:standard=x", "mix"),
        ("", "mix"),
    ],
)
def test_a_bad_mix_names_the_problem(text, field):
    with pytest.raises(DemandError) as caught:
        mix_parse(text=text, factory=demo_factory_spec())
    assert caught.value.field == field


def test_a_mix_without_a_route_is_refused():
    factory = small_factory()
    with pytest.raises(DemandError, match="No route for desk"):
        mix_parse(text="desk:standard=1", factory=factory)


@pytest.mark.parametrize("text", ["size=0", "window=-1", "batch=maybe", "colour=red", "size", "unbatched="])
def test_a_bad_policy_names_the_problem(text):
    with pytest.raises(DemandError) as caught:
        policy_parse(text=text, factory=demo_factory_spec())
    assert caught.value.field == "policy"


def test_the_chart_is_a_png(tmp_path):
    settings = SimulationSettings(orders=100, policies=("configured", "batch=off"))
    reports = simulation_run(factory=demo_factory_spec(), settings=settings)
    chart_write(reports=reports, path=tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_command_prints_every_section_and_compares_policies(tmp_path, capsys):
    call_command(
        "simulate",
        "--orders=200",
        "--seed=4",
        "--policy=configured",
        "--policy=size=16,window=480",
        "--no-progress",
        "--demo",
        f"--chart={tmp_path / 'out.png'}",
    )
    out = capsys.readouterr().out
    for section in (
        "lead med h",
        "Footprint per delivered unit",
        "Work centres:",
        "Little's law",
        "Policies compared",
    ):
        assert section in out
    assert "FAILS" not in out and out.count(": holds") == 8
    assert (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--mix=city-bike:mass=1"], "--mix"),
        (["--policy=size=0"], "--policy"),
        (["--orders=0"], "--orders"),
        (["--quantity=3-1"], "--quantity"),
        (["--conditional-share=2"], "--conditional-share"),
    ],
)
def test_the_command_refuses_bad_options_by_name(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate", "--no-progress", "--demo", *arguments)


def test_a_mix_that_takes_no_time_needs_a_rate():
    factory = dataclasses.replace(
        small_factory(),
        routes=(
            RouteSpec(product="chair", mode="standard", name="idle", stages=(stage("look", "booth", "0"),)),
        ),
    )
    settings = SimulationSettings(orders=5, mix="chair:standard=1")
    with pytest.raises(DemandError) as caught:
        simulation_run(factory=factory, settings=settings)
    assert caught.value.field == "rate"
    [report] = simulation_run(factory=factory, settings=dataclasses.replace(settings, rate_per_hour=6))
    assert report.total.orders == 5 and report.total.lead_time_p95 == 0
