"""The factory into the database and back: :func:`factory_import` (a factory document, checked,
written all or nothing) and :func:`factory_spec_get` (the factory as plain data, for the Celery
flow and the simulation).

The document describes the whole factory: work centres are upserted by code and routes by
(product, mode); a route's stages become exactly the document's (matched by operation, so work
in progress keeps its stage), and work centres, routes, stages and checkpoints the document no
longer has are deleted, unless work items, jobs, batches or inspections still refer to them: then
nothing is saved and the error says which."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError

from configurator.engine.document import model_from_document
from configurator.engine.model import OptionSet
from products.models import Product

from .documents import FactoryDocumentError, factory_spec_from_document
from .models import (
    Batch,
    BatchPolicy,
    Inspection,
    Job,
    QualityCheckpoint,
    Route,
    RouteStage,
    WorkCentre,
    WorkItem,
)
from .spec import (
    BatchPolicySpec,
    CheckpointSpec,
    FactorySpec,
    RouteSpec,
    SamplingPlanKind,
    StageSpec,
    WorkCentreSpec,
)
from .validation import factory_spec_check

#: Positions are moved out of the way while a route's stages are renumbered (one stage per
#: position is a unique constraint checked row by row).
_POSITION_OFFSET = 1_000_000


def product_option_sets(code: str) -> Mapping[str, OptionSet] | None:
    """The option sets of the product's current published version, by code; ``None`` for an
    unknown or never published product."""
    document = (
        Product.objects.filter(code=code, current_version__isnull=False)
        .values_list("current_version__document", flat=True)
        .first()
    )
    if document is None:
        return None
    return model_from_document(document).option_set_index


def factory_import(*, document: dict[str, Any]) -> FactorySpec:
    """Read, check and save a factory document in one transaction; raises
    :class:`FactoryDocumentError` (``errors`` by path) and then saves nothing."""
    spec = factory_spec_from_document(document)
    factory_spec_check(spec, product_option_sets)
    with transaction.atomic():
        _Writer(spec).write()
    transaction.on_commit(factory_spec_forget)
    return spec


_current: tuple[float, FactorySpec] | None = None


def factory_spec_current() -> FactorySpec:
    """:func:`factory_spec_get`, kept in this process for ``ATELIER_FACTORY_SPEC_SECONDS``: every
    configure answer and order page reads the factory, which staff change rarely (an edit in the
    admin reaches every process within that time; an import, this process at once)."""
    global _current
    now = time.monotonic()
    if _current is None or now - _current[0] >= settings.ATELIER_FACTORY_SPEC_SECONDS:
        _current = (now, factory_spec_get())
    return _current[1]


def factory_spec_forget() -> None:
    global _current, _routes
    _current = None
    _routes = None
    _route_stages.clear()


#: (when read, the routes by product id, None for a mode's default, and mode).
_routes: tuple[float, dict[tuple[int | None, str], Route]] | None = None


def routes_current() -> dict[tuple[int | None, str], Route]:
    """Every route by product id (None: the mode's default route) and mode, kept in this process
    like the factory (:func:`factory_spec_current`)."""
    global _routes
    now = time.monotonic()
    if _routes is None or now - _routes[0] >= settings.ATELIER_FACTORY_SPEC_SECONDS:
        _routes = (now, {(route.product_id, route.mode): route for route in Route.objects.all()})
    return _routes[1]


def route_current_find(*, product_id: int, mode: str) -> Route | None:
    """The route an order of this product and mode takes, from :func:`routes_current`: the
    product's own, else the mode's default route; ``None`` when the factory has neither."""
    routes = routes_current()
    return routes.get((product_id, mode)) or routes.get((None, mode))


#: Route id -> (when read, its stages): what every stage task reads, kept like the factory.
_route_stages: dict[int, tuple[float, list[RouteStage]]] = {}


def route_stages_current(*, route_id: int, fresh: bool = False) -> list[RouteStage]:
    """A route's stages in order, with their work centres and checkpoints, kept in this process for
    ``ATELIER_FACTORY_SPEC_SECONDS`` as the factory is (:func:`factory_spec_current`). Shared by the
    process's tasks: read them, never change them. ``fresh`` reads them again now."""
    now = time.monotonic()
    kept = _route_stages.get(route_id)
    if fresh or kept is None or now - kept[0] >= settings.ATELIER_FACTORY_SPEC_SECONDS:
        stages = RouteStage.objects.filter(route=route_id).select_related(
            "work_centre", "checkpoint", "checkpoint__rework_stage"
        )
        kept = (now, list(stages.order_by("position")))
        _route_stages[route_id] = kept
    return kept[1]


def factory_spec_get() -> FactorySpec:
    """The factory in the database as plain data; routes in the order they were first imported."""
    centres = {centre.code: _work_centre_spec(centre) for centre in WorkCentre.objects.order_by("code")}
    stages = (
        RouteStage.objects.select_related("work_centre", "checkpoint__rework_stage")
        .order_by("position")
        .all()
    )
    routes = Route.objects.select_related("product").prefetch_related(models.Prefetch("stages", stages))
    policy = BatchPolicy.objects.first()
    return FactorySpec(
        work_centres=centres,
        routes=tuple(_route_spec(route) for route in routes.order_by("pk")),
        batch_policy=(
            BatchPolicySpec(size_limit=policy.size_limit, window_minutes=policy.window_minutes)
            if policy is not None
            else BatchPolicySpec()
        ),
    )


def _work_centre_spec(centre: WorkCentre) -> WorkCentreSpec:
    return WorkCentreSpec(
        code=centre.code,
        name=centre.name,
        queue=centre.queue,
        capacity=centre.capacity,
        labour_rate_per_hour=centre.labour_rate_per_hour,
        changeover_minutes=centre.changeover_minutes,
        energy_kwh_per_running_minute=centre.energy_kwh_per_running_minute,
        energy_kwh_per_changeover_minute=centre.energy_kwh_per_changeover_minute,
    )


def _checkpoint_spec(stage: RouteStage) -> CheckpointSpec | None:
    try:
        checkpoint = stage.checkpoint
    except QualityCheckpoint.DoesNotExist:
        return None
    return CheckpointSpec(
        inspects=checkpoint.inspects,
        plan=SamplingPlanKind(checkpoint.plan),
        every_n=checkpoint.every_n,
        inspection_level=checkpoint.inspection_level or None,
        aql=checkpoint.aql,
        rework_operation=checkpoint.rework_stage.operation if checkpoint.rework_stage else None,
        max_rework=checkpoint.max_rework,
    )


def _route_spec(route: Route) -> RouteSpec:
    return RouteSpec(
        product=route.product.code if route.product else None,
        mode=route.mode,
        name=route.name,
        stages=tuple(
            StageSpec(
                operation=stage.operation,
                work_centre=stage.work_centre.code,
                setup_minutes=stage.setup_minutes,
                minutes_per_unit=stage.minutes_per_unit,
                defect_probability=stage.defect_probability,
                condition=stage.condition,
                checkpoint=_checkpoint_spec(stage),
            )
            for stage in route.stages.all()
        ),
    )


class _Writer:
    """Writes one checked factory; collects every refusal and raises them together, which rolls
    the surrounding transaction back."""

    def __init__(self, spec: FactorySpec) -> None:
        self.spec = spec
        self.errors: dict[str, str] = {}

    def write(self) -> None:
        policy, _ = BatchPolicy.objects.select_for_update().get_or_create(pk=1)
        policy.size_limit = self.spec.batch_policy.size_limit
        policy.window_minutes = self.spec.batch_policy.window_minutes
        self._save(policy, "batch_policy")
        centres = {
            centre.code: self._work_centre(index, centre)
            for index, centre in enumerate(self.spec.work_centres.values())
        }
        products = {
            product.code: product for product in Product.objects.filter(code__in=self._product_codes())
        }
        kept_routes = [
            self._route(index, route, products[route.product] if route.product else None, centres).pk
            for index, route in enumerate(self.spec.routes)
        ]
        if self.errors:
            raise FactoryDocumentError(self.errors)
        for gone in Route.objects.exclude(pk__in=kept_routes).select_related("product"):
            self._delete_route(gone)
        for centre in WorkCentre.objects.exclude(code__in=centres):
            in_use = WorkItem.objects.filter(work_centre=centre).exists()
            self._delete(centre, "work_centres", f"Work centre {centre.code!r}", in_use=in_use)
        if self.errors:
            raise FactoryDocumentError(self.errors)

    def _product_codes(self) -> set[str]:
        return {route.product for route in self.spec.routes if route.product}

    def _save(self, instance: models.Model, path: str) -> None:
        """Save after the model's own field checks (digits, lengths), reported by path."""
        try:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.errors[f"{path}.{name}"] = " ".join(messages)
            return
        instance.save()

    def _work_centre(self, index: int, spec: WorkCentreSpec) -> WorkCentre:
        centre = WorkCentre.objects.filter(code=spec.code).first() or WorkCentre(code=spec.code)
        for name in (
            "name",
            "queue",
            "capacity",
            "labour_rate_per_hour",
            "changeover_minutes",
            "energy_kwh_per_running_minute",
            "energy_kwh_per_changeover_minute",
        ):
            setattr(centre, name, getattr(spec, name))
        self._save(centre, f"work_centres[{index}]")
        return centre

    def _route(
        self, index: int, spec: RouteSpec, product: Product | None, centres: dict[str, WorkCentre]
    ) -> Route:
        path = f"routes[{index}]"
        route = Route.objects.filter(product=product, mode=spec.mode).first() or Route(
            product=product, mode=spec.mode
        )
        route.name = spec.name
        self._save(route, path)
        if route.pk is None:
            return route
        existing = {stage.operation: stage for stage in route.stages.all()}
        route.stages.update(position=models.F("position") + _POSITION_OFFSET)
        QualityCheckpoint.objects.filter(stage__route=route).update(rework_stage=None)
        stages: dict[str, RouteStage] = {}
        for position, stage_spec in enumerate(spec.stages, start=1):
            stage = existing.pop(stage_spec.operation, None) or RouteStage(route=route)
            stage.position = position
            stage.operation = stage_spec.operation
            stage.work_centre = centres[stage_spec.work_centre]
            stage.setup_minutes = stage_spec.setup_minutes
            stage.minutes_per_unit = stage_spec.minutes_per_unit
            stage.defect_probability = stage_spec.defect_probability
            stage.condition = stage_spec.condition
            self._save(stage, f"{path}.stages[{position - 1}]")
            stages[stage.operation] = stage
        for position, stage_spec in enumerate(spec.stages, start=1):
            stage = stages[stage_spec.operation]
            if stage.pk is not None:
                self._checkpoint(f"{path}.stages[{position - 1}]", stage, stage_spec.checkpoint, stages)
        for stage in existing.values():
            in_use = WorkItem.objects.filter(stage=stage).exists()
            self._delete(stage, f"{path}.stages", f"Stage {stage.operation!r} of {route}", in_use=in_use)
        return route

    def _checkpoint(
        self,
        path: str,
        stage: RouteStage,
        spec: CheckpointSpec | None,
        stages: dict[str, RouteStage],
    ) -> None:
        current = QualityCheckpoint.objects.filter(stage=stage).first()
        if spec is None:
            if current is not None:
                in_use = Inspection.objects.filter(checkpoint=current).exists()
                self._delete(current, f"{path}.checkpoint", f"The checkpoint after {stage}", in_use=in_use)
            return
        rework_stage = stages[spec.rework_operation] if spec.rework_operation else None
        if rework_stage is not None and rework_stage.pk is None:
            return
        checkpoint = current or QualityCheckpoint(stage=stage)
        checkpoint.inspects = spec.inspects
        checkpoint.plan = spec.plan.value
        checkpoint.every_n = spec.every_n
        checkpoint.inspection_level = spec.inspection_level or ""
        checkpoint.aql = spec.aql
        checkpoint.rework_stage = rework_stage
        checkpoint.max_rework = spec.max_rework
        self._save(checkpoint, f"{path}.checkpoint")

    def _delete_route(self, route: Route) -> None:
        label = f"Route {route.name!r} ({route.product.code if route.product else 'default'}, {route.mode})"
        if Job.objects.filter(route=route).exists() or Batch.objects.filter(route=route).exists():
            self.errors["routes"] = f"{label} is not in the document, but jobs or batches use it."
            return
        QualityCheckpoint.objects.filter(stage__route=route).update(rework_stage=None)
        self._delete(route, "routes", label)

    def _delete(self, instance: models.Model, path: str, label: str, *, in_use: bool = False) -> None:
        """Delete what the document no longer has, unless production still refers to it."""
        if in_use:
            self.errors[path] = f"{label} is not in the document, but work items or inspections refer to it."
            return
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError):
            self.errors[path] = f"{label} is not in the document, but production still refers to it."
