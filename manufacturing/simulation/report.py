"""A run's figures: per production mode and per work centre, against the mass-production baseline
(the product made on its standard route), with Little's law checked; and their text rendering.
Definitions: docs/simulation.md."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..spec import FactorySpec
from .demand import MODES
from .model import ModeStats, RunResult
from .policy import Policy

#: Little's law must hold within this relative error in every report.
LITTLE_TOLERANCE = 0.02


@dataclass(frozen=True, slots=True)
class ModeReport:
    mode: str
    orders: int
    units: int
    throughput_per_hour: float
    units_per_hour: float
    lead_time_mean: float
    lead_time_median: float
    lead_time_p95: float
    #: Time-average number of orders in the factory (arrived, not completed).
    wip: float
    #: Arrival rate (orders per minute) times mean lead time: equals ``wip`` by Little's law.
    little_lambda_w: float
    little_error: float
    changeovers: int
    inspections: int
    units_inspected: int
    first_pass_yield: float
    rework_units: int
    scrap_units: int
    flagged_orders: int
    cost_per_unit: float
    baseline_cost_per_unit: float
    energy_kwh_per_unit: float
    baseline_energy_kwh_per_unit: float
    #: Product material used per delivered unit: delivered plus scrapped units, per delivered unit.
    material_per_unit: float
    rework_minutes_per_unit: float


@dataclass(frozen=True, slots=True)
class CentreReport:
    code: str
    name: str
    capacity: int
    utilisation: float
    availability: float
    performance: float
    quality: float
    oee: float
    changeovers: int
    changeover_minutes: float
    inspections: int
    units: int


@dataclass(frozen=True, slots=True)
class Report:
    policy: Policy
    orders: int
    seed: int
    arrival_rate_per_hour: float
    makespan_minutes: float
    modes: tuple[ModeReport, ...]
    total: ModeReport
    centres: tuple[CentreReport, ...]

    @property
    def little_holds(self) -> bool:
        return all(mode.little_error <= LITTLE_TOLERANCE for mode in (*self.modes, self.total))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def baseline_per_unit(*, factory: FactorySpec, product: str) -> tuple[float, float]:
    """Labour cost and energy (kWh) of one unit of the product made on its standard route at mass
    production: minutes per unit only (setups spread over a long run), no changeover, no scrap."""
    cost = energy = 0.0
    for stage in factory.route_for(product, "standard").stages:
        centre = factory.work_centres[stage.work_centre]
        minutes = float(stage.minutes_per_unit)
        cost += minutes * float(centre.labour_rate_per_hour) / 60
        energy += minutes * float(centre.energy_kwh_per_running_minute)
    return cost, energy


def _merged(modes: list[ModeStats]) -> ModeStats:
    """Every mode's figures together (the ``all`` row)."""
    total = ModeStats(mode="all")
    for stats in modes:
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(stats, name))
        total.lead_times.extend(stats.lead_times)
        for product, units in stats.units_by_product.items():
            total.units_by_product[product] = total.units_by_product.get(product, 0) + units
    return total


_SUMMED = (
    "orders",
    "units",
    "delivered_units",
    "wip_area",
    "changeovers",
    "inspections",
    "units_inspected",
    "first_pass_units",
    "rework_units",
    "rework_minutes",
    "scrap_units",
    "flagged_orders",
    "labour_cost",
    "energy_kwh",
)


def _mode_report(stats: ModeStats, makespan: float, factory: FactorySpec) -> ModeReport:
    hours = makespan / 60 if makespan else 1.0
    delivered = stats.delivered_units or 1
    lead_mean = statistics.fmean(stats.lead_times) if stats.lead_times else 0.0
    wip = stats.wip_area / makespan if makespan else 0.0
    lambda_w = stats.orders / makespan * lead_mean if makespan else 0.0
    baseline_cost = baseline_energy = 0.0
    for product, units in stats.units_by_product.items():
        cost, energy = baseline_per_unit(factory=factory, product=product)
        baseline_cost += cost * units
        baseline_energy += energy * units
    product_units = sum(stats.units_by_product.values()) or 1
    return ModeReport(
        mode=stats.mode,
        orders=stats.orders,
        units=stats.units,
        throughput_per_hour=len(stats.lead_times) / hours,
        units_per_hour=stats.delivered_units / hours,
        lead_time_mean=lead_mean,
        lead_time_median=statistics.median(stats.lead_times) if stats.lead_times else 0.0,
        lead_time_p95=percentile(stats.lead_times, 0.95),
        wip=wip,
        little_lambda_w=lambda_w,
        little_error=abs(wip - lambda_w) / wip if wip else 0.0,
        changeovers=stats.changeovers,
        inspections=stats.inspections,
        units_inspected=stats.units_inspected,
        first_pass_yield=stats.first_pass_units / stats.units if stats.units else 1.0,
        rework_units=stats.rework_units,
        scrap_units=stats.scrap_units,
        flagged_orders=stats.flagged_orders,
        cost_per_unit=stats.labour_cost / delivered,
        baseline_cost_per_unit=baseline_cost / product_units,
        energy_kwh_per_unit=stats.energy_kwh / delivered,
        baseline_energy_kwh_per_unit=baseline_energy / product_units,
        material_per_unit=(stats.delivered_units + stats.scrap_units) / delivered,
        rework_minutes_per_unit=stats.rework_minutes / delivered,
    )


def report_build(
    *, result: RunResult, factory: FactorySpec, policy: Policy, seed: int, arrival_rate_per_hour: float
) -> Report:
    makespan = result.makespan
    modes = tuple(
        _mode_report(result.modes[mode], makespan, factory) for mode in MODES if result.modes[mode].orders
    )
    centres = []
    for code, stats in result.centres.items():
        spec = factory.work_centres[code]
        # Setup and changeover stop the centre: what is left of its loading time is operating time.
        operating = stats.processing_minutes
        availability = operating / stats.busy_minutes if stats.busy_minutes else 0.0
        performance = stats.ideal_minutes / operating if operating else 0.0
        quality = 1 - stats.rejected_units / stats.units if stats.units else 0.0
        centres.append(
            CentreReport(
                code=code,
                name=spec.name,
                capacity=stats.capacity,
                utilisation=stats.busy_minutes / (stats.capacity * makespan) if makespan else 0.0,
                availability=availability,
                performance=performance,
                quality=quality,
                oee=availability * performance * quality,
                changeovers=stats.changeovers,
                changeover_minutes=stats.changeover_minutes,
                inspections=stats.inspections,
                units=stats.units,
            )
        )
    return Report(
        policy=policy,
        orders=len(result.arrivals),
        seed=seed,
        arrival_rate_per_hour=arrival_rate_per_hour,
        makespan_minutes=makespan,
        modes=modes,
        total=_mode_report(_merged([result.modes[mode] for mode in MODES]), makespan, factory),
        centres=tuple(centres),
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
    )
    return "\n".join(lines)


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x" if baseline else "-"


def report_render(report: Report) -> str:
    """The report as text: modes, footprint, work centres and Little's law."""
    policy = report.policy
    batching = (
        f"batches of up to {policy.size_limit} units, window {policy.window_minutes:g} min"
        if policy.batching
        else "batch-mode orders one by one"
    )
    if policy.batching and policy.unbatched:
        batching += f"; {', '.join(sorted(policy.unbatched))} one by one"
    lines = [
        f"Policy {policy.name!r}: {batching}. {report.orders} orders, seed {report.seed}, "
        f"{report.arrival_rate_per_hour:.2f} orders/h arriving; all made in "
        f"{report.makespan_minutes / 60:.1f} simulated hours.",
        "",
    ]
    modes = [*report.modes, report.total]
    lines.append(
        _table(
            ["mode", "orders", "units", "orders/h", "lead med h", "lead p95 h", "WIP", "changeovers",
             "inspections", "FPY", "reworked", "scrapped", "cost/unit", "vs standard"],
            [
                [
                    mode.mode, str(mode.orders), str(mode.units), f"{mode.throughput_per_hour:.2f}",
                    f"{mode.lead_time_median / 60:.2f}", f"{mode.lead_time_p95 / 60:.2f}", f"{mode.wip:.2f}",
                    str(mode.changeovers), str(mode.inspections), f"{mode.first_pass_yield:.1%}",
                    str(mode.rework_units), str(mode.scrap_units), f"{mode.cost_per_unit:.2f}",
                    _ratio(mode.cost_per_unit, mode.baseline_cost_per_unit),
                ]
                for mode in modes
            ],
        )
    )  # fmt: skip
    lines += ["", "Footprint per delivered unit, against the same products made on the standard route:"]
    lines.append(
        _table(
            ["mode", "energy kWh", "standard kWh", "ratio", "material", "scrap/unit", "rework min/unit"],
            [
                [
                    mode.mode, f"{mode.energy_kwh_per_unit:.2f}", f"{mode.baseline_energy_kwh_per_unit:.2f}",
                    _ratio(mode.energy_kwh_per_unit, mode.baseline_energy_kwh_per_unit),
                    f"{mode.material_per_unit:.3f}x", f"{mode.scrap_units / max(mode.units, 1):.3f}",
                    f"{mode.rework_minutes_per_unit:.2f}",
                ]
                for mode in modes
            ],
        )
    )  # fmt: skip
    lines += ["", "Work centres:"]
    lines.append(
        _table(
            ["work centre", "cap", "utilisation", "availability", "performance", "quality", "OEE",
             "changeovers", "changeover min", "inspections"],
            [
                [
                    centre.name, str(centre.capacity), f"{centre.utilisation:.1%}",
                    f"{centre.availability:.1%}", f"{centre.performance:.1%}", f"{centre.quality:.1%}",
                    f"{centre.oee:.1%}",
                    str(centre.changeovers), f"{centre.changeover_minutes:.0f}", str(centre.inspections),
                ]
                for centre in report.centres
            ],
        )
    )  # fmt: skip
    lines += ["", "Little's law (L = lambda W, within 2 %):"]
    for mode in modes:
        verdict = "holds" if mode.little_error <= LITTLE_TOLERANCE else "FAILS"
        lines.append(
            f"  {mode.mode:>8}: L = {mode.wip:.3f}, lambda W = {mode.little_lambda_w:.3f}, "
            f"error {mode.little_error:.3%}: {verdict}"
        )
    return "\n".join(lines)


def comparison_render(reports: list[Report]) -> str:
    """Policies side by side, per mode: lead time, cost and energy against the baseline."""
    rows = []
    for report in reports:
        for mode in (*report.modes, report.total):
            rows.append(
                [
                    report.policy.name, mode.mode, f"{mode.lead_time_median / 60:.2f}",
                    f"{mode.lead_time_p95 / 60:.2f}", str(mode.changeovers), f"{mode.cost_per_unit:.2f}",
                    _ratio(mode.cost_per_unit, mode.baseline_cost_per_unit),
                    _ratio(mode.energy_kwh_per_unit, mode.baseline_energy_kwh_per_unit),
                ]
            )  # fmt: skip
    return _table(
        [
            "policy",
            "mode",
            "lead med h",
            "lead p95 h",
            "changeovers",
            "cost/unit",
            "cost vs std",
            "energy vs std",
        ],
        rows,
    )
