"""The configurator across calls, and on the sample and demo products against a naive reference
(one solver call per value on the same CNF)."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pysat.solvers import Solver

from configurator.engine import Configurator, analyse, compile_model, count_configurations
from configurator.engine.document import model_from_document
from configurator.engine.model import Kind
from configurator.engine.tuning import Tuning

from .strategies import models, selections

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = [*sorted((ROOT / "products" / "demo").glob("*.json")), ROOT / "benchmarks" / "sample_bike.json"]


def comparable(guidance):
    """Everything in a guidance answer except the explanations (several minimal ones may exist)."""
    return (
        guidance.validation,
        tuple(
            (
                s.code,
                s.decided,
                s.selection,
                s.implied,
                s.none_selectable,
                s.minimum,
                s.maximum,
                s.min_length,
                s.max_length,
                tuple((v.value, v.selectable, v.selected, v.implied, v.reason is None) for v in s.values),
            )
            for s in guidance.option_sets
        ),
        guidance.conflict is None,
    )


@st.composite
def sequences(draw):
    model = draw(models())
    return model, [draw(selections(model)) for _ in range(5)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(sequences())
def test_answers_do_not_depend_on_earlier_calls(case):
    model, selection_list = case
    compiled = compile_model(model)
    shared = Configurator(compiled, tuning=REBUILD_ALWAYS)
    for chosen in selection_list * 2:
        fresh = Configurator(pickle.loads(pickle.dumps(compiled)))
        assert comparable(shared.guide(chosen)) == comparable(fresh.guide(chosen))
        assert shared.validate(chosen) == fresh.validate(chosen)
        assert shared.repairs(chosen) == fresh.repairs(chosen)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(sequences())
def test_rc2_repairs_agree_with_hitting_sets(case):
    model, selection_list = case
    compiled = compile_model(model)
    expected = [Configurator(compiled).repairs(chosen) for chosen in selection_list]
    rc2 = Configurator(compiled, tuning=Tuning(max_hitting_candidates=-1))  # always RC2
    assert [rc2.repairs(chosen) for chosen in selection_list] == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(sequences())
def test_speed_switches_do_not_change_answers(case):
    model, selection_list = case
    compiled = compile_model(model)
    expected = [comparable(Configurator(compiled).guide(chosen)) for chosen in selection_list]
    tunings = [
        Tuning(neighbours="first", prefer_uncovered=True),
        Tuning(neighbours="none", prefer_uncovered=False),
        Tuning(witness_pool=1, max_pairs=1, stored_explanations=1, neighbour_proofs=0),
    ]
    for tuning in tunings:
        configurator = Configurator(compiled, tuning=tuning)
        assert [comparable(configurator.guide(chosen)) for chosen in selection_list] == expected


#: Rebuild the solver before every call, so that the rebuild path is exercised.
REBUILD_ALWAYS = Tuning(rebuild_after=-10_000)


def naive_guidance(compiled, configurator, chosen):
    """Selectable values by one solver call each (no witnesses, no covering clauses)."""
    choices = configurator.session.choices(chosen)
    result = {}
    with Solver(name="minisat22", bootstrap_with=compiled.clauses) as solver:
        base = [*compiled.selectors, *(lit for choice in choices for lit in choice.lits)]
        if not solver.solve(assumptions=base):
            return None
        for encoding in compiled.sets:
            decided = encoding.code in chosen
            if encoding.kind is Kind.MULTI:
                result[encoding.code] = {
                    option: solver.solve(assumptions=[*base, lit])
                    for option, lit in zip(encoding.options, encoding.option_lits, strict=True)
                }
            elif encoding.kind in (Kind.SINGLE, Kind.BOOLEAN):
                result[encoding.code] = {
                    value: (not decided or chosen[encoding.code] == value)
                    and solver.solve(assumptions=[*base, lit])
                    for value, lit in zip(encoding.var.values, encoding.var.lits, strict=True)
                }
            elif not decided:
                feasible = [
                    i
                    for i in range(len(encoding.var))
                    if solver.solve(assumptions=[*base, *encoding.var.eq(i)])
                ]
                result[encoding.code] = (encoding.var.values[feasible[0]], encoding.var.values[feasible[-1]])
    return result


@pytest.mark.parametrize("path", PRODUCTS, ids=lambda path: path.stem)
def test_products_agree_with_one_call_per_value(path):
    model = model_from_document(json.loads(path.read_text()))
    compiled = compile_model(model)
    configurator = Configurator(compiled)
    rng = random.Random(3)
    for _ in range(40):
        chosen = {}
        for option_set in rng.sample(model.option_sets, rng.randint(0, len(model.option_sets))):
            reference = naive_guidance(compiled, configurator, chosen)
            guidance = configurator.guide(chosen)
            if reference is None:
                assert guidance.conflict is not None
                break
            for option_set_guidance in guidance.option_sets:
                expected = reference.get(option_set_guidance.code)
                kind = option_set_guidance.kind
                if kind in (Kind.SINGLE, Kind.MULTI, Kind.BOOLEAN):
                    found = {v.value: v.selectable for v in option_set_guidance.values}
                    if kind is Kind.SINGLE and None in expected:
                        assert option_set_guidance.none_selectable == expected.pop(None)
                    assert found == expected
                elif kind is Kind.NUMBER and expected is not None:
                    assert (option_set_guidance.minimum, option_set_guidance.maximum) == expected
            # choose a selectable value (mostly) and go on
            entry = next(s for s in guidance.option_sets if s.code == option_set.code)
            if option_set.kind in (Kind.SINGLE, Kind.BOOLEAN):
                values = [v.value for v in entry.values if v.selectable] or [v.value for v in entry.values]
                chosen[option_set.code] = rng.choice(values)
            elif option_set.kind is Kind.MULTI:
                values = [v.value for v in entry.values if v.selectable]
                chosen[option_set.code] = rng.sample(values, min(len(values), rng.randint(0, 2)))
            elif option_set.kind is Kind.NUMBER and entry.minimum is not None:
                chosen[option_set.code] = entry.minimum if rng.random() < 0.5 else entry.maximum
        if not configurator.validate(chosen).consistent:
            continue
        completion = configurator.complete(chosen)
        if not completion.missing:
            assert configurator.validate(completion.selections).valid


@pytest.mark.parametrize("path", PRODUCTS, ids=lambda path: path.stem)
def test_products_analyse(path):
    compiled = compile_model(model_from_document(json.loads(path.read_text())))
    analysis = analyse(compiled)
    assert analysis.satisfiable
    assert analysis.count.exact and analysis.count.value > 0


def test_count_with_a_timeout_runs_apart_and_falls_back_to_a_bound():
    compiled = compile_model(model_from_document(json.loads(PRODUCTS[-1].read_text())))
    exact = count_configurations(compiled)
    assert exact.exact
    assert count_configurations(compiled, timeout=60) == exact
    bounded = count_configurations(compiled, timeout=0.001)
    assert not bounded.exact and bounded.value >= exact.value


COUNT_SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
from configurator.engine import compile_model, count_configurations
from configurator.engine.document import model_from_document
compiled = compile_model(model_from_document(json.loads(open({path!r}).read())))
print(count_configurations(compiled, timeout=60).value)
"""


def test_count_with_a_timeout_needs_no_main_guard_in_a_script():
    """Issue 11: the spawn pool re-imported a script without ``if __name__ == "__main__"``."""
    import subprocess
    import sys

    script = COUNT_SCRIPT.format(root=str(ROOT), path=str(PRODUCTS[0]))
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    expected = count_configurations(compile_model(model_from_document(json.loads(PRODUCTS[0].read_text()))))
    assert int(completed.stdout.split()[-1]) == expected.value


def _count_in_daemon(path: str, results) -> None:
    compiled = compile_model(model_from_document(json.loads(Path(path).read_text())))
    results.put(count_configurations(compiled, timeout=60).value)


def test_count_with_a_timeout_runs_inside_a_daemonic_worker_process():
    """Celery's prefork pool runs tasks in daemonic processes, which may not start pool children."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    worker = context.Process(target=_count_in_daemon, args=(str(PRODUCTS[0]), results), daemon=True)
    worker.start()
    worker.join(120)
    expected = count_configurations(compile_model(model_from_document(json.loads(PRODUCTS[0].read_text()))))
    assert results.get(timeout=5) == expected.value
