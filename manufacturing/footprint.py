"""The footprint of a configured product per good unit, against the standard product made on the
standard route: energy, material, scrap and rework. Pure functions over a
:class:`~manufacturing.spec.FactorySpec` and a product's engine model, so that the configure answer,
the order page and the simulation count the same way (docs/factory.md, "Footprint").

How it is counted:

- **Energy**: every stage the configuration goes through runs its setup plus minutes per unit times
  the quantity at its work centre's kWh per running minute; a changeover costs the centre's
  changeover minutes at its kWh per changeover minute. The standard line never changes over; a
  batch changes over once per work centre, shared by a full batch (the batch policy's size limit);
  a bespoke order changes over once per work centre, shared by its own units.
- **Material**: the catalogue names a material per option (empty: as the standard product), not an
  amount, so material is counted in pieces: each good unit takes one piece's material and every
  scrapped piece took one more. ``materials`` names what it is made of, ``new_materials`` what the
  standard product does not use.
- **Rework and scrap**, estimated: a unit leaves a stage defective with the stage's defect
  probability; a checkpoint finds the defects made since the previous checkpoint (as if it
  inspected every unit: sampling finds fewer, so this is the most rework the plan can cause).
  A defective unit is reworked from the checkpoint's rework stage up to ``max_rework`` times, each
  pass again defective with the probability of the reworked stages, and then scrapped and made
  again from the start. Rework passes cost the reworked stages' running energy.
- **Rework and scrap**, actual (an order once made): its work items' minutes and changeovers, and
  the units its inspections sent to rework or scrapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from configurator.engine.domains import effective_value
from configurator.engine.errors import EngineError
from configurator.engine.evaluate import kleene
from configurator.engine.expressions import Node, condition
from configurator.engine.model import Kind, ProductModel, Value
from configurator.plumbing.memo import IdentityMemo

from .spec import FactorySpec, RouteSpec, StageSpec

ZERO = Decimal(0)
ONE = Decimal(1)
PLACES = Decimal("0.001")
STANDARD_MODE = "standard"
BATCH_MODE = "batch"


@dataclass(frozen=True, slots=True)
class Footprint:
    """Per good unit."""

    running_minutes: Decimal
    changeover_minutes: Decimal
    energy_kwh: Decimal
    #: Pieces of material used per good unit: 1 plus the pieces scrapped.
    material_pieces: Decimal
    scrap_pieces: Decimal
    #: Units sent back to rework per good unit (one unit reworked twice counts twice).
    rework_units: Decimal
    materials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FootprintComparison:
    #: ``estimate`` (expected from defect probabilities) or ``actual`` (from the order's own work).
    basis: str
    route: str
    unit: Footprint
    #: The standard product on the standard route, expected.
    baseline: Footprint
    #: Materials the standard product does not use.
    new_materials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Passage:
    """One work item of a made order, as the footprint counts it."""

    work_centre: str
    #: Simulated minutes, setup and changeover included: the order's share of its lot's.
    minutes: Decimal
    changeover: bool
    #: The order's share of its lot (its units over the lot's): of a changeover too.
    share: Decimal = ONE


@dataclass(frozen=True, slots=True)
class InspectionOutcome:
    decision: str
    #: The units of the inspected work item: all of them go back to rework or are scrapped.
    units: int


def condition_holds(source: str, model: ProductModel, config: Mapping[str, Value]) -> bool:
    """Whether a stage condition holds for a configuration (engine values); an empty condition
    always does, one the product's option sets cannot read (an option set of another version)
    never does."""
    if not source.strip():
        return True
    node = _stage_condition(source, model)
    return node is not None and kleene(node, config) is True


#: Stage conditions as parsed against a model's option sets: every configure answer's footprint and
#: every order's plan read the same few, and parsing one costs more than evaluating it.
_stage_conditions = IdentityMemo[Node | None](size=256)


def _stage_condition(source: str, model: ProductModel) -> Node | None:
    """The parsed condition; None when the model's option sets cannot read it."""
    option_sets = model.option_set_index

    def parse() -> Node | None:
        try:
            return condition(source, option_sets)
        except EngineError:
            return None

    return _stage_conditions.get((option_sets,), source, parse)


def applicable_stages(
    route: RouteSpec, model: ProductModel, config: Mapping[str, Value]
) -> tuple[StageSpec, ...]:
    """The route's stages whose condition holds for this configuration."""
    return tuple(stage for stage in route.stages if condition_holds(stage.condition, model, config))


def standard_configuration(model: ProductModel) -> dict[str, Value]:
    """The mass-produced standard product: every option set at its default (or empty value)."""
    config: dict[str, Value] = {}
    for option_set in model.option_sets:
        found, value = effective_value(option_set)
        if found:
            config[option_set.code] = value
    return config


def _chosen(value: Value, options: Mapping[str, object]) -> list[str]:
    """The option codes a single or multiple choice value holds."""
    codes = value if isinstance(value, frozenset) else {value}
    return sorted(code for code in codes if isinstance(code, str) and code in options)


def _materials(model: ProductModel, config: Mapping[str, Value]) -> tuple[str, ...]:
    """What the configuration is made of: each chosen option's material, or for an option without
    one, the material of the option set's standard choice."""
    standard = standard_configuration(model)
    found: list[str] = []
    for option_set in model.option_sets:
        if option_set.kind not in (Kind.SINGLE, Kind.MULTI):
            continue
        by_code = {option.code: option for option in option_set.options}
        standard_materials = [
            by_code[code].material for code in _chosen(standard.get(option_set.code), by_code)
        ]
        for code in _chosen(config.get(option_set.code), by_code):
            material = by_code[code].material
            found.extend([material] if material else standard_materials)
    return tuple(sorted({material for material in found if material}))


def _changeover_share(spec: FactorySpec, mode: str, quantity: int) -> Decimal:
    """The share of one changeover per work centre that one unit carries."""
    if mode == STANDARD_MODE:
        return ZERO
    if mode == BATCH_MODE:
        return ONE / max(spec.batch_policy.size_limit, quantity)
    return ONE / quantity


def _power(base: Decimal, exponent: int) -> Decimal:
    """``base`` to a whole ``exponent``, with 0 to the 0 being 1 (Decimal refuses it)."""
    result = ONE
    for _ in range(exponent):
        result *= base
    return result


def _defective(stages: Sequence[StageSpec]) -> Decimal:
    """The probability that a unit leaves these stages with at least one defect."""
    good = ONE
    for stage in stages:
        good *= ONE - stage.defect_probability
    return ONE - good


def _expected(
    spec: FactorySpec, stages: tuple[StageSpec, ...], mode: str, quantity: int
) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """Per good unit: running minutes, changeover minutes, energy, scrapped pieces, rework units."""
    centres = spec.work_centres
    running = ZERO
    energy = ZERO
    for stage in stages:
        minutes = stage.setup_minutes / quantity + stage.minutes_per_unit
        running += minutes
        energy += minutes * centres[stage.work_centre].energy_kwh_per_running_minute
    share = _changeover_share(spec, mode, quantity)
    changeover = ZERO
    for code in dict.fromkeys(stage.work_centre for stage in stages):
        minutes = centres[code].changeover_minutes * share
        changeover += minutes
        energy += minutes * centres[code].energy_kwh_per_changeover_minute
    operations = [stage.operation for stage in stages]
    rework_units = ZERO
    kept = ONE
    segment_start = 0
    for index, stage in enumerate(stages):
        checkpoint = stage.checkpoint
        if checkpoint is None:
            continue
        found = _defective(stages[segment_start : index + 1])
        segment_start = index + 1
        start = (
            operations.index(checkpoint.rework_operation)
            if checkpoint.rework_operation in operations[: index + 1]
            else index
        )
        reworked = stages[start : index + 1]
        again = _defective(reworked)
        passes = found * sum((_power(again, attempt) for attempt in range(checkpoint.max_rework)), ZERO)
        rework_units += passes
        for item in reworked:
            minutes = item.minutes_per_unit * passes
            running += minutes
            energy += minutes * centres[item.work_centre].energy_kwh_per_running_minute
        kept *= ONE - found * _power(again, checkpoint.max_rework)
    # Every scrapped piece is made again: a good unit costs 1 / kept started pieces.
    started = ONE / kept if kept > 0 else ONE
    return running * started, changeover * started, energy * started, started - ONE, rework_units * started


def _footprint(
    running: Decimal,
    changeover: Decimal,
    energy: Decimal,
    scrap: Decimal,
    rework: Decimal,
    materials: tuple[str, ...],
) -> Footprint:
    return Footprint(
        running_minutes=running.quantize(PLACES),
        changeover_minutes=changeover.quantize(PLACES),
        energy_kwh=energy.quantize(PLACES),
        material_pieces=(ONE + scrap).quantize(PLACES),
        scrap_pieces=scrap.quantize(PLACES),
        rework_units=rework.quantize(PLACES),
        materials=materials,
    )


#: The standard product's footprint per model and quantity: every configure answer and order page
#: compares with it, and it changes only with the model or the factory (a new snapshot object, see
#: :func:`manufacturing.loading.factory_spec_current`: the generation that starts the memo afresh).
_baselines = IdentityMemo[Footprint](size=256)


def footprint_baseline(*, spec: FactorySpec, model: ProductModel, quantity: int) -> Footprint:
    """The standard product made on the standard route, expected, per unit."""

    def compute() -> Footprint:
        config = standard_configuration(model)
        route = spec.route_for(model.code, STANDARD_MODE)
        stages = applicable_stages(route, model, config)
        return _footprint(*_expected(spec, stages, STANDARD_MODE, quantity), _materials(model, config))

    return _baselines.get((model,), quantity, compute, generation=spec)


def _compare(basis: str, route: RouteSpec, unit: Footprint, baseline: Footprint) -> FootprintComparison:
    return FootprintComparison(
        basis=basis,
        route=route.name,
        unit=unit,
        baseline=baseline,
        new_materials=tuple(material for material in unit.materials if material not in baseline.materials),
    )


def footprint_estimate(
    *, spec: FactorySpec, model: ProductModel, mode: str, config: Mapping[str, Value], quantity: int
) -> FootprintComparison:
    """The expected footprint per good unit of ``quantity`` units of this configuration (engine
    values) made in ``mode``, beside the standard product's. Raises LookupError when the factory
    has no route for it."""
    route = spec.route_for(model.code, mode)
    stages = applicable_stages(route, model, config)
    unit = _footprint(*_expected(spec, stages, mode, quantity), _materials(model, config))
    return _compare("estimate", route, unit, footprint_baseline(spec=spec, model=model, quantity=quantity))


def footprint_actual(
    *,
    spec: FactorySpec,
    model: ProductModel,
    mode: str,
    config: Mapping[str, Value],
    quantity: int,
    passages: Sequence[Passage],
    inspections: Sequence[InspectionOutcome],
) -> FootprintComparison:
    """The footprint per good unit of an order as it was made: the minutes of its work items
    (changeovers at their work centre's changeover minutes) and the units its inspections sent to
    rework or scrapped, beside the standard product's expected footprint."""
    centres = spec.work_centres
    running = ZERO
    changeover = ZERO
    energy = ZERO
    for passage in passages:
        centre = centres[passage.work_centre]
        lost = min(centre.changeover_minutes * passage.share, passage.minutes) if passage.changeover else ZERO
        running += passage.minutes - lost
        changeover += lost
        energy += (passage.minutes - lost) * centre.energy_kwh_per_running_minute
        energy += lost * centre.energy_kwh_per_changeover_minute
    scrapped = sum((item.units for item in inspections if item.decision == "scrap"), 0)
    reworked = sum((item.units for item in inspections if item.decision == "rework"), 0)
    per_unit = Decimal(quantity)
    unit = _footprint(
        running / per_unit,
        changeover / per_unit,
        energy / per_unit,
        Decimal(scrapped) / per_unit,
        Decimal(reworked) / per_unit,
        _materials(model, config),
    )
    route = spec.route_for(model.code, mode)
    return _compare("actual", route, unit, footprint_baseline(spec=spec, model=model, quantity=quantity))
