"""What is waiting where in the factory (selectors): each work centre's running and waiting work,
the batches forming for it, the oldest order waiting and its utilisation over the last simulated
hour; and the same backlog as the business days a new order would queue behind.

Work ahead on a work centre is counted in simulated minutes: a waiting item will take its stage's
setup plus minutes per unit times its units; a running item has the part of its minutes still to go
(its real start to its due time is all of its minutes, so the share of that span not yet passed is
the share of its minutes left). A batch's orders pass a stage as one lot, in one place of the centre:
the lot's setup and its running minutes count once. Divided by the centre's capacity, that is how
long a newcomer waits there."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q

from products.models import Product

from .models import (
    Batch,
    BatchState,
    Job,
    Route,
    SimulationClock,
    WorkCentre,
    WorkItem,
    WorkItemState,
)

ZERO = Decimal(0)
SIM_HOUR = timedelta(hours=1)
ACTIVE_STATES = (WorkItemState.WAITING, WorkItemState.RUNNING)


def minutes_per_working_day() -> int:
    """Simulated minutes a work centre works per business day: turns a backlog into days."""
    return max(settings.ATELIER_FACTORY_MINUTES_PER_DAY, 1)


def sim_minutes_to_real(minutes: Decimal) -> timedelta:
    """The real time ``minutes`` of simulated work take at ``ATELIER_SIM_TIME_SCALE`` simulated
    seconds per real second; no time at all at scale 0."""
    scale = settings.ATELIER_SIM_TIME_SCALE
    if scale <= 0:
        return timedelta(0)
    return timedelta(seconds=float(minutes) * 60 / scale)


def _sim_now(now: datetime) -> datetime:
    """The simulated time at real ``now`` by the factory clock's row, read as
    :func:`manufacturing.clock.sim_now` reads it (at scale 0 it keeps pace with real time); the
    real time when the factory has no clock yet."""
    clock = SimulationClock.objects.order_by("pk").first()
    if clock is None:
        return now
    return clock.sim_anchor + (now - clock.real_anchor) * (clock.scale or 1.0)


def remaining_minutes(
    minutes: Decimal, real_start: datetime | None, due_at: datetime | None, now: datetime
) -> Decimal:
    """The simulated minutes a running item still has to go at real ``now``."""
    if real_start is None or due_at is None:
        return minutes
    span = (due_at - real_start).total_seconds()
    if span <= 0:
        return ZERO
    left = min(max((due_at - now).total_seconds() / span, 0.0), 1.0)
    return minutes * Decimal(str(round(left, 6)))


@dataclass(frozen=True, slots=True)
class ActiveItem:
    """A waiting or running work item, as the backlog sees it.

    A batch's orders pass a stage as one lot: their items start together, share one place of the
    work centre and each records the lot's minutes; the lot's setup is paid once."""

    id: int
    job_id: int
    order_id: uuid.UUID
    batch_id: uuid.UUID | None
    stage_id: int
    work_centre_id: int
    state: str
    units: int
    enqueued_at: datetime
    #: Running: the simulated minutes its lot still has to go. Waiting: its own units' minutes.
    minutes_ahead: Decimal
    #: Waiting: the stage's setup, paid once by its lot.
    setup_minutes: Decimal

    @property
    def lot(self) -> tuple[object, ...]:
        return ("batch", self.batch_id, self.stage_id) if self.batch_id else ("item", self.id)


def active_items(*, work_centre_ids: Iterable[int] | None, now: datetime) -> list[ActiveItem]:
    """Every waiting and running item (on these work centres; ``None``: everywhere), oldest first."""
    items = WorkItem.objects.filter(state__in=ACTIVE_STATES)
    if work_centre_ids is not None:
        items = items.filter(work_centre_id__in=list(work_centre_ids))
    rows = items.order_by("enqueued_at", "id").values_list(
        "id",
        "job_id",
        "job__order_id",
        "job__batch_id",
        "stage_id",
        "work_centre_id",
        "state",
        "units",
        "enqueued_at",
        "minutes",
        "real_start",
        "due_at",
        "stage__setup_minutes",
        "stage__minutes_per_unit",
    )
    return [
        ActiveItem(
            id=item_id,
            job_id=job_id,
            order_id=order_id,
            batch_id=batch_id,
            stage_id=stage_id,
            work_centre_id=centre_id,
            state=state,
            units=units,
            enqueued_at=enqueued_at,
            minutes_ahead=remaining_minutes(minutes, real_start, due_at, now)
            if state == WorkItemState.RUNNING
            else per_unit * units,
            setup_minutes=ZERO if state == WorkItemState.RUNNING else setup,
        )
        for (
            item_id,
            job_id,
            order_id,
            batch_id,
            stage_id,
            centre_id,
            state,
            units,
            enqueued_at,
            minutes,
            real_start,
            due_at,
            setup,
            per_unit,
        ) in rows
    ]


def backlog_minutes(items: Iterable[ActiveItem]) -> dict[int, Decimal]:
    """Simulated minutes of work ahead per work centre id: each running lot's rest once, each
    waiting item's units and its lot's setup once."""
    minutes: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counted: set[tuple[object, ...]] = set()
    for item in items:
        first = (item.state, *item.lot) not in counted
        counted.add((item.state, *item.lot))
        if item.state == WorkItemState.RUNNING:
            minutes[item.work_centre_id] += item.minutes_ahead if first else ZERO
        else:
            minutes[item.work_centre_id] += item.minutes_ahead + (item.setup_minutes if first else ZERO)
    return minutes


def route_find(*, product_id: int, mode: str) -> Route | None:
    """The route an order of this product and mode takes: the product's own, else the mode's
    default route; ``None`` when the factory has neither."""
    return (
        Route.objects.filter(Q(product_id=product_id) | Q(product__isnull=True), mode=mode)
        .order_by(F("product_id").asc(nulls_last=True))
        .first()
    )


def queue_days(*, product: Product, mode: str, now: datetime) -> int:
    """Business days of work waiting ahead on the work centres of the route an order of ``product``
    in ``mode`` takes: per centre, its backlog in simulated minutes over its capacity, summed over
    the route's centres (an order passes them one after the other), over the minutes of a working
    day, rounded up. 0 when the factory has no route for it or nothing waits."""
    route = route_find(product_id=product.pk, mode=mode)
    if route is None:
        return 0
    capacity = dict(WorkCentre.objects.filter(stages__route=route).distinct().values_list("id", "capacity"))
    backlog = backlog_minutes(active_items(work_centre_ids=capacity, now=now))
    minutes = sum((backlog[centre] / capacity[centre] for centre in capacity), ZERO)
    return math.ceil(minutes / minutes_per_working_day())


@dataclass(frozen=True, slots=True)
class FormingBatch:
    code: str
    setup_key: str
    units: int
    size_limit: int
    #: Units over the size limit: 1.0 is full.
    fill: float
    opened_at: datetime
    age_seconds: int
    window_closes_at: datetime


@dataclass(frozen=True, slots=True)
class AttentionJob:
    order_id: uuid.UUID
    #: The work centre where its open work item stands, if any.
    work_centre: str | None
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WorkCentreLoad:
    code: str
    name: str
    queue: str
    capacity: int
    running_items: int
    running_units: int
    waiting_items: int
    waiting_units: int
    #: Simulated minutes of work ahead: waiting items in full, running ones what is left of them.
    backlog_minutes: Decimal
    oldest_waiting_order: uuid.UUID | None
    oldest_waiting_since: datetime | None
    oldest_waiting_age_seconds: int | None
    batches_forming: tuple[FormingBatch, ...]
    #: Simulated minutes its items were busy within the last simulated hour.
    busy_minutes_last_hour: Decimal
    #: Busy minutes over (60 x capacity).
    utilisation: float
    attention_jobs: int


@dataclass(frozen=True, slots=True)
class FactoryLoad:
    at: datetime
    sim_now: datetime
    work_centres: tuple[WorkCentreLoad, ...]
    attention: tuple[AttentionJob, ...]


def _busy_minutes_last_hour(sim_now: datetime) -> dict[int, Decimal]:
    """Per work centre id, the simulated minutes of its lots' work that fall within the last
    simulated hour (running ones count up to now)."""
    hour_start = sim_now - SIM_HOUR
    rows = (
        WorkItem.objects.filter(
            state__in=(WorkItemState.RUNNING, WorkItemState.DONE),
            sim_start__lt=sim_now,
        )
        .filter(Q(sim_end__isnull=True) | Q(sim_end__gt=hour_start))
        .values_list("id", "job__batch_id", "stage_id", "work_centre_id", "sim_start", "sim_end")
    )
    busy: dict[int, Decimal] = defaultdict(lambda: ZERO)
    lots = set()
    for item_id, batch_id, stage_id, centre_id, start, end in rows:
        # A batch's items at a stage are one lot, one place of the centre: counted once.
        lot = (batch_id, stage_id, start) if batch_id else item_id
        if lot in lots:
            continue
        lots.add(lot)
        overlap = min(end or sim_now, sim_now) - max(start, hour_start)
        if overlap > timedelta(0):
            busy[centre_id] += Decimal(str(round(overlap.total_seconds() / 60, 4)))
    return busy


def factory_load(*, now: datetime) -> FactoryLoad:
    """The load of every work centre at real ``now``, and the jobs that need staff attention."""
    sim_now = _sim_now(now)
    centres = list(WorkCentre.objects.order_by("code"))
    items = active_items(work_centre_ids=None, now=now)
    by_centre: dict[int, list[ActiveItem]] = defaultdict(list)
    for item in items:
        by_centre[item.work_centre_id].append(item)
    backlog = backlog_minutes(items)
    busy = _busy_minutes_last_hour(sim_now)
    batches: dict[int, list[FormingBatch]] = defaultdict(list)
    for batch in Batch.objects.filter(state=BatchState.FORMING).order_by("opened_at", "code"):
        batches[batch.work_centre_id].append(
            FormingBatch(
                code=batch.code,
                setup_key=batch.setup_key,
                units=batch.units,
                size_limit=batch.size_limit,
                fill=round(batch.units / batch.size_limit, 4),
                opened_at=batch.opened_at,
                age_seconds=max(int((now - batch.opened_at).total_seconds()), 0),
                window_closes_at=batch.window_closes_at,
            )
        )
    centre_of_job = {item.job_id: item.work_centre_id for item in items}
    code_of = {centre.pk: centre.code for centre in centres}
    attention = tuple(
        AttentionJob(
            order_id=order_id,
            work_centre=code_of.get(centre_of_job.get(job_id)),
            reason=reason,
            created_at=created_at,
        )
        for job_id, order_id, reason, created_at in Job.objects.filter(needs_attention=True)
        .order_by("created_at", "id")
        .values_list("id", "order_id", "attention_reason", "created_at")
    )
    attention_by_centre: dict[str | None, int] = defaultdict(int)
    for job in attention:
        attention_by_centre[job.work_centre] += 1
    loads = []
    for centre in centres:
        running = [item for item in by_centre[centre.pk] if item.state == WorkItemState.RUNNING]
        waiting = [item for item in by_centre[centre.pk] if item.state == WorkItemState.WAITING]
        oldest = waiting[0] if waiting else None
        loads.append(
            WorkCentreLoad(
                code=centre.code,
                name=centre.name,
                queue=centre.queue,
                capacity=centre.capacity,
                running_items=len(running),
                running_units=sum(item.units for item in running),
                waiting_items=len(waiting),
                waiting_units=sum(item.units for item in waiting),
                backlog_minutes=backlog[centre.pk].quantize(Decimal("0.01")),
                oldest_waiting_order=oldest.order_id if oldest else None,
                oldest_waiting_since=oldest.enqueued_at if oldest else None,
                oldest_waiting_age_seconds=max(int((now - oldest.enqueued_at).total_seconds()), 0)
                if oldest
                else None,
                batches_forming=tuple(batches[centre.pk]),
                busy_minutes_last_hour=busy[centre.pk].quantize(Decimal("0.01")),
                utilisation=round(float(busy[centre.pk]) / (60 * centre.capacity), 4),
                attention_jobs=attention_by_centre[centre.code],
            )
        )
    return FactoryLoad(at=now, sim_now=sim_now, work_centres=tuple(loads), attention=attention)
