"""Explanations: why a value is blocked (a minimal set of the customer's choices and the
constraints that rule it out), and why choices conflict. Deletion-based minimisation of the
solver's unsatisfiable cores, helped by what is known without a call: the witness pool, single
constraints read off, and answers kept per (choice, value) pair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cnf import TRUE
from .compile import ConstraintInfo, SetEncoding
from .errors import EngineError, NotBlockedError, SelectionError
from .evaluate import holds, violated
from .model import Kind
from .results import Choice, ConstraintRef, Explanation
from .selections import parse_value
from .session import Request, Session, constraint_ref
from .witnesses import ChoiceLits, Config, Target

#: "not known without a solver call" (answers of :meth:`Explainer._pair` with ``cheap``)
_UNKNOWN = object()

#: The answer about one (choice, value) pair: None when the choice alone leaves the value possible,
#: else a minimal tuple of the constraints that rule it out with that choice
PairAnswer = tuple[ConstraintRef, ...] | None
#: (``(code, abstract value)`` of the choice, or None for no choice, the target's key)
PairKey = tuple[tuple[str, Any] | None, tuple[str, str, Any]]


#: The key under which minimal conflicts are stored; a value's key is its target's (3 items)
CONFLICT: tuple[str] = ("conflict",)


def target_of(key: tuple[Any, ...]) -> Target:
    """The question a value's explanation key stands for."""
    code, tag, value = key
    return Target(code, tag, value, 0)


def is_target(key: tuple[Any, ...]) -> bool:
    """Whether an explanation key is a value's (``(code, tag, value)``), not a conflict's or another
    question's (such as "this multiple choice exactly as ticked", ``(("exact", code), ticked)``)."""
    return len(key) == 3


@dataclass(slots=True)
class _Stored:
    keys: frozenset[tuple[str, Any]]
    explanation: Explanation


class Explainer:
    """Minimal explanations for one configurator's session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._stored: dict[tuple[Any, ...], list[_Stored]] = {}
        #: pair answers found at request time (see :meth:`_pair`); cleared when full
        self._pairs: dict[PairKey, PairAnswer] = {}
        #: the keys of the values some valid configuration has (the others are dead); computed by
        #: the first guidance with explanations, so that no explanation asks the solver again
        self.possible: frozenset[tuple[str, str, Any]] | None = None

    def conflict(self, request: Request, choices: list[ChoiceLits]) -> Explanation:
        found = self._lookup(CONFLICT, choices)
        if found is not None:
            return found
        if self.session.solve(request, named=True):  # pragma: no cover - callers pass inconsistent choices
            raise AssertionError("the choices are consistent")
        return self._minimize(request, choices, (), CONFLICT, self.session.core())

    def value_reason(self, request: Request, target: Target, own: ChoiceLits | None) -> Explanation | None:
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

    def _lookup(self, key: tuple, choices: Sequence[ChoiceLits]) -> Explanation | None:
        stored = self._stored.get(key)
        if not stored:
            return None
        keys = {choice.key for choice in choices}
        for entry in stored:
            if entry.keys <= keys:
                return entry.explanation
        return None

    def _store(self, key: tuple, chosen: Sequence[ChoiceLits], explanation: Explanation) -> None:
        entries = self._stored.setdefault(key, [])
        entries.insert(0, _Stored(frozenset(choice.key for choice in chosen), explanation))
        del entries[self.session.tuning.stored_explanations :]

    def _single_cause(
        self,
        request: Request,
        target: Target,
        candidates: Sequence[ChoiceLits],
        cheap: bool = False,
    ) -> Explanation | None:
        """The explanation of a blocked value by no choice (a dead value) or by one of
        ``candidates`` that blocks it alone (the earliest of those known without a solver call,
        else the earliest), with a minimal set of constraints; None when it takes two or more
        choices together (``cheap``: or when that is not known without more solver calls)."""
        precomputed = self.session.precomputed
        constraints = self._pair(request, None, target, cheap=cheap)
        if constraints is _UNKNOWN:
            return None  # it may be dead, which no choice explains minimally
        if constraints is not None:
            request.precomputed_reasons += precomputed is not None and precomputed.answers(None, target)
            return Explanation((), constraints)
        pending = []
        for choice in candidates:  # first what is known without the solver
            constraints = self._pair(request, choice, target, cheap=True)
            if constraints is _UNKNOWN:
                pending.append(choice)
            elif constraints is not None:
                request.precomputed_reasons += precomputed is not None and precomputed.answers(choice, target)
                return Explanation((Choice(choice.code, choice.value),), constraints)
        if cheap:
            return None
        for choice in pending:
            constraints = self._pair(request, choice, target)
            if constraints is not None:
                return Explanation((Choice(choice.code, choice.value),), constraints)
        return None

    def _together(
        self, request: Request, target: Target, candidates: Sequence[ChoiceLits]
    ) -> Explanation | None:
        """The explanation of a value that two of ``candidates`` rule out together, as precomputed
        (no solver call); None when the precomputed answers do not have one. Asked after no single
        choice was found to block the value alone, so the two are a minimal set of choices."""
        found = self.session.together(request).get(target.key)
        if found is None:
            return None
        one, other, indices = found
        if not any(choice is one for choice in candidates) or not any(
            choice is other for choice in candidates
        ):
            return None
        request.precomputed_reasons += 1
        pair = sorted((one, other), key=lambda choice: choice.rank)
        refs = self.session.constraint_refs
        return Explanation(
            tuple(Choice(choice.code, choice.value) for choice in pair),
            tuple(refs[index] for index in indices),
        )

    def _pair(self, request: Request, choice: ChoiceLits | None, target: Target, cheap: bool = False) -> Any:
        """None when ``choice`` alone (None: no choice) leaves ``target`` possible, else a minimal
        tuple of constraints that rule it out with that choice. ``cheap``: ``_UNKNOWN`` instead of
        a solver call."""
        precomputed = self.session.precomputed
        if precomputed is not None and precomputed.answers(choice, target):
            blocked = precomputed.blocks[None if choice is None else choice.key].get(target.key)
            if blocked is None:
                return None
            refs = self.session.constraint_refs
            return tuple(refs[index] for index in blocked)
        key: PairKey = (None if choice is None else (choice.code, choice.abstract), target.key)
        if key in self._pairs:
            return self._pairs[key]
        if choice is None and self.possible is not None and target.key in self.possible:
            return None  # not dead
        if len(self._pairs) >= self.session.tuning.max_pairs:
            self._pairs.clear()
        choices = [] if choice is None else [choice]
        result: PairAnswer = None
        if not self.session.known_possible(choices, target):
            alone = self._blocking_constraint(choice, target)
            if alone is not None:
                result = (constraint_ref(alone),)
            elif cheap:
                return _UNKNOWN
            elif not self.session.solve(request, target.lits, choices=choices, named=True):
                selectors = self._minimal_selectors(
                    request,
                    choices,
                    target.lits,
                    self.session.core(),
                    self._fixed(choices, target.key),
                    target.key,
                )
                result = tuple(constraint_ref(self.session.constraint_of[lit]) for lit in selectors)
        self._pairs[key] = result
        return result

    def pair_indices(self, request: Request, choice: ChoiceLits | None, target: Target) -> tuple[int, ...]:
        """The minimal constraints (indices into ``compiled.constraints``) that rule ``target`` out
        with ``choice`` alone (None: with no choice), for a pair known to be blocked."""
        refs = self._pair(request, choice, target)
        assert refs is not None, "the pair is blocked"
        index = self.session.constraint_index
        return tuple(index[ref] for ref in refs)

    def blocking_indices(
        self, request: Request, choices: list[ChoiceLits], target: Target
    ) -> tuple[int, ...]:
        """A minimal set of constraints (indices into ``compiled.constraints``) that rule ``target``
        out with ``choices``, for choices known to rule it out together."""
        if self.session.solve(request, target.lits, choices=choices, named=True):  # pragma: no cover
            raise AssertionError("the choices leave the value possible")
        selectors = self._minimal_selectors(
            request, choices, target.lits, self.session.core(), self._fixed(choices, target.key), target.key
        )
        index = self.session.constraint_index
        return tuple(index[constraint_ref(self.session.constraint_of[lit])] for lit in selectors)

    def _blocking_constraint(self, choice: ChoiceLits | None, target: Target) -> ConstraintInfo | None:
        """A rule or table that rules the target out with this choice, read off the constraint alone
        (no solver call); None when no single constraint does (or the kinds do not allow the check)."""
        if target.tag != "value" or (choice is not None and choice.kind in (Kind.MULTI, Kind.TEXT)):
            return None
        encoding = self.session.compiled.set_index[target.code]
        if encoding.kind not in (Kind.SINGLE, Kind.BOOLEAN):
            return None
        config = {target.code: target.value}
        if choice is not None:
            config[choice.code] = choice.abstract
        constraints = self.session.compiled.constraints
        for index in encoding.constraints:
            constraint = constraints[index]
            if choice is not None and choice.code not in constraint.option_sets:
                continue
            if violated(constraint, config):
                return constraint
        return None

    def _explain_blocked(
        self, request: Request, target: Target, candidates: Sequence[ChoiceLits], cheap: bool = False
    ) -> Explanation | None:
        """A minimal explanation of a value known to be blocked by ``candidates`` (``cheap``: None
        unless it is known without a solver call)."""
        single = self._single_cause(request, target, candidates, cheap=cheap)
        if single is not None:
            return single
        found = self._lookup(target.key, candidates) or self._together(request, target, candidates)
        if found is not None or cheap:
            return found
        found = self._read_off(request, target, candidates) or self._as_found_before(
            request, target, candidates
        )
        if found is not None:
            return found
        satisfiable = self.session.solve(request, target.lits, choices=candidates)
        if satisfiable:  # pragma: no cover - callers only pass blocked values
            raise AssertionError("the value is not blocked")
        return self._minimize(request, candidates, target.lits, target.key, self.session.core())

    def _explain_switch(
        self, request: Request, target: Target, own: ChoiceLits, cheap: bool = False
    ) -> Explanation | None:
        """Why a value of a decided set is not available: the other choices that block it, or, when
        nothing else does, the set's own choice (switching to it is possible). ``cheap``: None
        unless that is known without a solver call."""
        others = [choice for choice in request.choices if choice is not own]
        found = self._lookup(target.key, others)
        if found is not None:
            return found
        single = self._single_cause(request, target, others, cheap=True) or self._together(
            request, target, others
        )
        if single is not None:
            return single
        own_reason = Explanation((Choice(own.code, own.value),), ())
        if cheap:
            return own_reason if self.session.known_possible(others, target) else None
        if not target.conjunction and target.lit in self._switchable(request, own, others):
            return own_reason
        if self.session.solve(request, target.lits, choices=others):  # a number's value
            return own_reason
        core = self.session.core()
        single = self._single_cause(request, target, others)
        if single is not None:
            return single
        found = self._read_off(request, target, others) or self._as_found_before(request, target, others)
        if found is not None:
            return found
        return self._minimize(request, others, target.lits, target.key, core)

    def _as_found_before(
        self, request: Request, target: Target, candidates: Sequence[ChoiceLits]
    ) -> Explanation | None:
        """A minimal explanation within choices that blocked another value of this request: in a
        step, a few sets of choices together block many values (all but one value of a set they
        force, say), and minimising from those few choices takes few solver calls."""
        among = {id(choice) for choice in candidates}
        tries = 0
        # first the sets that blocked a value of the same option set (they often block all but one)
        ordered = sorted(request.blocking, key=lambda found: found[0] != target.code)
        for _, chosen, selectors in ordered:
            if tries >= self.session.tuning.reused_blocking or not all(id(c) in among for c in chosen):
                continue
            if self._known_satisfiable(request, chosen, target.lits, target.key):
                continue
            tries += 1
            if not self.session.solve(request, target.lits, choices=chosen):
                core = self.session.core()
                return self._minimize(request, chosen, target.lits, target.key, core, selectors)
        return None

    def _read_off(
        self, request: Request, target: Target, candidates: Sequence[ChoiceLits]
    ) -> Explanation | None:
        """One constraint that, read on its own, rules the target out with some of the candidates
        (Kleene evaluation, no solver call), those choices cut down to the fewest this constraint
        needs; an explanation when no fewer of them block the target with every constraint (known
        without a call where the precomputed or kept pair answers tell). Callers ask after no single
        choice was found to block the target alone. None when no constraint shows it this way."""
        if target.tag != "value" or target.conjunction:
            return None
        compiled = self.session.compiled
        encoding = compiled.set_index[target.code]
        if encoding.kind not in (Kind.SINGLE, Kind.BOOLEAN):
            return None
        by_code = {choice.code: choice for choice in candidates if choice.kind not in (Kind.MULTI, Kind.TEXT)}
        for index in encoding.constraints:
            constraint = compiled.constraints[index]
            scope = [by_code[code] for code in constraint.option_sets if code in by_code]
            if len(scope) < 2:
                continue  # one choice alone: a single cause, asked before
            config = {choice.code: choice.abstract for choice in scope}
            config[target.code] = target.value
            if not violated(constraint, config):
                continue
            for choice in list(scope):
                del config[choice.code]
                if violated(constraint, config):
                    scope.remove(choice)
                else:
                    config[choice.code] = choice.abstract
            if len(scope) >= 2 and all(self._unblocked(request, target, scope, choice) for choice in scope):
                scope.sort(key=lambda choice: choice.rank)
                explanation = Explanation(
                    tuple(Choice(choice.code, choice.value) for choice in scope),
                    (constraint_ref(constraint),),
                )
                self._store(target.key, scope, explanation)
                return explanation
        return None

    def _unblocked(
        self, request: Request, target: Target, choices: Sequence[ChoiceLits], left_out: ChoiceLits
    ) -> bool:
        """Whether the target is possible with every constraint and ``choices`` but ``left_out``."""
        rest = [choice for choice in choices if choice is not left_out]
        if len(rest) == 1:
            answer = self._pair(request, rest[0], target, cheap=True)
            if answer is not _UNKNOWN:
                return answer is None
        if self._known_satisfiable(request, rest, target.lits, target.key):
            return True
        return self.session.solve(request, target.lits, choices=rest)

    def _switchable(self, request: Request, own: ChoiceLits, others: list[ChoiceLits]) -> frozenset[int]:
        """The literals of the values of a decided single or boolean set that the other choices
        allow (what the set may switch to), for all its values at once: known configurations and
        their neighbours first, then covering rounds on the guidance solver (one activatable clause
        "one of the values still unknown"), values one choice alone blocks left out. Kept for the
        request."""
        found = request.switchable.get(own.code)
        if found is not None:
            return found
        session = self.session
        code = own.code
        encoding = session.compiled.set_index[code]
        precomputed = session.precomputed
        known_blocked: set[tuple[str, str, Any]] = set()
        if precomputed is not None:
            known_blocked = precomputed.blocked_by(others)
            # two of the request's choices that rule out a value of this set together are others
            known_blocked.update(session.together(request))
        possible: set[int] = set()
        unknown: dict[int, Target] = {}
        for value, lit in zip(encoding.domain.values, encoding.direct.lits, strict=True):
            target = Target(code, "value", value, lit)
            if value is None or lit in own.lits or target.key in known_blocked:
                continue
            if session.known_possible(others, target):
                possible.add(lit)
            else:
                unknown[lit] = target

        def neighbours(witness: Config) -> None:
            for lit, target in list(unknown.items()):
                if session.is_valid_change(target.neighbour(witness), code):
                    possible.add(lit)
                    del unknown[lit]

        for witness in session.extending(request, others, 8):
            if not unknown:
                break
            neighbours(witness)
        while unknown:
            if session.tuning.prefer_uncovered:
                session.backend.prefer(list(unknown))
            activation = session.backend.new_var()
            session.backend.add_clause([-activation, *unknown])
            satisfiable = session.solve(request, [activation], choices=others)
            session.backend.add_clause([-activation])
            if not satisfiable:
                break
            witness = session.last_witness()
            lit = encoding.direct.lits[encoding.value_index[witness[code]]]
            possible.add(lit)
            unknown.pop(lit, None)
            neighbours(witness)
        result = frozenset(possible)
        request.switchable[code] = result
        return result

    def _known_satisfiable(
        self, request: Request, choices: Sequence[ChoiceLits], target: Sequence[int], key: tuple
    ) -> bool:
        if not is_target(key):
            if key != CONFLICT:
                return False
        elif (
            len(choices) <= 1
            and self._pair(request, choices[0] if choices else None, target_of(key), cheap=True) is None
        ):
            return True  # one choice or none: answered for good by an earlier or precomputed pair question
        question = None if key == CONFLICT else target_of(key)
        if self.session.known_possible(choices, question):
            return True
        test = None if question is None else question.holds
        for witness in request.witnesses:
            if (test is None or test(witness)) and all(choice.satisfied_by(witness) for choice in choices):
                return True
        return False

    def _minimize(
        self,
        request: Request,
        candidates: Sequence[ChoiceLits],
        target: Sequence[int],
        key: tuple,
        core: Sequence[int],
        hint: Sequence[int] = (),
    ) -> Explanation:
        """Deletion-based minimisation of an unsatisfiable core: first the choices (grouped per option
        set), then the constraints. ``core`` is the solver's core for ``candidates`` + ``target``;
        ``hint``: selectors tried first when every candidate is needed."""
        found = self._lookup(key, candidates)
        if found is not None:
            return found
        core_set = set(core)
        groups = [choice for choice in candidates if any(lit in core_set for lit in choice.lits)]
        selectors = [lit for lit in self.session.selectors if lit in core_set]
        for choice in list(groups):
            if choice not in groups:
                continue
            trial = [other for other in groups if other is not choice]
            if self._known_satisfiable(request, trial, target, key):
                continue
            # every constraint on (the guidance solver, cheaper by far): its core names the choices
            if self.session.solve(request, target, choices=trial):
                continue
            core_set = set(self.session.core())
            groups = [other for other in trial if any(lit in core_set for lit in other.lits)]
            selectors = []
        # the constraints that explained another value with the same choices, if they suffice
        same_choices = not selectors and len(groups) == len(candidates)
        if same_choices and hint and not self.session.solve(request, target, choices=groups, selectors=hint):
            core_set = set(self.session.core())
            selectors = [lit for lit in hint if lit in core_set]
        if not selectors:  # the constraints of a core of exactly these choices
            if self.session.solve(request, target, choices=groups, named=True):  # pragma: no cover
                raise AssertionError("a minimal set of choices is unsatisfiable")
            core_set = set(self.session.core())
            selectors = [lit for lit in self.session.selectors if lit in core_set]
        about = key if is_target(key) else None
        fixed = self._fixed(groups, key)
        selectors = self._minimal_selectors(request, groups, target, selectors, fixed, about)
        constraints = tuple(constraint_ref(self.session.constraint_of[lit]) for lit in selectors)
        groups.sort(key=lambda choice: choice.rank)
        explanation = Explanation(tuple(Choice(choice.code, choice.value) for choice in groups), constraints)
        self._store(key, groups, explanation)
        if is_target(key) and len(groups) > 1:
            request.blocking.append((key[0], tuple(groups), tuple(selectors)))
        return explanation

    def _minimal_selectors(
        self,
        request: Request,
        groups: Sequence[ChoiceLits],
        target: Sequence[int],
        core: Sequence[int],
        fixed: dict[str, Any] | None = None,
        key: tuple | None = None,
    ) -> list[int]:
        """Deletion-based minimisation of the constraints (selectors) in an unsatisfiable core of
        ``groups`` + ``target``; in the model's constraint order. ``fixed``: the same choices and
        target as values (see :meth:`_fixed`), which lets tables answer some trials without a call."""
        core_set = set(core)
        selectors = [lit for lit in self.session.selectors if lit in core_set]
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
                if isinstance(decided, ConstraintInfo):
                    return [decided.selector]  # one table alone rules it out
                if self.session.solve(request, target, choices=groups, selectors=trial):
                    continue
                core_set = set(self.session.core())
                selectors = [lit for lit in trial if lit in core_set]
        return selectors

    def _neighbour_violations(self, groups: Sequence[ChoiceLits], key: tuple) -> list[set[int]]:
        """For a few known configurations that extend ``groups``: the selectors of the constraints
        that their neighbour with the target (only the target's set changed) violates. A constraint
        that is the only one violated among those switched on is needed: without it, that neighbour
        satisfies everything else."""
        target = target_of(key)
        pool = self.session.pool
        slots = pool.matching(groups)
        constraints = self.session.compiled.constraints
        reading = [constraints[index] for index in self.session.compiled.set_index[target.code].constraints]
        shown: list[set[int]] = []
        while slots and len(shown) < self.session.tuning.neighbour_proofs:
            top = slots.bit_length() - 1
            slots ^= 1 << top
            config = pool.configs[top]
            assert config is not None
            neighbour = target.neighbour(config)
            shown.append({constraint.selector for constraint in reading if not holds(constraint, neighbour)})
        return shown

    @staticmethod
    def _fixed(choices: Sequence[ChoiceLits], key: tuple) -> dict[str, Any] | None:
        """The choices and the target (a value of a single, boolean or number set) as one partial
        configuration; None when a multiple choice or a text is involved."""
        fixed: dict[str, Any] = {}
        for choice in choices:
            if choice.kind in (Kind.MULTI, Kind.TEXT):
                return None
            fixed[choice.code] = choice.abstract
        if not is_target(key):
            return fixed if key == CONFLICT else None
        code, tag, value = key
        if tag != "value" or code in fixed:
            return None
        fixed[code] = value
        return fixed

    def _decided_by_tables(self, fixed: dict[str, Any], trial: Sequence[int]) -> ConstraintInfo | bool | None:
        """Whether ``fixed`` extends to a configuration that satisfies the constraints ``trial``
        (all others switched off), without the solver: when they are all tables whose other columns
        are pairwise disjoint, each can be satisfied on its own, so together iff each alone. True:
        satisfiable; a table: this one alone rules ``fixed`` out; None: not decided here."""
        free_seen: set[str] = set()
        constraints = []
        for lit in trial:
            constraint = self.session.constraint_of[lit]
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

    def explain_lits(
        self, request: Request, candidates: Sequence[ChoiceLits], lits: list[int], key: tuple[Any, ...]
    ) -> Explanation:
        """A minimal explanation of why ``lits`` (all true) cannot hold with ``candidates``; the
        empty explanation if they can."""
        found = self._lookup(key, candidates)
        if found is not None:
            return found
        if self.session.solve(request, lits, choices=candidates, named=True):
            return Explanation((), ())
        return self._minimize(request, candidates, lits, key, self.session.core())

    def explain(self, selections: Mapping[str, Any], option_set: str, value: Any) -> Explanation:
        """Why ``value`` cannot be chosen for ``option_set`` (a multi: why it cannot be added).

        Raises :class:`NotBlockedError` when the value is available."""
        request = self.session.request(selections)
        choices = request.choices
        encoding = self.session.compiled.set_index.get(option_set)
        if encoding is None:
            raise SelectionError(
                {f"selections.{option_set}": [("unknown_option_set", f"unknown option set {option_set!r}")]}
            )
        target = self._value_target(encoding, value)
        own = next((choice for choice in choices if choice.code == option_set), None)
        if own is not None and encoding.kind is not Kind.MULTI:
            if target.holds({option_set: own.abstract}):
                raise NotBlockedError(f"{value!r} is the current choice of {option_set}")
            switch = self._explain_switch(request, target, own)
            assert switch is not None, "without a budget there is always an explanation"
            return switch
        if own is not None and isinstance(own.value, frozenset) and value in own.value:
            raise NotBlockedError(f"{value!r} is already chosen in {option_set}")
        return self._explain_blocked_generic(request, target, choices)

    def _explain_blocked_generic(
        self, request: Request, target: Target, choices: list[ChoiceLits]
    ) -> Explanation:
        found = self._lookup(target.key, choices)
        if found is not None:
            return found
        if self.session.solve(request, target.lits, choices=choices, named=True):
            raise NotBlockedError(f"{target.value!r} can be chosen for {target.code}")
        core = self.session.core()
        single = self._single_cause(request, target, choices) or self._together(request, target, choices)
        if single is not None:
            return single
        return self._minimize(request, choices, target.lits, target.key, core)

    def _value_target(self, encoding: SetEncoding, value: Any) -> Target:
        code = encoding.code
        if encoding.kind is Kind.MULTI:
            if not isinstance(value, str) or value not in encoding.value_index:
                raise SelectionError(
                    {f"selections.{code}": [(code, f"{value!r} is not an option of {code}")]}
                )
            return Target(code, "in", value, encoding.option_lits[encoding.value_index[value]])
        if encoding.kind is Kind.TEXT:
            raise EngineError("text values are not explained", code="not_supported")
        option_set = self.session.model.option_set(code)
        parsed, messages = parse_value(option_set, value)
        if messages:
            raise SelectionError({f"selections.{code}": [(code, message) for message in messages]})
        if encoding.kind is Kind.NUMBER:
            lits = encoding.domain.eq(encoding.value_index[parsed]) or [TRUE]
            return Target(code, "value", parsed, lits[0], tuple(lits))
        return Target(code, "value", parsed, encoding.direct.lits[encoding.value_index[parsed]])
