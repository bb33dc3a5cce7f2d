"""The factory's business rules: jobs, batches, stages, inspections, in plain functions.

How work moves (README "The factory"):

- :func:`job_start` gives a queued order its job: the route of its product and production mode
  (else the mode's default route) and the operations whose conditions hold on its selections.
  Standard and custom orders enter their first stage; batch orders join the forming batch of
  their setup key, which is released when full or when its window closes (:func:`batch_release`).
- A **lot** moves through the stages: one order, or a released batch's orders together. At each
  stage every order of the lot gets a work item; a lot's items start together and take one slot of
  the work centre's capacity (a batch is painted in one run), so a batch's changeover is paid once.
- :func:`work_centre_dispatch` starts waiting lots first in, first out while the work centre has a
  free slot (under its row lock): setup + changeover (only when the setup key changes there) +
  minutes per unit x the lot's units, due in real time through :mod:`manufacturing.clock`. The
  finish is a task sent with that due time as its ETA; :func:`factory_wake` (beat, every second)
  re-drives whatever a lost message left behind. No worker ever sleeps.
- :func:`stage_finish` finishes a lot behind a state guard on its locked rows (a redelivered finish
  does nothing), runs the stage's quality checkpoint and moves the lot on: next stage, rework,
  scrap and remake, or completed. Every step writes the order's event in the same transaction.

A finish (and a job's start) dispatches the work centre it freed and the one its lot moves to in
its own transaction, so a stage task commits once; it takes those work centres' locks only when no
other transaction holds them (``SKIP LOCKED``), so it never waits for a work centre while it holds
its lot's rows and two finishes cannot deadlock. A work centre it skipped is dispatched in a
transaction of its own once it has committed (waiting there for the lock), as the periodic wake
and a redelivered finish do."""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from configurator.celery import app
from configurator.engine.domains import effective_value
from configurator.engine.expressions import condition
from configurator.engine.model import ProductModel
from configurator.engine.selections import parse_selections
from orders import events
from orders.models import Order
from orders.services import ProductionSteps
from orders.states import OrderStatus
from products.choices import ProductionMode
from products.models import ProductVersion
from products.runtime import runtime_get

from .clock import real_due, stage_times
from .loading import route_current_find, route_stages_current
from .models import (
    Batch,
    BatchPolicy,
    BatchState,
    Inspection,
    InspectionDecision,
    Job,
    QualityCheckpoint,
    Route,
    RouteStage,
    WorkCentre,
    WorkItem,
    WorkItemState,
)
from .routing import queue_for
from .sampling import sample_plan
from .spec import BatchPolicySpec, CheckpointSpec, SamplingPlanKind

logger = logging.getLogger(__name__)

#: What a stage task reads of the orders it moves: their units and how they are inspected, and
#: what their production steps change. The rest (their selections were read when the job was made,
#: their price and shipping are the order page's) is not fetched with their work items.
_ORDER_READ = frozenset(
    {"id", "quantity", "production_mode", "production", "status", "stage", "batch", "updated_at"}
)
_ORDER_UNUSED = tuple(
    f"job__order__{field.name}" for field in Order._meta.concrete_fields if field.name not in _ORDER_READ
)

START_JOB_TASK = "manufacturing.start_job"
FINISH_STAGE_TASK = "manufacturing.finish_stage"


class FactoryError(Exception):
    """A permanent problem of the factory's data (no route for an order, a checkpoint that cannot
    sample): retrying will not help; the order needs staff attention."""


# -- routes and jobs -----------------------------------------------------------------------------


def route_for_order(*, order: Order) -> Route:
    """The product's own route for the order's production mode, else that mode's default route."""
    route = route_current_find(product_id=order.product_id, mode=order.production_mode)
    if route is None:
        raise FactoryError(f"No {order.production_mode} route for {order.product.code} and no default route.")
    return route


def job_operations(*, order: Order, stages: Iterable[RouteStage]) -> list[str]:
    """The operations that apply to the order's selections, in route order: a stage's condition
    is read in the product's condition language against its published version's option sets."""
    stages = list(stages)
    if not any(stage.condition.strip() for stage in stages):
        return [stage.operation for stage in stages]
    version = order.product_version
    model = runtime_get(
        checksum=version.checksum,
        load_document=lambda: ProductVersion.objects.values_list("document", flat=True).get(pk=version.pk),
    ).compiled.model
    values = _selection_values(model, order.selections)
    operations = []
    for stage in stages:
        source = stage.condition.strip()
        if not source or condition(source, model.option_set_index).evaluate(values):
            operations.append(stage.operation)
    return operations


def _selection_values(model: ProductModel, selections: dict[str, Any]) -> dict[str, Any]:
    """The order's selections as engine values; a set it leaves open reads as in validation."""
    values = parse_selections(model, selections)
    for option_set in model.option_sets:
        if option_set.code not in values:
            values[option_set.code] = effective_value(option_set)[1]
    return values


def job_start(*, order_id: uuid.UUID | str, now: datetime | None = None) -> Job | None:
    """Give a queued order its job and put it into production (see the module's docstring). A
    second delivery finds the job and does nothing; an order no longer queued is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",), no_key=True)
            .select_related("product", "product_version")
            .defer("product_version__document")
            .get(pk=order_id)
        )
        if order.status != OrderStatus.QUEUED or Job.objects.filter(order=order).exists():
            return None
        route = route_for_order(order=order)
        stages = route_stages_current(route_id=route.pk)
        operations = job_operations(order=order, stages=stages)
        if not operations:
            raise FactoryError(f"Route {route} has no stage that applies to order {order.id}.")
        job = Job.objects.create(order=order, route=route, operations=operations, created_at=now)
        steps = ProductionSteps(order_ids=[], locked=[order])
        if order.production_mode == ProductionMode.BATCH:
            _batch_join(job=job, order=order, stages=stages, now=now, steps=steps)
            wanted = _waiting_centres(jobs=[job])
        else:
            first = _first_stage(stages, [job])
            _lot_enqueue(jobs=[job], stage=first, now=now, first_visit=True)
            wanted = {first.work_centre_id}
        dispatched = _work_centres_dispatch_unlocked(work_centre_ids=wanted, now=now, steps=steps)
        steps.write()
    _dispatch_after(jobs=[], work_centres=wanted - dispatched)
    return job


def _first_stage(stages: list[RouteStage], jobs: list[Job]) -> RouteStage:
    wanted = {operation for job in jobs for operation in job.operations}
    return next(stage for stage in stages if stage.operation in wanted)


def _next_stage(stages: list[RouteStage], jobs: list[Job], after: RouteStage) -> RouteStage | None:
    wanted = {operation for job in jobs for operation in job.operations}
    return next(
        (stage for stage in stages if stage.position > after.position and stage.operation in wanted), None
    )


# -- batches -------------------------------------------------------------------------------------


def _batch_policy() -> tuple[int, Decimal]:
    """The factory's batch policy (imported with the factory, edited in the admin)."""
    policy = BatchPolicy.objects.first()
    if policy is None:
        default = BatchPolicySpec()
        return default.size_limit, default.window_minutes
    return policy.size_limit, policy.window_minutes


def _batch_work_centre(stages: list[RouteStage]) -> WorkCentre:
    """Where the batch's setup matters: the first stage whose work centre has a changeover."""
    with_changeover = [stage for stage in stages if stage.work_centre.changeover_minutes > 0]
    return (with_changeover or stages)[0].work_centre


def _batch_join(
    *, job: Job, order: Order, stages: list[RouteStage], now: datetime, steps: ProductionSteps
) -> Batch:
    """Join the forming batch of the order's setup key, under its row lock; the partial unique
    constraint (one forming batch per setup) settles two workers opening one at the same time.
    The order (locked by the caller) takes the step in ``steps``."""
    setup_key = order.production.get("setup_key") or ""
    size_limit, window = _batch_policy()
    for _ in range(5):
        try:
            with transaction.atomic():
                batch = (
                    Batch.objects.select_for_update()
                    .filter(
                        state=BatchState.FORMING,
                        setup_key=setup_key,
                        product_version=order.product_version_id,
                        route=job.route_id,
                    )
                    .first()
                )
                if batch is None:
                    batch = Batch.objects.create(
                        code=f"B{now:%y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}",
                        setup_key=setup_key,
                        product_version_id=order.product_version_id,
                        route_id=job.route_id,
                        work_centre=_batch_work_centre(stages),
                        size_limit=size_limit,
                        window_closes_at=real_due(minutes=window, now=now),
                        opened_at=now,
                    )
            break
        except IntegrityError:
            logger.info("Another worker opened the batch of %s first; joining it", setup_key)
    else:
        raise FactoryError(f"Could not join a batch for setup {setup_key!r}.")
    job.batch = batch
    job.save(update_fields=["batch"])
    batch.units += order.quantity
    batch.save(update_fields=["units"])
    steps.step(
        order_id=order.pk,
        event=events.batch_joined(batch=batch.code, units=batch.units, size_limit=batch.size_limit),
        batch=batch.code,
    )
    if batch.units >= batch.size_limit:
        _batch_release_locked(batch=batch, reason="full", now=now)
    return batch


def batch_release(*, batch_id: uuid.UUID | str, reason: str, now: datetime | None = None) -> bool:
    """Release a forming batch (its orders enter the first stage together); False when it was
    released already: a batch is released once, whoever asks."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        released = _batch_release_locked(batch=batch, reason=reason, now=now)
        jobs = list(batch.jobs.all()) if released else []
    _dispatch_after(jobs=jobs)
    return released


def _batch_release_locked(*, batch: Batch, reason: str, now: datetime) -> bool:
    if batch.state != BatchState.FORMING:
        return False
    batch.state = BatchState.RELEASED
    batch.release_reason = reason
    batch.released_at = now
    batch.save(update_fields=["state", "release_reason", "released_at"])
    jobs = list(batch.jobs.select_related("order").order_by("created_at", "pk"))
    first = _first_stage(route_stages_current(route_id=batch.route_id), jobs)
    _lot_enqueue(jobs=jobs, stage=first, now=now, first_visit=True)
    return True


def batches_release_due(*, now: datetime | None = None) -> int:
    """Release every forming batch whose window has closed; answers how many this call released."""
    now = now or timezone.now()
    due = Batch.objects.filter(state=BatchState.FORMING, window_closes_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(batch_release(batch_id=pk, reason="window", now=now) for pk in list(due))


# -- stages --------------------------------------------------------------------------------------


def _lot_enqueue(*, jobs: list[Job], stage: RouteStage, now: datetime, first_visit: bool = False) -> None:
    """Each job of the lot to which the stage applies waits for it, as a new attempt (the first,
    without asking, when the caller knows no job of the lot reached the stage before)."""
    attempts = (
        {}
        if first_visit
        else dict(
            WorkItem.objects.filter(job__in=jobs, stage=stage)
            .values("job")
            .annotate(last=Max("attempt"))
            .values_list("job", "last")
        )
    )
    WorkItem.objects.bulk_create(
        WorkItem(
            job=job,
            stage=stage,
            work_centre_id=stage.work_centre_id,
            attempt=attempts.get(job.pk, 0) + 1,
            units=job.order.quantity,
            enqueued_at=now,
        )
        for job in jobs
        if stage.operation in job.operations
    )


def _dispatch_after(*, jobs: list[Job], work_centres: Iterable[int] = ()) -> set[int]:
    """Start whatever waits on ``work_centres`` and where these jobs wait, each work centre in a
    transaction of its own; answers the work centres dispatched."""
    centres = set(work_centres) | (_waiting_centres(jobs=jobs) if jobs else set())
    for work_centre_id in sorted(centres):
        work_centre_dispatch(work_centre_id=work_centre_id)
    return centres


def _waiting_centres(*, jobs: list[Job]) -> set[int]:
    return set(
        WorkItem.objects.filter(job__in=jobs, state=WorkItemState.WAITING).values_list(
            "work_centre", flat=True
        )
    )


def _running_slots(work_centre_ids: Iterable[int]) -> dict[int, int]:
    """Lots running on each work centre, in one statement: each order alone, each batch once."""
    running: dict[int, list[uuid.UUID | None]] = {}
    for work_centre_id, batch_id in (
        WorkItem.objects.filter(work_centre__in=list(work_centre_ids), state=WorkItemState.RUNNING)
        .order_by()
        .values_list("work_centre", "job__batch")
    ):
        running.setdefault(work_centre_id, []).append(batch_id)
    return {centre: lots.count(None) + len(set(lots) - {None}) for centre, lots in running.items()}


def work_centre_dispatch(*, work_centre_id: int, now: datetime | None = None) -> int:
    """Start waiting lots on the work centre, first in, first out, while it has a free slot (under
    its row lock, so any number of workers agree on its capacity); answers how many started."""
    now = now or timezone.now()
    with transaction.atomic():
        # No key: work items may still be added that point at it meanwhile.
        work_centre = WorkCentre.objects.select_for_update(no_key=True).get(pk=work_centre_id)
        steps = ProductionSteps(order_ids=[])
        started = _work_centres_fill(work_centres=[work_centre], now=now, steps=steps)
        steps.write()
    return started


def _work_centres_dispatch_unlocked(
    *, work_centre_ids: set[int], now: datetime, steps: ProductionSteps
) -> set[int]:
    """Dispatch, in the caller's transaction, those of the work centres no other transaction holds
    (they are skipped, never waited for, so a finish waits for no work centre while it holds its
    lot's rows); answers the work centres dispatched. The caller dispatches the others after it
    commits."""
    centres = list(
        WorkCentre.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(pk__in=sorted(work_centre_ids))
        .order_by("pk")
    )
    _work_centres_fill(work_centres=centres, now=now, steps=steps)
    return {work_centre.pk for work_centre in centres}


def _work_centres_fill(*, work_centres: list[WorkCentre], now: datetime, steps: ProductionSteps) -> int:
    """Start waiting lots on work centres whose rows the caller locked while they have a free slot;
    answers how many started."""
    if not work_centres:
        return 0
    running = _running_slots(work_centre.pk for work_centre in work_centres)
    started = 0
    for work_centre in work_centres:
        free = work_centre.capacity - running.get(work_centre.pk, 0)
        while free > 0:
            lots, more = _oldest_waiting_lots(work_centre, free, steps)
            for lot in lots:
                _lot_start(work_centre=work_centre, items=lot, now=now, steps=steps)
            free -= len(lots)
            started += len(lots)
            if not more:
                break
    return started


#: What starting a waiting lot reads of its items, their jobs, orders (what their production steps
#: change) and batches.
_WAITING_READ = (
    "job",
    "stage",
    "attempt",
    "units",
    "job__route",
    "job__order",
    "job__batch",
    "job__batch__code",
    "job__order__status",
    "job__order__stage",
    "job__order__batch",
    "job__order__updated_at",
)


def _oldest_waiting_lots(
    work_centre: WorkCentre, count: int, steps: ProductionSteps
) -> tuple[list[list[WorkItem]], bool]:
    """Up to ``count`` lots waiting on the work centre, oldest first (an order alone, or a batch's
    items at one stage together), and whether more may wait behind them. The orders of the oldest
    items are locked (no key) in the statement that reads them and take their steps in ``steps``;
    a batch's other orders are locked when it starts, in key order."""
    waiting = (
        WorkItem.objects.filter(work_centre=work_centre, state=WorkItemState.WAITING)
        .select_related("job__order", "job__batch")
        .only(*_WAITING_READ)
        .annotate(setup_key=KeyTextTransform("setup_key", "job__order__production"))
        .order_by("enqueued_at", "pk")
    )
    oldest = list(waiting.select_for_update(of=("job__order",), no_key=True)[:count])
    steps.adopt(orders=[item.job.order for item in oldest])
    lots: list[list[WorkItem]] = []
    batches: set[tuple[uuid.UUID, int]] = set()
    for item in oldest:
        if item.job.batch_id is None:
            lots.append([item])
        elif (item.job.batch_id, item.stage_id) not in batches:
            batches.add((item.job.batch_id, item.stage_id))
            lots.append(list(waiting.filter(job__batch=item.job.batch_id, stage=item.stage_id)))
    return lots, len(oldest) == count


def _lot_start(
    *, work_centre: WorkCentre, items: list[WorkItem], now: datetime, steps: ProductionSteps
) -> None:
    lead = items[0]
    stage = _route_stage(route_id=lead.job.route_id, stage_id=lead.stage_id)
    setup_key = getattr(lead, "setup_key", None) or ""  # annotated by _oldest_waiting_lots
    changeover = setup_key != work_centre.current_setup_key and work_centre.changeover_minutes > 0
    units = sum(item.units for item in items)
    minutes = (
        stage.setup_minutes
        + (work_centre.changeover_minutes if changeover else Decimal(0))
        + stage.minutes_per_unit * units
    )
    if setup_key != work_centre.current_setup_key:
        work_centre.current_setup_key = setup_key
        work_centre.save(update_fields=["current_setup_key"])
    sim_start, due_at = stage_times(minutes=minutes, now=now)
    times = {
        "changeover": changeover,
        "minutes": minutes,
        "real_start": now,
        "due_at": due_at,
        "sim_start": sim_start,
        "sim_end": sim_start + timedelta(minutes=float(minutes)),
    }
    steps.lock(order_ids=[item.job.order_id for item in items])
    states: dict[WorkItemState, list[int]] = {}
    for item in items:
        batch = item.job.batch
        step = steps.step(
            order_id=item.job.order_id,
            to=OrderStatus.IN_PRODUCTION,
            event=events.stage_started(
                operation=stage.operation,
                work_centre=work_centre.name,
                attempt=item.attempt,
                batch=batch.code if batch is not None else "",
            ),
            stage=stage.operation,
        )
        started = WorkItemState.CANCELLED if step is None else WorkItemState.RUNNING
        states.setdefault(started, []).append(item.pk)
    for state, pks in states.items():
        WorkItem.objects.filter(pk__in=pks).update(state=state, **times)
    if WorkItemState.RUNNING in states:
        if lead.job.batch_id:
            Batch.objects.filter(pk=lead.job.batch_id, state=BatchState.RELEASED).update(
                state=BatchState.IN_PRODUCTION
            )
        _send_finish(work_item_id=states[WorkItemState.RUNNING][0], due_at=due_at, queue=work_centre.queue)
    elif lead.job.batch_id:
        # A batch moves with all its jobs: a lot with nothing to run is a batch whose every order
        # was cancelled, which would otherwise stay released (or in production) for good.
        Batch.objects.filter(pk=lead.job.batch_id).update(state=BatchState.CANCELLED, done_at=now)


def _send_finish(*, work_item_id: int, due_at: datetime, queue: str) -> None:
    eta = due_at if due_at > timezone.now() else None
    transaction.on_commit(lambda: app.send_task(FINISH_STAGE_TASK, args=[work_item_id], queue=queue, eta=eta))


# -- finishing and quality -----------------------------------------------------------------------


@dataclass
class Finish:
    """What a finish did: whether it finished anything, and the work centres to dispatch after."""

    finished: bool = False
    work_centres: set[int] = field(default_factory=set)
    decision: str = ""


def stage_finish(*, work_item_id: int, now: datetime | None = None) -> Finish:
    """Finish the lot of a running work item that is due: mark it done, inspect it when the stage
    has a checkpoint, and move the lot on; then start what waits on the work centre it freed and
    on the one it moves to, in the same transaction where no other holds them (else just after).
    A finish delivered again (or early) changes nothing."""
    now = now or timezone.now()
    result = Finish()
    with transaction.atomic():
        # The item and its order locked in one statement, both as no-key locks (what a finish
        # changes of them is no key); a lot's other orders are locked after, in key order.
        lead = next(
            iter(
                WorkItem.objects.select_for_update(of=("self", "job__order"), no_key=True)
                .select_related("job__order")
                .defer(*_ORDER_UNUSED)
                .filter(pk=work_item_id)
                .order_by()
            ),
            None,
        )
        if lead is None:
            return result
        if lead.state != WorkItemState.RUNNING or (lead.due_at and lead.due_at > now):
            if lead.state == WorkItemState.DONE:
                # Delivered again after its transaction committed: the dispatches that follow a
                # finish may not have run (the worker died, a lock was refused); they are safe twice.
                transaction.on_commit(
                    lambda: _dispatch_after(jobs=[lead.job], work_centres={lead.work_centre_id})
                )
            return result
        items = _running_lot(lead)
        stage = _route_stage(route_id=lead.job.route_id, stage_id=lead.stage_id)
        stages = route_stages_current(route_id=lead.job.route_id)
        jobs = _lot_jobs(lead)
        # A batch's jobs are read with their batch; a lone order's job has none.
        batch = jobs[0].batch if lead.job.batch_id is not None else None
        steps = ProductionSteps(order_ids=[job.order_id for job in jobs], locked=[lead.job.order])
        for item in items:
            item.state = WorkItemState.DONE
            item.real_end = now
        WorkItem.objects.filter(pk__in=[item.pk for item in items]).update(
            state=WorkItemState.DONE, real_end=now
        )
        for item in items:
            steps.step(
                order_id=item.job.order_id,
                event=events.stage_completed(
                    operation=stage.operation,
                    work_centre=stage.work_centre.name,
                    attempt=item.attempt,
                    batch=batch.code if batch else "",
                ),
            )
        checkpoint = getattr(stage, "checkpoint", None)
        decision: str = InspectionDecision.PASS
        if checkpoint is not None:
            decision = _inspect(
                items=items, stage=stage, stages=stages, checkpoint=checkpoint, batch=batch, steps=steps
            )
        result.decision = decision
        moved_to: RouteStage | None
        if decision == InspectionDecision.PASS:
            moved_to = _next_stage(stages, jobs, stage)
            if moved_to is None:
                _lot_complete(jobs=jobs, batch=batch, now=now, steps=steps)
            else:
                # Stages are visited in route order and rework goes back, so a lot whose first
                # attempt at this stage passed has never been further along the route.
                first_visit = all(item.attempt == 1 for item in items)
                _lot_enqueue(jobs=jobs, stage=moved_to, now=now, first_visit=first_visit)
        elif decision == InspectionDecision.REWORK:
            assert checkpoint is not None  # only a checkpoint's inspection orders rework
            moved_to = checkpoint.rework_stage
            assert moved_to is not None  # only a checkpoint with a rework stage decides rework
            _lot_enqueue(jobs=jobs, stage=moved_to, now=now)
        else:
            moved_to = _lot_remake(jobs=jobs, stage=stage, stages=stages, now=now, steps=steps)
        wanted = {lead.work_centre_id} | ({moved_to.work_centre_id} if moved_to is not None else set())
        result.finished = True
        result.work_centres = _work_centres_dispatch_unlocked(work_centre_ids=wanted, now=now, steps=steps)
        steps.write()
    _dispatch_after(jobs=[], work_centres=wanted - result.work_centres)
    result.work_centres = wanted
    return result


def _route_stage(*, route_id: int, stage_id: int) -> RouteStage:
    """A stage of a route, with its work centre and checkpoint, from the process's route cache
    (read again when the stage was added since)."""
    for fresh in (False, True):
        for stage in route_stages_current(route_id=route_id, fresh=fresh):
            if stage.pk == stage_id:
                return stage
    raise FactoryError(f"Route {route_id} has no stage {stage_id}.")


def _running_lot(lead: WorkItem) -> list[WorkItem]:
    """The lead's lot, locked: the lead alone, or the running items of its batch at its stage."""
    if lead.job.batch_id is None:
        return [lead]
    return list(
        WorkItem.objects.select_for_update(of=("self",))
        .select_related("job__order", "job__batch")
        .defer(*_ORDER_UNUSED)
        .filter(job__batch=lead.job.batch_id, stage=lead.stage_id, state=WorkItemState.RUNNING)
        .order_by("pk")
    )


def _lot_jobs(lead: WorkItem) -> list[Job]:
    """The jobs that move on with the lead's lot: its own, or every job of its batch."""
    if lead.job.batch_id is None:
        return [lead.job]
    return list(
        Job.objects.select_related("order", "batch")
        .defer(*(name.removeprefix("job__") for name in _ORDER_UNUSED))
        .filter(batch=lead.job.batch_id)
        .order_by("created_at", "pk")
    )


def defect_probability_at(*, stages: list[RouteStage], operations: Iterable[str], stage: RouteStage) -> float:
    """The probability that a unit reaching this stage's checkpoint is defective: a defect made at
    any stage since the previous checkpoint shows here (the demo's final inspections make none
    themselves but catch the assembly's)."""
    applicable = set(operations)
    intact = 1.0
    for earlier in stages:
        if earlier.position > stage.position:
            break
        if earlier.operation not in applicable:
            continue
        if earlier.position < stage.position and getattr(earlier, "checkpoint", None) is not None:
            intact = 1.0
            continue
        intact *= 1.0 - float(earlier.defect_probability)
    return 1.0 - intact


def defects_drawn(*, key: str, operation: str, attempt: int, sampled: int, probability: float) -> int:
    """Defective units among ``sampled``, drawn from a generator seeded by the order (or batch),
    the stage and the attempt: the same run replays to the same inspections."""
    digest = hashlib.sha256(f"{key}:{operation}:{attempt}".encode()).digest()
    generator = random.Random(int.from_bytes(digest[:8], "big"))
    return sum(generator.random() < probability for _ in range(sampled))


def _every_unit(items: list[WorkItem], batch: Batch | None) -> bool:
    """Custom orders and bespoke options inspect every unit, and so does a batch whose sample failed."""
    if batch is not None and batch.full_inspection:
        return True
    for item in items:
        production = item.job.order.production
        if item.job.order.production_mode == ProductionMode.CUSTOM:
            return True
        if any(reason.get("level") == "bespoke" for reason in production.get("reasons", ())):
            return True
    return False


def _inspect(
    *,
    items: list[WorkItem],
    stage: RouteStage,
    stages: list[RouteStage],
    checkpoint: QualityCheckpoint,
    batch: Batch | None,
    steps: ProductionSteps,
) -> str:
    plan = sample_plan(
        CheckpointSpec(
            inspects=checkpoint.inspects,
            plan=SamplingPlanKind(checkpoint.plan),
            every_n=checkpoint.every_n,
            inspection_level=checkpoint.inspection_level or None,
            aql=checkpoint.aql,
        ),
        sum(item.units for item in items),
        full_inspection=_every_unit(items, batch),
    )
    sampled, accept = plan.sample_size, plan.accept
    lead = items[0]
    defects = defects_drawn(
        key=str(batch.pk if batch else lead.job.order_id),
        operation=stage.operation,
        attempt=lead.attempt,
        sampled=sampled,
        probability=defect_probability_at(stages=stages, operations=lead.job.operations, stage=stage),
    )
    if defects <= accept:
        decision, action = InspectionDecision.PASS, "passed"
    elif checkpoint.rework_stage_id and _reworks_so_far(lead.job, checkpoint) < checkpoint.max_rework:
        rework_stage = checkpoint.rework_stage
        assert rework_stage is not None  # rework_stage_id is set
        decision = InspectionDecision.REWORK
        action = f"rework at {rework_stage.operation}"
    else:
        decision, action = InspectionDecision.SCRAP, "scrap and remake"
    if decision != InspectionDecision.PASS and batch is not None and not batch.full_inspection:
        batch.full_inspection = True
        batch.save(update_fields=["full_inspection"])
        action += "; batch to 100 % inspection"
    Inspection.objects.bulk_create(
        Inspection(
            work_item=item,
            checkpoint=checkpoint,
            units_sampled=sampled,
            defects_found=defects,
            accept_number=accept,
            decision=decision,
            action=action,
        )
        for item in items
    )
    for item in items:
        batch_code = batch.code if batch else ""
        steps.step(
            order_id=item.job.order_id,
            to=OrderStatus.INSPECTION,
            event=events.inspected(
                operation=stage.operation,
                work_centre=stage.work_centre.name,
                sampled=sampled,
                defects=defects,
                decision=decision,
                batch=batch_code,
            ),
        )
        if decision == InspectionDecision.REWORK:
            rework_stage = checkpoint.rework_stage
            assert rework_stage is not None  # only a checkpoint with a rework stage decides rework
            steps.step(
                order_id=item.job.order_id,
                to=OrderStatus.REWORK,
                event=events.rework_started(
                    operation=rework_stage.operation,
                    rework=_reworks_so_far(item.job, checkpoint),
                    limit=checkpoint.max_rework,
                    batch=batch_code,
                ),
            )
    return decision


def _reworks_so_far(job: Job, checkpoint: QualityCheckpoint) -> int:
    """Reworks ordered by this checkpoint since the job was last remade."""
    inspections = Inspection.objects.filter(work_item__job=job)
    last_scrap = inspections.filter(decision=InspectionDecision.SCRAP).aggregate(last=Max("pk"))["last"] or 0
    return inspections.filter(
        checkpoint=checkpoint, decision=InspectionDecision.REWORK, pk__gt=last_scrap
    ).count()


def _lot_remake(
    *, jobs: list[Job], stage: RouteStage, stages: list[RouteStage], now: datetime, steps: ProductionSteps
) -> RouteStage | None:
    """Scrap the lot and make it again from its first stage (answered; None when no job is made
    again); a job scrapped more often than ``ATELIER_FACTORY_MAX_REMAKES`` stops for staff
    instead of looping."""
    first_batch = jobs[0].batch
    batch_code = first_batch.code if first_batch is not None else ""
    again: list[Job] = []
    for job in jobs:
        steps.step(
            order_id=job.order_id,
            to=OrderStatus.SCRAPPED,
            event=events.scrapped(operation=stage.operation, batch=batch_code),
        )
        if job.remakes >= settings.ATELIER_FACTORY_MAX_REMAKES:
            _job_flag(
                job=job, reason=f"Scrapped {job.remakes + 1} times at {stage.operation}; not remade again."
            )
            continue
        job.remakes += 1
        job.save(update_fields=["remakes"])
        steps.step(
            order_id=job.order_id,
            to=OrderStatus.QUEUED,
            event=events.remade(remake=job.remakes, batch=batch_code),
        )
        again.append(job)
    if not again:
        return None
    first = _first_stage(stages, again)
    _lot_enqueue(jobs=again, stage=first, now=now)
    return first


def _lot_complete(*, jobs: list[Job], batch: Batch | None, now: datetime, steps: ProductionSteps) -> None:
    for job in jobs:
        steps.step(
            order_id=job.order_id,
            to=OrderStatus.COMPLETED,
            event=events.completed(batch=batch.code if batch else ""),
            stage="",
        )
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(completed_at=now)
    if batch is not None:
        Batch.objects.filter(pk=batch.pk).update(state=BatchState.DONE, done_at=now)


# -- staff attention and recovery ----------------------------------------------------------------


def _job_flag(*, job: Job, reason: str) -> None:
    job.needs_attention = True
    job.attention_reason = reason
    job.save(update_fields=["needs_attention", "attention_reason"])
    logger.error("Job for order %s needs attention: %s", job.order_id, reason)


@transaction.atomic
def job_flag(
    *, work_item_id: int | None = None, order_id: uuid.UUID | str | None = None, reason: str
) -> bool:
    """Flag the job of a work item (or an order) for staff attention; False when there is none."""
    jobs = Job.objects.select_for_update()
    if work_item_id is not None:
        job = jobs.filter(work_items=work_item_id).first()
    elif order_id is not None:
        job = jobs.filter(order_id=order_id).first()
    else:
        job = None
    if job is None:
        logger.error("Order %s needs attention and has no job: %s", order_id, reason)
        return False
    _job_flag(job=job, reason=reason)
    return True


def work_item_failed(*, work_item_id: int) -> int:
    """Count one more failure of a work item's task; answers the count."""
    WorkItem.objects.filter(pk=work_item_id).update(failures=F("failures") + 1)
    return WorkItem.objects.filter(pk=work_item_id).values_list("failures", flat=True).first() or 0


@dataclass
class Wake:
    """What one wake found to do."""

    released: int = 0
    redriven: int = 0
    dispatched: int = 0
    restarted: int = 0


def factory_wake(*, now: datetime | None = None) -> Wake:
    """The periodic sweep: release batches whose window closed, start waiting work where there is
    capacity, and send again what a lost message left behind (a finish overdue by
    ``ATELIER_FACTORY_REDRIVE_SECONDS``, a queued order without a job). Everything it sends is
    idempotent, so a message it sends twice costs a state check."""
    now = now or timezone.now()
    wake = Wake(released=batches_release_due(now=now))
    redrive = now - timedelta(seconds=settings.ATELIER_FACTORY_REDRIVE_SECONDS)
    # One index probe per work centre, not a read of every waiting row (thousands in a long queue)
    waiting = WorkItem.objects.filter(work_centre=OuterRef("pk"), state=WorkItemState.WAITING)
    for work_centre_id in (
        WorkCentre.objects.filter(Exists(waiting)).order_by("pk").values_list("pk", flat=True)
    ):
        wake.dispatched += work_centre_dispatch(work_centre_id=work_centre_id, now=now)
    overdue = list(
        WorkItem.objects.filter(state=WorkItemState.RUNNING, due_at__lte=redrive, job__needs_attention=False)
        .values_list("pk", "work_centre__queue")
        .order_by("due_at")[: settings.ATELIER_FACTORY_WAKE_LIMIT]
    )
    # Due again from now: a finish that waits behind a long queue is sent once per redrive
    # interval, never once per wake.
    WorkItem.objects.filter(pk__in=[pk for pk, _ in overdue]).update(due_at=now)
    for pk, queue in overdue:
        app.send_task(FINISH_STAGE_TASK, args=[pk], queue=queue)
        wake.redriven += 1
    # Queued orders without a job: their start was lost. Orders placed more than an hour ago are
    # left to staff (an order no route fits would otherwise be sent again forever).
    stranded = list(
        Order.objects.filter(
            status=OrderStatus.QUEUED,
            job__isnull=True,
            updated_at__lte=redrive,
            created_at__gte=now - timedelta(hours=1),
        )
        .values_list("pk", "production_mode")
        .order_by("updated_at")[: settings.ATELIER_FACTORY_WAKE_LIMIT]
    )
    Order.objects.filter(pk__in=[order_pk for order_pk, _ in stranded]).update(updated_at=now)
    for order_pk, mode in stranded:
        app.send_task(START_JOB_TASK, args=[str(order_pk)], queue=queue_for(production_mode=mode))
        wake.restarted += 1
    return wake
