"""The factory in SimPy: work centres are ``simpy.Resource`` objects with their capacity, and each
lot (one order, or a released batch of orders sharing a setup key) is a SimPy process that goes
through its route's stages.

What one stage costs on a work centre: the centre's changeover minutes when the setup key differs
from the last lot it ran, then the stage's setup minutes plus minutes per unit times the lot's
units (deterministic, or exponential with that mean for the theory checks). A stage makes each
unit defective with its defect probability (seeded). A checkpoint after a stage inspects the units
its sampling plan asks for (custom mode: every unit); a rejected sample puts the lot under 100 %
inspection. Units found defective are reworked from the checkpoint's rework stage up to its
``max_rework`` times, then scrapped and remade from the first stage; reworked and remade units are
inspected in full at the checkpoint that found them (other checkpoints on the way are not repeated)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import simpy

from ..sampling import SamplePlan, sample_plan
from ..spec import CheckpointSpec, FactorySpec, RouteSpec
from .demand import MODES, SimOrder
from .policy import Policy

#: A lot whose units are scrapped this often at one checkpoint stops being remade: the order is
#: flagged for staff, as the live factory flags an order that keeps failing.
MAX_REMAKES = 3


@dataclass(slots=True)
class CentreStats:
    code: str
    capacity: int
    #: Slot-minutes held: changeover + setup + processing.
    busy_minutes: float = 0.0
    changeover_minutes: float = 0.0
    setup_minutes: float = 0.0
    processing_minutes: float = 0.0
    #: Minutes per unit times units: the processing time at the rated speed.
    ideal_minutes: float = 0.0
    units: int = 0
    defective_units: int = 0
    changeovers: int = 0
    inspections: int = 0


@dataclass(slots=True)
class ModeStats:
    mode: str
    orders: int = 0
    units: int = 0
    delivered_units: int = 0
    lead_times: list[float] = field(default_factory=list)
    #: Time integral of the number of this mode's orders in the factory (for the mean WIP).
    wip_area: float = 0.0
    wip: int = 0
    wip_since: float = 0.0
    changeovers: int = 0
    inspections: int = 0
    units_inspected: int = 0
    #: Units found defective at their first pass through a checkpoint.
    first_pass_defects: int = 0
    rework_units: int = 0
    rework_minutes: float = 0.0
    scrap_units: int = 0
    escaped_defects: int = 0
    flagged_orders: int = 0
    labour_cost: float = 0.0
    energy_kwh: float = 0.0
    running_minutes: float = 0.0
    changeover_minutes: float = 0.0
    #: Per delivered unit of each product (the mass-production baseline is per product).
    units_by_product: dict[str, int] = field(default_factory=dict)

    def wip_change(self, now: float, delta: int) -> None:
        self.wip_area += self.wip * (now - self.wip_since)
        self.wip_since = now
        self.wip += delta


@dataclass(slots=True)
class RunResult:
    """What one simulation run measured; :mod:`.report` turns it into the report."""

    makespan: float
    centres: dict[str, CentreStats]
    modes: dict[str, ModeStats]
    #: Per order number: arrival and completion, simulated minutes.
    arrivals: list[float]
    completions: list[float]


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    spec: CheckpointSpec
    #: Index of the stage reworked from, or None: scrap and remake at once.
    rework_index: int | None
    max_rework: int


@dataclass(frozen=True, slots=True)
class _Stage:
    index: int
    operation: str
    centre: str
    setup: float
    per_unit: float
    defect_probability: float
    checkpoint: _Checkpoint | None


@lru_cache(maxsize=4096)
def _plan(checkpoint: CheckpointSpec, lot_size: int, full_inspection: bool) -> SamplePlan:
    """The live factory's sampling plan (the same function), remembered: lots repeat sizes."""
    return sample_plan(checkpoint, lot_size, full_inspection=full_inspection)


def _stages(route: RouteSpec) -> tuple[_Stage, ...]:
    positions = {stage.operation: index for index, stage in enumerate(route.stages)}
    stages = []
    for index, stage in enumerate(route.stages):
        checkpoint = None
        if stage.checkpoint is not None:
            rework = stage.checkpoint.rework_operation
            checkpoint = _Checkpoint(
                spec=stage.checkpoint,
                rework_index=positions.get(rework) if rework else None,
                max_rework=stage.checkpoint.max_rework,
            )
        stages.append(
            _Stage(
                index=index,
                operation=stage.operation,
                centre=stage.work_centre,
                setup=float(stage.setup_minutes),
                per_unit=float(stage.minutes_per_unit),
                defect_probability=float(stage.defect_probability),
                checkpoint=checkpoint,
            )
        )
    return tuple(stages)


class _Centre:
    __slots__ = (
        "changeover",
        "energy_changeover",
        "energy_running",
        "rate",
        "resource",
        "setup_key",
        "stats",
    )

    def __init__(self, env: simpy.Environment, code: str, factory: FactorySpec):
        spec = factory.work_centres[code]
        self.resource = simpy.Resource(env, capacity=spec.capacity)
        self.changeover = float(spec.changeover_minutes)
        self.rate = float(spec.labour_rate_per_hour) / 60
        self.energy_running = float(spec.energy_kwh_per_running_minute)
        self.energy_changeover = float(spec.energy_kwh_per_changeover_minute)
        self.setup_key: str | None = None
        self.stats = CentreStats(code=code, capacity=spec.capacity)


class _Lot:
    __slots__ = (
        "defective",
        "flagged",
        "full_inspection",
        "mode",
        "orders",
        "positions",
        "stage_units",
        "stages",
        "units",
    )

    def __init__(self, mode: str, stages: tuple[_Stage, ...], full_inspection: bool):
        self.mode = mode
        self.stages = stages
        self.orders: list[SimOrder] = []
        #: Each order's position in the run's arrival order (where its times are kept).
        self.positions: list[int] = []
        self.units = 0
        self.stage_units = [0] * len(stages)
        self.defective = 0
        self.full_inspection = full_inspection
        self.flagged = False

    @property
    def setup_key(self) -> str:
        return self.orders[0].setup_key

    def add(self, order: SimOrder, position: int) -> None:
        self.orders.append(order)
        self.positions.append(position)
        self.units += order.quantity
        for stage in self.stages:
            if stage.operation in order.operations:
                self.stage_units[stage.index] += order.quantity


class FactoryModel:
    """One run of the factory over a list of orders."""

    def __init__(
        self,
        *,
        factory: FactorySpec,
        policy: Policy,
        seed: int,
        exponential_service: bool = False,
        on_complete: Callable[[int], None] | None = None,
    ):
        self.factory = factory
        self.policy = policy
        self.exponential = exponential_service
        self.on_complete = on_complete
        self.rng = random.Random(f"{seed}/factory")
        self.env = simpy.Environment()
        self.centres = {code: _Centre(self.env, code, factory) for code in factory.work_centres}
        self.modes = {mode: ModeStats(mode=mode) for mode in MODES}
        self.routes: dict[tuple[str, str], tuple[_Stage, ...]] = {}
        self.forming: dict[tuple[int, str], _Lot] = {}
        self.arrivals: list[float] = []
        self.completions: list[float] = []

    def run(self, orders: Iterable[SimOrder]) -> RunResult:
        orders = sorted(orders, key=lambda order: order.arrival)
        self.arrivals = [0.0] * len(orders)
        self.completions = [0.0] * len(orders)
        self.env.process(self._arrive_all(orders))
        self.env.run()
        makespan = max(self.completions, default=0.0)
        for stats in self.modes.values():
            stats.wip_change(makespan, 0)
        return RunResult(
            makespan=makespan,
            centres={code: centre.stats for code, centre in self.centres.items()},
            modes=self.modes,
            arrivals=self.arrivals,
            completions=self.completions,
        )

    def _route(self, order: SimOrder) -> tuple[_Stage, ...]:
        key = (order.product, order.mode)
        if key not in self.routes:
            self.routes[key] = _stages(self.factory.route_for(order.product, order.mode))
        return self.routes[key]

    def _arrive_all(self, orders: list[SimOrder]):
        env = self.env
        for position, order in enumerate(orders):
            if order.arrival > env.now:
                yield env.timeout(order.arrival - env.now)
            self.arrivals[position] = env.now
            self._arrive(order, position)

    def _arrive(self, order: SimOrder, position: int) -> None:
        stats = self.modes[order.mode]
        stats.orders += 1
        stats.units += order.quantity
        stats.wip_change(self.env.now, +1)
        stages = self._route(order)
        if order.mode == "batch" and self.policy.batching:
            key = (id(stages), order.setup_key)
            lot = self.forming.get(key)
            if lot is None:
                lot = _Lot(order.mode, stages, full_inspection=False)
                self.forming[key] = lot
                self.env.process(self._window(lot, key))
            lot.add(order, position)
            if lot.units >= self.policy.size_limit:
                self._release(lot, key)
        else:
            lot = _Lot(order.mode, stages, full_inspection=order.mode == "custom")
            lot.add(order, position)
            self.env.process(self._make(lot))

    def _window(self, lot: _Lot, key: tuple[int, str]):
        yield self.env.timeout(self.policy.window_minutes)
        if self.forming.get(key) is lot:
            self._release(lot, key)

    def _release(self, lot: _Lot, key: tuple[int, str]) -> None:
        del self.forming[key]
        self.env.process(self._make(lot))

    def _make(self, lot: _Lot):
        for stage in lot.stages:
            units = lot.stage_units[stage.index]
            if not units:
                continue
            yield from self._operate(lot, stage, units)
            lot.defective = min(lot.units, lot.defective + self._defects(stage, units))
            if stage.checkpoint is not None:
                found = self._inspect(lot, stage, units)
                if found:
                    yield from self._correct(lot, stage, found)
        self._complete(lot)

    def _operate(self, lot: _Lot, stage: _Stage, units: int):
        """Hold a slot of the stage's work centre for the stage; returns the minutes held."""
        centre = self.centres[stage.centre]
        with centre.resource.request() as request:
            yield request
            changeover = 0.0
            if centre.setup_key != lot.setup_key:
                # A centre's first lot finds it set up (as the live factory's blank key): no changeover.
                if centre.changeover and centre.setup_key is not None:
                    changeover = centre.changeover
                centre.setup_key = lot.setup_key
            ideal = stage.per_unit * units
            setup, processing = stage.setup, ideal
            if self.exponential:
                # One exponential draw for the whole stage, split in the deterministic proportions.
                scale = self.rng.expovariate(1.0)
                setup, processing = setup * scale, ideal * scale
            yield self.env.timeout(changeover + setup + processing)
        busy = changeover + setup + processing
        stats = centre.stats
        stats.busy_minutes += busy
        stats.changeover_minutes += changeover
        stats.setup_minutes += setup
        stats.processing_minutes += processing
        stats.ideal_minutes += ideal
        stats.units += units
        mode = self.modes[lot.mode]
        if changeover:
            stats.changeovers += 1
            mode.changeovers += 1
        mode.labour_cost += busy * centre.rate
        mode.running_minutes += setup + processing
        mode.changeover_minutes += changeover
        mode.energy_kwh += (
            setup + processing
        ) * centre.energy_running + changeover * centre.energy_changeover
        return busy

    def _defects(self, stage: _Stage, units: int) -> int:
        """Units the stage made defective, each with the stage's defect probability."""
        probability = stage.defect_probability
        if not probability:
            return 0
        random_draw = self.rng.random
        defects = sum(1 for _ in range(units) if random_draw() < probability)
        self.centres[stage.centre].stats.defective_units += defects
        return defects

    def _inspect(self, lot: _Lot, stage: _Stage, units: int) -> int:
        """Inspect the lot's units at a checkpoint on their first pass; the units found defective
        leave the lot's hidden defects (they are corrected), the others escape to later stages."""
        plan = _plan(stage.checkpoint.spec, units, lot.full_inspection)
        sample, accept = min(plan.sample_size, units), plan.accept
        defective = min(lot.defective, units)
        found = self._found(units, defective, sample)
        inspected = sample
        if found > accept and sample < units:
            lot.full_inspection = True
            inspected = units
            found = defective
        lot.defective -= found
        mode = self.modes[lot.mode]
        mode.inspections += 1
        mode.units_inspected += inspected
        mode.first_pass_defects += found
        self.centres[stage.centre].stats.inspections += 1
        return found

    def _found(self, units: int, defective: int, sample: int) -> int:
        """Defective units in a random sample of ``sample`` of ``units`` (hypergeometric)."""
        if not defective or not sample:
            return 0
        if sample >= units:
            return defective
        return sum(1 for position in self.rng.sample(range(units), sample) if position < defective)

    def _correct(self, lot: _Lot, stage: _Stage, found: int):
        """Rework the units found defective (up to the checkpoint's limit), then scrap and remake
        them; each pass ends in a full inspection of those units at this checkpoint."""
        checkpoint = stage.checkpoint
        mode = self.modes[lot.mode]
        reworks = remakes = 0
        units = found
        while units:
            reworking = checkpoint.rework_index is not None and reworks < checkpoint.max_rework
            if reworking:
                reworks += 1
                start = checkpoint.rework_index
                mode.rework_units += units
            else:
                mode.scrap_units += units
                if remakes == MAX_REMAKES:
                    lot.flagged = True
                    lot.units -= units
                    return
                remakes += 1
                reworks = 0
                start = 0
            defective = 0
            for step in lot.stages[start : stage.index + 1]:
                step_units = min(units, lot.stage_units[step.index])
                if not step_units:
                    continue
                busy = yield from self._operate(lot, step, step_units)
                if reworking:
                    mode.rework_minutes += busy
                defective = min(units, defective + self._defects(step, step_units))
            mode.inspections += 1
            mode.units_inspected += units
            self.centres[stage.centre].stats.inspections += 1
            units = defective

    def _complete(self, lot: _Lot) -> None:
        now = self.env.now
        mode = self.modes[lot.mode]
        mode.delivered_units += lot.units
        mode.escaped_defects += lot.defective
        for order, position in zip(lot.orders, lot.positions, strict=True):
            self.completions[position] = now
            mode.lead_times.append(now - order.arrival)
            mode.units_by_product[order.product] = (
                mode.units_by_product.get(order.product, 0) + order.quantity
            )
            mode.wip_change(now, -1)
            if lot.flagged:
                mode.flagged_orders += 1
        if self.on_complete is not None:
            self.on_complete(len(lot.orders))
