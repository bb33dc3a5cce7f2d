"""Benchmark big feature models (issue 11): configure over HTTP on automotive01, and DIMACS against UVL.

    flock /tmp/bench.lock .venv/bin/python benchmarks/bench_big_models.py [--quick] [--steps N]

1. **configure over HTTP on automotive01** (2,513 features: 935 option sets): the UVL file imported and
   published with products.services.product_import into a throw-away SQLite database, then
   ``POST /api/products/automotive01/configure`` through Django's in-process API client (the
   default: reasons within ``ATELIER_EXPLAIN_BUDGET_MS``) along random walks (random consistent
   selections that only pick values the guidance shows selectable), next to in-process guidance
   on the same selections with the same explanation budget, same run, with the ratio.
2. **automotive02 in DIMACS form against its UVL form**: guidance along random walks on each, in
   process, with the CNF sizes (the DIMACS clauses compile to one CNF clause each).

Times in ms (wall = perf_counter, CPU = this thread's CPU time, which other processes inflate less).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_real_models import HEADER, SHARED, Samples, load, next_selection, row, setup_django, timed

TARGETS: list[tuple[str, str, bool]] = []


def walks(configurator, rng: random.Random, count: int, steps: int) -> list[dict]:
    """The selections along ``count`` random walks of up to ``steps`` choices, the empty one first."""
    found: list[dict] = []
    for _ in range(count):
        selections: dict = {}
        for _ in range(steps):
            found.append(selections)
            following = next_selection(configurator.guide(selections, explain=False), selections, rng)
            if following is None:
                break
            selections = following
    return found


def bench_http(args, rng: random.Random) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from products.compilation import version_compile
    from products.importers import load_model
    from products.runtime import configurator_get
    from products.selectors import product_model_source
    from products.services import product_import

    print("\n== 1. POST /api/products/automotive01/configure (in-process API client, SQLite)")
    call_command("migrate", verbosity=0)
    imported, read_time = timed(load_model, SHARED / "automotive" / "automotive01.uvl")
    product, import_time = timed(product_import, document=imported.document, publish=True)
    _, compile_time = timed(version_compile, version_id=product.versions.get().pk)  # the publish task's work
    product.refresh_from_db()
    client = APIClient()
    url = f"/api/products/{product.code}/configure"

    def post(selections: dict) -> dict:
        response = client.post(url, {"selections": selections}, format="json")
        assert response.status_code == 200, response.content[:300]
        return response

    _, first_time = timed(post, {})
    source = product_model_source(product=product, version=None, staff=False)
    served = configurator_get(checksum=source.checksum, load_document=source.load_document)
    model = served.compiled.model
    print(
        f"  {len(model.option_sets)} option sets, {len(model.rules):,} rules, {len(model.tables)} tables; "
        f"read {read_time:.1f} s, product_import + publish {import_time:.1f} s, "
        f"compile {compile_time:.1f} s, first configure {first_time:.1f} s"
    )
    from configurator.engine import Configurator

    generator = Configurator(served.compiled)
    steps = 6 if args.quick else args.steps
    warm = walks(generator, random.Random(rng.random()), 2, steps)
    measured = walks(generator, random.Random(rng.random()), 3 if args.quick else args.walks, steps)
    for chosen in warm:
        post(chosen)
    in_process = Configurator(served.compiled)
    for chosen in warm:
        in_process.guide(chosen, explain=True, explain_budget=settings.ATELIER_EXPLAIN_BUDGET_MS / 1000)
    http, guide, sizes = Samples(), Samples(), []
    budget = settings.ATELIER_EXPLAIN_BUDGET_MS / 1000
    for chosen in measured:
        response = http.run(post, chosen)
        sizes.append(len(response.content))
        guide.run(in_process.guide, chosen, explain=True, explain_budget=budget)
    lengths = [len(chosen) for chosen in measured]
    print(
        f"  {len(measured)} selections along random walks (0-{max(lengths)} choices, mean "
        f"{statistics.mean(lengths):.1f}), warmed on {len(warm)} others; answers of "
        f"{statistics.median(sizes) / 1e3:.0f} kB"
    )
    print(HEADER)
    row(f"configure over HTTP (reasons within {settings.ATELIER_EXPLAIN_BUDGET_MS} ms)", http)
    row("in-process guidance, same selections and budget", guide)
    print(
        f"  {'  ratio HTTP / in-process':44} {http.median() / guide.median():11.2f} "
        f"{http.p95() / guide.p95():9.2f} {http.median(True) / guide.median(True):11.2f} "
        f"{http.p95(True) / guide.p95(True):9.2f}"
    )
    TARGETS.append(
        (
            "configure over HTTP on automotive01 p95 < 500 ms",
            f"{http.p95():.0f} ms wall, {http.p95(True):.0f} ms CPU "
            f"(in-process guidance {guide.p95():.0f} ms)",
            http.p95() < 500,
        )
    )


def bench_dimacs(args, rng: random.Random) -> None:
    from configurator.engine import Configurator

    print("\n== 2. automotive02: DIMACS (v1) against UVL (v4), guidance along random walks, in process")
    results = {}
    for relative in ("automotive/automotive02_v1_Knueppel2017-2_1.dimacs", "automotive/automotive02_v4.uvl"):
        _, compiled, _, _, compile_time = load(SHARED / relative)
        model = compiled.model
        clauses = sum(1 for constraint in compiled.constraints if constraint.clause)
        print(
            f"\n  {Path(relative).name}: {len(model.option_sets):,} option sets, {len(model.rules):,} rules "
            f"({clauses:,} of them one clause each), {len(model.tables):,} tables; CNF {compiled.nvars:,} "
            f"variables, {len(compiled.clauses):,} clauses; compile {compile_time:.1f} s"
        )
        configurator = Configurator(compiled)
        selections = walks(configurator, random.Random(rng.random()), 2 if args.quick else 4, 8)
        fresh = Configurator(compiled)
        fresh.guide({}, explain=False)
        samples = Samples()
        calls = [samples.run(fresh.guide, chosen, explain=False).solver_calls for chosen in selections]
        print(HEADER)
        row(f"guidance along random walks ({len(samples)} steps)", samples, statistics.mean(calls))
        results[relative] = samples
    dimacs, uvl = results.values()
    print(
        f"  {'ratio DIMACS / UVL':44} {dimacs.median() / uvl.median():11.2f} {dimacs.p95() / uvl.p95():9.2f} "
        f"{dimacs.median(True) / uvl.median(True):11.2f} {dimacs.p95(True) / uvl.p95(True):9.2f}"
    )
    TARGETS.append(
        (
            "automotive02 in DIMACS form guides as fast as its UVL form",
            f"CPU median ratio {dimacs.median(True) / uvl.median(True):.2f}, "
            f"p95 {dimacs.p95(True) / uvl.p95(True):.2f}",
            dimacs.median(True) <= uvl.median(True),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--walks", type=int, default=6, help="automotive01: random walks measured")
    parser.add_argument("--steps", type=int, default=12, help="automotive01: choices per walk")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-dimacs", action="store_true")
    args = parser.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"the shared benchmark models are not at {SHARED}")
    setup_django(Path(tempfile.mkdtemp(prefix="atelier-big-")))
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    bench_http(args, rng)
    if not args.no_dimacs:
        bench_dimacs(args, rng)
    elapsed = time.perf_counter() - started
    print(f"\n== targets (load average now {os.getloadavg()[0]:.2f}; run {elapsed:.0f} s)")
    for what, figure, met in TARGETS:
        print(f"  [{'met' if met else 'MISSED'}] {what}: {figure}")


if __name__ == "__main__":
    main()
