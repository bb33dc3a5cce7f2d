"""The one place that talks to a SAT solver (PySAT). Swap solvers here.

``SatBackend`` is an incremental solver: clauses, ``solve(assumptions)``, then ``model()`` or
``core()``. ``MaxSat`` wraps RC2 for weighted partial MaxSAT (repairs, cheapest completions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Solver

#: Chosen by measuring (benchmarks/bench_engine.py --solvers): see docs/engine.md.
DEFAULT_SOLVER = "minisat22"


class SatBackend:
    def __init__(self, nvars: int, clauses: Iterable[Sequence[int]], name: str = DEFAULT_SOLVER) -> None:
        self.name = name
        self._solver = Solver(name=name, bootstrap_with=clauses)
        self.nvars = nvars
        self.calls = 0
        self.added = 0

    def new_var(self) -> int:
        self.nvars += 1
        return self.nvars

    def add_clause(self, clause: Sequence[int]) -> None:
        self.added += 1
        self._solver.add_clause(clause)

    def solve(self, assumptions: Sequence[int] = ()) -> bool:
        self.calls += 1
        return bool(self._solver.solve(assumptions=assumptions))

    def prefer(self, literals: Sequence[int]) -> None:
        """Ask the solver to try these literals true first (a hint; any model may come back)."""
        self._solver.set_phases(literals)

    def model(self) -> list[int]:
        return self._solver.get_model()

    def core(self) -> list[int]:
        return self._solver.get_core() or []

    def close(self) -> None:
        self._solver.delete()


class MaxSat:
    """Weighted partial MaxSAT with RC2: hard clauses must hold, soft clauses cost their weight
    when false. ``solve()`` returns the best model or None; more hard clauses may be added between
    calls (e.g. to block a found correction set)."""

    def __init__(self, hard: Iterable[Sequence[int]], soft: Iterable[tuple[Sequence[int], int]]) -> None:
        formula = WCNF()
        for clause in hard:
            formula.append(list(clause))
        for clause, weight in soft:
            if weight > 0:
                formula.append(list(clause), weight=weight)
        self._rc2 = RC2(formula, solver="g4")
        self.calls = 0

    def add_hard(self, clause: Sequence[int]) -> None:
        self._rc2.add_clause(list(clause))

    def solve(self) -> tuple[list[int], int] | None:
        self.calls += 1
        model = self._rc2.compute()
        if model is None:
            return None
        return model, self._rc2.cost

    def close(self) -> None:
        self._rc2.delete()
