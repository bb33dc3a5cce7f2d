"""Benchmark the configuration engine in-process on the demo products.

    .venv/bin/python benchmarks/bench_engine.py [--selections 400] [--solvers minisat22,glucose4,cadical195]

Reads product documents from products/demo/*.json (or benchmarks/sample_bike.json when there are
none), makes random partial selections (mostly consistent, some not), and prints the median and
p95 of: plain validation (the floor), guidance without explanations, full guidance with
explanations, and compilation, in ms and as a ratio to the floor measured in the same run, with
the average number of solver calls per step. Timings are of a warm configurator (one per thread,
kept across requests, as the API uses it); the first pass over fresh selections is shown as "cold".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from configurator.engine import Configurator, compile_model  # noqa: E402
from configurator.engine.document import model_from_document  # noqa: E402
from configurator.engine.domains import number_values, text_lengths  # noqa: E402
from configurator.engine.model import Kind, OptionSet, ProductModel  # noqa: E402


def documents() -> list[tuple[str, dict]]:
    paths = sorted((ROOT / "products" / "demo").glob("*.json"))
    if not paths:
        paths = [Path(__file__).resolve().parent / "sample_bike.json"]
    return [(path.stem, json.loads(path.read_text())) for path in paths]


def random_value(option_set: OptionSet, rng: random.Random):
    kind = option_set.kind
    if kind is Kind.SINGLE:
        codes = [option.code for option in option_set.options]
        if not option_set.required and rng.random() < 0.15:
            return None
        return rng.choice(codes)
    if kind is Kind.MULTI:
        codes = [option.code for option in option_set.options]
        return sorted(rng.sample(codes, rng.randint(0, min(len(codes), 3))))
    if kind is Kind.NUMBER:
        return str(rng.choice(number_values(option_set)))
    if kind is Kind.TEXT:
        lengths = [length for length in text_lengths(option_set) if length <= 3]
        if not lengths:
            return None
        length = rng.choice(lengths)
        return {0: "", 1: "A", 2: "AB", 3: "ABC"}[length] if not option_set.pattern else None
    return rng.random() < 0.5


def random_selections(
    model: ProductModel, configurator: Configurator, count: int, rng: random.Random
) -> list:
    """Random walks: add a random value to a random open set; keep it when the selections stay
    consistent, and now and then anyway (about one selection in six ends inconsistent)."""
    result = []
    while len(result) < count:
        selections: dict = {}
        steps = rng.randint(0, len(model.option_sets))
        inconsistent = rng.random() < 0.15
        for _ in range(steps):
            option_set = rng.choice(model.option_sets)
            value = random_value(option_set, rng)
            if value is None and option_set.kind is not Kind.SINGLE:
                continue
            trial = dict(selections)
            trial.pop(option_set.code, None)
            trial[option_set.code] = value
            try:
                parsed = configurator.parse_selections(trial)
            except Exception:
                continue
            if configurator.validate(parsed).consistent:
                selections = trial
            elif inconsistent:
                selections = trial
                break
        result.append(configurator.parse_selections(selections))
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


#: The clock: wall time by default; ``--cpu`` uses this thread's CPU time, which other processes on
#: a busy machine do not inflate.
CLOCK = time.perf_counter


def measure(function, items) -> tuple[list[float], list]:
    times, results = [], []
    for item in items:
        start = CLOCK()
        results.append(function(item))
        times.append((CLOCK() - start) * 1000)
    return times, results


def run(name: str, document: dict, count: int, solver: str, rng: random.Random) -> dict:
    model = model_from_document(document)
    compile_times = []
    for _ in range(20):
        start = CLOCK()
        compiled = compile_model(model)
        compile_times.append((CLOCK() - start) * 1000)
    configurator = Configurator(compiled, solver=solver)
    warmup = random_selections(model, configurator, count, rng)
    measured = random_selections(model, configurator, count, rng)
    cold = Configurator(compiled, solver=solver)
    cold_times, _ = measure(lambda s: cold.guide(s, explain=True), measured)
    for selections in warmup:
        configurator.guide(selections, explain=True)
    floor, _ = measure(configurator.validate, measured)
    plain, plain_results = measure(lambda s: configurator.guide(s, explain=False), measured)
    full, full_results = measure(lambda s: configurator.guide(s, explain=True), measured)
    inconsistent = sum(1 for result in full_results if result.conflict is not None)
    return {
        "name": name,
        "sets": len(model.option_sets),
        "values": sum(len(s.options) for s in model.option_sets),
        "rules": len(model.rules),
        "tables": len(model.tables),
        "selections": len(measured),
        "inconsistent": inconsistent,
        "floor": floor,
        "plain": plain,
        "full": full,
        "cold": cold_times,
        "compile": compile_times,
        "plain_calls": statistics.mean(r.solver_calls for r in plain_results),
        "full_calls": statistics.mean(r.solver_calls for r in full_results),
    }


def report(result: dict) -> None:
    floor_median = statistics.median(result["floor"])
    floor_p95 = percentile(result["floor"], 0.95)
    print(
        f"\n{result['name']}: {result['sets']} option sets, {result['values']} option values, "
        f"{result['rules']} rules, {result['tables']} tables; {result['selections']} random selections "
        f"({result['inconsistent']} inconsistent)"
    )
    print(f"  {'':34} {'median ms':>10} {'p95 ms':>9} {'x floor':>8} {'x floor p95':>12} {'calls':>6}")
    rows = [
        ("validation (floor)", result["floor"], 1.0),
        ("guidance, no explanations", result["plain"], result["plain_calls"]),
        ("guidance + explanations (full)", result["full"], result["full_calls"]),
        ("full, cold configurator", result["cold"], None),
        ("compile", result["compile"], None),
    ]
    for label, times, calls in rows:
        median, p95 = statistics.median(times), percentile(times, 0.95)
        calls_text = f"{calls:6.1f}" if calls is not None else ""
        print(
            f"  {label:34} {median:10.3f} {p95:9.3f} {median / floor_median:8.1f} {p95 / floor_p95:12.1f} "
            f"{calls_text}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--selections", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--solvers", default="", help="compare these PySAT solvers (comma-separated)")
    parser.add_argument("--cpu", action="store_true", help="time with this thread's CPU time, not wall time")
    args = parser.parse_args()
    from configurator.engine.solver import DEFAULT_SOLVER

    global CLOCK
    if args.cpu:
        CLOCK = time.thread_time
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"clock: {'thread CPU time' if args.cpu else 'wall time'}; "
        f"load average {load:.2f} on {os.cpu_count()} cores"
    )

    solvers = [name for name in args.solvers.split(",") if name] or [DEFAULT_SOLVER]
    for solver in solvers:
        print(f"== solver {solver}")
        for name, document in documents():
            report(run(name, document, args.selections, solver, random.Random(args.seed)))


if __name__ == "__main__":
    main()
