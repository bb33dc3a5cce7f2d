"""Benchmark the engine on the real models of ../shared/benchmarks (issue 7), with same-run baselines.

    .venv/bin/python benchmarks/bench_real_models.py [--quick] [--no-flamapy] [--no-api]

Sections (every time is printed as wall time and as this thread's CPU time, which other processes on
a busy machine inflate less; the load average is printed first):

1. **Renault Megane** (XCSP 2.1 + CLib names, through the real importer): import and compilation;
   the compiled model pickled and loaded again in a fresh process (load time, resident memory of a
   process holding it and a configurator); one exact guidance step (every value of every option set
   classified, no explanations) over random consistent selections of 0 to 30 choices (random walks
   that only pick selectable values), its solver calls, validation, and the naive reference on the
   same encoding and solver (one solver call per value) with the ratio; guidance with explanations;
   one step after one more choice (walks in order, reusing known configurations) against the same
   selections with nothing to reuse; the answers precomputed per published version
   (configurator/engine/precomputed.py): their time and size, guidance with and without explanations
   using them next to the same figures without them, and the share of blocked values explained from
   them.
2. **automotive01 and automotive02** (UVL and DIMACS): guidance along random walks, the naive
   reference on a few selections, and analysis: dead/core (guidance on the empty selection) and the
   exact count (Ganak) with a timeout.
3. **flamapy 2.6 side by side** on every shared Boolean UVL model, in its own virtual environment
   (benchmarks/.flamapy-venv, created on first use): number of configurations, core and dead features
   (ours mapped back to feature names; they must agree) and the time of each; flamapy's interactive
   configurator offering a value that can never be completed, and how often flamapy's propagation
   leaves such values open on automotive01 along our random walks.
4. **The configure endpoint on Renault** through Django's in-process API client (throw-away SQLite
   database, Renault imported and published with products.services.product_import), explanations
   within the budget, all of them, and off, then the same after the version's explanations are
   precomputed (products.compilation.version_precompute, what the worker's task runs); the compiled
   model's disk cache loaded in a fresh process.

Random selections are made by walks that only pick values the engine shows selectable; the tests
(tests/engine/test_real_models.py) check the engine's guidance against an independent SAT reference.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
FLAMAPY_VENV = ROOT / "benchmarks" / ".flamapy-venv"
FLAMAPY_PACKAGES = ["flamapy-fm==2.6.0", "flamapy-sat==2.6.0", "flamapy-bdd==2.6.0"]
sys.path.insert(0, str(ROOT))

TARGETS: list[tuple[str, str, bool]] = []  # (what, figure, met)


def target(what: str, figure: str, met: bool) -> None:
    TARGETS.append((what, figure, met))


# -- timing ----------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Samples:
    """Wall and thread-CPU times (ms) of repeated calls."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, function, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = function(*args, **kwargs)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - wall) * 1000)
        return result

    def median(self, cpu: bool = False) -> float:
        return statistics.median(self.cpu if cpu else self.wall)

    def p95(self, cpu: bool = False) -> float:
        return percentile(self.cpu if cpu else self.wall, 0.95)

    def __len__(self) -> int:
        return len(self.wall)


HEADER = f"  {'':44} {'wall median':>11} {'p95':>9} {'CPU median':>11} {'p95':>9} {'calls':>7}"


def row(label: str, samples: Samples, calls: float | None = None, unit: str = "ms", extra: str = "") -> None:
    scale = 1000 if unit == "s" else 1
    calls_text = f"{calls:7.1f}" if calls is not None else " " * 7
    print(
        f"  {label:44} {samples.median() / scale:11.3f} {samples.p95() / scale:9.3f} "
        f"{samples.median(True) / scale:11.3f} {samples.p95(True) / scale:9.3f} {calls_text} {unit}{extra}"
    )


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


# -- models ----------------------------------------------------------------------------------------


def load(path: Path):
    """(imported, compiled, seconds to read, to validate, to compile) through the real importer."""
    from configurator.engine import compile_model
    from products.documents import validate_document
    from products.importers import load_model

    imported, read_time = timed(load_model, path)
    (_, model), validate_time = timed(validate_document, imported.document)
    compiled, compile_time = timed(compile_model, model)
    return imported, compiled, read_time, validate_time, compile_time


def next_selection(guidance, selections: dict, rng: random.Random) -> dict | None:
    """One more random choice among the values the guidance shows selectable (and not already
    implied): a value of an open single or boolean set, or one more option of a multiple choice."""
    from configurator.engine.model import Kind

    options = []
    for option_set in guidance.option_sets:
        for value in option_set.values:
            if not value.selectable or value.implied or value.selected:
                continue
            if option_set.kind is Kind.MULTI:
                options.append((option_set.code, value.value, True))
            elif not option_set.decided:
                options.append((option_set.code, value.value, False))
    if not options:
        return None
    code, value, multi = rng.choice(options)
    result = dict(selections)
    if multi:
        result[code] = sorted({*result.get(code, []), value})
    else:
        result.pop(code, None)
        result[code] = value
    return result


def walk(configurator, rng: random.Random, length: int) -> list[dict]:
    """The selections of a random walk of ``length`` choices, from the empty one on."""
    selections: dict = {}
    found = [selections]
    for _ in range(length):
        following = next_selection(configurator.guide(selections, explain=False), selections, rng)
        if following is None:
            break
        selections = following
        found.append(selections)
    return found


def walk_ends(configurator, rng: random.Random, count: int, longest: int) -> list[dict]:
    return [walk(configurator, rng, rng.randint(0, longest))[-1] for _ in range(count)]


class Naive:
    """The straightforward reference on the same encoding and solver: one solver call per value
    (every value of every open single or boolean set, "in" and "out" of every option of a multiple
    choice), with every constraint on."""

    def __init__(self, compiled, configurator) -> None:
        from pysat.solvers import Solver

        from configurator.engine.solver import DEFAULT_SOLVER

        self.compiled = compiled
        self.configurator = configurator
        clauses = [*compiled.clauses, *([selector] for selector in compiled.selectors)]
        self.solver = Solver(name=DEFAULT_SOLVER, bootstrap_with=clauses)
        self.calls = 0

    def guide(self, selections: dict) -> dict | None:
        from configurator.engine.model import Kind

        choices = self.configurator.session.choices(selections)
        base = [lit for choice in choices for lit in choice.lits]
        decided = {choice.code for choice in choices}
        self.calls += 1
        if not self.solver.solve(assumptions=base):
            return None
        result = {}
        for encoding in self.compiled.sets:
            if encoding.kind is Kind.MULTI:
                for option, lit in zip(encoding.options, encoding.option_lits, strict=True):
                    self.calls += 2
                    result[(encoding.code, option)] = self.solver.solve(assumptions=[*base, lit])
                    self.solver.solve(assumptions=[*base, -lit])
            elif encoding.kind in (Kind.SINGLE, Kind.BOOLEAN) and encoding.code not in decided:
                for value, lit in zip(encoding.var.values, encoding.var.lits, strict=True):
                    self.calls += 1
                    result[(encoding.code, value)] = self.solver.solve(assumptions=[*base, lit])
        return result


def agrees(guidance, naive: dict | None) -> bool:
    if naive is None:
        return not guidance.validation.consistent
    for option_set in guidance.option_sets:
        for value in option_set.values:
            key = (option_set.code, value.value)
            if key in naive and naive[key] != value.selectable:
                return False
    return True


def fresh_process(code: str, *args: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (the project's), return the JSON it prints last."""
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


PRECOMPUTE = r"""
import json, sys, time
sys.path.insert(0, ".")
import django
django.setup()
from products.compilation import version_precompute
started = time.perf_counter()
version = version_precompute(version_id=int(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "stats": version.precompute_stats}))
"""

MEMORY_PROBE = r"""
import json, pickle, sys, time
sys.path.insert(0, ".")

def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}

from configurator.engine import Configurator
if len(sys.argv) > 3:  # the services' disk cache: its classes live in products.runtime
    import products.runtime
before = rss()
start = time.perf_counter()
with open(sys.argv[1], "rb") as file:
    stored = pickle.load(file)
loaded = time.perf_counter() - start
compiled = getattr(stored, "compiled", stored)
after_load = rss()
configurator = Configurator(compiled)
selections = json.loads(open(sys.argv[2]).read()) if len(sys.argv) > 2 and sys.argv[2] else [{}]
start = time.perf_counter()
for chosen in selections:
    configurator.guide(chosen, explain=True)
guided = time.perf_counter() - start
print(json.dumps({"load": loaded, "before": before, "after_load": after_load, "after_guide": rss(),
                  "guided": guided, "selections": len(selections)}))
"""


# -- 1. Renault ------------------------------------------------------------------------------------


def bench_renault(args, rng: random.Random) -> dict:
    from configurator.engine import Configurator
    from configurator.engine.tuning import Tuning

    print("\n== 1. Renault Megane (renault/megane.xml, value names from renault/pm/)")
    imported, compiled, read_time, validate_time, compile_time = load(SHARED / "renault" / "megane.xml")
    model = compiled.model
    total = read_time + validate_time + compile_time
    print(
        f"  {len(model.option_sets)} option sets, {sum(len(s.options) for s in model.option_sets)} values, "
        f"{len(model.tables)} tables ({sum(len(t.rows) for t in model.tables):,} rows); "
        f"CNF {compiled.nvars:,} variables, {len(compiled.clauses):,} clauses"
    )
    print(
        f"  import {read_time:.2f} s + validate_document "
        f"{validate_time:.2f} s + compile {compile_time:.2f} s "
        f"= {total:.2f} s (once per published version)"
    )
    target(
        "Renault compilation < 30 s",
        f"{compile_time:.1f} s (with import and validation {total:.1f} s)",
        total < 30,
    )

    generator = Configurator(compiled)
    count, warm_count = (80, 40) if args.quick else (args.selections, args.selections // 2)
    warm = walk_ends(generator, random.Random(rng.random()), warm_count, 30)
    measured = walk_ends(generator, random.Random(rng.random()), count, 30)
    lengths = [len(s) for s in measured]
    print(
        f"  {len(measured)} random consistent selections (walk "
        f"ends, 0-30 choices, mean {statistics.mean(lengths):.1f}); "
        f"configurators warmed on {len(warm)} other selections first"
    )

    # pickle, fresh process: load time and resident memory
    folder = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    pickle_path = folder / "megane.pickle"
    with pickle_path.open("wb") as file:
        pickle.dump(compiled, file, protocol=pickle.HIGHEST_PROTOCOL)
    selections_path = folder / "selections.json"
    selections_path.write_text(json.dumps(measured[:100]))
    probe = fresh_process(MEMORY_PROBE, str(pickle_path), str(selections_path))
    size = pickle_path.stat().st_size / 1e6
    print(
        f"  pickle {size:.1f} MB, loaded in a fresh process "
        f"in {probe['load'] * 1000:.0f} ms; resident memory: "
        f"interpreter + engine {probe['before']['VmRSS']:.0f} MB, "
        f"with the model {probe['after_load']['VmRSS']:.0f} MB, "
        f"after {probe['selections']} guidance steps with "
        f"explanations {probe['after_guide']['VmRSS']:.0f} MB "
        f"(peak {probe['after_guide']['VmHWM']:.0f} MB)"
    )
    target(
        "Renault compiled model loads from disk in a fresh process", f"{probe['load'] * 1000:.0f} ms", True
    )
    target(
        "Renault process holding the model and a configurator < 150 MB",
        f"{probe['after_guide']['VmHWM']:.0f} MB peak",
        probe["after_guide"]["VmHWM"] < 150,
    )

    configurator = Configurator(compiled)
    for chosen in warm:
        configurator.guide(chosen, explain=False)
    guide, validate, naive_samples = Samples(), Samples(), Samples()
    results = [guide.run(configurator.guide, chosen, explain=False) for chosen in measured]
    for chosen in measured:
        validate.run(configurator.validate, chosen)
    naive = Naive(compiled, configurator)
    naive_calls = []
    mismatches = 0
    for chosen, result in zip(measured, results, strict=True):
        before = naive.calls
        answer = naive_samples.run(naive.guide, chosen)
        naive_calls.append(naive.calls - before)
        mismatches += not agrees(result, answer)
    calls = statistics.mean(result.solver_calls for result in results)
    explained = Configurator(compiled)
    for chosen in warm:
        explained.guide(chosen, explain=True)
    explain_samples = Samples()
    explain_results = [explain_samples.run(explained.guide, chosen, explain=True) for chosen in measured]
    explain_calls = statistics.mean(result.solver_calls for result in explain_results)
    cold = Configurator(compiled)
    cold_samples = Samples()
    for chosen in measured[: len(measured) // 2]:
        cold_samples.run(cold.guide, chosen, explain=False)
    print(HEADER)
    row("validation", validate)
    row("guidance, every value (no explanations)", guide, calls)
    row("  naive reference: one solver call per value", naive_samples, statistics.mean(naive_calls))
    print(
        f"  {'  ratio naive / ours':44} {naive_samples.median() / guide.median():11.1f} "
        f"{naive_samples.p95() / guide.p95():9.1f} {naive_samples.median(True) / guide.median(True):11.1f} "
        f"{naive_samples.p95(True) / guide.p95(True):9.1f}   (answers "
        f"agree on {len(measured) - mismatches} of {len(measured)})"
    )
    row("guidance, fresh configurator (nothing known)", cold_samples)
    row("guidance with explanations", explain_samples, explain_calls)

    # one step after one more choice: walks in order (known configurations reused) against the same
    # selections shuffled on a configurator that keeps none
    walks = [walk(generator, random.Random(rng.random()), 30) for _ in range(6 if args.quick else 20)]
    in_order = Configurator(compiled)
    for chosen in warm:
        in_order.guide(chosen, explain=False)
    steps, step_calls = Samples(), []
    flat = []
    for path in walks:
        in_order.guide(path[0], explain=False)
        for chosen in path[1:]:
            step_calls.append(steps.run(in_order.guide, chosen, explain=False).solver_calls)
            flat.append(chosen)
    no_reuse = Configurator(compiled, tuning=Tuning(witness_pool=1))
    shuffled = list(flat)
    random.Random(5).shuffle(shuffled)
    alone, alone_calls = Samples(), []
    for chosen in shuffled:
        alone_calls.append(alone.run(no_reuse.guide, chosen, explain=False).solver_calls)
    row(f"one more choice, reusing the last step ({len(steps)})", steps, statistics.mean(step_calls))
    row("  same selections, nothing kept to reuse", alone, statistics.mean(alone_calls))

    precomputed = bench_precomputed(compiled, warm, measured, guide, calls, explain_samples, explain_calls)

    target(
        "Renault guidance median < 15 ms",
        f"{guide.median():.2f} ms wall ({guide.median(True):.2f} ms CPU)",
        guide.median() < 15,
    )
    target(
        "Renault guidance p95 < 50 ms",
        f"{guide.p95():.2f} ms wall ({guide.p95(True):.2f} ms CPU)",
        guide.p95() < 50,
    )
    target("Renault solver calls per step <= 20 on average", f"{calls:.1f}", calls <= 20)
    target("Renault validation p95 < 2 ms", f"{validate.p95():.3f} ms wall", validate.p95() < 2)
    target(
        "Renault guidance agrees with the naive reference",
        f"{len(measured) - mismatches}/{len(measured)}",
        mismatches == 0,
    )
    return {
        "imported": imported,
        "compiled": compiled,
        "measured": measured,
        "warm": warm,
        "precomputed": precomputed,
    }


def blocked_values(guidance) -> int:
    return sum(
        1 for option_set in guidance.option_sets for value in option_set.values if not value.selectable
    )


def bench_precomputed(
    compiled, warm, measured, guide: Samples, guide_calls: float, explained: Samples, explained_calls: float
):
    """The answers precomputed per published version (configurator/engine/precomputed.py): their
    time and size, then guidance with and without explanations using them, against the figures
    measured above on the same selections (the baselines of this run)."""
    from configurator.engine import Configurator
    from configurator.engine.precomputed import precompute

    cpu = time.thread_time()
    precomputed, seconds = timed(precompute, compiled)
    cpu = time.thread_time() - cpu
    size = len(pickle.dumps(precomputed, protocol=pickle.HIGHEST_PROTOCOL))
    print(
        f"\n  precomputed answers (once per published version, on a worker): {seconds:.1f} s wall, "
        f"{cpu:.1f} s CPU, {precomputed.calls:,} solver calls; {size / 1e6:.1f} MB pickled: "
        f"{len(precomputed.possible)} possible values, {precomputed.pairs():,} (choice, value) pairs "
        f"blocked with their minimal constraints, {precomputed.triples():,} values blocked by two choices "
        f"together (neither alone; minimal triples), {len(precomputed.witnesses):,} configurations"
    )
    answered = Configurator(compiled, precomputed=precomputed)
    for chosen in warm:
        answered.guide(chosen, explain=False)
    plain = Samples()
    plain_results = [plain.run(answered.guide, chosen, explain=False) for chosen in measured]
    with_reasons = Configurator(compiled, precomputed=precomputed)
    for chosen in warm:
        with_reasons.guide(chosen, explain=True)
    full = Samples()
    full_results = [full.run(with_reasons.guide, chosen, explain=True) for chosen in measured]
    blocked = sum(blocked_values(result) for result in full_results)
    from_precomputed = sum(result.precomputed_reasons for result in full_results)
    unexplained = sum(not result.explained for result in full_results)
    print(HEADER)
    row("guidance, every value (no explanations)", guide, guide_calls)
    row("  the same with precomputed answers", plain, statistics.mean(r.solver_calls for r in plain_results))
    row("guidance with explanations", explained, explained_calls)
    row("  the same with precomputed answers", full, statistics.mean(r.solver_calls for r in full_results))
    print(
        f"    blocked values: {blocked:,} in {len(measured)} steps, every one explained "
        f"({unexplained} steps short); {from_precomputed / max(blocked, 1):.0%} "
        f"explained from precomputed answers (one choice alone, two together, or none)"
    )
    target(
        "Renault guidance without explanations, with precomputed answers, p95 < 15 ms",
        f"{plain.p95():.2f} ms wall ({plain.p95(True):.2f} ms CPU; {guide.p95():.2f} ms without them)",
        plain.p95() < 15,
    )
    return precomputed


# -- 2. automotive ---------------------------------------------------------------------------------

AUTOMOTIVE = [
    ("automotive/automotive01.uvl", 5, 10, 3),
    ("automotive/automotive01_Kowal2016.dimacs", 5, 10, 3),
    ("automotive/automotive02_v4.uvl", 3, 8, 1),
    ("automotive/automotive02_v1_Knueppel2017-2_1.dimacs", 3, 8, 1),
]


def bench_automotive(args, rng: random.Random) -> dict:
    from configurator.engine import Configurator, count_configurations

    print("\n== 2. automotive models: guidance along random walks, analysis")
    loaded = {}
    for relative, walks, steps, naive_count in AUTOMOTIVE:
        path = SHARED / relative
        if args.quick:
            walks, steps = 2, 5
        imported, compiled, read_time, validate_time, compile_time = load(path)
        model = compiled.model
        print(
            f"\n  {path.name}: {len(model.option_sets):,} option sets, {len(model.rules):,} rules, "
            f"{len(model.tables):,} tables; CNF {compiled.nvars:,} "
            f"variables, {len(compiled.clauses):,} clauses; "
            f"import {read_time:.1f} s, validate {validate_time:.1f} s, compile {compile_time:.1f} s"
        )
        configurator = Configurator(compiled)
        (empty, dead_core_time) = timed(configurator.guide, {}, explain=False)
        dead = sum(1 for s in empty.option_sets for v in s.values if not v.selectable)
        core = sum(1 for s in empty.option_sets for v in s.values if v.implied and v.value is not False)
        walk_rng = random.Random(rng.random())
        samples, calls, selections = Samples(), [], []
        for _ in range(walks):
            chosen: dict = {}
            for _ in range(steps):
                guidance = samples.run(configurator.guide, chosen, explain=False)
                calls.append(guidance.solver_calls)
                selections.append(chosen)
                following = next_selection(guidance, chosen, walk_rng)
                if following is None:
                    break
                chosen = following
        print(HEADER)
        row(
            f"guidance along {walks} walks of {steps} choices ({len(samples)} steps)",
            samples,
            statistics.mean(calls),
            unit="s",
        )
        naive = Naive(compiled, configurator)
        naive_samples, naive_calls, mismatches = Samples(), [], 0
        for chosen in selections[:: max(1, len(selections) // naive_count)][:naive_count]:
            before = naive.calls
            answer = naive_samples.run(naive.guide, chosen)
            naive_calls.append(naive.calls - before)
            mismatches += not agrees(configurator.guide(chosen, explain=False), answer)
        row(
            f"  naive reference ({len(naive_samples)} of those selections)",
            naive_samples,
            statistics.mean(naive_calls),
            unit="s",
            extra=f"; answers agree: {mismatches == 0}",
        )
        count, count_time = timed(count_configurations, compiled, timeout=args.count_timeout)
        if count.exact:
            count_text = (
                f"exact, {len(str(count.value))} digits "
                f"({str(count.value)[:4]}... x 10^{len(str(count.value)) - 1})"
            )
        else:
            count_text = (
                f"not exact within {args.count_timeout:g} s; bound {str(count.value)[:4]}... "
                f"x 10^{len(str(count.value)) - 1} ({count.method})"
            )
        print(
            f"  analysis: dead/core (guidance on no choices) {dead_core_time:.2f} s: {dead} dead values, "
            f"{core} forced values; count {count_time:.1f} s: {count_text}"
        )
        target(
            f"{path.name}: guidance exact, p95 < 2 s",
            f"{samples.p95() / 1000:.2f} s wall ({samples.p95(True) / 1000:.2f} "
            f"s CPU), median {samples.median() / 1000:.2f} s",
            samples.p95() < 2000 and mismatches == 0,
        )
        loaded[relative] = (imported, compiled, configurator, selections, count, count_time, dead_core_time)
    return loaded


# -- 3. flamapy ------------------------------------------------------------------------------------

SMALL_UVL = ["ecommerce", "xiaomi-band-8", "smart-watch", "dm_mobile_phone.csv", "berkeleydb"]
NON_BOOLEAN_UVL = ["bike", "icecream-shared", "pizza"]


def flamapy_python() -> Path | None:
    python = FLAMAPY_VENV / "bin" / "python"
    if python.exists():
        return python
    print(
        f"  creating {FLAMAPY_VENV.relative_to(ROOT)} (python3.11 "
        f"-m venv; pip install {' '.join(FLAMAPY_PACKAGES)}) ..."
    )
    try:
        subprocess.run(["python3.11", "-m", "venv", str(FLAMAPY_VENV)], check=True)
        pip = [str(FLAMAPY_VENV / "bin" / "pip"), "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True, capture_output=True)
        subprocess.run([*pip, *FLAMAPY_PACKAGES], check=True, capture_output=True)
        # flamapy-configurator 2.5.1 declares flamapy~=2.5; its code runs on 2.6 (installed without deps)
        subprocess.run([*pip, "--no-deps", "flamapy-configurator==2.5.1"], check=False, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"  could not install flamapy: {error}")
        return None
    return python


def flamapy(job: dict, timeout: float) -> tuple[dict | None, float, str]:
    """Run one job in flamapy's environment: (answer or None, seconds, note)."""
    python = flamapy_python()
    if python is None:
        return None, 0.0, "flamapy not installed"
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            [str(python), str(ROOT / "benchmarks" / "flamapy_runner.py")],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start, f"stopped after {timeout:g} s"
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        return None, elapsed, "failed: " + completed.stderr.strip().splitlines()[-1][:200]
    return json.loads(completed.stdout), elapsed, ""


def ours_dead_core(imported, guidance) -> tuple[set[str], set[str]]:
    """Core and dead features from our guidance on no choices, mapped back to the model's names
    (the importer's feature -> literal map, inverted as the importer tests do)."""
    from products.importers.formula import FALSE, TRUE, Lit

    sets = {option_set.code: option_set for option_set in guidance.option_sets}
    core, dead = set(), set()
    for name, literal in imported.features.items():
        if literal == TRUE:
            core.add(name)
        elif literal == FALSE:
            dead.add(name)
        elif isinstance(literal, Lit):
            option_set = sets[literal.set_code]
            if literal.kind == "text":
                if option_set.max_length == 0:
                    dead.add(name)
                elif option_set.min_length:
                    core.add(name)
                continue
            wanted = True if literal.kind == "bool" else literal.option
            value = next(value for value in option_set.values if value.value == wanted)
            selected_when = literal.positive
            if not value.selectable:
                (dead if selected_when else core).add(name)
            elif value.implied:
                (core if selected_when else dead).add(name)
    return core, dead


def bench_flamapy(args, rng: random.Random, automotive: dict) -> None:
    from configurator.engine import Configurator, compile_model, count_configurations
    from products.documents import validate_document
    from products.importers import load_model

    print("\n== 3. flamapy 2.6 side by side (its own venv, one subprocess per job; times inside it)")
    if flamapy_python() is None:
        print("  skipped: flamapy could not be installed")
        return
    print(
        f"  {'model':28} {'configurations':>22} {'agree':>5} {'ours s':>8} {'flamapy s':>10} "
        f"{'core/dead':>10} {'agree':>5} {'ours s':>8} {'flamapy s':>10}"
    )
    models = [SHARED / "uvl_small" / f"{name}.uvl" for name in SMALL_UVL]
    models += [SHARED / "automotive" / "automotive01.uvl", SHARED / "automotive" / "automotive02_v4.uvl"]
    for path in models:
        relative = str(path.relative_to(SHARED))
        large = "automotive" in relative
        if relative in automotive:
            imported, compiled, configurator, _, count, count_time, dead_core_time = automotive[relative]
            guidance = configurator.guide({}, explain=False)
        else:
            imported = load_model(path)
            compiled = compile_model(validate_document(imported.document)[1])
            configurator = Configurator(compiled)
            guidance, dead_core_time = timed(configurator.guide, {}, explain=False)
            count, count_time = timed(count_configurations, compiled)  # small: in-process, no timeout
        core, dead = ours_dead_core(imported, guidance)
        sat, _, sat_note = flamapy({"kind": "sat", "path": str(path)}, args.flamapy_timeout)
        counted, _, count_note = flamapy(
            {"kind": "count", "path": str(path)}, args.count_timeout if large else 600
        )
        ours_count = (
            f"{count.value}" if count.exact else f"<= {str(count.value)[:4]}e{len(str(count.value)) - 1}"
        )
        if len(ours_count) > 22:
            ours_count = f"{ours_count[:4]}...e{len(str(count.value)) - 1}"
        if counted is not None:
            count_agree = "yes" if count.exact and int(counted["count"]) == count.value else "NO"
            flamapy_count_time = f"{counted['times']['to_bdd'] + counted['times']['count']:10.2f}"
        else:
            count_agree, flamapy_count_time = "-", f"{'(' + count_note + ')':>10}"
        if sat is not None:
            same = set(sat["core"]) == core and set(sat["dead"]) == dead
            core_dead_agree = "yes" if same else "NO"
            flamapy_sat_time = f"{sat['times']['to_cnf'] + sat['times']['core'] + sat['times']['dead']:10.2f}"
        else:
            core_dead_agree, flamapy_sat_time = "-", f"{'(' + sat_note + ')':>10}"
        print(
            f"  {path.name:28} {ours_count:>22} {count_agree:>5} {count_time:8.2f} {flamapy_count_time} "
            f"{len(core):>4}/{len(dead):<5} {core_dead_agree:>5} {dead_core_time:8.2f} {flamapy_sat_time}"
        )
        if sat is not None and core_dead_agree == "NO":
            print(
                f"    differ: core {sorted(set(sat['core']) ^ core)[:5]}, "
                f"dead {sorted(set(sat['dead']) ^ dead)[:5]}"
            )
        target(
            f"flamapy agreement on {path.name}",
            f"count {count_agree}, core/dead {core_dead_agree}",
            count_agree in ("yes", "-") and core_dead_agree in ("yes", "-"),
        )
    print(
        "  ours: count = Ganak projected model counting (count_timeout where given), core/dead = one exact "
        "guidance step on no choices; flamapy: count = FmToBDD "
        "+ BDDConfigurationsNumber, core/dead = FmToPysat + "
        "PySATCoreFeatures + PySATDeadFeatures (UVL reading excluded on both sides)."
    )
    print(
        "  not Boolean (numbers, strings, aggregates; refused by our "
        f"importer, no reference count): {', '.join(NON_BOOLEAN_UVL)}"
    )
    bench_configurator_trap()
    bench_propagation_gaps(args, rng, automotive)


TRAP_UVL = """features
    Car {abstract}
        optional
            Sport
            Extras {abstract}
                optional
                    Towbar
                    RoofRack
                    Spoiler
constraints
    Sport & Towbar => RoofRack | Spoiler
    Sport & Towbar => RoofRack | !Spoiler
    Sport & Towbar => !RoofRack | Spoiler
    Sport & Towbar => !RoofRack | !Spoiler
"""


def bench_configurator_trap() -> None:
    from configurator.engine import Configurator, compile_model
    from products.documents import validate_document
    from products.importers import load_uvl

    print(
        "\n  flamapy's interactive configurator (flamapy-configurator 2.5.1) on the model of "
        "tests/engine/test_unit_propagation_trap.py, as UVL:"
    )
    folder = Path(tempfile.mkdtemp(prefix="atelier-trap-"))
    path = folder / "trap.uvl"
    path.write_text(TRAP_UVL)
    actions = [
        {"answer": {"Sport": True, "Extras": True}},
        {"next": True},
        {"answer": {"Towbar": True}},
        {"answer": {"RoofRack": True}},
        {"answer": {"RoofRack": False}},
    ]
    answer, _, note = flamapy({"kind": "configurator", "path": str(path), "actions": actions}, 120)
    if answer is None:
        print(f"    flamapy-configurator did not run ({note})")
    else:
        for step in answer["steps"]:
            if step["action"] == "answer":
                print(
                    f"    answer {step['answer']}: "
                    f"{'accepted' if step['accepted'] else 'REFUSED (contradiction)'}"
                )
            if step.get("offered"):
                print(f"    question {step['question']!r} offers {step['offered']}")
        print(f"    left with {answer['configuration']}: a dead end, every answer for RoofRack is refused")
    imported = load_uvl(path)
    configurator = Configurator(compile_model(validate_document(imported.document)[1]))
    sport = imported.features["Sport"]
    towbar = imported.features["Towbar"]
    guidance = configurator.guide({sport.set_code: True}, explain=True)
    value = next(
        v for s in guidance.option_sets if s.code == towbar.set_code for v in s.values if v.value is True
    )
    reason = value.reason
    print(
        f"    ours after Sport: Towbar selectable={value.selectable}; reason: choices "
        f"{[(c.option_set, c.value) for c in reason.choices]}, "
        f"constraints {[c.code for c in reason.constraints]}"
    )
    target(
        "flamapy's configurator offers a value that can never be completed; ours blocks it with a reason",
        "shown above",
        answer is not None and not value.selectable,
    )


def bench_propagation_gaps(args, rng: random.Random, automotive: dict) -> None:
    """flamapy's configurator backend (unit propagation) on automotive01.uvl after our random walks:
    how many features it leaves open (offers) that can never be selected."""
    from products.importers.formula import Lit

    relative = "automotive/automotive01.uvl"
    if relative not in automotive:
        return
    imported, _, configurator, selections, *_ = automotive[relative]
    by_set: dict[str, list[tuple[str, Lit]]] = {}
    for name, literal in imported.features.items():
        if isinstance(literal, Lit):
            by_set.setdefault(literal.set_code, []).append((name, literal))
    decisions_list, expected = [], []
    for chosen in selections:
        decisions = {}
        for code, value in chosen.items():
            for name, literal in by_set.get(code, []):
                if literal.kind == "bool":
                    decisions[name] = value == literal.positive
                elif literal.kind == "single":
                    decisions[name] = (value == literal.option) == literal.positive
                elif literal.kind == "multi" and literal.option in value:
                    decisions[name] = literal.positive
        decisions_list.append(decisions)
        guidance = configurator.guide(chosen, explain=False)
        sets = {s.code: s for s in guidance.option_sets}
        blocked = set()
        for name, literal in imported.features.items():
            if (
                not isinstance(literal, Lit)
                or not literal.positive
                or literal.kind not in ("bool", "single", "multi")
            ):
                continue
            wanted = True if literal.kind == "bool" else literal.option
            value = next((v for v in sets[literal.set_code].values if v.value == wanted), None)
            if value is not None and not value.selectable and not value.selected:
                blocked.add(name)
        expected.append(blocked)
    answer, _, note = flamapy(
        {"kind": "propagate", "path": str(SHARED / relative), "decisions": decisions_list}, 600
    )
    if answer is None:
        print(f"  flamapy propagation on automotive01.uvl did not run ({note})")
        return
    dead = expected[0] if selections and not selections[0] else set()
    gaps, beyond_dead = [], []
    for undecided, blocked in zip(answer["undecided"], expected, strict=True):
        offered_blocked = set(undecided or ()) & blocked
        gaps.append(len(offered_blocked))
        beyond_dead.append(len(offered_blocked - dead))
    print(
        f"\n  flamapy's configurator backend (PySATBackend.propagate: unit propagation, core features "
        f"selected first) on automotive01.uvl, after each of our {len(gaps)} walk selections: it leaves "
        f"open (offers) features that can never be selected in {sum(1 for gap in gaps if gap)} of them "
        f"({sum(gaps)} in all); not counting the {len(dead)} dead features (which its configurator never "
        f"computes), in {sum(1 for gap in beyond_dead if gap)} of them ({sum(beyond_dead)} in all, at most "
        f"{max(beyond_dead, default=0)} at once); propagation took "
        f"{statistics.median(answer['times']) * 1000:.1f} ms median"
    )


# -- 4. configure API on Renault -------------------------------------------------------------------


def setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["ATELIER_MODEL_CACHE_DIR"] = f"{folder}/models"
    # Every configure request is measured computing its answer: none is served from the answers
    # remembered per process (the same selections are sent in several phases).
    os.environ["ATELIER_CONFIGURE_CACHE_MB"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configurator.settings")
    import django

    django.setup()


def bench_api(args, renault: dict, folder: Path) -> None:
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from products.compilation import version_compile
    from products.services import product_import

    print("\n== 4. POST /api/products/megane/configure on Renault (in-process API client, SQLite)")
    # What the sections before left alive here (Renault compiled several ways, walks, the naive
    # CNF) a web worker never holds; frozen, the collector does not walk it in the full
    # collections the requests below trigger.
    gc.collect()
    gc.freeze()
    call_command("migrate", verbosity=0)
    document = renault["imported"].document
    (product, import_time) = timed(product_import, document=document, publish=True)
    version = product.versions.get()
    (_, compile_time) = timed(version_compile, version_id=version.pk)
    client = APIClient()
    url = f"/api/products/{product.code}/configure"

    from django.conf import settings

    explained_share: list[float] = []

    def post(selections: dict, explain: bool) -> None:
        response = client.post(url, {"selections": selections, "explain": explain}, format="json")
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        blocked = [
            value
            for item in body["option_sets"]
            for value in item.get("values", [])
            if not value["selectable"]
        ]
        if explain and blocked:
            explained_share.append(sum(bool(value["reasons"]) for value in blocked) / len(blocked))

    _, first_time = timed(post, {}, True)
    cache_files = list((folder / "models").glob("*.pickle"))
    print(
        f"  product_import + publish {import_time:.1f} s; compiled by the publish task's service "
        f"{compile_time:.1f} s; first configure (reads the disk cache) {first_time:.1f} s"
    )
    if cache_files:
        env = {"DJANGO_SETTINGS_MODULE": "configurator.settings", "DATABASE_URL": os.environ["DATABASE_URL"]}
        probe = fresh_process(MEMORY_PROBE, str(cache_files[0]), "", "services", env=env)
        print(
            f"  its disk cache ({cache_files[0].stat().st_size / 1e6:.1f} MB, compiled model + price model) "
            f"loaded in a fresh process (engine and products.runtime imported first) in "
            f"{probe['load'] * 1000:.0f} ms; resident {probe['before']['VmRSS']:.0f} MB before, "
            f"{probe['after_guide']['VmRSS']:.0f} MB with the model and a configurator after one step"
        )
        target(
            "Renault compiled model reused across processes (services disk cache, fresh process)",
            f"{probe['load'] * 1000:.0f} ms to load, {probe['after_guide']['VmHWM']:.0f} MB peak",
            probe["after_guide"]["VmHWM"] < 150,
        )
    measured = renault["measured"][: 60 if args.quick else 200]
    budget = settings.ATELIER_EXPLAIN_BUDGET_MS
    for chosen in renault["warm"]:
        post(chosen, True)
    budgeted, unlimited, off = Samples(), Samples(), Samples()
    explained_share.clear()
    for chosen in measured:
        budgeted.run(post, chosen, True)
    share = statistics.mean(explained_share) if explained_share else 1.0
    settings.ATELIER_EXPLAIN_BUDGET_MS = 0
    for chosen in measured:
        unlimited.run(post, chosen, True)
    settings.ATELIER_EXPLAIN_BUDGET_MS = budget
    for chosen in measured:
        off.run(post, chosen, False)

    # The version's explanations precomputed by the task's service in a process of its own, as a
    # worker does (what the precomputation leaves alive is never in a web process); the next
    # request here reads them from the disk cache.
    env = {"DJANGO_SETTINGS_MODULE": "configurator.settings"}
    precomputed = fresh_process(PRECOMPUTE, str(version.pk), env=env)
    precompute_time, stats = precomputed["seconds"], precomputed["stats"]
    answered, answered_off = Samples(), Samples()
    explained_share.clear()
    for chosen in measured:
        answered.run(post, chosen, True)
    answered_share = statistics.mean(explained_share) if explained_share else 1.0
    for chosen in measured:
        answered_off.run(post, chosen, False)
    print(
        f"  precomputed by products.compilation.version_precompute in {precompute_time:.1f} s "
        f"({stats['pairs']:,} blocked pairs, {stats['bytes'] / 1e6:.1f} MB on disk beside the compiled model)"
    )
    print(f"  warmed on {len(renault['warm'])} requests; {len(measured)} requests each")
    print(HEADER)
    print("  before the precomputation (the baselines):")
    row(f"configure, explanations within {budget} ms", budgeted)
    print(f"    blocked values given their reasons within the budget: {share:.0%} on average")
    row("configure, every blocked value explained", unlimited)
    row("configure, explanations off", off)
    print("  with the precomputed answers:")
    row("configure, every blocked value explained (default)", answered)
    print(f"    blocked values given their reasons: {answered_share:.0%} on average")
    row("configure, explanations off", answered_off)
    target(
        "configure API on Renault p95 < 100 ms, every blocked value explained (precomputed answers)",
        f"{answered.p95():.1f} ms wall ({answered.p95(True):.1f} ms CPU), {answered_share:.0%} of blocked "
        f"values explained; before: {unlimited.p95():.1f} ms wall with every reason, {budgeted.p95():.1f} ms "
        f"within {budget} ms ({share:.0%} explained)",
        answered.p95() < 100 and answered_share == 1.0,
    )
    target(
        "configure API on Renault p95 < 100 ms, explanations off",
        f"{answered_off.p95():.1f} ms wall ({off.p95():.1f} ms before the precomputation)",
        answered_off.p95() < 100,
    )


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples everywhere (a smoke run)")
    parser.add_argument("--selections", type=int, default=300, help="Renault: random selections measured")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count-timeout", type=float, default=120.0, help="seconds for exact counting")
    parser.add_argument("--flamapy-timeout", type=float, default=900.0, help="seconds per flamapy job")
    parser.add_argument("--no-flamapy", action="store_true")
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--no-automotive", action="store_true", help="skip automotive and flamapy")
    args = parser.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"the shared benchmark models are not at {SHARED}")
    folder = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    setup_django(folder)
    load_average = os.getloadavg()
    print(
        f"{os.cpu_count()} cores, load average {load_average[0]:.2f} "
        f"/ {load_average[1]:.2f} / {load_average[2]:.2f} "
        f"(1/5/15 min); times in ms unless marked s; wall = perf_counter, CPU = this thread's CPU time"
    )
    started = time.perf_counter()
    rng = random.Random(args.seed)
    renault = bench_renault(args, rng)
    if not args.no_automotive:
        automotive = bench_automotive(args, rng)
        if not args.no_flamapy:
            bench_flamapy(args, rng, automotive)
    if not args.no_api:
        bench_api(args, renault, folder)
    load_average = os.getloadavg()
    print(
        f"\n== targets (load average now {load_average[0]:.2f}; "
        f"whole run {time.perf_counter() - started:.0f} s)"
    )
    for what, figure, met in TARGETS:
        print(f"  [{'met' if met else 'MISSED'}] {what}: {figure}")


if __name__ == "__main__":
    main()
