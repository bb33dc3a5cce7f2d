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
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
)

from configurator.plumbing.memo import TtlMemo
from products.models import Product

from .loading import route_current_find
from .models import (
    Batch,
    BatchState,
    Job,
    SimulationClock,
    WorkCentre,
    WorkItem,
    WorkItemState,
)

ZERO = Decimal(0)
SIM_HOUR = timedelta(hours=1)
ACTIVE_STATES = (WorkItemState.WAITING, WorkItemState.RUNNING)
MINUTES_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)


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


def _lot_minutes(setup: Aggregate) -> Any:
    """Its items' minutes per unit times their units, plus ``setup`` (once or per item)."""
    per_unit = ExpressionWrapper(F("stage__minutes_per_unit") * F("units"), output_field=MINUTES_FIELD)
    return Sum(per_unit, output_field=MINUTES_FIELD) + setup


def work_centre_backlog(
    *,
    work_centre_ids: Iterable[int] | None,
    now: datetime,
    excluding: Q | None = None,
    queued_before: WorkItem | None = None,
) -> dict[int, Decimal]:
    """Simulated minutes of work ahead per work centre id (on these centres; ``None``: all), but
    for the items ``excluding`` matches: each running lot's rest, each waiting item's units and its
    lot's setup once. ``queued_before``: only the waiting work queued before that item (first in,
    first out). Three queries, whatever the length of the queues."""
    items = WorkItem.objects.all()
    if work_centre_ids is not None:
        items = items.filter(work_centre_id__in=list(work_centre_ids))
    if excluding is not None:
        items = items.exclude(excluding)
    waiting = items.filter(state=WorkItemState.WAITING)
    if queued_before is not None:
        waiting = waiting.filter(
            Q(enqueued_at__lt=queued_before.enqueued_at)
            | Q(enqueued_at=queued_before.enqueued_at, pk__lt=queued_before.pk)
        )
    minutes: dict[int, Decimal] = defaultdict(lambda: ZERO)
    solo = (
        waiting.filter(job__batch__isnull=True)
        .values("work_centre_id")
        .annotate(total=_lot_minutes(Sum("stage__setup_minutes")))
    )
    lots = (
        waiting.filter(job__batch__isnull=False)
        .values("work_centre_id", "job__batch_id", "stage_id")
        .annotate(total=_lot_minutes(Max("stage__setup_minutes")))
    )
    for row in [*solo, *lots]:
        minutes[row["work_centre_id"]] += row["total"]
    running = items.filter(state=WorkItemState.RUNNING).values_list(
        "pk", "job__batch_id", "stage_id", "work_centre_id", "minutes", "real_start", "due_at"
    )
    counted = set()
    for pk, batch_id, stage_id, centre_id, spent, real_start, due_at in running:
        # A batch's items at a stage are one lot, each recording the lot's minutes: counted once.
        lot = (batch_id, stage_id) if batch_id else pk
        if lot not in counted:
            counted.add(lot)
            minutes[centre_id] += remaining_minutes(spent, real_start, due_at, now)
    return minutes


#: Every work centre's backlog, read at most once per ATELIER_QUEUE_DAYS_SECONDS by this process.
_backlog = TtlMemo[dict[int, Decimal]]()


def work_centre_backlog_current(*, now: datetime) -> dict[int, Decimal]:
    """What a new order waits behind: :func:`work_centre_backlog` of every work centre, nothing
    excluded, as read at most ``ATELIER_QUEUE_DAYS_SECONDS`` ago by this process (the period of
    the queue days in a lead time). The ship date and the ETA of an order not yet in the factory
    count the same backlog; each placement would otherwise read it again (three queries), for a
    figure that moves with the factory's work, not with every request. A centre with nothing
    ahead is absent."""
    return _backlog.get(
        None,
        lambda: dict(work_centre_backlog(work_centre_ids=None, now=now)),
        seconds=settings.ATELIER_QUEUE_DAYS_SECONDS,
    )


def work_centre_backlog_forget() -> None:
    """Read the backlog afresh on next use."""
    _backlog.clear()


def queue_days(*, product: Product, mode: str, now: datetime) -> int:
    """Business days of work waiting ahead on the work centres of the route an order of ``product``
    in ``mode`` takes: per centre, its backlog in simulated minutes over its capacity, summed over
    the route's centres (an order passes them one after the other), over the minutes of a working
    day, rounded up. 0 when the factory has no route for it or nothing waits."""
    route = route_current_find(product_id=product.pk, mode=mode)
    if route is None:
        return 0
    capacity = dict(WorkCentre.objects.filter(stages__route=route).distinct().values_list("id", "capacity"))
    backlog = work_centre_backlog_current(now=now)
    minutes = sum((backlog.get(centre, ZERO) / capacity[centre] for centre in capacity), ZERO)
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
        assert start is not None  # filtered on sim_start__lt
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
    oldest_waiting = (
        WorkItem.objects.filter(work_centre=OuterRef("pk"), state=WorkItemState.WAITING)
        .order_by("enqueued_at", "pk")
        .values("pk")[:1]
    )
    centres = list(WorkCentre.objects.annotate(oldest_waiting=Subquery(oldest_waiting)).order_by("code"))
    oldest = {
        pk: (order_id, enqueued_at)
        for pk, order_id, enqueued_at in WorkItem.objects.filter(
            pk__in=[centre.oldest_waiting for centre in centres if centre.oldest_waiting]
        ).values_list("pk", "job__order_id", "enqueued_at")
    }
    counts: dict[tuple[int, str], tuple[int, int]] = {
        (row["work_centre_id"], row["state"]): (row["items"], row["units"])
        for row in WorkItem.objects.filter(state__in=ACTIVE_STATES)
        .values("work_centre_id", "state")
        .annotate(items=Count("pk"), units=Sum("units"))
    }
    backlog = work_centre_backlog(work_centre_ids=None, now=now)
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
    centre_of_job = dict(
        WorkItem.objects.filter(job__needs_attention=True, state__in=ACTIVE_STATES)
        .order_by("enqueued_at", "pk")
        .values_list("job_id", "work_centre_id")
    )
    code_of: dict[int | None, str] = {centre.pk: centre.code for centre in centres}
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
        running_items, running_units = counts.get((centre.pk, WorkItemState.RUNNING), (0, 0))
        waiting_items, waiting_units = counts.get((centre.pk, WorkItemState.WAITING), (0, 0))
        oldest_order, oldest_since = oldest.get(centre.oldest_waiting, (None, None))
        loads.append(
            WorkCentreLoad(
                code=centre.code,
                name=centre.name,
                queue=centre.queue,
                capacity=centre.capacity,
                running_items=running_items,
                running_units=running_units,
                waiting_items=waiting_items,
                waiting_units=waiting_units,
                backlog_minutes=backlog[centre.pk].quantize(Decimal("0.01")),
                oldest_waiting_order=oldest_order,
                oldest_waiting_since=oldest_since,
                oldest_waiting_age_seconds=None
                if oldest_since is None
                else max(int((now - oldest_since).total_seconds()), 0),
                batches_forming=tuple(batches[centre.pk]),
                busy_minutes_last_hour=busy[centre.pk].quantize(Decimal("0.01")),
                utilisation=round(float(busy[centre.pk]) / (60 * centre.capacity), 4),
                attention_jobs=attention_by_centre[centre.code],
            )
        )
    return FactoryLoad(at=now, sim_now=sim_now, work_centres=tuple(loads), attention=attention)
