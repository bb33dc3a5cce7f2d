"""The configurator's speed switches, as one frozen value passed to :class:`Configurator`.

None of them changes an answer (tests run the same questions under other settings and compare);
they trade memory for solver calls. The defaults were chosen by measuring (docs/engine.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Neighbours = Literal["all", "first", "none"]


@dataclass(frozen=True, slots=True)
class Tuning:
    #: Rebuild the incremental solver once requests have added more than this many variables plus
    #: as many as the model has (activation literals of clauses switched off for good): keeps the
    #: solver's arrays and its models from growing without bound.
    rebuild_after: int = 1_000
    #: Complete valid configurations kept to answer "is this satisfiable?" without the solver: every
    #: configuration any call found, whatever its selections, indexed by value. At most
    #: ``witness_pool`` of them, and at most ``witness_values`` values in all (a configuration of a
    #: model with thousands of option sets takes about 300 KB: automotive02 keeps about 80).
    witness_pool: int = 1024
    witness_values: int = 400_000
    #: Known minimal explanations kept per blocked value.
    stored_explanations: int = 16
    #: Answers kept for "does this one choice alone rule this value out, and by which constraints?"
    #: (cleared when full; Renault has 396 values, so at most 396 * 396).
    max_pairs: int = 200_000
    #: Sets of choices that blocked another value of the same request, tried (a solver call each)
    #: before minimising a value's explanation from all the choices.
    reused_blocking: int = 3
    #: Known configurations whose neighbours are tried to show a constraint is needed in an explanation.
    neighbour_proofs: int = 8
    #: Repairs by implicit hitting sets while the cores name at most this many choices and a repair
    #: needs at most this many changes; beyond, RC2 takes over.
    max_hitting_candidates: int = 16
    max_hitting_size: int = 4
    #: Before each covering round, ask the solver to try the uncovered values first.
    prefer_uncovered: bool = True
    #: Which witnesses get their neighbours checked: "all", "first" (of each call) or "none".
    #: "all" (re-checking only values whose constraints read a set that changed since the previous
    #: witness) halves the calls on the automotive models and is no slower elsewhere.
    neighbours: Neighbours = "all"

    def __post_init__(self) -> None:
        if self.neighbours not in ("all", "first", "none"):
            raise ValueError(f"neighbours must be 'all', 'first' or 'none', not {self.neighbours!r}")


DEFAULT_TUNING = Tuning()
