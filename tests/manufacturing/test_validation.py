"""The rules of a factory (manufacturing.validation), one test per bad input, on the demo factory
with one thing broken."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from configurator.engine.document import model_from_document
from manufacturing.documents import FactoryDocumentError, demo_factory_spec
from manufacturing.spec import CheckpointSpec, FactorySpec, RouteSpec, SamplingPlanKind, StageSpec
from manufacturing.validation import factory_spec_check
from products.demo import demo_documents

OPTION_SETS = {
    document["code"]: model_from_document(document).option_set_index for document in demo_documents()
}


def option_sets_for(product: str):
    return OPTION_SETS.get(product)


def route_index(spec: FactorySpec, product: str | None, mode: str) -> int:
    return next(i for i, r in enumerate(spec.routes) if (r.product, r.mode) == (product, mode))


def with_route(spec: FactorySpec, index: int, route: RouteSpec) -> FactorySpec:
    routes = list(spec.routes)
    routes[index] = route
    return replace(spec, routes=tuple(routes))


def with_stage(spec: FactorySpec, route: int, stage: int, **changes) -> FactorySpec:
    stages = list(spec.routes[route].stages)
    stages[stage] = replace(stages[stage], **changes)
    return with_route(spec, route, replace(spec.routes[route], stages=tuple(stages)))


def problems(spec: FactorySpec) -> dict[str, str]:
    with pytest.raises(FactoryDocumentError) as raised:
        factory_spec_check(spec, option_sets_for)
    return raised.value.errors


@pytest.fixture
def demo() -> FactorySpec:
    return demo_factory_spec()


@pytest.fixture
def bike_batch(demo) -> int:
    """The city bike's batch route: frame, paint (checkpoint), assembly, engraving (condition),
    final_inspection (checkpoint reworking at assembly)."""
    return route_index(demo, "city-bike", "batch")


def test_the_demo_factory_is_fine(demo):
    factory_spec_check(demo, option_sets_for)


def test_a_route_without_stages(demo, bike_batch):
    spec = with_route(demo, bike_batch, replace(demo.routes[bike_batch], stages=()))
    assert problems(spec) == {f"routes[{bike_batch}].stages": "A route needs at least one stage."}


def test_a_stage_on_an_unknown_work_centre(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 0, work_centre="laser")
    assert problems(spec) == {f"routes[{bike_batch}].stages[0].work_centre": "Unknown work centre 'laser'."}


def test_two_routes_for_one_product_and_mode(demo, bike_batch):
    spec = replace(demo, routes=(*demo.routes, replace(demo.routes[bike_batch], name="Second")))
    assert problems(spec) == {
        f"routes[{len(demo.routes)}].mode": f"routes[{bike_batch}] is already the batch route of city-bike."
    }


def test_two_default_routes_for_one_mode(demo):
    default = route_index(demo, None, "standard")
    spec = replace(demo, routes=(*demo.routes, demo.routes[default]))
    assert problems(spec) == {
        f"routes[{len(demo.routes)}].mode": f"routes[{default}] is already the default standard route."
    }


def test_an_unknown_mode(demo, bike_batch):
    spec = with_route(demo, bike_batch, replace(demo.routes[bike_batch], mode="express"))
    assert problems(spec) == {
        f"routes[{bike_batch}].mode": "Unknown production mode 'express'; one of standard, batch, custom."
    }


def test_an_unknown_product(demo, bike_batch):
    spec = with_route(demo, bike_batch, replace(demo.routes[bike_batch], product="unicycle"))
    assert problems(spec) == {
        f"routes[{bike_batch}].product": "Unknown product 'unicycle', or it has no published version."
    }


def test_rework_pointing_forward(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, rework_operation="assembly")
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[1].checkpoint.rework_operation": (
            "Rework goes back to this stage or an earlier one of the route; 'assembly' is not one of "
            "frame, paint."
        )
    }


def test_rework_at_a_stage_not_in_the_route(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[4].checkpoint, rework_operation="sewing")
    spec = with_stage(demo, bike_batch, 4, checkpoint=checkpoint)
    assert list(problems(spec)) == [f"routes[{bike_batch}].stages[4].checkpoint.rework_operation"]


def test_rework_at_itself_is_fine_with_a_limit(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[4].checkpoint, rework_operation="final_inspection")
    factory_spec_check(with_stage(demo, bike_batch, 4, checkpoint=checkpoint), option_sets_for)


def test_rework_at_itself_without_a_limit(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, max_rework=0)
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[1].checkpoint.max_rework": (
            "A rework stage needs max_rework of at least 1; leave the rework stage empty to scrap and "
            "remake without rework."
        )
    }


def test_no_rework_at_all_is_fine(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, rework_operation=None, max_rework=0)
    factory_spec_check(with_stage(demo, bike_batch, 1, checkpoint=checkpoint), option_sets_for)


def test_a_rework_limit_without_a_rework_stage(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, rework_operation=None)
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[1].checkpoint.rework_operation": (
            "max_rework is set, but no stage to rework at."
        )
    }


def test_capacity_below_one(demo):
    centres = dict(demo.work_centres)
    centres["paint_booth"] = replace(centres["paint_booth"], capacity=0)
    index = list(centres).index("paint_booth")
    assert problems(replace(demo, work_centres=centres)) == {
        f"work_centres[{index}].capacity": "Capacity must be at least 1, not 0."
    }


@pytest.mark.parametrize("probability", ["-0.01", "1.5"])
def test_a_defect_probability_outside_zero_to_one(demo, bike_batch, probability):
    spec = with_stage(demo, bike_batch, 0, defect_probability=Decimal(probability))
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[0].defect_probability": (
            f"A probability lies between 0 and 1, not {probability}."
        )
    }


def test_an_aql_outside_the_table(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, aql=Decimal("2.0"))
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    reason = problems(spec)[f"routes[{bike_batch}].stages[1].checkpoint.aql"]
    assert reason.startswith("AQL 2.0 is not in the ISO 2859-1 table")


def test_an_inspection_level_outside_the_table(demo, bike_batch):
    checkpoint = replace(demo.routes[bike_batch].stages[1].checkpoint, inspection_level="IV")
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    reason = problems(spec)[f"routes[{bike_batch}].stages[1].checkpoint.inspection_level"]
    assert reason.startswith("Inspection level 'IV' is not in the ISO 2859-1 table")


def test_an_iso_plan_without_level_or_aql(demo, bike_batch):
    checkpoint = CheckpointSpec(inspects="paint", plan=SamplingPlanKind.ISO_2859_1)
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    path = f"routes[{bike_batch}].stages[1].checkpoint"
    assert problems(spec) == {
        f"{path}.inspection_level": "An ISO 2859-1 plan needs an inspection level.",
        f"{path}.aql": "An ISO 2859-1 plan needs an AQL.",
    }


def test_every_nth_without_n(demo, bike_batch):
    checkpoint = CheckpointSpec(inspects="paint", plan=SamplingPlanKind.EVERY_NTH)
    spec = with_stage(demo, bike_batch, 1, checkpoint=checkpoint)
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[1].checkpoint.every_n": "An every_nth plan needs every_n of at least 1."
    }


def test_a_condition_that_does_not_parse(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 3, condition="engraving !=")
    assert problems(spec) == {
        f"routes[{bike_batch}].stages[3].condition": (
            "expected a value, a name or '(', found the end at column 13."
        )
    }


def test_a_condition_on_an_option_set_the_product_does_not_have(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 3, condition="monogram != ''")
    assert list(problems(spec)) == [f"routes[{bike_batch}].stages[3].condition"]


def test_a_condition_that_does_not_type_check(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 3, condition="colour > 3")
    assert list(problems(spec)) == [f"routes[{bike_batch}].stages[3].condition"]


def test_a_default_route_condition_is_only_parsed(demo):
    default = route_index(demo, None, "batch")
    fine = with_stage(demo, default, 0, condition="monogram != ''")
    factory_spec_check(fine, option_sets_for)
    broken = with_stage(demo, default, 0, condition="monogram !=")
    assert list(problems(broken)) == [f"routes[{default}].stages[0].condition"]


def test_an_operation_twice_in_a_route(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 2, operation="frame")
    assert problems(spec)[f"routes[{bike_batch}].stages[2].operation"] == (
        "Operation 'frame' is already a stage of this route."
    )


def test_every_problem_is_reported_at_once(demo, bike_batch):
    spec = with_stage(demo, bike_batch, 0, work_centre="laser", defect_probability=Decimal(2))
    assert len(problems(spec)) == 2


def test_a_stage_without_a_checkpoint_is_fine(demo, bike_batch):
    stage = StageSpec(
        operation="polish",
        work_centre="hand_finishing",
        setup_minutes=Decimal(0),
        minutes_per_unit=Decimal(3),
    )
    route = demo.routes[bike_batch]
    spec = with_route(demo, bike_batch, replace(route, stages=(*route.stages, stage)))
    factory_spec_check(spec, option_sets_for)
