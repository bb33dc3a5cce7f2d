"""What a customer sees of their order in the factory (selectors): the stages of its route as done,
current and next with their work centres and times, its batch, its inspections, rework and
remakes, and an ETA recomputed from the live load.

Before production starts (placed, routed, queued: no job yet) the order shows the route it will
take: its product's route for its mode, else the mode's default route, with the stages whose
condition holds for its selections, all of them next.

The ETA adds the simulated minutes of its own work still to go (each remaining stage's setup plus
minutes per unit times the quantity; the rest of a running one) to the work waiting ahead of it on
each remaining work centre divided by the centre's capacity (at its current stage, only what was
queued before it). In real time that is the simulated minutes at ``ATELIER_SIM_TIME_SCALE`` (scale
0: now); as a ship date, the minutes over a working day's minutes in business days, rounded up,
counted from today as the pricing's lead time is."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Q
from django.utils import timezone

from configurator.engine.errors import EngineError
from configurator.engine.model import ProductModel
from configurator.engine.pricing import add_business_days
from configurator.engine.selections import parse_selections
from orders.models import Order
from orders.states import OrderStatus
from products.models import ProductVersion
from products.runtime import runtime_get

from .footprint import FootprintComparison, InspectionOutcome, Passage, condition_holds, footprint_actual
from .load import (
    ACTIVE_STATES,
    minutes_per_working_day,
    remaining_minutes,
    sim_minutes_to_real,
    work_centre_backlog,
    work_centre_backlog_current,
)
from .loading import route_current_find, route_stages_current
from .models import InspectionDecision, Job, RouteStage, WorkItem, WorkItemState
from .spec import FactorySpec

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
MINUTES = Decimal("0.01")
#: Orders whose way through the factory is over: no ETA.
SETTLED = (OrderStatus.COMPLETED, OrderStatus.SHIPPED, OrderStatus.CANCELLED)


class StageState(StrEnum):
    DONE = "done"
    CURRENT = "current"
    NEXT = "next"


@dataclass(frozen=True, slots=True)
class StageTracking:
    operation: str
    state: StageState
    work_centre: str
    work_centre_name: str
    #: The latest attempt's work item: waiting, running or done; None before the order reaches it.
    item_state: str | None
    attempt: int | None
    #: Simulated minutes: as run once running (setup and changeover included), else as planned.
    minutes: Decimal
    sim_start: datetime | None
    sim_end: datetime | None
    real_start: datetime | None
    real_end: datetime | None
    #: Running: the real time it will finish.
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class BatchTracking:
    code: str
    state: str
    units: int
    size_limit: int
    window_closes_at: datetime


@dataclass(frozen=True, slots=True)
class InspectionTracking:
    operation: str
    inspects: str
    attempt: int
    units_sampled: int
    defects_found: int
    decision: str
    action: str
    at: datetime


@dataclass(frozen=True, slots=True)
class EtaTracking:
    #: Simulated minutes of the order's own work still to go.
    work_minutes: Decimal
    #: Simulated minutes of other orders' work ahead of it, per unit of capacity.
    queue_minutes: Decimal
    completes_at: datetime
    business_days: int
    ship_date: date


@dataclass(frozen=True, slots=True)
class OrderTracking:
    #: The route's name; None when the factory has no route for the order.
    route: str | None
    #: A job exists: the order is in the factory (else the stages are the route it will take).
    in_production: bool
    stages: tuple[StageTracking, ...]
    batch: BatchTracking | None
    inspections: tuple[InspectionTracking, ...]
    rework_count: int
    remakes: int
    needs_attention: bool
    attention_reason: str
    eta: EtaTracking | None
    #: The order's own footprint once it is made (its job completed).
    footprint: FootprintComparison | None


def _planned_minutes(stage: RouteStage, quantity: int) -> Decimal:
    return stage.setup_minutes + stage.minutes_per_unit * quantity


def _product_model(order: Order) -> ProductModel:
    version_pk = order.product_version_id
    runtime = runtime_get(
        checksum=order.product_version.checksum,
        load_document=lambda: ProductVersion.objects.values_list("document", flat=True).get(pk=version_pk),
    )
    return runtime.compiled.model


def _configuration(order: Order, model: ProductModel) -> dict[str, Any] | None:
    try:
        return parse_selections(model, order.selections)
    except EngineError:
        logger.warning("Order %s: its selections do not read against its product version", order.pk)
        return None


def _applicable(order: Order, stages: Sequence[RouteStage]) -> list[RouteStage]:
    """The stages whose condition holds for the order's selections (with its version's option
    sets); all of them when the selections cannot be read."""
    if not any(stage.condition.strip() for stage in stages):
        return list(stages)
    model = _product_model(order)
    config = _configuration(order, model)
    if config is None:
        return list(stages)
    return [stage for stage in stages if condition_holds(stage.condition, model, config)]


def _eta(
    *,
    remaining: Sequence[tuple[RouteStage, WorkItem | None]],
    job: Job | None,
    units: int,
    now: datetime,
) -> EtaTracking:
    """The ETA from the remaining stages, each with its open work item, if any, of a lot of
    ``units`` (the order's own, or its batch's: they pass each stage together)."""
    capacity = {stage.work_centre_id: stage.work_centre.capacity for stage, _ in remaining}
    # Its own work, and its batch's (one lot), is not ahead of it.
    mine = (
        None if job is None else Q(job_id=job.pk) | (Q(job__batch_id=job.batch_id) if job.batch_id else Q())
    )
    backlog = (
        work_centre_backlog_current(now=now)
        if mine is None
        else work_centre_backlog(work_centre_ids=capacity, now=now, excluding=mine)
    )
    work = ZERO
    queue = ZERO
    for stage, item in remaining:
        centre = stage.work_centre_id
        if item is not None and item.state == WorkItemState.RUNNING:
            work += remaining_minutes(item.minutes, item.real_start, item.due_at, now)
            continue
        work += _planned_minutes(stage, units)
        if item is not None:
            # Waiting in line (first in, first out): only what runs or was queued before it is ahead.
            ahead = work_centre_backlog(work_centre_ids=[centre], now=now, excluding=mine, queued_before=item)
            queue += ahead[centre] / capacity[centre]
        else:
            queue += backlog.get(centre, ZERO) / capacity[centre]
    total = work + queue
    days = math.ceil(total / minutes_per_working_day())
    return EtaTracking(
        work_minutes=work.quantize(MINUTES),
        queue_minutes=queue.quantize(MINUTES),
        completes_at=now + sim_minutes_to_real(total),
        business_days=days,
        ship_date=add_business_days(timezone.localdate(now), days),
    )


def _stage(stage: RouteStage, state: StageState, item: WorkItem | None, quantity: int) -> StageTracking:
    # An item that ran has its own minutes; one still waiting (or none yet) the stage's plan.
    if item is not None and item.state != WorkItemState.WAITING:
        minutes = item.minutes
    else:
        minutes = _planned_minutes(stage, quantity)
    return StageTracking(
        operation=stage.operation,
        state=state,
        work_centre=stage.work_centre.code,
        work_centre_name=stage.work_centre.name,
        item_state=None if item is None else item.state,
        attempt=None if item is None else item.attempt,
        minutes=minutes.quantize(MINUTES),
        sim_start=None if item is None else item.sim_start,
        sim_end=None if item is None else item.sim_end,
        real_start=None if item is None else item.real_start,
        real_end=None if item is None else item.real_end,
        due_at=None if item is None else item.due_at,
    )


def _not_in_factory(order: Order, now: datetime) -> OrderTracking:
    """An order without a job: the route it will take, every applicable stage next."""
    route = route_current_find(product_id=order.product_id, mode=order.production_mode)
    stages = [] if route is None else _applicable(order, route_stages_current(route_id=route.pk))
    return OrderTracking(
        route=None if route is None else route.name,
        in_production=False,
        stages=tuple(_stage(stage, StageState.NEXT, None, order.quantity) for stage in stages),
        batch=None,
        inspections=(),
        rework_count=0,
        remakes=0,
        needs_attention=False,
        attention_reason="",
        eta=None
        if order.status in SETTLED or not stages
        else _eta(remaining=[(stage, None) for stage in stages], job=None, units=order.quantity, now=now),
        footprint=None,
    )


def _footprint(
    order: Order, spec_get: Callable[[], FactorySpec | None], items: Sequence[WorkItem], lot_units: int
) -> FootprintComparison | None:
    """The order's own footprint, from the work it took: its share (its units of its lot's) of each
    work item's minutes."""
    spec = spec_get()
    if spec is None:
        return None
    model = _product_model(order)
    config = _configuration(order, model)
    if config is None:
        return None
    try:
        return footprint_actual(
            spec=spec,
            model=model,
            mode=order.production_mode,
            config=config,
            quantity=order.quantity,
            passages=[
                Passage(
                    work_centre=item.work_centre.code,
                    minutes=item.minutes * item.units / lot_units,
                    changeover=item.changeover,
                    share=Decimal(item.units) / lot_units,
                )
                for item in items
                if item.state == WorkItemState.DONE
            ],
            inspections=[
                InspectionOutcome(decision=item.inspection.decision, units=item.units)
                for item in items
                if hasattr(item, "inspection")
            ],
        )
    except (LookupError, ZeroDivisionError) as error:
        logger.warning("Order %s: no footprint against this factory: %s", order.pk, error)
        return None


def order_tracking(
    *, order: Order, spec: Callable[[], FactorySpec | None] | None, now: datetime
) -> OrderTracking:
    """Where the order is in the factory at real ``now``. ``spec`` gives the factory as plain data,
    asked for only once the order is made, to count its footprint (none without it). A bounded
    number of queries, whatever the number of stages, attempts and inspections (fewer when the
    order was read with its job, route and batch: :func:`orders.selectors.order_get`)."""
    try:
        job = order.job
    except Job.DoesNotExist:
        job = None
    if job is None:
        return _not_in_factory(order, now)
    # A batch's orders pass each stage as one lot: its stages take the batch's minutes.
    lot_units = job.batch.units if job.batch is not None and job.batch.units else order.quantity
    route_stages = {
        stage.pk: stage
        for stage in RouteStage.objects.filter(route_id=job.route_id).select_related("work_centre")
    }
    by_operation = {stage.operation: stage for stage in route_stages.values()}
    operations = [operation for operation in job.operations if operation in by_operation]
    position_of = {operation: index for index, operation in enumerate(operations)}
    items = list(
        WorkItem.objects.filter(job=job)
        .exclude(state=WorkItemState.CANCELLED)
        .select_related("work_centre", "inspection__checkpoint")
        .order_by("enqueued_at", "id")
    )
    latest: dict[str, WorkItem] = {}
    for item in items:
        latest[route_stages[item.stage_id].operation] = item
    active = [item for item in items if item.state in ACTIVE_STATES]
    made = job.completed_at is not None or order.status in (OrderStatus.COMPLETED, OrderStatus.SHIPPED)
    current: int | None = None
    if made:
        reached = len(operations)
    elif active:
        first = min(
            active,
            key=lambda item: (
                position_of.get(route_stages[item.stage_id].operation, len(operations)),
                item.state != WorkItemState.RUNNING,
            ),
        )
        current = reached = position_of.get(route_stages[first.stage_id].operation, len(operations))
    elif items:
        reached = position_of.get(route_stages[items[-1].stage_id].operation, -1) + 1
    else:
        reached = 0
    stages = []
    remaining: list[tuple[RouteStage, WorkItem | None]] = []
    for index, operation in enumerate(operations):
        stage = by_operation[operation]
        stage_item = latest.get(operation)
        if index < reached:
            stages.append(_stage(stage, StageState.DONE, stage_item, lot_units))
            continue
        open_item = stage_item if stage_item is not None and stage_item.state in ACTIVE_STATES else None
        state = StageState.CURRENT if index == current else StageState.NEXT
        stages.append(_stage(stage, state, open_item, lot_units))
        remaining.append((stage, open_item))
    inspections = tuple(
        InspectionTracking(
            operation=route_stages[item.stage_id].operation,
            inspects=item.inspection.checkpoint.inspects,
            attempt=item.attempt,
            units_sampled=item.inspection.units_sampled,
            defects_found=item.inspection.defects_found,
            decision=item.inspection.decision,
            action=item.inspection.action,
            at=item.inspection.created_at,
        )
        for item in items
        if hasattr(item, "inspection")
    )
    batch = job.batch
    return OrderTracking(
        route=job.route.name,
        in_production=True,
        stages=tuple(stages),
        batch=None
        if batch is None
        else BatchTracking(
            code=batch.code,
            state=batch.state,
            units=batch.units,
            size_limit=batch.size_limit,
            window_closes_at=batch.window_closes_at,
        ),
        inspections=inspections,
        rework_count=sum(1 for inspection in inspections if inspection.decision == InspectionDecision.REWORK),
        remakes=job.remakes,
        needs_attention=job.needs_attention,
        attention_reason=job.attention_reason,
        eta=None
        if made or order.status in SETTLED or not remaining
        else _eta(remaining=remaining, job=job, units=lot_units, now=now),
        footprint=_footprint(order, spec, items, lot_units) if made and spec is not None else None,
    )
