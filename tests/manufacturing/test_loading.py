"""Importing a factory document into the database and reading it back (manufacturing.loading),
the import_factory command and load_demo."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from manufacturing.documents import FactoryDocumentError, demo_factory_spec, factory_spec_from_document
from manufacturing.loading import factory_import, factory_spec_current, factory_spec_forget, factory_spec_get
from manufacturing.models import BatchPolicy, QualityCheckpoint, Route, RouteStage, WorkCentre

pytestmark = pytest.mark.django_db


def bike_batch(document: dict) -> dict:
    return next(r for r in document["routes"] if (r["product"], r["mode"]) == ("city-bike", "batch"))


def test_the_demo_factory_round_trips(demo_catalogue, factory_document):
    factory_import(document=factory_document)
    assert factory_spec_get() == demo_factory_spec()


def test_the_database_holds_what_the_document_says(demo_factory):
    assert WorkCentre.objects.count() == len(demo_factory.work_centres)
    assert Route.objects.count() == len(demo_factory.routes)
    assert RouteStage.objects.count() == sum(len(route.stages) for route in demo_factory.routes)
    paint = QualityCheckpoint.objects.get(stage__route__product__code="city-bike", stage__operation="paint")
    assert (paint.plan, paint.inspection_level, str(paint.aql)) == ("iso_2859_1", "II", "1.000")
    assert paint.rework_stage == paint.stage
    assert BatchPolicy.objects.get().size_limit == demo_factory.batch_policy.size_limit


def test_importing_again_changes_nothing_and_keeps_the_stages(demo_factory, factory_document):
    stage_ids = set(RouteStage.objects.values_list("pk", flat=True))
    factory_import(document=factory_document)
    assert set(RouteStage.objects.values_list("pk", flat=True)) == stage_ids
    assert factory_spec_get() == demo_factory


def test_a_route_is_replaced_whole(demo_factory, factory_document):
    route = bike_batch(factory_document)
    frame, paint, _assembly, _engraving, final = route["stages"]
    kept_paint = RouteStage.objects.get(
        route__product__code="city-bike", route__mode="batch", operation="paint"
    )
    route["stages"] = [paint | {"checkpoint": None}, frame, final]
    final["checkpoint"]["rework_operation"] = "frame"
    factory_import(document=factory_document)
    stages = RouteStage.objects.filter(route=kept_paint.route).order_by("position")
    assert [stage.operation for stage in stages] == ["paint", "frame", "final_inspection"]
    assert stages[0].pk == kept_paint.pk
    assert not QualityCheckpoint.objects.filter(stage=kept_paint).exists()
    assert QualityCheckpoint.objects.get(stage=stages[2]).rework_stage == stages[1]
    assert factory_spec_get() == factory_spec_from_document(factory_document)


def test_what_the_document_no_longer_has_is_deleted(demo_factory, factory_document):
    factory_document["routes"] = [r for r in factory_document["routes"] if r["product"] != "office-chair"]
    factory_import(document=factory_document)
    assert not Route.objects.filter(product__code="office-chair").exists()
    assert factory_spec_get() == factory_spec_from_document(factory_document)


def test_a_bad_document_saves_nothing(demo_catalogue, factory_document):
    bike_batch(factory_document)["stages"] = []
    factory_document["routes"][0]["stages"][0]["work_centre"] = "laser"
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert set(raised.value.errors) == {"routes[1].stages", "routes[0].stages[0].work_centre"}
    assert not WorkCentre.objects.exists()
    assert not Route.objects.exists()


def test_a_refused_import_leaves_the_factory_as_it_was(demo_factory, factory_document):
    bike_batch(factory_document)["stages"].pop(3)
    factory_document["work_centres"][0]["capacity"] = 0
    with pytest.raises(FactoryDocumentError):
        factory_import(document=factory_document)
    assert factory_spec_get() == demo_factory


def test_a_value_the_database_cannot_hold_is_refused_by_path(demo_factory, factory_document):
    before = factory_spec_get()
    bike_batch(factory_document)["stages"][0]["minutes_per_unit"] = "12.345"
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert list(raised.value.errors) == ["routes[1].stages[0].minutes_per_unit"]
    assert factory_spec_get() == before


def test_a_route_for_a_product_not_in_the_catalogue_is_refused(db, factory_document):
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert raised.value.errors["routes[0].product"] == (
        "Unknown product 'city-bike', or it has no published version."
    )
    assert not WorkCentre.objects.exists()


def test_a_stage_with_work_items_is_not_removed(demo_factory, factory_document, work_item_on):
    route = Route.objects.get(product__code="city-bike", mode="batch")
    work_item_on(route, "engraving")
    bike_batch(factory_document)["stages"].pop(3)
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert raised.value.errors == {
        "routes[1].stages": (
            "Stage 'engraving' of Bike with batch paint is not in the document, but work items or "
            "inspections refer to it."
        )
    }
    assert factory_spec_get() == demo_factory


def test_a_work_centre_with_work_items_is_not_removed(demo_catalogue, factory_document, work_item_on):
    spare = dict(factory_document["work_centres"][0], code="spare_bench", name="Spare bench")
    factory_document["work_centres"].append(spare)
    factory_import(document=factory_document)
    route = Route.objects.get(product__code="city-bike", mode="custom")
    work_item_on(route, "frame", work_centre=WorkCentre.objects.get(code="spare_bench"))
    before = factory_spec_get()
    factory_document["work_centres"].pop()
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert raised.value.errors == {
        "work_centres": (
            "Work centre 'spare_bench' is not in the document, but work items or inspections refer to it."
        )
    }
    assert factory_spec_get() == before


def test_an_unused_work_centre_is_removed(demo_factory, factory_document):
    factory_document["work_centres"].append(dict(factory_document["work_centres"][0], code="spare_bench"))
    factory_import(document=factory_document)
    factory_document["work_centres"].pop()
    factory_import(document=factory_document)
    assert not WorkCentre.objects.filter(code="spare_bench").exists()


def test_a_route_with_jobs_is_not_removed(demo_factory, factory_document, work_item_on):
    route = Route.objects.get(product__code="city-bike", mode="custom")
    work_item_on(route, "frame")
    factory_document["routes"] = [r for r in factory_document["routes"] if r["name"] != "Bespoke bike"]
    with pytest.raises(FactoryDocumentError) as raised:
        factory_import(document=factory_document)
    assert raised.value.errors == {
        "routes": (
            "Route 'Bespoke bike' (city-bike, custom) is not in the document, but jobs or batches use it."
        )
    }
    assert factory_spec_get() == demo_factory


def test_the_command_imports_a_file(demo_catalogue, factory_document, tmp_path, capsys):
    path = tmp_path / "factory.json"
    path.write_text(json.dumps(factory_document))
    call_command("import_factory", str(path))
    assert "Imported 8 work centres and 10 routes" in capsys.readouterr().out
    assert factory_spec_get() == demo_factory_spec()


def test_the_command_prints_every_error_by_path(demo_catalogue, factory_document, tmp_path):
    bike_batch(factory_document)["stages"][1]["checkpoint"]["aql"] = "3"
    factory_document["work_centres"][1]["capacity"] = 0
    path = tmp_path / "factory.json"
    path.write_text(json.dumps(factory_document))
    with pytest.raises(CommandError) as raised:
        call_command("import_factory", str(path))
    message = str(raised.value)
    assert "nothing was imported" in message
    assert "work_centres[1].capacity: Must be at least 1." in message
    assert not WorkCentre.objects.exists()


def test_the_command_refuses_a_file_that_is_not_json(db, tmp_path):
    path = tmp_path / "factory.json"
    path.write_text("{")
    with pytest.raises(CommandError, match="cannot read it"):
        call_command("import_factory", str(path))


def test_load_demo_imports_the_demo_factory(db, capsys):
    call_command("load_demo")
    assert factory_spec_get() == demo_factory_spec()
    assert "Factory: 8 work centres" in capsys.readouterr().out


def test_the_factory_is_kept_in_the_process_for_a_while_and_an_import_refreshes_it(
    demo_factory, factory_document, settings, django_capture_on_commit_callbacks
):
    settings.ATELIER_FACTORY_SPEC_SECONDS = 3600
    factory_spec_forget()
    first = factory_spec_current()
    assert factory_spec_current() is first
    WorkCentre.objects.filter(code="paint_booth").update(capacity=5)
    assert factory_spec_current().work_centres["paint_booth"].capacity == 1, "kept for the interval"
    factory_document["work_centres"][1]["capacity"] = 3
    with django_capture_on_commit_callbacks(execute=True):
        factory_import(document=factory_document)
    assert factory_spec_current().work_centres["paint_booth"].capacity == 3
    settings.ATELIER_FACTORY_SPEC_SECONDS = 0
    WorkCentre.objects.filter(code="paint_booth").update(capacity=4)
    assert factory_spec_current().work_centres["paint_booth"].capacity == 4
