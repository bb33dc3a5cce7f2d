"""The factory in the admin, as staff: bad input is shown on the form and nothing is saved;
good input saves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from manufacturing.loading import factory_spec_get
from manufacturing.models import Job, QualityCheckpoint, Route, RouteStage, WorkCentre
from products.models import Product
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

STAGE_FIELDS = [
    "position",
    "operation",
    "setup_minutes",
    "minutes_per_unit",
    "defect_probability",
    "condition",
]
CHECKPOINT_FIELDS = ["inspects", "plan", "every_n", "inspection_level", "aql", "max_rework"]


@pytest.fixture
def admin_client(client, demo_factory):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def stage_row(prefix: str, stage: dict) -> dict:
    return {f"{prefix}-{name}": "" if value is None else value for name, value in stage.items()}


def route_data(route: Route | None = None, stages: list[dict] | None = None, **fields) -> dict:
    """What the route's change form posts: the route's fields and its stage rows (as they are,
    or ``stages``: dicts of stage fields, with ``id`` for existing ones and ``DELETE`` to remove)."""
    if stages is None:
        stages = [
            {"id": stage.pk, "work_centre": stage.work_centre_id}
            | {name: getattr(stage, name) for name in STAGE_FIELDS}
            for stage in route.stages.order_by("position")
        ]
    data = {
        "product": route.product_id if route and route.product_id else "",
        "mode": route.mode if route else "",
        "name": route.name if route else "",
    } | fields
    data |= {
        "stages-TOTAL_FORMS": len(stages),
        "stages-INITIAL_FORMS": sum(1 for stage in stages if stage.get("id")),
        "stages-MIN_NUM_FORMS": 0,
        "stages-MAX_NUM_FORMS": 1000,
    }
    for index, stage in enumerate(stages):
        if route is not None and stage.get("id"):
            stage = {"route": route.pk} | stage
        data |= stage_row(f"stages-{index}", stage)
    return data


def new_stage(position: int, operation: str, **fields) -> dict:
    return {
        "position": position,
        "operation": operation,
        "work_centre": WorkCentre.objects.get(code="assembly_line").pk,
        "setup_minutes": "0",
        "minutes_per_unit": "5",
        "defect_probability": "0",
        "condition": "",
    } | fields


def stage_forms(response):
    return response.context["inline_admin_formsets"][0].formset


def add_route(admin_client, **fields):
    data = route_data(**fields)
    return admin_client.post("/admin/manufacturing/route/add/", data)


@pytest.fixture
def chair(demo_factory) -> Product:
    """The office chair has no standard route of its own: the admin may add one."""
    return Product.objects.get(code="office-chair")


def test_a_good_route_is_saved_with_its_stages(admin_client, chair):
    stages = [new_stage(1, "assembly"), new_stage(2, "packing", condition="castors == 'carpet'")]
    response = add_route(admin_client, stages=stages, product=chair.pk, mode="standard", name="Chair line")
    assert response.status_code == 302
    route = Route.objects.get(product=chair, mode="standard")
    assert list(route.stages.values_list("operation", flat=True)) == ["assembly", "packing"]


def test_a_route_without_stages_is_refused(admin_client, chair):
    response = add_route(admin_client, stages=[], product=chair.pk, mode="standard", name="Empty")
    assert response.status_code == 200
    assert "A route needs at least one stage." in stage_forms(response).non_form_errors()
    assert not Route.objects.filter(product=chair, mode="standard").exists()


def test_a_condition_that_does_not_parse_is_refused_on_its_field(admin_client, chair):
    stages = [new_stage(1, "assembly", condition="castors ==")]
    response = add_route(admin_client, stages=stages, product=chair.pk, mode="standard", name="Chair line")
    assert response.status_code == 200
    assert stage_forms(response).forms[0].errors["condition"] == [
        "expected a value, a name or '(', found the end at column 11."
    ]
    assert not Route.objects.filter(product=chair, mode="standard").exists()


def test_a_condition_on_another_products_options_is_refused(admin_client, chair):
    stages = [new_stage(1, "assembly", condition="monogram != ''")]
    response = add_route(admin_client, stages=stages, product=chair.pk, mode="standard", name="Chair line")
    assert "condition" in stage_forms(response).forms[0].errors
    assert not Route.objects.filter(product=chair, mode="standard").exists()


def test_a_defect_probability_above_one_is_refused(admin_client, chair):
    stages = [new_stage(1, "assembly", defect_probability="1.5")]
    response = add_route(admin_client, stages=stages, product=chair.pk, mode="standard", name="Chair line")
    assert "defect_probability" in stage_forms(response).forms[0].errors
    assert not Route.objects.filter(product=chair, mode="standard").exists()


def test_an_operation_twice_is_refused(admin_client, chair):
    stages = [new_stage(1, "assembly"), new_stage(2, "assembly")]
    response = add_route(admin_client, stages=stages, product=chair.pk, mode="standard", name="Chair line")
    assert response.status_code == 200
    assert not Route.objects.filter(product=chair, mode="standard").exists()


def test_a_second_route_for_a_product_and_mode_is_refused(admin_client):
    bike = Product.objects.get(code="city-bike")
    response = add_route(
        admin_client, stages=[new_stage(1, "assembly")], product=bike.pk, mode="batch", name="Twin"
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Route.objects.filter(product=bike, mode="batch").count() == 1


def test_moving_a_stage_behind_the_checkpoint_that_reworks_at_it_is_refused(admin_client):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    before = factory_spec_get()
    data = route_data(route)
    # assembly (position 3) moves after final_inspection (5), whose checkpoint reworks at assembly.
    data["stages-2-position"] = 6
    response = admin_client.post(f"/admin/manufacturing/route/{route.pk}/change/", data)
    assert response.status_code == 200
    errors = stage_forms(response).forms[4].non_field_errors()
    assert any(error.startswith("Its checkpoint: Rework goes back") for error in errors)
    assert factory_spec_get() == before


def test_removing_a_stage_a_checkpoint_reworks_at_is_refused(admin_client):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    before = factory_spec_get()
    data = route_data(route)
    data["stages-2-DELETE"] = "on"  # assembly
    response = admin_client.post(f"/admin/manufacturing/route/{route.pk}/change/", data)
    assert response.status_code == 200
    assert factory_spec_get() == before


def test_removing_a_stage_with_work_items_is_refused(admin_client, work_item_on):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    work_item_on(route, "engraving")
    data = route_data(route)
    data["stages-3-DELETE"] = "on"
    response = admin_client.post(f"/admin/manufacturing/route/{route.pk}/change/", data)
    assert response.status_code == 200
    assert "protected related objects: work item" in " ".join(stage_forms(response).non_form_errors())
    assert route.stages.filter(operation="engraving").exists()


def test_a_good_route_edit_is_saved(admin_client):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    data = route_data(route, name="Bike, batch paint")
    data["stages-3-DELETE"] = "on"  # engraving: nothing reworks at it
    data["stages-0-minutes_per_unit"] = "11"
    response = admin_client.post(f"/admin/manufacturing/route/{route.pk}/change/", data)
    assert response.status_code == 302
    spec = factory_spec_get().route_for("city-bike", "batch")
    assert spec.name == "Bike, batch paint"
    assert [stage.operation for stage in spec.stages] == ["frame", "paint", "assembly", "final_inspection"]
    assert spec.stages[0].minutes_per_unit == Decimal(11)


def test_a_work_centre_with_capacity_zero_is_refused(admin_client):
    centre = WorkCentre.objects.get(code="paint_booth")
    data = {
        "code": centre.code,
        "name": centre.name,
        "queue": centre.queue,
        "capacity": 0,
        "labour_rate_per_hour": "40",
        "changeover_minutes": "45",
        "energy_kwh_per_running_minute": "0.8",
        "energy_kwh_per_changeover_minute": "-1",
    }
    response = admin_client.post(f"/admin/manufacturing/workcentre/{centre.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "capacity" in errors
    assert errors["energy_kwh_per_changeover_minute"] == ["Must not be negative."]
    centre.refresh_from_db()
    assert centre.capacity == 1


def stage_data(stage: RouteStage, checkpoint: dict | None) -> dict:
    """What the stage's page posts: its fields and its checkpoint (``None``: none)."""
    data = {"work_centre": stage.work_centre_id} | {name: getattr(stage, name) for name in STAGE_FIELDS}
    existing = QualityCheckpoint.objects.filter(stage=stage).first()
    data |= {
        "checkpoint-TOTAL_FORMS": 0 if checkpoint is None else 1,
        "checkpoint-INITIAL_FORMS": 1 if existing else 0,
        "checkpoint-MIN_NUM_FORMS": 0,
        "checkpoint-MAX_NUM_FORMS": 1,
    }
    if checkpoint is not None:
        data |= stage_row(
            "checkpoint-0", {"id": existing.pk if existing else "", "stage": stage.pk} | checkpoint
        )
    return data


def paint_checkpoint(**changes) -> dict:
    paint = RouteStage.objects.get(route__product__code="city-bike", route__mode="batch", operation="paint")
    return {
        "inspects": "Paint coverage",
        "plan": "iso_2859_1",
        "every_n": None,
        "inspection_level": "II",
        "aql": "1.0",
        "rework_stage": paint.pk,
        "max_rework": 1,
    } | changes


def post_stage(admin_client, stage: RouteStage, checkpoint: dict | None, **fields):
    data = stage_data(stage, checkpoint) | fields
    return admin_client.post(f"/admin/manufacturing/routestage/{stage.pk}/change/", data)


@pytest.fixture
def paint(demo_factory) -> RouteStage:
    return RouteStage.objects.get(route__product__code="city-bike", route__mode="batch", operation="paint")


def checkpoint_errors(response) -> dict:
    return response.context["inline_admin_formsets"][0].formset.forms[0].errors


def test_a_good_checkpoint_is_saved(admin_client, paint):
    frame = paint.route.stages.get(operation="frame")
    response = post_stage(
        admin_client, paint, paint_checkpoint(aql="0.65", rework_stage=frame.pk, max_rework=2)
    )
    assert response.status_code == 302
    checkpoint = QualityCheckpoint.objects.get(stage=paint)
    assert (checkpoint.aql, checkpoint.rework_stage, checkpoint.max_rework) == (Decimal("0.65"), frame, 2)


def test_rework_pointing_forward_is_refused(admin_client, paint):
    assembly = paint.route.stages.get(operation="assembly")
    response = post_stage(admin_client, paint, paint_checkpoint(rework_stage=assembly.pk))
    assert response.status_code == 200
    assert checkpoint_errors(response)["rework_stage"][0].startswith(
        "Rework goes back to this stage or an earlier"
    )
    assert QualityCheckpoint.objects.get(stage=paint).rework_stage == paint


def test_rework_without_a_limit_is_refused(admin_client, paint):
    response = post_stage(admin_client, paint, paint_checkpoint(max_rework=0))
    assert "max_rework" in checkpoint_errors(response)
    assert QualityCheckpoint.objects.get(stage=paint).max_rework == 1


def test_an_aql_outside_the_table_is_refused(admin_client, paint):
    response = post_stage(admin_client, paint, paint_checkpoint(aql="3"))
    assert checkpoint_errors(response)["aql"][0].startswith("AQL 3 is not in the ISO 2859-1 table")
    assert QualityCheckpoint.objects.get(stage=paint).aql == Decimal("1.0")


def test_an_inspection_level_outside_the_table_is_refused(admin_client, paint):
    response = post_stage(admin_client, paint, paint_checkpoint(inspection_level="IV"))
    assert checkpoint_errors(response)["inspection_level"][0].startswith("Inspection level 'IV' is not")
    assert QualityCheckpoint.objects.get(stage=paint).inspection_level == "II"


def test_every_nth_without_n_is_refused(admin_client, paint):
    response = post_stage(admin_client, paint, paint_checkpoint(plan="every_nth"))
    assert checkpoint_errors(response)["every_n"] == ["An every_nth plan needs every_n of at least 1."]
    assert QualityCheckpoint.objects.get(stage=paint).plan == "iso_2859_1"


def test_a_stage_condition_that_does_not_parse_is_refused_on_the_stage_page(admin_client, paint):
    response = post_stage(admin_client, paint, paint_checkpoint(), condition="colour ==")
    assert "condition" in response.context["adminform"].form.errors
    paint.refresh_from_db()
    assert paint.condition == ""


def test_moving_a_stage_past_the_checkpoint_that_reworks_at_it_is_refused(admin_client, demo_factory):
    assembly = RouteStage.objects.get(
        route__product__code="city-bike", route__mode="batch", operation="assembly"
    )
    before = factory_spec_get()
    response = post_stage(admin_client, assembly, None, position=9)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert any("Rework goes back" in error for error in errors)
    assert factory_spec_get() == before


def test_the_production_lists_show_with_their_filters(admin_client, work_item_on):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    work_item_on(route, "frame")
    for url in (
        "/admin/manufacturing/batch/?state__exact=forming",
        "/admin/manufacturing/job/?needs_attention__exact=1",
        "/admin/manufacturing/workitem/?state__exact=waiting",
        "/admin/manufacturing/inspection/?decision__exact=pass",
        "/admin/manufacturing/routestage/",
        "/admin/manufacturing/route/",
        "/admin/manufacturing/workcentre/",
    ):
        assert admin_client.get(url).status_code == 200, url
    assert "frame" in admin_client.get("/admin/manufacturing/workitem/").content.decode()


def test_the_route_page_links_each_stage_to_its_checkpoint(admin_client, paint):
    html = admin_client.get(f"/admin/manufacturing/route/{paint.route_id}/change/").content.decode()
    assert f'href="/admin/manufacturing/routestage/{paint.pk}/change/"' in html
    assert "Paint coverage and colour match: ISO 2859-1 level II, AQL 1.000" in html
    assert admin_client.get(f"/admin/manufacturing/routestage/{paint.pk}/change/").status_code == 200


def test_clear_attention(admin_client, work_item_on):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    job = work_item_on(route, "frame").job
    Job.objects.filter(pk=job.pk).update(needs_attention=True, attention_reason="stage failed 5 times")
    assert (
        "stage failed 5 times"
        in admin_client.get("/admin/manufacturing/job/?needs_attention__exact=1").content.decode()
    )
    response = admin_client.post(
        "/admin/manufacturing/job/", {"action": "clear_attention", "_selected_action": [job.pk]}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.needs_attention, job.attention_reason) == (False, "")
