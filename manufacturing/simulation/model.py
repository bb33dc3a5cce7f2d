"""The factory in SimPy: work centres are ``simpy.Resource`` objects with their capacity, and each
lot (one order, or a released batch of orders sharing a setup key) is a SimPy process that goes
through its route's stages, as the live factory (``manufacturing/services.py``) moves its lots.

What one stage costs on a work centre: the stage's setup minutes, plus the centre's changeover
minutes when the lot's setup key differs from the last one run there (standard and custom orders
have none, as in the live factory; a fresh centre has none), plus minutes per unit times the lot's
units: deterministic, or one exponential draw with that mean for the theory checks.

A checkpoint samples the units its plan asks for (custom mode and a batch whose sample once failed:
every unit) and draws each sampled unit defective with the probability that one of the stages
since the previous checkpoint spoiled it (seeded). More defects than the plan accepts: the whole
lot is reworked from the rework stage (up to ``max_rework`` times since its last remake), else
scrapped and made again from its first stage; after ``max_remakes`` remakes it stops for staff
(flagged) and leaves the factory unmade."""

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

#: Remakes before a lot stops for staff: the live factory's ``ATELIER_FACTORY_MAX_REMAKES`` default.
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
    #: Units made here that a later inspection sent back (rework or scrap): OEE's quality loss.
    rejected_units: int = 0
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
    #: Units of lots that passed every inspection at the first attempt.
    first_pass_units: int = 0
    rework_units: int = 0
    rework_minutes: float = 0.0
    scrap_units: int = 0
    flagged_orders: int = 0
    labour_cost: float = 0.0
    energy_kwh: float = 0.0
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
        #: A fresh centre is set up for work without a setup key (standard and custom orders).
        self.setup_key = ""
        self.stats = CentreStats(code=code, capacity=spec.capacity)


class _Lot:
    __slots__ = (
        "batch",
        "failed",
        "flagged",
        "full_inspection",
        "mode",
        "orders",
        "positions",
        "remakes",
        "reworks",
        "since_checkpoint",
        "stage_units",
        "stages",
        "units",
    )

    def __init__(self, mode: str, stages: tuple[_Stage, ...], *, batch: bool):
        self.mode = mode
        #: A batch of orders: a failed sample puts it under 100 % inspection (an order's lot stays
        #: on its sampling plan, as in the live factory).
        self.batch = batch
        self.stages = stages
        self.orders: list[SimOrder] = []
        #: Each order's position in the run's arrival order (where its times are kept).
        self.positions: list[int] = []
        self.units = 0
        self.stage_units = [0] * len(stages)
        #: Custom orders inspect every unit; so does a batch once a sample failed.
        self.full_inspection = mode == "custom"
        #: Reworks ordered per checkpoint (stage index) since the last remake.
        self.reworks: dict[int, int] = {}
        self.remakes = 0
        self.failed = False
        self.flagged = False
        #: (work centre, units) run since the last checkpoint passed: rejected together if it fails.
        self.since_checkpoint: list[tuple[str, int]] = []

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
        max_remakes: int = MAX_REMAKES,
        on_complete: Callable[[int], None] | None = None,
    ):
        self.factory = factory
        self.policy = policy
        self.exponential = exponential_service
        self.max_remakes = max_remakes
        self.on_complete = on_complete
        self.rng = random.Random(f"{seed}/factory")
        self.env = simpy.Environment()
        self.centres = {code: _Centre(self.env, code, factory) for code in factory.work_centres}
        self.modes = {mode: ModeStats(mode=mode) for mode in MODES}
        self.routes: dict[tuple[str, str], tuple[_Stage, ...]] = {}
        #: Forming batches by product and setup key (the live factory's batches are per product
        #: version and route, so two products never share one).
        self.forming: dict[tuple[str, str], _Lot] = {}
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
        if order.mode == "batch" and self.policy.batches(order.product):
            key = (order.product, order.setup_key)
            lot = self.forming.get(key)
            if lot is None:
                lot = _Lot(order.mode, stages, batch=True)
                self.forming[key] = lot
                self.env.process(self._window(lot, key))
            lot.add(order, position)
            if lot.units >= self.policy.size_limit:
                self._release(lot, key)
        else:
            lot = _Lot(order.mode, stages, batch=False)
            lot.add(order, position)
            self.env.process(self._make(lot))

    def _window(self, lot: _Lot, key: tuple[str, str]):
        yield self.env.timeout(self.policy.window_minutes)
        if self.forming.get(key) is lot:
            self._release(lot, key)

    def _release(self, lot: _Lot, key: tuple[str, str]) -> None:
        del self.forming[key]
        self.env.process(self._make(lot))

    def _make(self, lot: _Lot):
        stages = lot.stages
        index = 0
        reworking_until = -1
        while index < len(stages):
            stage = stages[index]
            units = lot.stage_units[index]
            if not units:
                index += 1
                continue
            busy = yield from self._operate(lot, stage, units)
            if index <= reworking_until:
                self.modes[lot.mode].rework_minutes += busy
            lot.since_checkpoint.append((stage.centre, units))
            if stage.checkpoint is None or self._inspect(lot, stage, units):
                index += 1
                continue
            lot.failed = True
            checkpoint = stage.checkpoint
            mode = self.modes[lot.mode]
            for centre, rejected in lot.since_checkpoint:
                self.centres[centre].stats.rejected_units += rejected
            lot.since_checkpoint = []
            reworks = lot.reworks.get(index, 0)
            if checkpoint.rework_index is not None and reworks < checkpoint.max_rework:
                lot.reworks[index] = reworks + 1
                mode.rework_units += lot.units
                reworking_until = index
                index = checkpoint.rework_index
                continue
            mode.scrap_units += lot.units
            if lot.remakes >= self.max_remakes:
                lot.flagged = True
                break
            lot.remakes += 1
            lot.reworks = {}
            reworking_until = -1
            index = 0
        self._complete(lot)

    def _operate(self, lot: _Lot, stage: _Stage, units: int):
        """Hold a slot of the stage's work centre for the stage; returns the minutes held."""
        centre = self.centres[stage.centre]
        with centre.resource.request() as request:
            yield request
            changeover = 0.0
            if centre.setup_key != lot.setup_key:
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
        mode.energy_kwh += (
            setup + processing
        ) * centre.energy_running + changeover * centre.energy_changeover
        return busy

    def _inspect(self, lot: _Lot, stage: _Stage, units: int) -> bool:
        """Whether the lot passes the stage's checkpoint. A failed sample puts a batch under 100 %
        inspection from then on."""
        checkpoint = stage.checkpoint
        assert checkpoint is not None  # only a stage with a checkpoint inspects
        plan = _plan(checkpoint.spec, units, lot.full_inspection)
        sample = min(plan.sample_size, units)
        probability = self._defect_probability(lot, stage)
        draw = self.rng.random
        defects = sum(1 for _ in range(sample) if draw() < probability) if probability else 0
        mode = self.modes[lot.mode]
        mode.inspections += 1
        mode.units_inspected += sample
        self.centres[stage.centre].stats.inspections += 1
        if defects <= plan.accept:
            lot.since_checkpoint = []
            return True
        if lot.batch:
            lot.full_inspection = True
        return False

    @staticmethod
    def _defect_probability(lot: _Lot, stage: _Stage) -> float:
        """That a unit reaching the checkpoint is defective: spoiled at any stage the lot ran since
        the previous checkpoint, this one included."""
        intact = 1.0
        for earlier in lot.stages[: stage.index + 1]:
            if not lot.stage_units[earlier.index]:
                continue
            if earlier.index < stage.index and earlier.checkpoint is not None:
                intact = 1.0
                continue
            intact *= 1.0 - earlier.defect_probability
        return 1.0 - intact

    def _complete(self, lot: _Lot) -> None:
        now = self.env.now
        mode = self.modes[lot.mode]
        if lot.flagged:
            mode.flagged_orders += len(lot.orders)
        else:
            mode.delivered_units += lot.units
            if not lot.failed:
                mode.first_pass_units += lot.units
        for order, position in zip(lot.orders, lot.positions, strict=True):
            self.completions[position] = now
            mode.lead_times.append(now - order.arrival)
            if not lot.flagged:
                mode.units_by_product[order.product] = (
                    mode.units_by_product.get(order.product, 0) + order.quantity
                )
            mode.wip_change(now, -1)
        if self.on_complete is not None:
            self.on_complete(len(lot.orders))
