"""The footprint per good unit against the standard product, on a small factory worked by hand."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from configurator.engine.model import Kind, Option, OptionSet, ProductModel
from manufacturing.footprint import (
    InspectionOutcome,
    Passage,
    footprint_actual,
    footprint_estimate,
    standard_configuration,
)
from manufacturing.spec import (
    BatchPolicySpec,
    CheckpointSpec,
    FactorySpec,
    RouteSpec,
    SamplingPlanKind,
    StageSpec,
    WorkCentreSpec,
)

D = Decimal
PLACES = D("0.001")


def centre(
    code: str, running: str, changeover_minutes: str = "0", changeover_energy: str = "0"
) -> WorkCentreSpec:
    return WorkCentreSpec(
        code=code,
        name=code,
        queue="standard",
        capacity=1,
        labour_rate_per_hour=D(0),
        changeover_minutes=D(changeover_minutes),
        energy_kwh_per_running_minute=D(running),
        energy_kwh_per_changeover_minute=D(changeover_energy),
    )


SPEC = FactorySpec(
    work_centres={"saw": centre("saw", "0.5", "10", "1.0"), "bench": centre("bench", "0.2")},
    routes=(
        RouteSpec(
            product=None,
            mode="standard",
            name="Line",
            stages=(
                StageSpec(operation="finish", work_centre="bench", setup_minutes=D(0), minutes_per_unit=D(2)),
            ),
        ),
        RouteSpec(
            product="stool",
            mode="custom",
            name="Job shop",
            stages=(
                StageSpec(
                    operation="cut",
                    work_centre="saw",
                    setup_minutes=D(10),
                    minutes_per_unit=D(5),
                    defect_probability=D("0.1"),
                ),
                StageSpec(
                    operation="carve",
                    work_centre="bench",
                    setup_minutes=D(0),
                    minutes_per_unit=D(30),
                    condition="carving != ''",
                ),
                StageSpec(
                    operation="finish",
                    work_centre="bench",
                    setup_minutes=D(0),
                    minutes_per_unit=D(2),
                    checkpoint=CheckpointSpec(
                        inspects="Everything",
                        plan=SamplingPlanKind.EVERY_UNIT,
                        rework_operation="cut",
                        max_rework=1,
                    ),
                ),
            ),
        ),
        RouteSpec(
            product="stool",
            mode="batch",
            name="Batch",
            stages=(
                StageSpec(operation="cut", work_centre="saw", setup_minutes=D(0), minutes_per_unit=D(5)),
            ),
        ),
    ),
    batch_policy=BatchPolicySpec(size_limit=8),
)
MODEL = ProductModel(
    code="stool",
    option_sets=(
        OptionSet(
            code="wood",
            name="Wood",
            kind=Kind.SINGLE,
            default="pine",
            options=(
                Option(code="pine", name="Pine", material="pine"),
                Option(code="oak", name="Oak", material="oak"),
            ),
        ),
        OptionSet(
            code="legs",
            name="Legs",
            kind=Kind.SINGLE,
            default="straight",
            options=(Option(code="straight", name="Straight"), Option(code="turned", name="Turned")),
        ),
        OptionSet(code="carving", name="Carving", kind=Kind.TEXT, required=False, default=""),
    ),
)


def configuration(**choices) -> dict:
    return {**standard_configuration(MODEL), **choices}


def test_the_standard_product_on_the_standard_line_is_the_baseline():
    baseline = footprint_estimate(
        spec=SPEC, model=MODEL, mode="custom", config=configuration(), quantity=2
    ).baseline
    # One stage, 2 minutes a unit at 0.2 kWh a minute; no changeover, no checkpoint.
    assert (baseline.running_minutes, baseline.energy_kwh, baseline.changeover_minutes) == (
        D(2),
        D("0.4"),
        D(0),
    )
    assert (baseline.scrap_pieces, baseline.material_pieces, baseline.rework_units) == (D(0), D(1), D(0))
    assert baseline.materials == ("pine",)


def test_a_bespoke_stool_worked_by_hand():
    estimate = footprint_estimate(
        spec=SPEC, model=MODEL, mode="custom", config=configuration(wood="oak", legs="turned"), quantity=2
    )
    # Stages: cut (10 setup over 2 units + 5) and finish (2); carve does not apply without a carving.
    # A unit is defective at the checkpoint with p = 0.1 (cut); reworked once from cut (found again
    # with 0.1), then scrapped: rework 0.1 passes of cut + finish per unit, scrap 0.1 x 0.1 = 0.01.
    kept = 1 - D("0.01")
    running = (D(5) + 5 + 2 + D("0.1") * (5 + 2)) / kept
    changeover = D(10) / 2 / kept  # the saw changes over once for the order, shared by its 2 units
    energy = (
        D(10) * D("0.5") + D(2) * D("0.2") + D(5) * D("1.0") + D("0.1") * (5 * D("0.5") + 2 * D("0.2"))
    ) / kept
    unit = estimate.unit
    assert unit.running_minutes == running.quantize(PLACES)
    assert unit.changeover_minutes == changeover.quantize(PLACES)
    assert unit.energy_kwh == energy.quantize(PLACES)
    assert unit.scrap_pieces == (1 / kept - 1).quantize(PLACES)
    assert unit.material_pieces == (1 / kept).quantize(PLACES)
    assert unit.rework_units == (D("0.1") / kept).quantize(PLACES)
    # Legs have no material of their own: as the standard product's, which has none either.
    assert unit.materials == ("oak",)
    assert estimate.new_materials == ("oak",)
    assert estimate.route == "Job shop"


def test_a_stage_applies_only_when_its_condition_holds():
    plain = footprint_estimate(spec=SPEC, model=MODEL, mode="custom", config=configuration(), quantity=1)
    carved = footprint_estimate(
        spec=SPEC, model=MODEL, mode="custom", config=configuration(carving="A"), quantity=1
    )
    # 30 minutes of carving at 0.2 kWh a minute, once and again in the 0.1 rework passes (rework
    # goes back to the cut, before the carving), per good unit kept.
    kept = 1 - D("0.01")
    extra = D(30) * D("0.2") * (1 + D("0.1")) / kept
    assert carved.unit.energy_kwh - plain.unit.energy_kwh == pytest.approx(extra, abs=D("0.002"))


def test_a_batch_shares_a_changeover_by_a_full_batch():
    estimate = footprint_estimate(spec=SPEC, model=MODEL, mode="batch", config=configuration(), quantity=2)
    # The saw's 10 changeover minutes shared by a batch of 8 units (the policy's size limit).
    assert estimate.unit.changeover_minutes == D("1.250")
    assert estimate.unit.energy_kwh == (D(5) * D("0.5") + D("1.25") * D("1.0")).quantize(PLACES)


def test_no_defects_means_no_rework_and_no_scrap():
    spec = FactorySpec(
        work_centres=SPEC.work_centres,
        routes=tuple(
            RouteSpec(
                product=route.product,
                mode=route.mode,
                name=route.name,
                stages=tuple(
                    StageSpec(
                        operation=stage.operation,
                        work_centre=stage.work_centre,
                        setup_minutes=stage.setup_minutes,
                        minutes_per_unit=stage.minutes_per_unit,
                        checkpoint=stage.checkpoint,
                    )
                    for stage in route.stages
                ),
            )
            for route in SPEC.routes
        ),
    )
    unit = footprint_estimate(spec=spec, model=MODEL, mode="custom", config=configuration(), quantity=1).unit
    assert (unit.rework_units, unit.scrap_pieces, unit.material_pieces) == (D(0), D(0), D(1))


def test_an_order_as_made_counts_its_own_minutes_changeovers_rework_and_scrap():
    actual = footprint_actual(
        spec=SPEC,
        model=MODEL,
        mode="custom",
        config=configuration(),
        quantity=2,
        passages=[
            Passage(work_centre="saw", minutes=D(30), changeover=True),  # 10 of them the changeover
            Passage(work_centre="bench", minutes=D(4), changeover=False),
            Passage(work_centre="saw", minutes=D(20), changeover=False),  # the rework
            Passage(work_centre="bench", minutes=D(4), changeover=False),
        ],
        inspections=[
            InspectionOutcome(decision="rework", units=2),
            InspectionOutcome(decision="pass", units=2),
        ],
    )
    assert actual.basis == "actual"
    unit = actual.unit
    assert unit.changeover_minutes == D(5)
    assert unit.running_minutes == D(24)  # (20 + 4 + 20 + 4) / 2
    assert unit.energy_kwh == ((D(40) * D("0.5") + D(8) * D("0.2") + D(10) * D("1.0")) / 2).quantize(PLACES)
    assert (unit.rework_units, unit.scrap_pieces, unit.material_pieces) == (D(1), D(0), D(1))


def test_the_baseline_follows_a_new_factory_snapshot_and_each_model():
    before = footprint_estimate(spec=SPEC, model=MODEL, mode="custom", config=configuration(), quantity=1)
    line = SPEC.routes[0]
    slower_stage = replace(line.stages[0], minutes_per_unit=D(3))
    slower = replace(SPEC, routes=(replace(line, stages=(slower_stage,)), *SPEC.routes[1:]))
    after = footprint_estimate(spec=slower, model=MODEL, mode="custom", config=configuration(), quantity=1)
    assert (before.baseline.running_minutes, after.baseline.running_minutes) == (D(2), D(3))
    # Another model without the carving set: the carve stage's condition cannot be read, so never holds.
    plain = ProductModel(code="stool", option_sets=MODEL.option_sets[:2])
    again = footprint_estimate(
        spec=SPEC, model=plain, mode="custom", config=standard_configuration(plain), quantity=1
    )
    assert again.baseline == before.baseline and again.unit == before.unit
