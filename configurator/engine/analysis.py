"""Analyse a compiled model for staff: dead and core values, rules that never fire, contradict
the rest or are redundant, and the number of valid configurations."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Sequence

from .compile import CompiledModel
from .facade import Configurator
from .model import Kind
from .results import Analysis, Choice, Count
from .solver import SatBackend

#: Exact counting (projected model counting with Ganak) is attempted up to this many CNF variables;
#: beyond it the count is the product of the domain sizes, an upper bound (``exact=False``).
MAX_COUNT_VARIABLES = 200_000


def analyse(
    compiled: CompiledModel, configurator: Configurator | None = None, count_timeout: float | None = None
) -> Analysis:
    """Analyse a model (see docs/engine.md); ``count_timeout`` bounds the time of exact counting."""
    configurator = configurator or Configurator(compiled)
    guidance = configurator.guide({}, explain=False)
    if guidance.conflict is not None:
        conflict = guidance.conflict.explanation
        contradicting = tuple(ref.code for ref in conflict.constraints if ref.kind == "rule")
        return Analysis(False, (), (), (), contradicting, (), Count(0, True, "sat"), conflict)
    dead: list[Choice] = []
    core: list[Choice] = []
    for option_set in guidance.option_sets:
        if option_set.kind in (Kind.SINGLE, Kind.MULTI):
            for value in option_set.values:
                if not value.selectable:
                    dead.append(Choice(option_set.code, value.value))
                elif value.implied:
                    core.append(Choice(option_set.code, value.value))
        elif option_set.kind is Kind.BOOLEAN:
            true = next(value for value in option_set.values if value.value is True)
            if not true.selectable:
                dead.append(Choice(option_set.code, True))
            elif true.implied:
                core.append(Choice(option_set.code, True))
    backend = configurator.core_backend
    selectors = configurator.selectors
    never: list[str] = []
    contradicting_rules: list[str] = []
    redundant: list[str] = []
    for constraint in compiled.constraints:
        if constraint.kind != "rule":
            continue
        others = [selector for selector in selectors if selector != constraint.selector]
        if constraint.clause:
            # the clause's when is the conjunction of its first literals negated
            when = [-lit for lit in constraint.clause[: constraint.when_count]]
            falsified = [-lit for lit in constraint.clause]
        else:
            when = [constraint.when_lit]
            falsified = [constraint.when_lit, -constraint.require_lit]
        if constraint.when is not None and not backend.solve([*selectors, *when]):
            never.append(constraint.code)
            if backend.solve([*others, *when]):
                contradicting_rules.append(constraint.code)
        if not backend.solve([*others, *falsified]):
            redundant.append(constraint.code)
    return Analysis(
        True,
        tuple(dead),
        tuple(core),
        tuple(never),
        tuple(contradicting_rules),
        tuple(redundant),
        count_configurations(compiled, count_timeout),
        None,
    )


def count_configurations(compiled: CompiledModel, timeout: float | None = None) -> Count:
    """The number of valid configurations: projected model counting onto the variables that decide
    each option set (so auxiliary variables never inflate it); a text set counts as empty or not.

    With ``timeout`` (seconds) the counter runs in a child process and is stopped when the time is
    up; the answer is then the product of the domain sizes, an upper bound (``exact=False``)."""
    bound = Count(_domain_product(compiled), False, "bound: product of the option sets' domain sizes")
    if compiled.nvars > MAX_COUNT_VARIABLES:
        return bound
    backend = SatBackend(compiled.nvars, compiled.clauses)
    try:
        if not backend.solve(compiled.selectors):
            return Count(0, True, "sat")
    finally:
        backend.close()
    projection = compiled.projection()
    if not projection:
        return Count(1, True, "sat")
    clauses = [*compiled.clauses, *([selector] for selector in compiled.selectors)]
    if timeout is None:
        return Count(count_models(compiled.nvars, clauses, projection), True, METHOD)
    counted = _count_apart(compiled.nvars, clauses, projection, timeout)
    if counted is None:
        return Count(bound.value, False, f"{bound.method} (exact counting took over {timeout:g} s)")
    return Count(counted, True, METHOD)


#: The counter run in a child interpreter: reads (nvars, clauses, projection) pickled on stdin and
#: prints the count. A plain subprocess, not a multiprocessing pool: no ``__main__`` guard needed in
#: scripts, and it runs inside Celery's daemonic worker processes (which may not have pool children).
_COUNTER = """
import pickle, sys
import pyganak
nvars, clauses, projection = pickle.load(sys.stdin.buffer)
counter = pyganak.Counter()
counter.new_vars(nvars)
counter.add_clauses(clauses)
counter.set_sampling_set(list(projection))
print(int(counter.count()))
"""


def _count_apart(
    nvars: int, clauses: Sequence[Sequence[int]], projection: tuple[int, ...], timeout: float
) -> int | None:
    """The projected count from a child process, or None when it takes longer than ``timeout``."""
    payload = pickle.dumps((nvars, [list(clause) for clause in clauses], projection))
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _COUNTER],
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None  # subprocess.run kills the child
    return int(completed.stdout.split()[-1])


METHOD = "ganak projected model counting"


def count_models(nvars: int, clauses: Sequence[Sequence[int]], projection: tuple[int, ...]) -> int:
    """Projected model count of a CNF with Ganak (pyganak)."""
    import pyganak

    counter = pyganak.Counter()
    counter.new_vars(nvars)
    counter.add_clauses(clauses)
    counter.set_sampling_set(list(projection))
    return int(counter.count())


def _domain_product(compiled: CompiledModel) -> int:
    total = 1
    for encoding in compiled.sets:
        if encoding.kind is Kind.MULTI:
            total *= 2 ** len(encoding.options)
        elif encoding.kind is Kind.TEXT:
            total *= min(len(encoding.domain), 2)
        else:
            total *= len(encoding.domain)
    return total
