"""flamapy's side of benchmarks/bench_real_models.py: runs inside benchmarks/.flamapy-venv (flamapy 2.6
pins an old python-sat, so it never shares the project's environment). Reads one JSON job on stdin,
prints one JSON answer on stdout.

Jobs:

* ``{"kind": "sat", "path": "model.uvl"}``: read the UVL file, translate it to CNF (FmToPysat), core and
  dead features (PySATCoreFeatures, PySATDeadFeatures); the time of each step.
* ``{"kind": "count", "path": "model.uvl"}``: read, compile to a BDD (FmToBDD), count
  (BDDConfigurationsNumber).
* ``{"kind": "configurator", "path": "model.uvl", "actions": [{"answer": {"Feature": true}}, {"next":
  true}, ...]}``: flamapy's interactive configurator (flamapy-configurator): start, then answer the
  current question or move to the next one; after each action the current question, the options it
  offers (UNDECIDED after unit propagation) and whether an answer was accepted.
* ``{"kind": "propagate", "path": "model.uvl", "decisions": [{"Feature": true, ...}, ...]}``: flamapy's
  configurator backend (``PySATBackend.propagate``, unit propagation) on each set of decisions, with
  the feature tree's core features selected first as its configurator does: the features it leaves
  undecided (those it would offer), or null when propagation finds a conflict.
"""

from __future__ import annotations

import json
import sys
import time


def _names(features) -> list[str]:
    return sorted(getattr(feature, "name", feature) for feature in features)


def read(path: str):
    from flamapy.metamodels.fm_metamodel.transformations import UVLReader

    return UVLReader(path).transform()


def job_sat(path: str) -> dict:
    from flamapy.metamodels.pysat_metamodel.operations import PySATCoreFeatures, PySATDeadFeatures
    from flamapy.metamodels.pysat_metamodel.transformations import FmToPysat

    times = {}
    start = time.perf_counter()
    model = read(path)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    sat_model = FmToPysat(model).transform()
    times["to_cnf"] = time.perf_counter() - start
    start = time.perf_counter()
    core = PySATCoreFeatures().execute(sat_model).get_result()
    times["core"] = time.perf_counter() - start
    start = time.perf_counter()
    dead = PySATDeadFeatures().execute(sat_model).get_result()
    times["dead"] = time.perf_counter() - start
    return {
        "features": len(model.get_features()),
        "core": _names(core),
        "dead": _names(dead),
        "times": times,
    }


def job_count(path: str) -> dict:
    from flamapy.metamodels.bdd_metamodel.operations import BDDConfigurationsNumber
    from flamapy.metamodels.bdd_metamodel.transformations import FmToBDD

    times = {}
    start = time.perf_counter()
    model = read(path)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    bdd_model = FmToBDD(model).transform()
    times["to_bdd"] = time.perf_counter() - start
    start = time.perf_counter()
    count = BDDConfigurationsNumber().execute(bdd_model).get_result()
    times["count"] = time.perf_counter() - start
    return {"count": str(count), "times": times}


def job_configurator(path: str, actions: list[dict]) -> dict:
    from flamapy.metamodels.configurator_metamodel.operations.configure import Configure
    from flamapy.metamodels.configurator_metamodel.transformation.fm_to_configurator import (
        FmToConfigurator,
    )

    model = read(path)
    configurator_model = FmToConfigurator(model).transform()
    operation = Configure().execute(configurator_model)
    operation.start()

    def status() -> dict:
        if operation.is_finished():
            return {"question": None, "offered": []}
        current = operation.get_current_status()
        return {
            "question": current["currentQuestion"],
            "offered": [option["name"] for option in current["possibleOptions"]],
        }

    steps = [{"action": "start", **status()}]
    for action in actions:
        if "answer" in action:
            accepted = operation.answer_question(action["answer"])
            steps.append({"action": "answer", "answer": action["answer"], "accepted": accepted, **status()})
        else:
            moved = operation.next_question()
            steps.append({"action": "next", "moved": moved, **status()})
    return {"steps": steps, "configuration": operation.get_result()}


def job_propagate(path: str, decisions: list[dict]) -> dict:
    from flamapy.metamodels.configurator_metamodel.solver.pysat_backend import PySATBackend
    from flamapy.metamodels.fm_metamodel.operations.fm_core_features import FMCoreFeatures
    from flamapy.metamodels.pysat_metamodel.transformations import FmToPysat

    model = read(path)
    backend = PySATBackend(FmToPysat(model).transform())
    names = [feature.name for feature in model.get_features()]
    # as FmToConfigurator does: the feature tree's core features start selected
    core = {feature.name: True for feature in FMCoreFeatures().execute(model).get_result()}
    results = []
    times = []
    for decided in decisions:
        start = time.perf_counter()
        known = {**core, **decided}
        implied = backend.propagate(known)
        times.append(time.perf_counter() - start)
        if implied is None:
            results.append(None)
            continue
        known.update(implied)
        results.append([name for name in names if name not in known])
    return {"undecided": results, "times": times}


def main() -> None:
    job = json.load(sys.stdin)
    kind = job["kind"]
    if kind == "sat":
        answer = job_sat(job["path"])
    elif kind == "count":
        answer = job_count(job["path"])
    elif kind == "configurator":
        answer = job_configurator(job["path"], job["actions"])
    elif kind == "propagate":
        answer = job_propagate(job["path"], job["decisions"])
    else:
        raise SystemExit(f"unknown job {kind!r}")
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
