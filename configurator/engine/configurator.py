"""Answer questions about a customer's selections with a SAT solver: validate, guide, explain,
repair and complete. One :class:`Configurator` per compiled model and thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations, compress
from operator import itemgetter
from time import perf_counter
from typing import Any

from .cnf import TRUE, DirectVar, OrderVar
from .compile import CompiledModel, ConstraintInfo, SetEncoding
from .domains import default_value, effective_value, text_lengths
from .errors import EngineError, SelectionError
from .evaluate import holds, violated
from .model import Kind, Value
from .results import (
    Change,
    Choice,
    Completion,
    Conflict,
    ConstraintRef,
    Explanation,
    Guidance,
    OptionSetGuidance,
    Repair,
    Validation,
    ValueGuidance,
)
from .selections import parse_selections
from .solver import DEFAULT_SOLVER, MaxSat, SatBackend

#: Rebuild the incremental solver once requests have added more than REBUILD_AFTER variables plus
#: as many as the model has (activation literals of clauses switched off for good): keeps the
#: solver's arrays and its models from growing without bound.
REBUILD_AFTER = 1_000
#: Complete valid configurations kept to answer "is this satisfiable?" without the solver: every
#: configuration any call found, whatever its selections, indexed by value (see :class:`_WitnessPool`).
#: At most WITNESS_POOL of them, and at most WITNESS_VALUES values in all (a configuration of a model
#: with thousands of option sets takes about 300 KB: automotive02 keeps about 80).
WITNESS_POOL = 1024
WITNESS_VALUES = 400_000
#: Known minimal explanations kept per blocked value.
STORED_EXPLANATIONS = 16
#: Answers kept for "does this one choice alone rule this value out, and by which constraints?"
#: (cleared when full; Renault has 396 values, so at most 396 * 396).
MAX_PAIRS = 200_000
#: Known configurations whose neighbours are tried to show a constraint is needed in an explanation.
NEIGHBOUR_PROOFS = 8
#: Repairs by implicit hitting sets while the cores name at most this many choices and a repair needs
#: at most this many changes; beyond, RC2 takes over.
MAX_HITTING_CANDIDATES = 16
MAX_HITTING_SIZE = 4
_TOO_LARGE = object()
_UNKNOWN = object()
#: Before each covering round, ask the solver to try the uncovered values first.
PREFER_UNCOVERED = True
#: Which witnesses get their neighbours checked: "all", "first" (of each call) or "none". Measured
#: (docs/engine.md): "all" (re-checking only values whose constraints read a set that changed since
#: the previous witness) halves the calls on the automotive models and is no slower elsewhere.
NEIGHBOURS = "all"


@dataclass(slots=True)
class _Choice:
    code: str
    value: Value
    lits: tuple[int, ...]
    #: the value as the solver sees it (text: a representative string of the same class)
    abstract: Value
    rank: int
    kind: Kind

    @property
    def key(self) -> tuple[str, Value]:
        return (self.code, self.value)

    def satisfied_by(self, config: Mapping[str, Any]) -> bool:
        if self.kind is Kind.MULTI:
            return self.abstract <= config[self.code]
        return config[self.code] == self.abstract


@dataclass(slots=True)
class _Target:
    """A yes/no question about one option set: "can it take this value?" as one literal (or, for
    a number value, the conjunction ``conjunction``)."""

    code: str
    tag: str  # "value" (single/boolean/number, incl. None), "in" / "out" (multi)
    value: Any
    lit: int
    conjunction: tuple[int, ...] = ()

    @property
    def lits(self) -> list[int]:
        return list(self.conjunction) if self.conjunction else [self.lit]

    def holds(self, config: Mapping[str, Any]) -> bool:
        current = config[self.code]
        if self.tag == "in":
            return self.value in current
        if self.tag == "out":
            return self.value not in current
        return current == self.value

    def neighbour_value(self, config: Mapping[str, Any]) -> Any:
        current = config[self.code]
        if self.tag == "in":
            return current | {self.value}
        if self.tag == "out":
            return current - {self.value}
        return self.value

    def neighbour(self, config: Mapping[str, Any]) -> dict[str, Any]:
        changed = dict(config)
        changed[self.code] = self.neighbour_value(config)
        return changed

    @property
    def key(self) -> tuple:
        return (self.code, self.tag, self.value)


@dataclass(slots=True)
class _Stored:
    keys: frozenset
    explanation: Explanation


class _Request:
    """The per-call state: choices as assumptions, complete valid configurations found that extend
    all the choices (``witnesses``), solver calls made."""

    __slots__ = (
        "assumptions",
        "checked",
        "choices",
        "configurator",
        "explain_until",
        "selectors",
        "start_calls",
        "unexplained",
        "witnesses",
    )

    def __init__(self, configurator: Configurator, choices: list[_Choice]) -> None:
        self.configurator = configurator
        self.choices = choices
        self.selectors = configurator.selectors
        #: the choices' literals: the guidance solver has every constraint as a unit clause
        self.assumptions = [lit for choice in choices for lit in choice.lits]
        self.witnesses: list[dict[str, Any]] = []
        #: the last witness whose neighbours were checked for every uncovered value
        self.checked: dict[str, Any] | None = None
        self.start_calls = configurator.calls
        #: ``perf_counter()`` time after which blocked values get only the explanations known
        #: without a solver call (None: no limit)
        self.explain_until: float | None = None
        #: blocked values left without an explanation for want of time
        self.unexplained = 0

    def over_budget(self) -> bool:
        return self.explain_until is not None and perf_counter() >= self.explain_until


def _getter(indices: Sequence[int]):
    """``operator.itemgetter`` that always returns a tuple."""
    if not indices:
        return lambda model: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda model: (model[index],)
    return itemgetter(*indices)


class _Decoder:
    """Reads the complete configuration off a solver model (a list with ``model[v - 1] = ±v``),
    with the loops over literals done by C code (``itemgetter``, ``compress``)."""

    __slots__ = (
        "bool_codes",
        "bool_get",
        "direct_get",
        "direct_pairs",
        "lit_of",
        "multi",
        "multi_get",
        "nvars",
        "order",
    )

    def __init__(self, compiled: CompiledModel) -> None:
        self.nvars = compiled.nvars
        direct: list[int] = []
        self.direct_pairs: list[tuple[str, Any]] = []
        booleans: list[int] = []
        self.bool_codes: list[str] = []
        self.multi: list[tuple[str, Any, tuple[str, ...]]] = []
        self.order: list[tuple[str, OrderVar, bool]] = []
        for encoding in compiled.sets:
            kind, code = encoding.kind, encoding.code
            if kind is Kind.SINGLE:
                for value, lit in zip(encoding.var.values, encoding.var.lits, strict=True):
                    direct.append(lit - 1)
                    self.direct_pairs.append((code, value))
            elif kind is Kind.BOOLEAN:
                booleans.append(encoding.var.lits[1] - 1)
                self.bool_codes.append(code)
            elif kind is Kind.MULTI:
                getter = _getter([lit - 1 for lit in encoding.option_lits])
                self.multi.append((code, getter, encoding.options))
            else:
                self.order.append((code, encoding.var, kind is Kind.TEXT))
        self.direct_get = _getter(direct)
        self.bool_get = _getter(booleans)
        self.multi_get = _getter([lit - 1 for encoding in compiled.sets for lit in encoding.option_lits])
        #: single / boolean sets: value -> literal; multiple choices: option -> literal
        self.lit_of: dict[str, dict] = {}
        for encoding in compiled.sets:
            if encoding.kind is Kind.MULTI:
                self.lit_of[encoding.code] = dict(zip(encoding.options, encoding.option_lits, strict=True))
            elif encoding.kind in (Kind.SINGLE, Kind.BOOLEAN):
                self.lit_of[encoding.code] = dict(zip(encoding.var.values, encoding.var.lits, strict=True))

    def atoms(self, model: Sequence[int], config: Mapping[str, Any]) -> list:
        """The pool's atoms of a configuration read off the solver's model (``model[v - 1] = ±v``):
        the true value literals of single sets, each boolean's literal as it is, the options in."""
        positive = (0).__lt__
        atoms = list(filter(positive, self.direct_get(model)))
        atoms.extend(self.bool_get(model))
        atoms.extend(filter(positive, self.multi_get(model)))
        atoms.extend((code, config[code]) for code, _, _ in self.order)
        return atoms

    def atoms_of(self, config: Mapping[str, Any]) -> list:
        """The same from a configuration alone."""
        atoms: list = []
        for code, lits in self.lit_of.items():
            value = config[code]
            if isinstance(value, frozenset):
                atoms.extend(lits[option] for option in value)
            else:
                atoms.append(lits[value])
        atoms.extend((code, config[code]) for code, _, _ in self.order)
        return atoms

    def __call__(self, model: Sequence[int]) -> dict[str, Any]:
        if len(model) < self.nvars:  # variables in no clause: any value; read them as false
            model = [*model, *(-var for var in range(len(model) + 1, self.nvars + 1))]
        positive = (0).__lt__
        config = dict(compress(self.direct_pairs, map(positive, self.direct_get(model))))
        config.update(zip(self.bool_codes, map(positive, self.bool_get(model)), strict=True))
        for code, getter, options in self.multi:
            config[code] = frozenset(compress(options, map(positive, getter(model))))
        if self.order:

            def truth(lit: int) -> bool:
                return (model[abs(lit) - 1] > 0) == (lit > 0)

            for code, var, text in self.order:
                value = var.values[var.decode(truth)]
                config[code] = "x" * value if text else value
        return config


class _WitnessPool:
    """Complete valid configurations found by earlier calls (a ring of ``size`` slots), indexed so
    that "which of them extend these choices (and have this value)?" is a few AND operations on bit
    masks over the slots. ``masks[atom]`` has bit ``i`` set when slot ``i`` has that atom: the
    literal of a single or boolean set's value, of an option in a multiple choice, or ``(code,
    value)`` for a number or text set (see :meth:`_Decoder.atoms`)."""

    __slots__ = ("atoms", "configs", "last", "masks", "next", "occupied", "size")

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.configs: list[dict[str, Any] | None] = [None] * self.size
        self.atoms: list[list] = [[] for _ in range(self.size)]
        self.masks: dict[Any, int] = {}
        self.occupied = 0
        self.next = 0
        #: the configuration added last
        self.last: dict[str, Any] | None = None

    def add(self, config: dict[str, Any], atoms: list) -> None:
        slot = self.next
        self.next = (slot + 1) % self.size
        bit = 1 << slot
        masks = self.masks
        for atom in self.atoms[slot]:  # the configuration this slot held
            masks[atom] ^= bit
        get = masks.get
        for atom in atoms:
            masks[atom] = get(atom, 0) | bit
        self.atoms[slot] = atoms
        self.configs[slot] = config
        self.last = config
        self.occupied |= bit

    def matching(self, choices: Sequence[_Choice]) -> int:
        """The slots whose configuration extends every choice."""
        found = self.occupied
        masks = self.masks
        for choice in choices:
            if not found:
                return 0
            if choice.kind in (Kind.NUMBER, Kind.TEXT):
                found &= masks.get((choice.code, choice.abstract), 0)
            else:
                for lit in choice.lits:
                    found &= masks.get(lit, 0)
        return found

    def having(self, target: _Target) -> int:
        """The slots whose configuration satisfies ``target``."""
        if target.conjunction:  # a number's value
            return self.masks.get((target.code, target.value), 0)
        if target.tag == "out":
            return self.occupied & ~self.masks.get(-target.lit, 0)
        return self.masks.get(target.lit, 0)

    def config(self, slots: int) -> dict[str, Any]:
        """The configuration of the most recently added of these (non-empty) slots."""
        below = slots & ((1 << self.next) - 1)
        pick = below if below else slots
        return self.configs[pick.bit_length() - 1]


class Configurator:
    """Validate, guide, explain, repair and complete selections for one compiled model.

    Holds an incremental solver; not thread-safe. Every answer depends only on the selections
    passed in: what is kept between calls (the solver's learnt clauses, known valid
    configurations, known minimal explanations) is true of the model whatever the selections.
    """

    def __init__(self, compiled: CompiledModel, solver: str = DEFAULT_SOLVER) -> None:
        self.compiled = compiled
        self.model = compiled.model
        self.solver_name = solver
        self.selectors = list(compiled.selectors)
        self.constraint_of = {constraint.selector: constraint for constraint in compiled.constraints}
        values = len(compiled.sets) + sum(
            len(encoding.options) for encoding in compiled.sets if encoding.kind is Kind.MULTI
        )
        self._pool = _WitnessPool(max(16, min(WITNESS_POOL, WITNESS_VALUES // max(values, 1))))
        self._decoder = _Decoder(compiled)
        #: CNF variable -> the option set whose value it encodes (value, option and order literals)
        self._set_of_var: dict[int, str] = {}
        for encoding in compiled.sets:
            lits = (
                encoding.option_lits
                if encoding.kind is Kind.MULTI
                else encoding.var.lits
                if isinstance(encoding.var, DirectVar)
                else encoding.var.ge
            )
            for lit in lits:
                if abs(lit) != TRUE:
                    self._set_of_var[abs(lit)] = encoding.code
        self._distance_cache: dict[frozenset, list[int]] = {}
        #: the last witness decoded from the solver, with the solver's model
        self._last_model: tuple[dict[str, Any], list[int]] | None = None
        #: each constraint's answer to validation when none of its sets is known
        self._violated_alone = tuple(violated(constraint, {}) for constraint in compiled.constraints)
        self._stored: dict[tuple, list[_Stored]] = {}
        #: (choice or None, target) -> None (possible with that choice alone) or the constraints
        #: that rule the target out with it (see :meth:`_pair`)
        self._pairs: dict[tuple, tuple[ConstraintRef, ...] | None] = {}
        #: the keys of the values some valid configuration has (the others are dead); computed by
        #: the first guidance with explanations, so that no explanation asks the solver again
        self._possible: frozenset[tuple] | None = None
        #: for each set, the sets whose values decide whether a change of it keeps a configuration
        #: valid: itself and every set that shares a constraint with it
        self._neighbourhood: dict[str, frozenset[str]] = {}
        for encoding in compiled.sets:
            near = {encoding.code}
            for index in encoding.constraints:
                near.update(compiled.constraints[index].option_sets)
            self._neighbourhood[encoding.code] = frozenset(near)
        self._text_lengths = {
            encoding.code: text_lengths(self.model.option_set(encoding.code))
            for encoding in compiled.sets
            if encoding.kind is Kind.TEXT
        }
        #: guidance, validation, repairs, completion: every constraint is a unit clause
        self.backend = self._new_backend()
        self._core_backend: SatBackend | None = None
        self._last: SatBackend = self.backend
        self._retired_calls = 0

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

    def _maybe_rebuild(self) -> None:
        if self.backend.nvars - self.compiled.nvars > REBUILD_AFTER + self.compiled.nvars:
            self._retired_calls += self.backend.calls
            self.backend.close()
            self.backend = self._last = self._new_backend()

    # -- selections ------------------------------------------------------------------------------

    def parse_selections(self, raw: Mapping[str, Any]) -> dict[str, Value]:
        return parse_selections(self.model, raw)

    def _choices(self, selections: Mapping[str, Any]) -> list[_Choice]:
        parsed = parse_selections(self.model, selections)
        return [self._choice(code, value, rank) for rank, (code, value) in enumerate(parsed.items())]

    def _choice(self, code: str, value: Value, rank: int) -> _Choice:
        encoding = self.compiled.set_index[code]
        kind = encoding.kind
        abstract = value
        if kind is Kind.MULTI:
            lits = tuple(
                encoding.option_lits[encoding.value_index[c]] for c in encoding.options if c in value
            )
        elif kind is Kind.TEXT:
            index = self._text_index(encoding, value)
            lits = tuple(encoding.var.eq(index))
            abstract = "x" * encoding.var.values[index]
        else:
            index = encoding.value_index[value]
            lits = tuple(encoding.var.eq(index))
        return _Choice(code, value, lits, abstract, rank, kind)

    @staticmethod
    def _text_index(encoding: SetEncoding, value: str) -> int:
        values = encoding.var.values
        if encoding.text_exact:
            return encoding.value_index[len(value)]
        if value == "":
            return 0
        return 1 if values[0] == 0 else 0

    # -- decoding --------------------------------------------------------------------------------

    def _decode(self, model: Sequence[int]) -> dict[str, Any]:
        return self._decoder(model)

    def _is_valid_change(self, config: Mapping[str, Any], code: str) -> bool:
        """Whether every constraint that reads ``code`` holds (the rest are known to hold)."""
        constraints = self.compiled.constraints
        return all(holds(constraints[index], config) for index in self.compiled.set_index[code].constraints)

    def _solve(
        self,
        request: _Request,
        extra: Sequence[int] = (),
        *,
        choices: Sequence[_Choice] | None = None,
        selectors: Sequence[int] | None = None,
        named: bool = False,
    ) -> bool:
        """Solve under the choices (default: the request's) and ``extra``. With ``named`` (or a
        subset of ``selectors``) on the solver whose cores name constraints; see :meth:`_core`."""
        lits = request.assumptions if choices is None else [lit for choice in choices for lit in choice.lits]
        if named or selectors is not None:
            backend = self.core_backend
            if selectors is None:
                selectors = self._by_distance([*lits, *extra])
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
            witness = self._decode(model)
            self._last_model = (witness, model)
            self._pool.add(witness, self._decoder.atoms(model, witness))
            if choices is None:
                request.witnesses.append(witness)
        return result

    def _consistent(self, request: _Request) -> bool:
        """Whether some complete valid configuration extends the request's choices: a known one
        (no solver call), else the solver's. Either becomes the request's first witness."""
        found = self._pool.matching(request.choices)
        if found:
            request.witnesses.append(self._pool.config(found))
            return True
        return self._solve(request)

    def _by_distance(self, lits: Sequence[int]) -> list[int]:
        """Every constraint's selector, nearest first to the option sets of ``lits`` (breadth-first
        over "shares an option set"), then in model order."""
        sets = self._set_of_var
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

    def _core(self) -> list[int]:
        """The unsatisfiable core of the last call."""
        return self._last.core()

    # -- validation ------------------------------------------------------------------------------

    def validate(self, selections: Mapping[str, Any]) -> Validation:
        choices = self._choices(selections)
        request = _Request(self, choices)
        self._maybe_rebuild()
        consistent = self._consistent(request)
        return self._validation(choices, consistent)

    def _validation(self, choices: list[_Choice], consistent: bool) -> Validation:
        decided = {choice.code: choice.value for choice in choices}
        config: dict[str, Any] = {}
        missing: list[str] = []
        for option_set in self.model.option_sets:
            if option_set.code in decided:
                config[option_set.code] = decided[option_set.code]
                continue
            found, value = effective_value(option_set)
            if found:
                config[option_set.code] = value
            else:
                missing.append(option_set.code)
        constraints = self.compiled.constraints
        if len(config) * 2 < len(constraints):
            # only the constraints that read a known set can change their answer
            reading: set[int] = set()
            for code in config:
                reading.update(self.compiled.set_index[code].constraints)
            errors = tuple(
                self._ref(constraint)
                for index, constraint in enumerate(constraints)
                if (violated(constraint, config) if index in reading else self._violated_alone[index])
            )
        else:
            errors = tuple(
                self._ref(constraint) for constraint in constraints if violated(constraint, config)
            )
        complete = not missing
        return Validation(
            consistent=consistent,
            complete=complete,
            valid=complete and not errors,
            missing=tuple(missing),
            errors=errors,
        )

    @staticmethod
    def _ref(constraint: ConstraintInfo) -> ConstraintRef:
        return ConstraintRef(constraint.code, constraint.kind, constraint.message, constraint.option_sets)

    # -- guidance --------------------------------------------------------------------------------

    def guide(
        self, selections: Mapping[str, Any], explain: bool = True, explain_budget: float | None = None
    ) -> Guidance:
        """Classify every value exactly. ``explain``: give each blocked value its reasons;
        ``explain_budget``: seconds to spend on those reasons, after which the remaining blocked
        values are left without (``Guidance.explained`` is then False; ask :meth:`explain`). The
        work done within the budget is kept, so later calls explain more in the same time."""
        choices = self._choices(selections)
        self._maybe_rebuild()
        started = perf_counter()
        request = _Request(self, choices)
        consistent = self._consistent(request)
        validation = self._validation(choices, consistent)
        if not consistent:
            explanation = self._conflict(request, choices)
            conflict = Conflict(explanation, self._repairs(request, choices, 3))
            option_sets = tuple(self._blocked_set(encoding, choices) for encoding in self.compiled.sets)
            return Guidance(validation, option_sets, conflict, self.calls - request.start_calls)
        if explain and self._possible is None:
            self._possible = self._possible_values()
        if explain_budget is not None:
            request.explain_until = started + explain_budget
        option_sets = self._guide_consistent(request, explain)
        explained = explain and request.unexplained == 0
        return Guidance(validation, option_sets, None, self.calls - request.start_calls, explained)

    def _possible_values(self) -> frozenset[tuple]:
        """The target keys of the single, boolean and multi values that are not dead."""
        request = _Request(self, [])
        if not self._consistent(request):
            return frozenset()
        possible = set()
        for option_set in self._guide_consistent(request, explain=False):
            tag = "in" if option_set.kind is Kind.MULTI else "value"
            possible.update(
                (option_set.code, tag, value.value) for value in option_set.values if value.selectable
            )
        return frozenset(possible)

    def _conflict(self, request: _Request, choices: list[_Choice]) -> Explanation:
        found = self._lookup(("conflict",), choices)
        if found is not None:
            return found
        if self._solve(request, named=True):  # pragma: no cover - callers pass inconsistent choices
            raise AssertionError("the choices are consistent")
        return self._minimize(request, choices, (), ("conflict",), self._core())

    def _blocked_set(self, encoding: SetEncoding, choices: list[_Choice]) -> OptionSetGuidance:
        decided = {choice.code: choice.value for choice in choices}
        code = encoding.code
        selection = decided.get(code)
        values: tuple[ValueGuidance, ...] = ()
        if encoding.kind in (Kind.SINGLE, Kind.MULTI):
            values = tuple(
                ValueGuidance(
                    option, False, self._selected(encoding, code in decided, selection, option), False
                )
                for option in encoding.options
            )
        elif encoding.kind is Kind.BOOLEAN:
            values = tuple(
                ValueGuidance(value, False, code in decided and selection is value, False)
                for value in (True, False)
            )
        none = False if encoding.kind is Kind.SINGLE and None in encoding.value_index else None
        return OptionSetGuidance(code, encoding.kind, code in decided, selection, None, values, none)

    @staticmethod
    def _selected(encoding: SetEncoding, decided: bool, selection: Value, option: str) -> bool:
        if not decided:
            return False
        if encoding.kind is Kind.MULTI:
            return option in selection
        return selection == option

    def _targets(self, encoding: SetEncoding, choice: _Choice | None) -> list[_Target]:
        code = encoding.code
        if encoding.kind is Kind.MULTI:
            ticked = choice.value if choice is not None else frozenset()
            targets = []
            for option, lit in zip(encoding.options, encoding.option_lits, strict=True):
                if option not in ticked:
                    targets.append(_Target(code, "in", option, lit))
                    targets.append(_Target(code, "out", option, -lit))
            return targets
        if encoding.kind in (Kind.SINGLE, Kind.BOOLEAN) and choice is None:
            return [
                _Target(code, "value", value, lit)
                for value, lit in zip(encoding.var.values, encoding.var.lits, strict=True)
            ]
        return []

    def _guide_consistent(self, request: _Request, explain: bool) -> tuple[OptionSetGuidance, ...]:
        by_code = {choice.code: choice for choice in request.choices}
        witness = request.witnesses[-1]
        uncovered: dict[int, _Target] = {}
        covered: set[tuple] = set()
        for encoding in self.compiled.sets:
            for target in self._targets(encoding, by_code.get(encoding.code)):
                if target.holds(witness):
                    covered.add(target.key)
                else:
                    uncovered[target.lit] = target
        self._check_neighbours(request, witness, uncovered, covered)
        # complete valid configurations from earlier calls that extend these choices are witnesses too
        matching = self._pool.matching(request.choices) if uncovered else 0
        if matching:
            having = self._pool.having
            for lit, target in list(uncovered.items()):
                if having(target) & matching:
                    covered.add(target.key)
                    del uncovered[lit]
        bounds: dict[str, tuple[int, int]] = {}
        for encoding in self.compiled.sets:
            if encoding.kind in (Kind.NUMBER, Kind.TEXT) and encoding.code not in by_code:
                bounds[encoding.code] = self._bounds(request, encoding, uncovered, covered)
        while uncovered:
            if PREFER_UNCOVERED:
                self.backend.prefer(list(uncovered))
            activation = self.backend.new_var()
            self.backend.add_clause([-activation, *uncovered])
            found = self._solve(request, [activation])
            self.backend.add_clause([-activation])
            if not found:
                break
            self._cover(request, request.witnesses[-1], uncovered, covered)
        blocked = {target.key: target for target in uncovered.values()}
        result = []
        for encoding in self.compiled.sets:
            choice = by_code.get(encoding.code)
            result.append(self._set_guidance(request, encoding, choice, covered, blocked, bounds, explain))
        return tuple(result)

    def _cover(
        self, request: _Request, witness: dict[str, Any], uncovered: dict[int, _Target], covered: set[tuple]
    ) -> None:
        last = self._last_model
        if last is not None and last[0] is witness:
            # a target holds exactly when its literal is true in the solver's model
            model = last[1]
            hits = [lit for lit in uncovered if model[abs(lit) - 1] == lit]
        else:
            hits = [lit for lit, target in uncovered.items() if target.holds(witness)]
        for lit in hits:
            covered.add(uncovered.pop(lit).key)
        self._check_neighbours(request, witness, uncovered, covered)

    def _check_neighbours(
        self, request: _Request, witness: dict[str, Any], uncovered: dict[int, _Target], covered: set[tuple]
    ) -> None:
        """Cover the values whose neighbour of ``witness`` (that one set changed) is valid. A value
        already checked against the previous witness is checked again only if a set that its
        constraints read changed since (otherwise the answer is the same)."""
        if NEIGHBOURS == "none" or (NEIGHBOURS == "first" and request.checked is not None):
            return
        affected = None
        previous = request.checked
        if previous is not None:
            changed = [code for code, value in witness.items() if previous[code] != value]
            affected = set()
            for code in changed:
                affected.update(self._neighbourhood[code])
        request.checked = witness
        scratch = dict(witness)
        # (every target that holds in the witness is covered already, so a valid neighbour covers
        # just its own target: the other values of that set in it are the witness's own)
        for lit, target in list(uncovered.items()):
            code = target.code
            if affected is not None and code not in affected:
                continue
            scratch[code] = target.neighbour_value(witness)
            valid = self._is_valid_change(scratch, code)
            scratch[code] = witness[code]
            if valid:
                covered.add(target.key)
                del uncovered[lit]

    def _bounds(
        self, request: _Request, encoding: SetEncoding, uncovered: dict[int, _Target], covered: set[tuple]
    ) -> tuple[int, int]:
        """The smallest and largest feasible value index of an open number or text set."""
        var: OrderVar = encoding.var
        code = encoding.code
        index_of = self._index_function(encoding)
        seen = [index_of(witness[code]) for witness in request.witnesses]
        low_best, high_best = min(seen), max(seen)
        last = len(var) - 1

        def neighbour_ok(index: int) -> bool:
            witness = request.witnesses[-1]
            changed = dict(witness)
            changed[code] = self._value_at(encoding, index)
            return self._is_valid_change(changed, code)

        def found(extra: list[int]) -> int | None:
            if not self._solve(request, extra):
                return None
            witness = request.witnesses[-1]
            self._cover(request, witness, uncovered, covered)
            return index_of(witness[code])

        # the minimum: is anything below the best seen? (models lean low, so usually not)
        low = 0
        if low_best > 0 and neighbour_ok(0):
            low_best = 0
        tries = 0
        while low < low_best:
            middle = low_best - 1 if tries < 2 else (low + low_best - 1) // 2
            tries += 1
            index = found([-var.ge[middle + 1]])
            if index is None:
                low = middle + 1
            else:
                low_best = index
        # the maximum: try the top, then bisect
        high = last
        if high_best < last and neighbour_ok(last):
            high_best = last
        first = True
        while high_best < high:
            middle = high if first else (high_best + high + 1) // 2
            first = False
            index = found([var.ge[middle]])
            if index is None:
                high = middle - 1
            else:
                high_best = max(high_best, index)
        return low_best, high_best

    def _index_function(self, encoding: SetEncoding):
        if encoding.kind is Kind.TEXT:
            return lambda text: encoding.value_index[len(text)]
        return encoding.value_index.__getitem__

    @staticmethod
    def _value_at(encoding: SetEncoding, index: int) -> Any:
        value = encoding.var.values[index]
        return "x" * value if encoding.kind is Kind.TEXT else value

    def _set_guidance(
        self,
        request: _Request,
        encoding: SetEncoding,
        choice: _Choice | None,
        covered: set[tuple],
        blocked: dict[tuple, _Target],
        bounds: dict[str, tuple[int, int]],
        explain: bool,
    ) -> OptionSetGuidance:
        code, kind = encoding.code, encoding.kind
        decided = choice is not None
        selection = choice.value if decided else None
        if kind is Kind.MULTI:
            ticked = selection if decided else frozenset()
            values = []
            for option in encoding.options:
                if option in ticked:
                    values.append(ValueGuidance(option, True, True, True))
                    continue
                selectable = (code, "in", option) in covered
                implied = (code, "out", option) not in covered
                reason = None
                if not selectable and explain:
                    reason = self._value_reason(request, blocked[(code, "in", option)], None)
                values.append(ValueGuidance(option, selectable, False, implied, reason))
            forced = frozenset(value.value for value in values if value.implied)
            return OptionSetGuidance(code, kind, decided, selection, forced or None, tuple(values))
        if kind in (Kind.SINGLE, Kind.BOOLEAN):
            var: DirectVar = encoding.var
            order = var.values if kind is Kind.SINGLE else (True, False)
            selectable_of = {}
            for value in order:
                if decided:
                    selectable_of[value] = value == selection and type(value) is type(selection)
                else:
                    selectable_of[value] = (code, "value", value) in covered
            possible = [value for value in order if selectable_of[value]]
            only = len(possible) == 1
            values = []
            for value in order:
                if value is None:
                    continue
                selectable = selectable_of[value]
                reason = None
                if not selectable and explain:
                    target = _Target(code, "value", value, var.lits[encoding.value_index[value]])
                    reason = self._value_reason(request, target, choice)
                selected = decided and value == selection and type(value) is type(selection)
                values.append(ValueGuidance(value, selectable, selected, selectable and only, reason))
            implied = possible[0] if only else None
            none_selectable = selectable_of.get(None)
            return OptionSetGuidance(code, kind, decided, selection, implied, tuple(values), none_selectable)
        if decided:
            if kind is Kind.TEXT:
                length = len(selection)
                return OptionSetGuidance(
                    code,
                    kind,
                    True,
                    selection,
                    selection if length == 0 else None,
                    min_length=length,
                    max_length=length,
                )
            switch_minimum = switch_maximum = None
            if explain:
                # the range a slider can move to: this set's own choice left out
                others = _Request(self, [other for other in request.choices if other is not choice])
                others.witnesses = list(request.witnesses)
                low, high = self._bounds(others, encoding, {}, set())
                switch_minimum, switch_maximum = encoding.var.values[low], encoding.var.values[high]
            return OptionSetGuidance(
                code,
                kind,
                True,
                selection,
                selection,
                minimum=selection,
                maximum=selection,
                switch_minimum=switch_minimum,
                switch_maximum=switch_maximum,
            )
        low, high = bounds[code]
        if kind is Kind.TEXT:
            low_length, high_length = self._length_bounds(encoding, low, high)
            return OptionSetGuidance(
                code,
                kind,
                False,
                None,
                "" if high_length == 0 else None,
                min_length=low_length,
                max_length=high_length,
            )
        minimum, maximum = encoding.var.values[low], encoding.var.values[high]
        return OptionSetGuidance(
            code, kind, False, None, minimum if minimum == maximum else None, minimum=minimum, maximum=maximum
        )

    def _length_bounds(self, encoding: SetEncoding, low: int, high: int) -> tuple[int, int]:
        values = encoding.var.values
        if encoding.text_exact:
            return values[low], values[high]
        lengths = self._text_lengths[encoding.code]
        positive = [length for length in lengths if length > 0]
        low_length = values[low]
        high_length = positive[-1] if values[high] > 0 else 0
        return low_length, high_length

    # -- explanations ----------------------------------------------------------------------------

    def _value_reason(self, request: _Request, target: _Target, own: _Choice | None) -> Explanation | None:
        """The explanation of a blocked value (``own``: its set's choice, for a decided single or
        boolean set). Past the request's time budget only what is known without a solver call; None
        (and counted) when that is not enough."""
        cheap = request.over_budget()
        if own is None:
            reason = self._explain_blocked(request, target, request.choices, cheap=cheap)
        else:
            reason = self._explain_switch(request, target, own, cheap=cheap)
        if reason is None:
            request.unexplained += 1
        return reason

    def _lookup(self, key: tuple, choices: Sequence[_Choice]) -> Explanation | None:
        stored = self._stored.get(key)
        if not stored:
            return None
        keys = {choice.key for choice in choices}
        for entry in stored:
            if entry.keys <= keys:
                return entry.explanation
        return None

    def _store(self, key: tuple, chosen: Sequence[_Choice], explanation: Explanation) -> None:
        entries = self._stored.setdefault(key, [])
        entries.insert(0, _Stored(frozenset(choice.key for choice in chosen), explanation))
        del entries[STORED_EXPLANATIONS:]

    # A value blocked by one choice alone (or by none: a dead value) is explained by that choice: a
    # fact about the model, whatever else is chosen, so the answer for each (choice, value) pair is
    # kept for the configurator's lifetime. On Renault nearly every blocked value has one.

    def _single_cause(
        self,
        request: _Request,
        target: _Target,
        candidates: Sequence[_Choice],
        cheap: bool = False,
    ) -> Explanation | None:
        """The explanation of a blocked value by no choice (a dead value) or by one of
        ``candidates`` that blocks it alone (the earliest of those known without a solver call,
        else the earliest), with a minimal set of constraints; None when it takes two or more
        choices together (``cheap``: or when that is not known without more solver calls)."""
        constraints = self._pair(request, None, target, cheap=cheap)
        if constraints is _UNKNOWN:
            return None  # it may be dead, which no choice explains minimally
        if constraints is not None:
            return Explanation((), constraints)
        pending = []
        for choice in candidates:  # first what is known without the solver
            constraints = self._pair(request, choice, target, cheap=True)
            if constraints is _UNKNOWN:
                pending.append(choice)
            elif constraints is not None:
                return Explanation((Choice(choice.code, choice.value),), constraints)
        if cheap:
            return None
        for choice in pending:
            constraints = self._pair(request, choice, target)
            if constraints is not None:
                return Explanation((Choice(choice.code, choice.value),), constraints)
        return None

    def _pair(self, request: _Request, choice: _Choice | None, target: _Target, cheap: bool = False):
        """None when ``choice`` alone (None: no choice) leaves ``target`` possible, else a minimal
        tuple of constraints that rule it out with that choice. ``cheap``: ``_UNKNOWN`` instead of
        a solver call."""
        key = (None if choice is None else (choice.code, choice.abstract), target.key)
        if key in self._pairs:
            return self._pairs[key]
        if choice is None and self._possible is not None and target.key in self._possible:
            return None  # not dead
        if len(self._pairs) >= MAX_PAIRS:
            self._pairs.clear()
        choices = [] if choice is None else [choice]
        pool = self._pool
        result = None
        if not pool.having(target) & pool.matching(choices):
            alone = self._blocking_constraint(choice, target)
            if alone is not None:
                result = (self._ref(alone),)
            elif cheap:
                return _UNKNOWN
            elif not self._solve(request, target.lits, choices=choices, named=True):
                selectors = self._minimal_selectors(
                    request, choices, target.lits, self._core(), self._fixed(choices, target.key), target.key
                )
                result = tuple(self._ref(self.constraint_of[lit]) for lit in selectors)
        self._pairs[key] = result
        return result

    def _blocking_constraint(self, choice: _Choice | None, target: _Target) -> ConstraintInfo | None:
        """A rule or table that rules the target out with this choice, read off the constraint alone
        (no solver call); None when no single constraint does (or the kinds do not allow the check)."""
        if target.tag != "value" or (choice is not None and choice.kind in (Kind.MULTI, Kind.TEXT)):
            return None
        encoding = self.compiled.set_index[target.code]
        if encoding.kind not in (Kind.SINGLE, Kind.BOOLEAN):
            return None
        config = {target.code: target.value}
        if choice is not None:
            config[choice.code] = choice.abstract
        constraints = self.compiled.constraints
        for index in encoding.constraints:
            constraint = constraints[index]
            if choice is not None and choice.code not in constraint.option_sets:
                continue
            if violated(constraint, config):
                return constraint
        return None

    def _explain_blocked(
        self, request: _Request, target: _Target, candidates: Sequence[_Choice], cheap: bool = False
    ) -> Explanation | None:
        """A minimal explanation of a value known to be blocked by ``candidates`` (``cheap``: None
        unless it is known without a solver call)."""
        single = self._single_cause(request, target, candidates, cheap=cheap)
        if single is not None:
            return single
        found = self._lookup(target.key, candidates)
        if found is not None or cheap:
            return found
        satisfiable = self._solve(request, target.lits, choices=candidates, named=True)
        if satisfiable:  # pragma: no cover - callers only pass blocked values
            raise AssertionError("the value is not blocked")
        return self._minimize(request, candidates, target.lits, target.key, self._core())

    def _explain_switch(
        self, request: _Request, target: _Target, own: _Choice, cheap: bool = False
    ) -> Explanation | None:
        """Why a value of a decided set is not available: the other choices that block it, or, when
        nothing else does, the set's own choice (switching to it is possible). ``cheap``: None
        unless that is known without a solver call."""
        others = [choice for choice in request.choices if choice is not own]
        found = self._lookup(target.key, others)
        if found is not None:
            return found
        own_reason = Explanation((Choice(own.code, own.value),), ())
        if self._pool.having(target) & self._pool.matching(others):
            return own_reason
        for witness in request.witnesses:
            if target.holds(witness) and all(choice.satisfied_by(witness) for choice in others):
                return own_reason
        for witness in self._extending(request, others, 8):
            neighbour = target.neighbour(witness)
            if self._is_valid_change(neighbour, target.code):
                self._pool.add(neighbour, self._decoder.atoms_of(neighbour))
                return own_reason
        single = self._single_cause(request, target, others, cheap=True)
        if single is not None or cheap:
            return single
        if self._solve(request, target.lits, choices=others, named=True):
            return own_reason
        core = self._core()
        single = self._single_cause(request, target, others)
        if single is not None:
            return single
        return self._minimize(request, others, target.lits, target.key, core)

    def _extending(self, request: _Request, choices: Sequence[_Choice], limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` known complete valid configurations that extend ``choices``: the request's
        first, then the most recent of the pool."""
        found = list(request.witnesses[:limit])
        slots = self._pool.matching(choices)
        configs = self._pool.configs
        while slots and len(found) < limit:
            top = slots.bit_length() - 1
            slots ^= 1 << top
            if all(configs[top] is not known for known in found):
                found.append(configs[top])
        return found

    def _known_satisfiable(
        self, request: _Request, choices: Sequence[_Choice], target: Sequence[int], key: tuple
    ) -> bool:
        if len(choices) <= 1 and key[0] != "conflict":
            # one choice (or none) alone: answered for good by an earlier pair question
            pair = (None if not choices else (choices[0].code, choices[0].abstract), key)
            if pair in self._pairs and self._pairs[pair] is None:
                return True
        matching = self._pool.matching(choices)
        if key[0] == "conflict":
            if matching:
                return True
            test = None
        else:
            target = _Target(*key, 0)
            if self._pool.having(target) & matching:
                return True
            test = target.holds
        for witness in request.witnesses:
            if (test is None or test(witness)) and all(choice.satisfied_by(witness) for choice in choices):
                return True
        return False

    def _minimize(
        self,
        request: _Request,
        candidates: Sequence[_Choice],
        target: Sequence[int],
        key: tuple,
        core: Sequence[int],
    ) -> Explanation:
        """Deletion-based minimisation of an unsatisfiable core: first the choices (grouped per option
        set), then the constraints. ``core`` is the solver's core for ``candidates`` + ``target``."""
        found = self._lookup(key, candidates)
        if found is not None:
            return found
        core_set = set(core)
        groups = [choice for choice in candidates if any(lit in core_set for lit in choice.lits)]
        selectors = [lit for lit in self.selectors if lit in core_set]
        for choice in list(groups):
            if choice not in groups:
                continue
            trial = [other for other in groups if other is not choice]
            if self._known_satisfiable(request, trial, target, key):
                continue
            if self._solve(request, target, choices=trial, named=True):
                continue
            core_set = set(self._core())
            groups = [other for other in trial if any(lit in core_set for lit in other.lits)]
            selectors = [lit for lit in self.selectors if lit in core_set]
        about = key if key[0] != "conflict" else None
        fixed = self._fixed(groups, key)
        selectors = self._minimal_selectors(request, groups, target, selectors, fixed, about)
        constraints = tuple(self._ref(self.constraint_of[lit]) for lit in selectors)
        groups.sort(key=lambda choice: choice.rank)
        explanation = Explanation(tuple(Choice(choice.code, choice.value) for choice in groups), constraints)
        self._store(key, groups, explanation)
        return explanation

    def _minimal_selectors(
        self,
        request: _Request,
        groups: Sequence[_Choice],
        target: Sequence[int],
        core: Sequence[int],
        fixed: dict[str, Any] | None = None,
        key: tuple | None = None,
    ) -> list[int]:
        """Deletion-based minimisation of the constraints (selectors) in an unsatisfiable core of
        ``groups`` + ``target``; in the model's constraint order. ``fixed``: the same choices and
        target as values (see :meth:`_fixed`), which lets tables answer some trials without a call."""
        core_set = set(core)
        selectors = [lit for lit in self.selectors if lit in core_set]
        if len(selectors) > 1:
            shown = self._neighbour_violations(groups, key) if key is not None else []
            for selector in list(selectors):
                if selector not in selectors or len(selectors) == 1:
                    continue
                current = set(selectors)
                if any(violations & current <= {selector} for violations in shown):
                    continue  # a known configuration satisfies all the others: it is needed
                trial = [lit for lit in selectors if lit != selector]
                decided = self._decided_by_tables(fixed, trial) if fixed is not None else None
                if decided is True:
                    continue  # possible without it: it is needed
                if decided is not None:
                    return [decided.selector]  # one table alone rules it out
                if self._solve(request, target, choices=groups, selectors=trial):
                    continue
                core_set = set(self._core())
                selectors = [lit for lit in trial if lit in core_set]
        return selectors

    def _neighbour_violations(self, groups: Sequence[_Choice], key: tuple) -> list[set[int]]:
        """For a few known configurations that extend ``groups``: the selectors of the constraints
        that their neighbour with the target (only the target's set changed) violates. A constraint
        that is the only one violated among those switched on is needed: without it, that neighbour
        satisfies everything else."""
        target = _Target(*key, 0)
        pool = self._pool
        slots = pool.matching(groups)
        constraints = self.compiled.constraints
        reading = [constraints[index] for index in self.compiled.set_index[target.code].constraints]
        shown: list[set[int]] = []
        while slots and len(shown) < NEIGHBOUR_PROOFS:
            top = slots.bit_length() - 1
            slots ^= 1 << top
            neighbour = target.neighbour(pool.configs[top])
            shown.append({constraint.selector for constraint in reading if not holds(constraint, neighbour)})
        return shown

    @staticmethod
    def _fixed(choices: Sequence[_Choice], key: tuple) -> dict[str, Any] | None:
        """The choices and the target (a value of a single, boolean or number set) as one partial
        configuration; None when a multiple choice or a text is involved."""
        fixed: dict[str, Any] = {}
        for choice in choices:
            if choice.kind in (Kind.MULTI, Kind.TEXT):
                return None
            fixed[choice.code] = choice.abstract
        if key[0] != "conflict":
            code, tag, value = key
            if tag != "value" or code in fixed:
                return None
            fixed[code] = value
        return fixed

    def _decided_by_tables(self, fixed: dict[str, Any], trial: Sequence[int]):
        """Whether ``fixed`` extends to a configuration that satisfies the constraints ``trial``
        (all others switched off), without the solver: when they are all tables whose other columns
        are pairwise disjoint, each can be satisfied on its own, so together iff each alone. True:
        satisfiable; a table: this one alone rules ``fixed`` out; None: not decided here."""
        free_seen: set[str] = set()
        constraints = []
        for lit in trial:
            constraint = self.constraint_of[lit]
            if constraint.kind != "table":
                return None
            for code in constraint.option_sets:
                if code not in fixed:
                    if code in free_seen:
                        return None
                    free_seen.add(code)
            constraints.append(constraint)
        for constraint in constraints:
            if violated(constraint, fixed):
                return constraint
        return True

    def explain(self, selections: Mapping[str, Any], option_set: str, value: Any) -> Explanation:
        """Why ``value`` cannot be chosen for ``option_set`` (a multi: why it cannot be added).

        Raises :class:`EngineError` (code ``not_blocked``) when the value is available."""
        choices = self._choices(selections)
        self._maybe_rebuild()
        request = _Request(self, choices)
        encoding = self.compiled.set_index.get(option_set)
        if encoding is None:
            raise SelectionError(
                {f"selections.{option_set}": [(option_set, f"unknown option set {option_set!r}")]}
            )
        target = self._value_target(encoding, value)
        own = next((choice for choice in choices if choice.code == option_set), None)
        if own is not None and encoding.kind is not Kind.MULTI:
            if target.holds({option_set: own.abstract}):
                raise EngineError(f"{value!r} is the current choice of {option_set}", code="not_blocked")
            return self._explain_switch(request, target, own)
        if own is not None and value in own.value:
            raise EngineError(f"{value!r} is already chosen in {option_set}", code="not_blocked")
        return self._explain_blocked_generic(request, target, choices)

    def _explain_blocked_generic(
        self, request: _Request, target: _Target, choices: list[_Choice]
    ) -> Explanation:
        found = self._lookup(target.key, choices)
        if found is not None:
            return found
        if self._solve(request, target.lits, choices=choices, named=True):
            raise EngineError(f"{target.value!r} can be chosen for {target.code}", code="not_blocked")
        core = self._core()
        single = self._single_cause(request, target, choices)
        if single is not None:
            return single
        return self._minimize(request, choices, target.lits, target.key, core)

    def _value_target(self, encoding: SetEncoding, value: Any) -> _Target:
        code = encoding.code
        if encoding.kind is Kind.MULTI:
            if value not in encoding.value_index:
                raise SelectionError(
                    {f"selections.{code}": [(code, f"{value!r} is not an option of {code}")]}
                )
            return _Target(code, "in", value, encoding.option_lits[encoding.value_index[value]])
        if encoding.kind is Kind.TEXT:
            raise EngineError("text values are not explained", code="not_supported")
        option_set = self.model.option_set(code)
        from .selections import parse_value

        parsed, messages = parse_value(option_set, value)
        if messages:
            raise SelectionError({f"selections.{code}": [(code, message) for message in messages]})
        if encoding.kind is Kind.NUMBER:
            lits = encoding.var.eq(encoding.value_index[parsed]) or [TRUE]
            return _Target(code, "value", parsed, lits[0], tuple(lits))
        return _Target(code, "value", parsed, encoding.var.lits[encoding.value_index[parsed]])

    # -- repairs ---------------------------------------------------------------------------------

    def repairs(self, selections: Mapping[str, Any], limit: int = 3) -> tuple[Repair, ...]:
        """Up to ``limit`` minimal sets of changes that make inconsistent selections consistent
        (none when they are consistent), fewest changes first, then keeping the most recent."""
        choices = self._choices(selections)
        self._maybe_rebuild()
        request = _Request(self, choices)
        if self._solve(request):
            return ()
        return self._repairs(request, choices, limit)

    def _repairs(self, request: _Request, choices: list[_Choice], limit: int) -> tuple[Repair, ...]:
        """Weighted MaxSAT over the choices (dropping an older choice costs less; fewer drops always
        cost less), solved by implicit hitting sets on the incremental solver: every correction set
        must hit every unsatisfiable core, so the cheapest hitting set of the cores found so far is
        optimal as soon as dropping it is satisfiable. Larger searches go to RC2."""
        if not choices:
            return ()
        cores: list[frozenset[int]] = []
        found: list[frozenset[int]] = []
        repairs: list[Repair] = []
        position = {id(choice): index for index, choice in enumerate(choices)}

        def add_core(core: Sequence[int]) -> bool:
            core_set = set(core)
            hit = frozenset(position[id(c)] for c in choices if any(lit in core_set for lit in c.lits))
            if not hit:
                return False  # the constraints alone are unsatisfiable: nothing to repair
            cores.append(hit)
            return True

        if not add_core(() if self._solve(request) else self._core()):
            return ()
        while len(repairs) < limit:
            candidate = self._cheapest_hitting_set(cores, found, len(choices))
            if candidate is _TOO_LARGE:
                return self._repairs_rc2(request, choices, limit)
            if candidate is None:
                break
            kept = [choice for index, choice in enumerate(choices) if index not in candidate]
            if self._solve(request, choices=kept):
                dropped = [choices[index] for index in sorted(candidate)]
                afters = self._after_values(request, kept, dropped)
                repairs.append(
                    Repair(
                        tuple(
                            Change(choice.code, choice.value, after)
                            for choice, after in zip(dropped, afters, strict=True)
                        )
                    )
                )
                found.append(candidate)
            elif not add_core(self._core()):
                break
        return tuple(repairs)

    @staticmethod
    def _cheapest_hitting_set(cores: list[frozenset[int]], found: list[frozenset[int]], count: int):
        """The cheapest set of choice positions that hits every core and contains no found
        correction set: fewest elements first, then by the weight sum of 2**position (so the most
        recent choice changed is as old as possible, then the next, ...); no two sets tie."""
        candidates = sorted(set().union(*cores))
        if len(candidates) > MAX_HITTING_CANDIDATES:
            return _TOO_LARGE
        for size in range(1, len(candidates) + 1):
            if size > MAX_HITTING_SIZE:
                return _TOO_LARGE
            best = None
            for combo in combinations(candidates, size):
                weight = sum(1 << position for position in combo)
                if best is not None and weight >= best[0]:
                    continue
                chosen = frozenset(combo)
                if all(chosen & core for core in cores) and not any(previous <= chosen for previous in found):
                    best = (weight, chosen)
            if best is not None:
                return best[1]
        return None

    def _repairs_rc2(self, request: _Request, choices: list[_Choice], limit: int) -> tuple[Repair, ...]:
        nvars = self.compiled.nvars
        hard = [*self.compiled.clauses, *([selector] for selector in self.selectors)]
        keeps = []
        soft = []
        big = (1 << len(choices)) + 1  # every change costs more than all recency weights together
        for position, choice in enumerate(choices):
            nvars += 1
            keep = nvars
            keeps.append(keep)
            hard.extend([-keep, lit] for lit in choice.lits)
            soft.append(([keep], big + (1 << position)))
        solver = MaxSat(hard, soft)
        repairs: list[Repair] = []
        try:
            while len(repairs) < limit:
                result = solver.solve()
                if result is None:
                    break
                model, _ = result
                truth = {lit for lit in model if lit > 0}
                dropped = [choice for choice, keep in zip(choices, keeps, strict=True) if keep not in truth]
                if not dropped:
                    break
                kept = [choice for choice in choices if choice not in dropped]
                afters = self._after_values(request, kept, dropped)
                repairs.append(
                    Repair(
                        tuple(
                            Change(choice.code, choice.value, after)
                            for choice, after in zip(dropped, afters, strict=True)
                        )
                    )
                )
                solver.add_hard(
                    [keep for choice, keep in zip(choices, keeps, strict=True) if choice in dropped]
                )
        finally:
            solver.close()
        return tuple(repairs)

    def _after_values(self, request: _Request, kept: list[_Choice], dropped: list[_Choice]) -> list[Value]:
        """For each dropped choice in turn, the first value that still fits with the kept choices and
        the values picked before: the default, then the options in order (then none), the other
        boolean, the smallest feasible number; a multiple choice keeps its default or is emptied; a
        text is emptied when it may be, else ``None`` (another text must be entered)."""
        fixed = list(kept)
        afters: list[Value] = []
        for choice in dropped:
            option_set = self.model.option_set(choice.code)
            picked: Value = None
            for candidate in self._after_candidates(option_set, choice):
                trial = self._choice(choice.code, candidate, choice.rank)
                if self._fits(request, [*fixed, trial]):
                    picked = candidate
                    fixed.append(trial)
                    break
            else:
                if option_set.kind is Kind.NUMBER:
                    picked = self._smallest_number(request, fixed, choice)
                    fixed.append(self._choice(choice.code, picked, choice.rank))
            afters.append(picked)
        return afters

    def _after_candidates(self, option_set, choice: _Choice) -> list[Value]:
        kind = option_set.kind
        found, default = default_value(option_set)
        candidates: list[Value] = [default] if found else []
        if kind is Kind.SINGLE:
            candidates += [option.code for option in option_set.options]
            if not option_set.required:
                candidates.append(None)
        elif kind is Kind.BOOLEAN:
            candidates += [False, True]
        elif kind is Kind.MULTI:
            candidates.append(frozenset())
        elif kind is Kind.TEXT:
            candidates = [""] if not option_set.required else []
        result = []
        for candidate in candidates:
            if candidate not in result and not (
                candidate == choice.value and type(candidate) is type(choice.value)
            ):
                result.append(candidate)
        return result

    def _fits(self, request: _Request, choices: list[_Choice]) -> bool:
        if self._pool.matching(choices):
            return True
        return self._solve(request, choices=choices)

    def _smallest_number(self, request: _Request, fixed: list[_Choice], choice: _Choice) -> Decimal:
        encoding = self.compiled.set_index[choice.code]
        var: OrderVar = encoding.var
        self._solve(request, choices=fixed)
        high = encoding.value_index[self._pool.last[choice.code]]
        low = 0
        while low < high:
            middle = (low + high) // 2
            if self._solve(request, [-var.ge[middle + 1]], choices=fixed):
                high = encoding.value_index[self._pool.last[choice.code]]
            else:
                low = middle + 1
        return var.values[high]

    # -- completion ------------------------------------------------------------------------------

    def complete(self, selections: Mapping[str, Any]) -> Completion:
        """A complete valid configuration extending the selections: defaults where they still fit
        (in option-set order), then the cheapest completion of the rest."""
        choices = self._choices(selections)
        self._maybe_rebuild()
        request = _Request(self, choices)
        if not self._solve(request):
            raise EngineError(
                "the selections are inconsistent: no valid configuration extends them", code="inconsistent"
            )
        decided = {choice.code for choice in choices}
        accepted: list[_Choice] = []
        witness = request.witnesses[-1]
        for option_set in self.model.option_sets:
            if option_set.code in decided:
                continue
            found, default = default_value(option_set)
            if not found:
                continue
            choice = self._choice(option_set.code, default, len(choices) + len(accepted))
            if choice.kind is Kind.MULTI:
                encoding = self.compiled.set_index[option_set.code]
                choice.lits = tuple(
                    lit if option in default else -lit
                    for option, lit in zip(encoding.options, encoding.option_lits, strict=True)
                )
            fits_witness = witness[option_set.code] == choice.abstract
            if fits_witness or self._solve(
                request, [lit for c in accepted for lit in c.lits] + list(choice.lits)
            ):
                accepted.append(choice)
                witness = request.witnesses[-1]
        config = self._cheapest(choices, accepted)
        selections_out: dict[str, Value] = {}
        missing = []
        by_code = {choice.code: choice.value for choice in (*choices, *accepted)}
        for option_set in self.model.option_sets:
            code = option_set.code
            if code in by_code and option_set.kind is not Kind.MULTI:
                selections_out[code] = by_code[code]
            elif option_set.kind is Kind.TEXT and config[code] != "":
                missing.append(code)
            else:
                selections_out[code] = config[code]
        return Completion(selections_out, tuple(choice.code for choice in accepted), tuple(missing))

    def _cheapest(self, choices: list[_Choice], accepted: list[_Choice]) -> dict[str, Any]:
        fixed = {choice.code for choice in (*choices, *accepted)}
        hard = [*self.compiled.clauses, *([selector] for selector in self.selectors)]
        hard.extend([lit] for choice in (*choices, *accepted) for lit in choice.lits)
        nvars = self.compiled.nvars
        primary: list[tuple[list[int], Decimal]] = []
        secondary: list[tuple[list[int], int]] = []
        for encoding in self.compiled.sets:
            if encoding.code in fixed:
                continue
            option_set = self.model.option_set(encoding.code)
            kind = encoding.kind
            if kind in (Kind.SINGLE, Kind.MULTI):
                lits = encoding.var.lits if kind is Kind.SINGLE else encoding.option_lits
                for position, option in enumerate(option_set.options):
                    lit = lits[position]
                    primary.append(([lit], option.price_delta))
                    secondary.append(([-lit], position + 1 if kind is Kind.SINGLE else 1))
            elif kind is Kind.BOOLEAN:
                lit = encoding.var.lits[1]
                primary.append(([lit], option_set.price_delta))
                secondary.append(([-lit], 1))
            elif kind is Kind.TEXT:
                var = encoding.var
                if len(var) > 1 and var.values[0] == 0:  # ge[1] is "not empty"
                    primary.append(([var.ge[1]], option_set.price_delta))
                    secondary.append(([-var.ge[1]], 1))
            else:
                var = encoding.var
                found, default = default_value(option_set)
                if found:
                    nvars += 1
                    at_default = nvars
                    eq = var.eq(encoding.value_index[default])
                    hard.extend([-at_default, lit] for lit in eq)
                    hard.append([at_default, *(-lit for lit in eq)])
                    primary.append(([-at_default], option_set.price_delta))
                secondary.extend(([-var.ge[i]], 1) for i in range(1, len(var)))
        scale = 1
        for _, price in primary:
            exponent = price.as_tuple().exponent
            if isinstance(exponent, int) and exponent < 0:
                scale = max(scale, 10 ** min(-exponent, 6))
        big = sum(weight for _, weight in secondary) + 1
        soft: list[tuple[list[int], int]] = []
        for (lit,), price in primary:
            weight = int(abs(price) * scale) * big
            if weight:
                # a positive price is paid when the literal is true: prefer it false
                soft.append(([-lit] if price > 0 else [lit], weight))
        soft.extend(secondary)
        solver = MaxSat(hard, soft)
        try:
            result = solver.solve()
        finally:
            solver.close()
        if result is None:  # pragma: no cover - checked consistent before
            raise EngineError("no valid configuration extends the selections", code="inconsistent")
        return self._decode(result[0])
