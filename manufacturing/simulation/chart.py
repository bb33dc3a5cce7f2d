"""The report as a chart (PNG, matplotlib's Agg backend: no display needed): per policy and mode,
lead time and cost and energy against the standard route; per work centre, utilisation and OEE."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from .report import Report


def chart_write(*, reports: list[Report], path: Path) -> None:
    figure, axes = plt.subplots(2, 2, figsize=(14, 9))
    lead, cost, centres, energy = axes[0][0], axes[0][1], axes[1][0], axes[1][1]
    modes = [mode.mode for mode in reports[0].modes]
    width = 0.8 / len(reports)
    for number, report in enumerate(reports):
        by_mode = {mode.mode: mode for mode in report.modes}
        positions = [index + number * width for index in range(len(modes))]
        medians = [by_mode[mode].lead_time_median / 60 for mode in modes]
        p95s = [by_mode[mode].lead_time_p95 / 60 for mode in modes]
        lead.bar(positions, medians, width, label=f"{report.policy.name} (median)")
        lead.scatter(positions, p95s, marker="_", s=300, color="black")
        cost.bar(
            positions,
            [by_mode[mode].cost_per_unit / (by_mode[mode].baseline_cost_per_unit or 1) for mode in modes],
            width,
            label=report.policy.name,
        )
        energy.bar(
            positions,
            [
                by_mode[mode].energy_kwh_per_unit / (by_mode[mode].baseline_energy_kwh_per_unit or 1)
                for mode in modes
            ],
            width,
            label=report.policy.name,
        )
    ticks = [index + width * (len(reports) - 1) / 2 for index in range(len(modes))]
    for axis, title, label in (
        (lead, "Lead time per mode (bars: median, marks: p95)", "hours"),
        (cost, "Labour cost per unit against the standard route", "x standard"),
        (energy, "Energy per unit against the standard route", "x standard"),
    ):
        axis.set_xticks(ticks, modes)
        axis.set_title(title)
        axis.set_ylabel(label)
        axis.legend(fontsize="small")
    for axis in (cost, energy):
        axis.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    first = reports[0]
    names = [centre.name for centre in first.centres]
    indexes = range(len(names))
    utilisation = [centre.utilisation for centre in first.centres]
    oee = [centre.oee for centre in first.centres]
    centres.bar([index - 0.2 for index in indexes], utilisation, 0.4, label="utilisation")
    centres.bar([index + 0.2 for index in indexes], oee, 0.4, label="OEE")
    centres.set_xticks(list(indexes), names, rotation=30, ha="right")
    centres.set_ylim(0, 1)
    centres.set_title(f"Work centres ({first.policy.name})")
    centres.legend(fontsize="small")
    figure.suptitle(f"What-if simulation: {first.orders} orders, seed {first.seed}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
