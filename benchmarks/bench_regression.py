"""Has the speed regressed against a baseline commit? Same run, interleaved, one process per tree.

    .venv/bin/python benchmarks/bench_regression.py [BASELINE_REF] [--demo 150] [--renault 200] [--passes 2]

Checks the baseline ref (default ``1bd00ba``, the commit before issue 11's round of engine work) out
in a temporary git worktree (removed at the end), and starts one worker process on it and one on this
working tree, uncommitted changes included (the same interpreter; each imports the project from its
own tree). Each sets itself up (Renault imported and compiled; a throw-away SQLite database with the
demo catalogue loaded) and warms up; then both measure the same random selections in batches,
alternately (A B, B A, A B, ...), so that what the rest of the machine does falls on both alike:

* **demo configure**: ``POST /api/products/<code>/configure`` (the default request, explanations
  on) through Django's in-process API client, for each demo product, on bench_engine.py's random
  selections (random values kept while consistent, about one in six ending inconsistent);
* **Renault guidance**: one exact guidance step without explanations on the in-process engine, on the
  ends of random walks of 0-30 choices that pick selectable values (bench_real_models.py's).

It prints the median and p95 of each, for both trees, in this thread's CPU time (which other
processes inflate least) and wall time, and the ratio new / baseline; a figure regresses when a CPU
ratio exceeds 1.10. The exit status is 1 when one does.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
DEFAULT_BASELINE = "1bd00ba"
LIMIT = 1.10
BATCH = 20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- the worker: one per tree, driven over stdin / stdout ---------------------------------------------


class Worker:
    """Runs in a tree of its own (``--tree``): imports the project from there, sets up, then answers
    one JSON request per line (``generate``, ``measure``, ``quit``)."""

    def __init__(self, tree: Path, shared: Path, folder: Path) -> None:
        # the answers go to the parent on stdout; anything the project prints goes to stderr
        self.channel, sys.stdout = sys.stdout, sys.stderr
        sys.path.insert(0, str(tree))
        os.chdir(tree)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        os.environ["ATELIER_MODEL_CACHE_DIR"] = str(folder / "models")
        os.environ["DJANGO_SETTINGS_MODULE"] = "configurator.settings"
        # Every configure request computes its answer: the passes send the same selections again,
        # and a tree that remembers answers would be measured answering from memory.
        os.environ["ATELIER_CONFIGURE_CACHE_MB"] = "0"
        import django

        django.setup()
        import configurator

        imported_from = Path(configurator.__file__).resolve()
        if tree.resolve() not in imported_from.parents:
            raise SystemExit(f"the worker for {tree} imported the project from {imported_from}")
        from django.core.management import call_command
        from rest_framework.test import APIClient

        from configurator.engine import Configurator, compile_model
        from products.documents import validate_document
        from products.importers import load_model

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        self.client = APIClient()
        self.renault = compile_model(
            validate_document(load_model(shared / "renault" / "megane.xml").document)[1]
        )
        self.configurator = Configurator(self.renault)
        gc.collect()  # both trees start measuring without the garbage of setting up

    def generate(self, demo: int, renault: int, seed: int) -> dict[str, Any]:
        """Random selections (raw, as the API takes them), made with this tree's engine."""
        sys.path.insert(1, str(ROOT / "benchmarks"))
        from bench_engine import documents, random_selections
        from bench_real_models import walk_ends

        from configurator.engine import Configurator, compile_model
        from configurator.engine.document import model_from_document
        from configurator.engine.values import json_value

        rng = random.Random(seed)
        demos = {}
        for code, document in documents():
            model = model_from_document(document)
            configurator = Configurator(compile_model(model))
            demos[code] = [
                {name: json_value(model.option_set(name), value) for name, value in selections.items()}
                for selections in random_selections(model, configurator, demo, rng)
            ]
        generator = Configurator(self.renault)
        found = {"demo": demos, "renault": walk_ends(generator, rng, renault, 30)}
        del generator, configurator
        gc.collect()
        return found

    def measure(self, what: str, items: list[Any]) -> list[tuple[float, float]]:
        """(CPU ms, wall ms) of each item: ``what`` is ``renault`` or a demo product's code."""
        times = []
        if what == "renault":
            for raw in items:
                selections = self.configurator.parse_selections(raw)
                cpu, wall = time.thread_time(), time.perf_counter()
                self.configurator.guide(selections, explain=False)
                times.append(((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))
            return times
        url = f"/api/products/{what}/configure"
        for selections in items:
            body = {"selections": selections}
            cpu, wall = time.thread_time(), time.perf_counter()
            response = self.client.post(url, body, format="json")
            times.append(((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return times

    def serve(self) -> None:
        print(json.dumps({"ready": True}), file=self.channel, flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            if request["do"] == "quit":
                return
            if request["do"] == "generate":
                answer: Any = self.generate(request["demo"], request["renault"], request["seed"])
            else:
                answer = self.measure(request["what"], request["items"])
            print(json.dumps(answer), file=self.channel, flush=True)


class Tree:
    """The parent's handle on one worker."""

    def __init__(self, label: str, path: Path, shared: Path) -> None:
        self.label = label
        self.folder = Path(tempfile.mkdtemp(prefix="atelier-regression-"))
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                str(path),
                "--shared",
                str(shared),
                "--folder",
                str(self.folder),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.times: dict[str, list[tuple[float, float]]] = {}

    def ask(self, request: dict[str, Any]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.label} worker stopped (exit status {self.process.wait()})")
        return json.loads(line)

    def ready(self) -> None:
        assert self.process.stdout is not None
        if not self.process.stdout.readline():
            raise SystemExit(f"the {self.label} worker did not start (exit status {self.process.wait()})")

    def measure(self, what: str, items: list[Any], keep: bool = True) -> None:
        times = self.ask({"do": "measure", "what": what, "items": items})
        if keep:
            self.times.setdefault(what, []).extend(times)

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask_quit()
        self.process.wait(timeout=60)

    def ask_quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"do": "quit"}) + "\n")
        self.process.stdin.flush()


# -- the parent ---------------------------------------------------------------------------------------


def interleaved(new: Tree, baseline: Tree, what: str, items: list[Any], warm: int, passes: int) -> None:
    """Warm both on the first ``warm`` items, then measure the rest ``passes`` times, in batches,
    alternately."""
    for tree in (new, baseline):
        tree.measure(what, items[:warm], keep=False)
    measured = items[warm:]
    batches = [measured[start : start + BATCH] for start in range(0, len(measured), BATCH)] * passes
    for index, batch in enumerate(batches):
        for tree in (new, baseline) if index % 2 == 0 else (baseline, new):
            tree.measure(what, batch)


def report(label: str, new: Tree, baseline: Tree, what: str) -> list[bool]:
    verdicts = []
    for name, fraction in (("median", 0.5), ("p95", 0.95)):
        figures = {}
        for tree in (new, baseline):
            cpu = [sample[0] for sample in tree.times[what]]
            wall = [sample[1] for sample in tree.times[what]]
            figures[tree.label] = (percentile(cpu, fraction), percentile(wall, fraction))
        (new_cpu, new_wall), (base_cpu, base_wall) = figures[new.label], figures[baseline.label]
        ratio, wall_ratio = new_cpu / base_cpu, new_wall / base_wall
        within = ratio <= LIMIT
        verdicts.append(within)
        print(
            f"  {label + ', ' + name:34} {base_cpu:8.2f} {new_cpu:8.2f} {ratio:7.2f}   "
            f"{base_wall:8.2f} {new_wall:8.2f} {wall_ratio:7.2f}   {'yes' if within else 'NO'}"
        )
    return verdicts


def baseline_worktree(ref: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="atelier-baseline-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), ref], check=True
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("baseline", nargs="?", default=DEFAULT_BASELINE, help="the git ref to compare with")
    parser.add_argument(
        "--demo", type=int, default=150, help="selections per demo product (30 of them warm up)"
    )
    parser.add_argument("--renault", type=int, default=200, help="Renault selections (50 of them warm up)")
    parser.add_argument("--passes", type=int, default=2, help="times each selection is measured per tree")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared benchmark models")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        Worker(args.worker, args.shared, args.folder).serve()
        return
    if not (args.shared / "renault" / "megane.xml").exists():
        raise SystemExit(f"the shared benchmark models are not at {args.shared}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    started = time.perf_counter()
    load = os.getloadavg()[0]
    print(
        f"baseline {args.baseline} ({commit}) against this tree ({head}"
        f"{', with changes' if dirty.strip() else ''}); {os.cpu_count()} cores, load average {load:.2f}"
    )
    tree = baseline_worktree(args.baseline)
    new = baseline = None
    try:
        new = Tree("new", ROOT, args.shared)
        baseline = Tree("baseline", tree, args.shared)
        for worker in (new, baseline):
            worker.ready()
        print(
            f"  both workers ready in {time.perf_counter() - started:.0f} s "
            "(Renault imported and compiled, database migrated, demo catalogue loaded)"
        )
        selections = new.ask(
            {"do": "generate", "demo": args.demo, "renault": args.renault, "seed": args.seed}
        )
        lengths = [len(chosen) for chosen in selections["renault"]]
        print(
            f"  demo: {args.demo} random selections per product, 30 warming up; Renault: {args.renault} "
            f"walk ends (0-30 choices, mean {statistics.mean(lengths):.1f}), 50 warming up; "
            f"batches of {BATCH}, A B / B A, {args.passes} passes"
        )
        for code, items in selections["demo"].items():
            interleaved(new, baseline, code, items, warm=30, passes=args.passes)
        interleaved(new, baseline, "renault", selections["renault"], warm=50, passes=args.passes)
        print(
            f"\n  {'ms':34} {'CPU base':>8} {'CPU new':>8} {'ratio':>7}   "
            f"{'wall base':>8} {'wall new':>8} {'ratio':>7}   <= {LIMIT}"
        )
        verdicts = []
        for code in selections["demo"]:
            verdicts += report(f"demo configure {code}", new, baseline, code)
        verdicts += report("Renault guidance", new, baseline, "renault")
    finally:
        for worker in (new, baseline):
            if worker is not None:
                worker.close()
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    load = os.getloadavg()[0]
    print(
        f"\n  {sum(verdicts)} of {len(verdicts)} figures within {LIMIT} of the baseline (CPU time); "
        f"load average now {load:.2f}; whole run {time.perf_counter() - started:.0f} s"
    )
    if not all(verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
