"""The solver session of one configurator: two incremental solvers over the compiled CNF, the
choices as assumptions, and what every call leaves behind that stays true of the model (the pool
of complete valid configurations). Guidance, explanations, repairs and completion all ask it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from time import perf_counter
from typing import Any

from .cnf import TRUE, DirectVar
from .compile import CompiledModel, ConstraintInfo, SetEncoding
from .errors import SelectionError
from .evaluate import Check, all_hold
from .model import Kind, Value
from .precomputed import Precomputed, TargetKey, Together
from .results import ConstraintRef
from .selections import parse_selections
from .solver import DEFAULT_SOLVER, SatBackend
from .tuning import DEFAULT_TUNING, Tuning
from .witnesses import ChoiceLits, Config, Decoder, Target, WitnessPool


class Request:
    """The per-call state: choices as assumptions, complete valid configurations found that extend
    all the choices (``witnesses``), solver calls made."""

    __slots__ = (
        "assumptions",
        "blocking",
        "checked",
        "choices",
        "explain_until",
        "precomputed_reasons",
        "start_calls",
        "switchable",
        "together",
        "unexplained",
        "witnesses",
    )

    def __init__(self, session: Session, choices: list[ChoiceLits]) -> None:
        self.choices = choices
        #: the choices' literals: the guidance solver has every constraint as a unit clause
        self.assumptions = [lit for choice in choices for lit in choice.lits]
        self.witnesses: list[Config] = []
        #: the last witness whose neighbours were checked for every uncovered value
        self.checked: Config | None = None
        self.start_calls = session.calls
        #: ``perf_counter()`` time after which blocked values get only the explanations known
        #: without a solver call (None: no limit)
        self.explain_until: float | None = None
        #: blocked values left without an explanation for want of time
        self.unexplained = 0
        #: the choices of minimal explanations found for this request (two or more each), with the
        #: option set of the value each explains and the selectors of its constraints
        self.blocking: list[tuple[str, tuple[ChoiceLits, ...], tuple[int, ...]]] = []
        #: decided single or boolean sets: the literals of the values the other choices allow
        self.switchable: dict[str, frozenset[int]] = {}
        #: (choice, value) answers taken from the precomputed ones
        self.precomputed_reasons = 0
        #: the values two of the choices rule out together, as precomputed (see :meth:`Session.together`)
        self.together: dict[TargetKey, Together] | None = None

    def over_budget(self) -> bool:
        return self.explain_until is not None and perf_counter() >= self.explain_until


class Session:
    """Holds the incremental solvers and the witness pool of one configurator; not thread-safe."""

    def __init__(
        self, compiled: CompiledModel, solver: str = DEFAULT_SOLVER, tuning: Tuning = DEFAULT_TUNING
    ) -> None:
        self.compiled = compiled
        self.model = compiled.model
        self.tuning = tuning
        self.solver_name = solver
        self.selectors = list(compiled.selectors)
        self.constraint_of = {constraint.selector: constraint for constraint in compiled.constraints}
        #: each constraint as the answers name it, by its index in ``compiled.constraints``
        self.constraint_refs = tuple(constraint_ref(constraint) for constraint in compiled.constraints)
        self.constraint_index = {ref: index for index, ref in enumerate(self.constraint_refs)}
        values = len(compiled.sets) + sum(
            len(encoding.options) for encoding in compiled.sets if encoding.kind is Kind.MULTI
        )
        self.pool = WitnessPool(max(16, min(tuning.witness_pool, tuning.witness_values // max(values, 1))))
        self.decoder = Decoder(compiled)
        #: CNF variable -> the option set whose value it encodes (value, option and order literals)
        self.set_of_var: dict[int, str] = {}
        for encoding in compiled.sets:
            lits = (
                encoding.option_lits
                if encoding.kind is Kind.MULTI
                else encoding.direct.lits
                if isinstance(encoding.var, DirectVar)
                else encoding.order.ge
            )
            for lit in lits:
                if abs(lit) != TRUE:
                    self.set_of_var[abs(lit)] = encoding.code
        self._distance_cache: dict[frozenset[str], list[int]] = {}
        #: per set, a compiled check of the constraints that read it (made on first use)
        self._change_checks: dict[str, Check] = {}
        #: the last witness decoded from the solver, with the solver's model
        self.last_model: tuple[Config, list[int]] | None = None
        #: for each set, the sets whose values decide whether a change of it keeps a configuration
        #: valid: itself and every set that shares a constraint with it
        self.neighbourhood: dict[str, frozenset[str]] = {}
        for encoding in compiled.sets:
            near = {encoding.code}
            for index in encoding.constraints:
                near.update(compiled.constraints[index].option_sets)
            self.neighbourhood[encoding.code] = frozenset(near)
        #: guidance, validation, repairs, completion: every constraint is a unit clause
        self.backend = self._new_backend()
        self._core_backend: SatBackend | None = None
        self._last: SatBackend = self.backend
        self._retired_calls = 0
        #: answers computed ahead for this model (see :mod:`.precomputed`), once given
        self.precomputed: Precomputed | None = None
        #: the configurations computed ahead, kept for good beside the pool (which requests renew)
        self.pinned = WitnessPool(1)

    def use_precomputed(self, precomputed: Precomputed) -> None:
        """Answer from what was computed ahead for this model, and keep its configurations: for
        every value, one with it and each single choice that allows it."""
        self.precomputed = precomputed
        values = len(self.decoder.lit_of) + len(self.decoder.order)
        witnesses = precomputed.witnesses[: max(16, self.tuning.witness_values // max(values, 1))]
        self.pinned = WitnessPool(len(witnesses))
        for witness in witnesses:
            self.pinned.add(witness, self.decoder.atoms_of(witness))

    def together(self, request: Request) -> dict[TargetKey, Together]:
        """The values that two of the request's choices rule out together (neither alone), with
        those choices and the constraints, from the precomputed answers; kept for the request."""
        if request.together is None:
            precomputed = self.precomputed
            request.together = (
                precomputed.blocked_together(request.choices) if precomputed is not None else {}
            )
        return request.together

    def _new_backend(self) -> SatBackend:
        clauses = [*self.compiled.clauses, *([selector] for selector in self.selectors)]
        return SatBackend(self.compiled.nvars, clauses, self.solver_name)

    @property
    def core_backend(self) -> SatBackend:
        """A second solver where the constraints' selectors are assumed, so that unsatisfiable cores
        name the constraints (explanations, conflicts, analysis). Kept apart so that the hot path
        does not pass one assumption per constraint on every call."""
        if self._core_backend is None:
            self._core_backend = SatBackend(self.compiled.nvars, self.compiled.clauses, self.solver_name)
        return self._core_backend

    @property
    def calls(self) -> int:
        """Solver calls made so far."""
        core = self._core_backend.calls if self._core_backend is not None else 0
        return self._retired_calls + self.backend.calls + core

    def maybe_rebuild(self) -> None:
        if self.backend.nvars - self.compiled.nvars > self.tuning.rebuild_after + self.compiled.nvars:
            self._retired_calls += self.backend.calls
            self.backend.close()
            self.backend = self._last = self._new_backend()

    def request(self, selections: Mapping[str, Any]) -> Request:
        """A new call's state for these selections (raw or parsed)."""
        choices = self.choices(selections)
        self.maybe_rebuild()
        return Request(self, choices)

    # -- selections ------------------------------------------------------------------------------

    def choices(self, selections: Mapping[str, Any]) -> list[ChoiceLits]:
        parsed = parse_selections(self.model, selections)
        return [self.choice(code, value, rank) for rank, (code, value) in enumerate(parsed.items())]

    def choice(self, code: str, value: Value, rank: int) -> ChoiceLits:
        encoding = self.compiled.set_index[code]
        kind = encoding.kind
        abstract = value
        if kind is Kind.MULTI:
            assert isinstance(value, frozenset)
            lits = tuple(
                encoding.option_lits[encoding.value_index[c]] for c in encoding.options if c in value
            )
        elif kind is Kind.TEXT:
            assert isinstance(value, str)
            index = self.text_index(encoding, value)
            lits = tuple(encoding.domain.eq(index))
            abstract = "x" * encoding.domain.values[index]
        else:
            index = encoding.value_index[value]
            lits = tuple(encoding.domain.eq(index))
        return ChoiceLits(code, value, lits, abstract, rank, kind)

    def exact_multi(self, code: str, value: frozenset[str], rank: int) -> ChoiceLits:
        """A multiple choice taken exactly: its options in, every other option out."""
        encoding = self.compiled.set_index[code]
        lits = tuple(
            lit if option in value else -lit
            for option, lit in zip(encoding.options, encoding.option_lits, strict=True)
        )
        return ChoiceLits(code, value, lits, value, rank, Kind.MULTI)

    @staticmethod
    def text_index(encoding: SetEncoding, value: str) -> int:
        values = encoding.domain.values
        if encoding.text_exact:
            index = encoding.value_index.get(len(value))
            if index is None:  # pragma: no cover - parse_selections refuses such lengths
                raise SelectionError({f"selections.{encoding.code}": [(encoding.code, "impossible length")]})
            return index
        if value == "":
            return 0
        return 1 if values[0] == 0 else 0

    # -- solving ---------------------------------------------------------------------------------

    def is_valid_change(self, config: Mapping[str, Any], code: str) -> bool:
        """Whether every constraint that reads ``code`` holds (the rest are known to hold)."""
        check = self._change_checks.get(code)
        if check is None:
            constraints = self.compiled.constraints
            check = all_hold([constraints[index] for index in self.compiled.set_index[code].constraints])
            self._change_checks[code] = check
        return check(config)

    def solve(
        self,
        request: Request,
        extra: Sequence[int] = (),
        *,
        choices: Sequence[ChoiceLits] | None = None,
        selectors: Sequence[int] | None = None,
        named: bool = False,
    ) -> bool:
        """Solve under the choices (default: the request's) and ``extra``. With ``named`` (or a
        subset of ``selectors``) on the solver whose cores name constraints; see :meth:`core`."""
        lits = request.assumptions if choices is None else [lit for choice in choices for lit in choice.lits]
        if named or selectors is not None:
            backend = self.core_backend
            if selectors is None:
                selectors = self.by_distance([*lits, *extra])
                named = True
            # choices first, then the constraints nearest to them: the solver meets the conflict
            # with few constraints switched on, so its core names few
            assumptions = [*lits, *extra, *selectors]
            if named:
                selectors = None
        else:
            backend = self.backend
            assumptions = [*lits, *extra]
        self._last = backend
        result = backend.solve(assumptions)
        if result and selectors is None:
            # a complete valid configuration; it extends the request's choices only when all were assumed
            model = backend.model()
            if len(model) < self.compiled.nvars:  # variables in no clause: read them as false
                model = [*model, *(-var for var in range(len(model) + 1, self.compiled.nvars + 1))]
            witness = self.decoder(model)
            self.last_model = (witness, model)
            self.pool.add(witness, self.decoder.atoms(model, witness))
            if choices is None:
                request.witnesses.append(witness)
        return result

    def last_witness(self) -> Config:
        """The configuration the last satisfiable call found."""
        assert self.last_model is not None, "no call has found a configuration yet"
        return self.last_model[0]

    def consistent(self, request: Request) -> bool:
        """Whether some complete valid configuration extends the request's choices: a known one
        (no solver call), else the solver's. Either becomes the request's first witness."""
        for pool in (self.pool, self.pinned):
            found = pool.matching(request.choices)
            if found:
                request.witnesses.append(pool.config(found))
                return True
        return self.solve(request)

    def known_possible(self, choices: Sequence[ChoiceLits], target: Target | None = None) -> bool:
        """Whether a known configuration (the pool's or one computed ahead) extends ``choices``
        and satisfies ``target`` (None: any)."""
        for pool in (self.pool, self.pinned):
            matching = pool.matching(choices)
            if matching and (target is None or pool.having(target) & matching):
                return True
        return False

    def fits(self, request: Request, choices: list[ChoiceLits]) -> bool:
        """Whether some complete valid configuration extends ``choices`` (a known one, else a call)."""
        if self.pool.matching(choices):
            return True
        return self.solve(request, choices=choices)

    def extending(self, request: Request, choices: Sequence[ChoiceLits], limit: int) -> list[Config]:
        """Up to ``limit`` known complete valid configurations that extend ``choices``: the request's
        first, then the most recent of the pool."""
        found = list(request.witnesses[:limit])
        slots = self.pool.matching(choices)
        configs = self.pool.configs
        while slots and len(found) < limit:
            top = slots.bit_length() - 1
            slots ^= 1 << top
            config = configs[top]
            if config is not None and all(config is not known for known in found):
                found.append(config)
        return found

    def by_distance(self, lits: Sequence[int]) -> list[int]:
        """Every constraint's selector, nearest first to the option sets of ``lits`` (breadth-first
        over "shares an option set"), then in model order."""
        sets = self.set_of_var
        focus = frozenset(sets[abs(lit)] for lit in lits if abs(lit) in sets)
        found = self._distance_cache.get(focus)
        if found is not None:
            return found
        constraints = self.compiled.constraints
        index_of = self.compiled.set_index
        order: list[int] = []
        seen_sets = set(focus)
        seen: set[int] = set()
        frontier = list(focus)
        while frontier:
            layer: list[int] = []
            for code in frontier:
                for index in index_of[code].constraints:
                    if index not in seen:
                        seen.add(index)
                        layer.append(index)
            layer.sort()
            order.extend(layer)
            frontier = []
            for index in layer:
                for code in constraints[index].option_sets:
                    if code not in seen_sets:
                        seen_sets.add(code)
                        frontier.append(code)
        order.extend(index for index in range(len(constraints)) if index not in seen)
        result = [constraints[index].selector for index in order]
        if len(self._distance_cache) >= 4096:
            self._distance_cache.clear()
        self._distance_cache[focus] = result
        return result

    def core(self) -> list[int]:
        """The unsatisfiable core of the last call."""
        return self._last.core()


def constraint_ref(constraint: ConstraintInfo) -> ConstraintRef:
    return ConstraintRef(constraint.code, constraint.kind, constraint.message, constraint.option_sets)
