"""The rules a factory must follow before it is saved, shared by the import and the admin forms.

Each ``*_problems`` function checks one part and answers ``{field: reason}`` (empty: fine), so
the admin puts each reason on its form field; :func:`factory_spec_check` checks a whole factory
and raises every problem at once, named by its path in the factory document.

Choices made here:

* Rework goes back: a checkpoint's ``rework_operation`` names its own stage or an earlier one of
  the same route. A rework stage with ``max_rework`` 0 would never be used, so it is refused
  (leave ``rework_operation`` empty for "no rework: scrap and remake"), and so is ``max_rework``
  without a rework stage.
* A product's own route has its conditions parsed and type-checked against the option sets of
  the product's current published version. A default route (``product`` empty) serves products
  that may not exist yet, so its conditions are only parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal

from configurator.engine.errors import ExpressionError
from configurator.engine.expressions import condition, parse
from configurator.engine.model import OptionSet
from configurator.engine.pricing import Mode

from .documents import FactoryDocumentError
from .sampling import code_letter, iso_2859_1_plan
from .spec import CheckpointSpec, FactorySpec, RouteSpec, SamplingPlanKind, StageSpec, WorkCentreSpec

Problems = dict[str, str]
OptionSetsFor = Callable[[str], Mapping[str, OptionSet] | None]

MODES: tuple[str, ...] = tuple(mode.value for mode in Mode)


def work_centre_problems(centre: WorkCentreSpec) -> Problems:
    problems: Problems = {}
    if not centre.code:
        problems["code"] = "A work centre needs a code."
    if not centre.queue:
        problems["queue"] = "A work centre needs the Celery queue that serves it."
    if centre.capacity < 1:
        problems["capacity"] = f"Capacity must be at least 1, not {centre.capacity}."
    for name in (
        "labour_rate_per_hour",
        "changeover_minutes",
        "energy_kwh_per_running_minute",
        "energy_kwh_per_changeover_minute",
    ):
        if getattr(centre, name) < 0:
            problems[name] = "Must not be negative."
    return problems


def condition_problem(source: str, option_sets: Mapping[str, OptionSet] | None) -> str | None:
    """Why a stage condition cannot be used: it does not parse, or (given the product's option
    sets) does not type-check against them. ``None``: it is fine."""
    if not source.strip():
        return None
    try:
        if option_sets is None:
            parse(source)
        else:
            condition(source, option_sets)
    except ExpressionError as error:
        return f"{error.reason} at column {error.column}."
    return None


def stage_problems(
    stage: StageSpec, *, work_centres: Collection[str], option_sets: Mapping[str, OptionSet] | None
) -> Problems:
    """A stage's own fields; ``option_sets`` ``None`` checks its condition by parsing only."""
    problems: Problems = {}
    if not stage.operation:
        problems["operation"] = "A stage needs an operation."
    if stage.work_centre not in work_centres:
        problems["work_centre"] = f"Unknown work centre {stage.work_centre!r}."
    if stage.setup_minutes < 0:
        problems["setup_minutes"] = "Must not be negative."
    if stage.minutes_per_unit < 0:
        problems["minutes_per_unit"] = "Must not be negative."
    if not Decimal(0) <= stage.defect_probability <= Decimal(1):
        problems["defect_probability"] = (
            f"A probability lies between 0 and 1, not {stage.defect_probability}."
        )
    reason = condition_problem(stage.condition, option_sets)
    if reason is not None:
        problems["condition"] = reason
    return problems


def checkpoint_problems(checkpoint: CheckpointSpec, *, operations_so_far: Sequence[str]) -> Problems:
    """A checkpoint after the last of ``operations_so_far`` (the route's operations up to and
    including the inspected stage): its sampling plan and where it sends failed work."""
    problems: Problems = {}
    if checkpoint.plan == SamplingPlanKind.EVERY_NTH and (
        checkpoint.every_n is None or checkpoint.every_n < 1
    ):
        problems["every_n"] = "An every_nth plan needs every_n of at least 1."
    if checkpoint.plan == SamplingPlanKind.ISO_2859_1:
        if not checkpoint.inspection_level:
            problems["inspection_level"] = "An ISO 2859-1 plan needs an inspection level."
        else:
            try:
                code_letter(2, checkpoint.inspection_level)
            except ValueError as error:
                problems["inspection_level"] = str(error)
        if checkpoint.aql is None:
            problems["aql"] = "An ISO 2859-1 plan needs an AQL."
        else:
            try:
                iso_2859_1_plan("A", checkpoint.aql)
            except ValueError as error:
                problems["aql"] = str(error)
    if checkpoint.max_rework < 0:
        problems["max_rework"] = "Must not be negative."
    if checkpoint.rework_operation:
        if checkpoint.rework_operation not in operations_so_far:
            problems["rework_operation"] = (
                f"Rework goes back to this stage or an earlier one of the route; "
                f"{checkpoint.rework_operation!r} is not one of {', '.join(operations_so_far)}."
            )
        elif checkpoint.max_rework < 1:
            problems["max_rework"] = (
                "A rework stage needs max_rework of at least 1; leave the rework stage empty to scrap "
                "and remake without rework."
            )
    elif checkpoint.max_rework > 0:
        problems["rework_operation"] = "max_rework is set, but no stage to rework at."
    return problems


def route_problems(
    route: RouteSpec,
    *,
    work_centres: Collection[str],
    option_sets_for: OptionSetsFor,
) -> Problems:
    """A whole route, with paths relative to it (``stages[1].checkpoint.aql``)."""
    problems: Problems = {}
    if route.mode not in MODES:
        problems["mode"] = f"Unknown production mode {route.mode!r}; one of {', '.join(MODES)}."
    option_sets = None
    if route.product is not None:
        option_sets = option_sets_for(route.product)
        if option_sets is None:
            problems["product"] = f"Unknown product {route.product!r}, or it has no published version."
    if not route.stages:
        problems["stages"] = "A route needs at least one stage."
    operations: list[str] = []
    for index, stage in enumerate(route.stages):
        path = f"stages[{index}]"
        if stage.operation in operations:
            problems[f"{path}.operation"] = f"Operation {stage.operation!r} is already a stage of this route."
        operations.append(stage.operation)
        for name, reason in stage_problems(stage, work_centres=work_centres, option_sets=option_sets).items():
            problems[f"{path}.{name}"] = reason
        if stage.checkpoint is not None:
            for name, reason in checkpoint_problems(stage.checkpoint, operations_so_far=operations).items():
                problems[f"{path}.checkpoint.{name}"] = reason
    return problems


def factory_spec_check(spec: FactorySpec, option_sets_for: OptionSetsFor) -> None:
    """Raise :class:`FactoryDocumentError` with every problem of the factory, by path;
    ``option_sets_for(product_code)`` gives a product's current published option sets (by code),
    or ``None`` for a product that does not exist or was never published."""
    problems: Problems = {}
    for index, centre in enumerate(spec.work_centres.values()):
        for name, reason in work_centre_problems(centre).items():
            problems[f"work_centres[{index}].{name}"] = reason
    seen: dict[tuple[str | None, str], int] = {}
    for index, route in enumerate(spec.routes):
        key = (route.product, route.mode)
        if key in seen:
            what = (
                f"{route.mode} route of {route.product}" if route.product else f"default {route.mode} route"
            )
            problems[f"routes[{index}].mode"] = f"routes[{seen[key]}] is already the {what}."
        seen.setdefault(key, index)
        for name, reason in route_problems(
            route, work_centres=spec.work_centres, option_sets_for=option_sets_for
        ).items():
            problems[f"routes[{index}].{name}"] = reason
    if spec.batch_policy.size_limit < 1:
        problems["batch_policy.size_limit"] = "A batch holds at least one unit."
    if spec.batch_policy.window_minutes < 0:
        problems["batch_policy.window_minutes"] = "Must not be negative."
    if problems:
        raise FactoryDocumentError(problems)
