"""Live against simulated: the orders the Celery factory made (jobs and their work items, in
simulated time) run again through the SimPy model, measured lead times and utilisation beside
the predicted ones.

The demand trace: each finished job's order (product, mode of its route, quantity, setup key) and
the operations it went through, arriving at the simulated time its job was created (read through
the simulated clock row). Measured: lead time = last work item's simulated end - arrival;
utilisation = simulated minutes of its done lots (a batch's work items at a stage count once) /
(capacity x the trace's span). Compare a live run at ``ATELIER_SIM_TIME_SCALE`` > 0: at 0 nothing
waits in simulated time."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from ..models import Job, SimulationClock, WorkItem, WorkItemState
from ..spec import FactorySpec
from .demand import MODES, SimOrder
from .report import percentile
from .runner import SimulationSettings, simulation_run


@dataclass(frozen=True, slots=True)
class LiveTrace:
    orders: tuple[SimOrder, ...]
    #: Measured lead time per order number, simulated minutes.
    lead_times: dict[int, float]
    #: Simulated minutes of done work per work centre code.
    busy_minutes: dict[str, float]
    span_minutes: float


@dataclass(frozen=True, slots=True)
class LeadTimeRow:
    mode: str
    orders: int
    measured_mean: float
    measured_median: float
    measured_p95: float
    predicted_mean: float
    predicted_median: float
    predicted_p95: float


@dataclass(frozen=True, slots=True)
class UtilisationRow:
    code: str
    name: str
    measured: float
    predicted: float


@dataclass(frozen=True, slots=True)
class LiveComparison:
    orders: int
    span_minutes: float
    modes: tuple[LeadTimeRow, ...]
    centres: tuple[UtilisationRow, ...]


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def _sim_end(item: WorkItem) -> datetime:
    """A finished item's simulated end (the trace keeps only items that have one)."""
    assert item.sim_end is not None
    return item.sim_end


def live_trace_get() -> LiveTrace:
    """The finished jobs (every work item done or cancelled) as a demand trace, oldest first."""
    clock = SimulationClock.objects.order_by("pk").first()
    jobs = (
        Job.objects.select_related("order__product", "route")
        .prefetch_related("work_items__work_centre")
        .filter(work_items__isnull=False)
        .exclude(work_items__state__in=[WorkItemState.WAITING, WorkItemState.RUNNING])
        .distinct()
        .order_by("created_at", "pk")
    )
    rows = []
    #: A lot's work items (a batch's orders at one stage) each carry the lot's minutes: count once.
    lot_minutes: dict[tuple, tuple[str, float]] = {}
    for job in jobs:
        done = [item for item in job.work_items.all() if item.state == WorkItemState.DONE and item.sim_end]
        if not done:
            continue
        if clock is not None:
            arrival = clock.sim_anchor + (job.created_at - clock.real_anchor) * (clock.scale or 1.0)
        else:
            arrival = min(item.sim_start or _sim_end(item) for item in done)
        rows.append((job, arrival, max(_sim_end(item) for item in done)))
        for item in done:
            lot = (item.work_centre_id, item.stage_id, item.sim_start, job.batch_id or job.pk)
            lot_minutes[lot] = (item.work_centre.code, float(item.minutes))
    busy: dict[str, float] = {}
    for code, minutes in lot_minutes.values():
        busy[code] = busy.get(code, 0.0) + minutes
    if not rows:
        return LiveTrace(orders=(), lead_times={}, busy_minutes={}, span_minutes=0.0)
    start = min(arrival for _, arrival, _ in rows)
    orders, lead_times = [], {}
    for number, (job, arrival, end) in enumerate(rows):
        order = job.order
        orders.append(
            SimOrder(
                number=number,
                arrival=_minutes(arrival, start),
                product=order.product.code,
                mode=job.route.mode,
                quantity=order.quantity,
                setup_key=str((order.production or {}).get("setup_key") or order.product.code),
                operations=frozenset(job.operations),
            )
        )
        lead_times[number] = _minutes(end, arrival)
    span = max(_minutes(end, start) for _, _, end in rows)
    return LiveTrace(orders=tuple(orders), lead_times=lead_times, busy_minutes=busy, span_minutes=span)


def live_compare(*, factory: FactorySpec, trace: LiveTrace, seed: int = 0) -> LiveComparison:
    """The trace through the SimPy model (the factory's own batch policy, deterministic times)."""
    settings = SimulationSettings(orders=max(len(trace.orders), 1), seed=seed)
    [report] = simulation_run(factory=factory, settings=settings, orders=list(trace.orders))
    predicted = {mode.mode: mode for mode in report.modes}
    rows = []
    for mode in MODES:
        measured = [trace.lead_times[order.number] for order in trace.orders if order.mode == mode]
        if not measured:
            continue
        simulated = predicted[mode]
        rows.append(
            LeadTimeRow(
                mode=mode,
                orders=len(measured),
                measured_mean=statistics.fmean(measured),
                measured_median=statistics.median(measured),
                measured_p95=percentile(measured, 0.95),
                predicted_mean=simulated.lead_time_mean,
                predicted_median=simulated.lead_time_median,
                predicted_p95=simulated.lead_time_p95,
            )
        )
    centres = []
    for centre in report.centres:
        capacity = factory.work_centres[centre.code].capacity
        busy = trace.busy_minutes.get(centre.code, 0.0)
        utilisation = busy / (capacity * trace.span_minutes) if trace.span_minutes else 0.0
        centres.append(
            UtilisationRow(
                code=centre.code, name=centre.name, measured=utilisation, predicted=centre.utilisation
            )
        )
    return LiveComparison(
        orders=len(trace.orders), span_minutes=trace.span_minutes, modes=tuple(rows), centres=tuple(centres)
    )


def live_render(comparison: LiveComparison) -> str:
    if not comparison.orders:
        return "Live vs simulated: no finished jobs in the database yet."
    lines = [
        f"Live vs simulated: {comparison.orders} finished orders over "
        f"{comparison.span_minutes / 60:.2f} simulated hours, the same arrivals through the SimPy model.",
        "",
        "Lead time, hours (measured | predicted):",
    ]
    for row in comparison.modes:
        lines.append(
            f"  {row.mode:>8} ({row.orders} orders): mean {row.measured_mean / 60:.2f} | "
            f"{row.predicted_mean / 60:.2f}, median {row.measured_median / 60:.2f} | "
            f"{row.predicted_median / 60:.2f}, p95 {row.measured_p95 / 60:.2f} | {row.predicted_p95 / 60:.2f}"
        )
    lines += ["", "Utilisation (measured | predicted):"]
    for centre in comparison.centres:
        lines.append(f"  {centre.name:>20}: {centre.measured:.1%} | {centre.predicted:.1%}")
    return "\n".join(lines)
