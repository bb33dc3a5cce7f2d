"""Benchmark the what-if simulation: 10,000 orders through the demo factory in SimPy.

    .venv/bin/python benchmarks/bench_simulation.py [--orders 10000] [--repeat 3]

Prints the wall time (median of the repeats) and the peak traced memory of a whole run (demand,
SimPy model, report), next to a baseline measured in the same run: a bare SimPy model that
schedules the same number of events (as many processes, started one after another as orders
arrive, each scheduling its share of the timeouts), so the ratio is what the factory's logic and
bookkeeping cost. Target: 10,000 orders in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configurator.settings")

import django  # noqa: E402

django.setup()

import simpy  # noqa: E402

from manufacturing.documents import demo_factory_spec  # noqa: E402
from manufacturing.simulation import SimulationSettings, simulation_run  # noqa: E402
from manufacturing.simulation.model import FactoryModel  # noqa: E402
from manufacturing.simulation.policy import policy_from_factory  # noqa: E402
from manufacturing.simulation.runner import demand_generate  # noqa: E402

TARGET_SECONDS = 10.0


def events_of_a_run(settings: SimulationSettings) -> int:
    """SimPy events one run schedules (counted in a separate run: counting costs time)."""
    factory = demo_factory_spec()
    model = FactoryModel(factory=factory, policy=policy_from_factory(factory=factory), seed=settings.seed)
    scheduled = 0
    schedule = model.env.schedule

    def counting(event, priority=simpy.core.NORMAL, delay=0):
        nonlocal scheduled
        scheduled += 1
        schedule(event, priority, delay)

    model.env.schedule = counting
    model.run(demand_generate(factory=factory, settings=settings))
    return scheduled


def bare_simpy(*, events: int, processes: int) -> None:
    """The floor: ``processes`` SimPy processes started one after another (as orders arrive), each
    scheduling its share of ``events`` timeouts, with no logic in between."""
    env = simpy.Environment()
    # Each process costs its start event and the arrival's timeout besides its own timeouts.
    per_process = max(events // processes - 2, 1)

    def work():
        for _ in range(per_process):
            yield env.timeout(0.5)

    def arrivals():
        for _ in range(processes):
            yield env.timeout(1.0)
            env.process(work())

    env.process(arrivals())
    env.run()


def measure(function) -> tuple[float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    function()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    settings = SimulationSettings(orders=arguments.orders, seed=1)
    factory = demo_factory_spec()
    events = events_of_a_run(settings)

    def run() -> None:
        simulation_run(factory=factory, settings=settings)

    def floor() -> None:
        bare_simpy(events=events, processes=arguments.orders)

    run_time, floor_time = timed(run, arguments.repeat), timed(floor, arguments.repeat)
    _, run_peak = measure(run)
    _, floor_peak = measure(floor)
    print(f"{arguments.orders} orders, demo factory, seed 1: {events} SimPy events scheduled")
    rows = (("bare SimPy (floor)", floor_time, floor_peak), ("simulate (whole run)", run_time, run_peak))
    print(f"{'':24} {'wall s (median)':>16} {'peak KiB':>10} {'events/s':>10}")
    for label, seconds, peak in rows:
        print(f"{label:24} {seconds:16.3f} {peak / 1024:10.0f} {events / seconds:10.0f}")
    print(f"ratio to the floor: time {run_time / floor_time:.2f}x, peak memory {run_peak / floor_peak:.2f}x")
    verdict = "met" if run_time < TARGET_SECONDS * arguments.orders / 10_000 else "MISSED"
    print(f"target: 10,000 orders in under {TARGET_SECONDS:.0f} s: [{verdict}]")


if __name__ == "__main__":
    main()
