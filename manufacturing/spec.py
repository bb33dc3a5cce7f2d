"""The factory as plain data: work centres, routes, stages and checkpoints, free of Django.

The Celery factory reads it from the database (:func:`manufacturing.loading.factory_spec_get`) and
the SimPy simulation and the documented demo file (``manufacturing/demo/factory.json``) use the same
shapes, so the live factory and the what-if model cannot mean different things."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class SamplingPlanKind(StrEnum):
    EVERY_UNIT = "every_unit"
    FIRST_ARTICLE = "first_article"
    EVERY_NTH = "every_nth"
    ISO_2859_1 = "iso_2859_1"


@dataclass(frozen=True, slots=True)
class WorkCentreSpec:
    code: str
    name: str
    #: The Celery queue whose workers run this centre's stages.
    queue: str
    #: Units of work it does at once (parallel machines or benches).
    capacity: int
    labour_rate_per_hour: Decimal
    #: Minutes lost when the setup key changes on this centre (cleaning, reconfiguring).
    changeover_minutes: Decimal
    energy_kwh_per_running_minute: Decimal = Decimal(0)
    energy_kwh_per_changeover_minute: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class CheckpointSpec:
    """A quality inspection after a stage, and what happens on failure."""

    inspects: str
    plan: SamplingPlanKind
    #: Every n-th unit, for ``every_nth``.
    every_n: int | None = None
    #: ISO 2859-1 inspection level (S-1..S-4, I, II, III) and AQL, for ``iso_2859_1``.
    inspection_level: str | None = None
    aql: Decimal | None = None
    #: On failure, rework at this earlier (or the same) stage's operation, up to ``max_rework`` times;
    #: then scrap and remake from the first stage.
    rework_operation: str | None = None
    max_rework: int = 0


@dataclass(frozen=True, slots=True)
class StageSpec:
    operation: str
    work_centre: str
    setup_minutes: Decimal
    minutes_per_unit: Decimal
    #: Probability that one unit comes out of this stage defective (drawn by the simulation and by
    #: the simulated inspections of the live factory).
    defect_probability: Decimal = Decimal(0)
    #: A condition on the selections in the product's condition language; empty: always applies.
    condition: str = ""
    checkpoint: CheckpointSpec | None = None


@dataclass(frozen=True, slots=True)
class RouteSpec:
    #: The product code, or ``None`` for the default route of a mode.
    product: str | None
    mode: str
    name: str
    stages: tuple[StageSpec, ...]


@dataclass(frozen=True, slots=True)
class BatchPolicySpec:
    """When a forming batch is released: full at ``size_limit`` units, or when ``window_minutes`` of
    simulated time have passed since it opened."""

    size_limit: int = 10
    window_minutes: Decimal = Decimal(240)


@dataclass(frozen=True, slots=True)
class FactorySpec:
    work_centres: dict[str, WorkCentreSpec]
    routes: tuple[RouteSpec, ...]
    batch_policy: BatchPolicySpec = field(default_factory=BatchPolicySpec)

    def route_for(self, product: str, mode: str) -> RouteSpec:
        """The product's own route for the mode, else the mode's default route."""
        fallback = None
        for route in self.routes:
            if route.mode != mode:
                continue
            if route.product == product:
                return route
            if route.product is None:
                fallback = route
        if fallback is None:
            raise LookupError(f"No route for {product} in {mode} mode and no default route.")
        return fallback
