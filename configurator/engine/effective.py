"""One meaning for a customer's selections: the effective configuration (docs/engine.md, "One
meaning"), and the validation that reads it.

For consistent choices, in this order:

1. the choices: every decided set has its value;
2. each decided multiple choice, in model order: the ticked options plus those the choices force
   in, taken exactly, where that still fits; else the set is missing (more must be ticked);
3. each open set, in model order: its default (without one, its empty value: none, no, nothing,
   an empty text; a multiple choice also gets the options then forced in), where it still fits;
4. each set still without a value (but a multiple choice or a text): the only value left, if just
   one is; else the set is missing.

"Fits" means: together with everything taken before, it still extends to a complete valid
configuration. So a complete effective configuration is valid, and a set that is missing is named.
Inconsistent choices have no such configuration: then the choices and the open sets' defaults (or
empty values) are read as they are, and the errors are the constraints they definitely violate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cnf import FALSE
from .domains import default_value, effective_value, empty_value
from .evaluate import violated
from .model import Kind, OptionSet, Value
from .results import ConstraintRef, EffectiveConfiguration, OptionSetGuidance, Origin, Validation
from .session import Request, Session, constraint_ref
from .witnesses import ChoiceLits, Config


@dataclass(slots=True)
class _Item:
    """An open set's proposal in step 3: ``value`` as proposed, ``taken`` as it would be taken (a
    multiple choice: with the options the choices force in), ``choice`` its literals."""

    option_set: OptionSet
    value: Value
    taken: Value
    choice: ChoiceLits


@dataclass(frozen=True, slots=True)
class Hints:
    """What guidance found with the choices alone: true with anything added to them, so it saves
    solver calls. ``implied``: open single, boolean and number sets with one value left;
    ``forced_in``: multiple choices, the options that must be in (beyond the ticked ones);
    ``blocked``: (set, value) of single and boolean sets that cannot be taken."""

    implied: Mapping[str, Value] = field(default_factory=dict)
    forced_in: Mapping[str, frozenset[str]] = field(default_factory=dict)
    blocked: frozenset[tuple[str, Value]] = frozenset()

    @classmethod
    def from_guidance(cls, option_sets: Sequence[OptionSetGuidance]) -> Hints:
        implied: dict[str, Value] = {}
        forced_in: dict[str, frozenset[str]] = {}
        blocked: set[tuple[str, Value]] = set()
        for option_set in option_sets:
            code, kind = option_set.code, option_set.kind
            if kind is Kind.MULTI:
                ticked = option_set.selection if isinstance(option_set.selection, frozenset) else frozenset()
                forced = frozenset(str(value.value) for value in option_set.values if value.implied) - ticked
                if forced:
                    forced_in[code] = forced
                continue
            if option_set.decided:
                continue
            if kind in (Kind.SINGLE, Kind.BOOLEAN):
                possible: list[Value] = []
                for value in option_set.values:
                    if value.selectable:
                        possible.append(value.value)
                    else:
                        blocked.add((code, value.value))
                if option_set.none_selectable:
                    possible.append(None)
                elif option_set.none_selectable is False:
                    blocked.add((code, None))
                if len(possible) == 1:
                    implied[code] = possible[0]
            elif (
                kind is Kind.NUMBER
                and option_set.minimum is not None
                and option_set.minimum == option_set.maximum
            ):
                implied[code] = option_set.minimum
        return cls(implied, forced_in, frozenset(blocked))


def proposal(option_set: OptionSet) -> tuple[bool, Value]:
    """An open set's proposal in step 3: its default, else its empty value (``(False, None)``: none;
    a multiple choice always has one, its default or nothing, the forced options being added)."""
    found, value = default_value(option_set)
    if found:
        return True, value
    if option_set.kind is Kind.MULTI:
        return True, frozenset()
    found, value = empty_value(option_set)
    return found, value


class Effective:
    """Computes the effective configuration for one configurator's session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: each constraint's answer to validation when none of its sets is known
        self._violated_alone = tuple(violated(constraint, {}) for constraint in session.compiled.constraints)
        self._proposals = {option_set.code: proposal(option_set) for option_set in session.model.option_sets}
        #: each multiple choice's count limits (min, max), where it has them
        self._limits = {
            constraint.option_sets[0]: (constraint.minimum, constraint.maximum)
            for constraint in session.compiled.constraints
            if constraint.kind == "count"
        }
        self._witness: Config | None = None
        self._proposal_choices: dict[str, ChoiceLits] = {}

    # -- the configuration ----------------------------------------------------------------------

    def configuration(
        self, request: Request, consistent: bool, hints: Hints | None = None
    ) -> EffectiveConfiguration:
        """The effective configuration of the request's choices. ``hints``: what guidance found
        with the choices alone, which saves solver calls (never changes the answer)."""
        if not consistent:
            return self._as_read(request.choices)
        hints = hints or Hints()
        session = self.session
        choices = request.choices
        by_code = {choice.code: choice for choice in choices}
        values: dict[str, Value] = {choice.code: choice.value for choice in choices}
        origins = dict.fromkeys(values, Origin.CHOSEN)
        missing: set[str] = set()
        added: dict[str, frozenset[str]] = {}
        #: what is taken so far, as assumptions: decided multiple choices as lower bounds until taken
        assumed: list[ChoiceLits] = list(choices)
        witness = request.witnesses[-1]
        # 2. decided multiple choices
        for encoding in session.compiled.sets:
            choice = by_code.get(encoding.code)
            if choice is None or choice.kind is not Kind.MULTI:
                continue
            ticked = choice.value
            assert isinstance(ticked, frozenset)
            taken, witness = self._multi(request, assumed, choice, ticked, witness, hints)
            if taken is None:
                missing.add(encoding.code)
                del values[encoding.code], origins[encoding.code]
                continue
            values[encoding.code] = taken
            if taken != ticked:
                added[encoding.code] = taken - ticked
        # 3. open sets: defaults (or empty values) where they still fit
        open_sets = [
            option_set
            for option_set in session.model.option_sets
            if option_set.code not in values and option_set.code not in missing
        ]
        rejected: set[str] = set()
        items: list[_Item] = []
        for option_set in open_sets:
            code = option_set.code
            found, value = self._proposals[code]
            if not found:
                continue
            if isinstance(value, frozenset):
                first = value | hints.forced_in.get(code, frozenset())
                items.append(_Item(option_set, value, first, session.exact_multi(code, first, 0)))
            elif (code, value) in hints.blocked:
                rejected.add(code)  # blocked by the choices alone
            else:
                items.append(_Item(option_set, value, value, self._proposal_choice(code, value)))
        # the greedy in model order, in batches: everything left at once, the items that do not fit
        # set aside one unsatisfiable core at a time (see _greedy); a multiple choice that does not
        # fit exactly ends a batch, as it may still be taken with more options in
        while items:
            stop, set_aside, witness = self._greedy(request, assumed, items, witness)
            for position, item in enumerate(items[:stop]):
                code = item.option_set.code
                if position in set_aside:
                    rejected.add(code)
                    continue
                assumed.append(item.choice)
                values[code], origins[code] = item.taken, Origin.DEFAULT
            if stop == len(items):
                break
            item = items[stop]
            code, proposed = item.option_set.code, item.value
            assert isinstance(proposed, frozenset)  # only a multiple choice stops a batch short
            lower = session.choice(code, proposed, len(assumed))
            taken, witness = self._multi(request, assumed, lower, proposed, witness, hints, append=True)
            if taken is not None:
                values[code], origins[code] = taken, Origin.DEFAULT
            items = items[stop + 1 :]
        # 4. the only value left
        rest = []
        for option_set in open_sets:
            code = option_set.code
            if code in values or option_set.kind in (Kind.MULTI, Kind.TEXT):
                continue
            if code in hints.implied:  # forced by the choices alone, so by everything taken since
                values[code], origins[code] = hints.implied[code], Origin.IMPLIED
            elif option_set.kind is Kind.BOOLEAN and code in rejected:  # "no" (or its default) does not fit
                values[code], origins[code] = not self._proposals[code][1], Origin.IMPLIED
            else:
                rest.append(code)
        for code, value in self._forced(request, assumed, rest, witness).items():
            values[code], origins[code] = value, Origin.IMPLIED
        order = [option_set.code for option_set in session.model.option_sets]
        return EffectiveConfiguration(
            consistent=True,
            values={code: values[code] for code in order if code in values},
            origins={code: origins[code] for code in order if code in values},
            missing=tuple(code for code in order if code not in values),
            added=added,
        )

    def _proposal_choice(self, code: str, value: Value) -> ChoiceLits:
        """An open set's proposal as solver literals (made once per set: they never change)."""
        found = self._proposal_choices.get(code)
        if found is None:
            found = self._proposal_choices[code] = self.session.choice(code, value, 0)
        return found

    def _greedy(
        self, request: Request, assumed: list[ChoiceLits], items: list[_Item], witness: Config
    ) -> tuple[int, set[int], Config]:
        """The greedy over ``items`` in order, each taken where it fits with ``assumed`` and the items
        taken before it: ``(stop, set_aside, found)``. The items before ``stop`` are decided: those
        at the positions ``set_aside`` do not fit, the others are taken, and ``found`` extends
        ``assumed`` with them. ``stop`` is ``len(items)``, or the position of a multiple choice that
        does not fit as proposed (the caller tries it with more options in).

        Each unsatisfiable call sets aside the last tried item of its core (the tried items up to
        it do not fit together), and the first satisfiable call proves at once that each item set
        aside was the greedy's to turn down (the items tried before it fit together). So an item
        turned down costs one call, usually answered by propagation alone, not a refuted call and a
        confirming one with a model to decode. An item set aside after a later core's last item is
        tried again, as its own core may have read that one."""
        session = self.session
        for known in (witness, *reversed(request.witnesses)):  # a configuration at hand takes them all
            if all(known[item.option_set.code] == item.choice.abstract for item in items) and (
                known is witness or all(choice.holds_in(known) for choice in assumed)
            ):
                return len(items), set(), known
        trial = dict(witness)
        for item in items:
            trial[item.option_set.code] = item.choice.abstract
        changed = [code for code, value in trial.items() if witness[code] != value]
        if all(session.is_valid_change(trial, code) for code in changed):
            # the known configuration with all of them is valid too (only their constraints changed)
            return len(items), set(), trial
        # the items' literals one after the other, item i's from starts[i] on; the items holding
        # each literal (only the constants TRUE and FALSE can be held by several)
        flat: list[int] = []
        starts: list[int] = []
        holders: dict[int, list[int]] = {}
        for index, item in enumerate(items):
            starts.append(len(flat))
            flat.extend(item.choice.lits)
            for lit in item.choice.lits:
                holders.setdefault(lit, []).append(index)
        starts.append(len(flat))
        set_aside: set[int] = set()
        # every item before ``limit`` that is not set aside is tried; a multiple choice that does
        # not fit lowers it to itself until the items before it are known to fit
        limit = len(items)

        def tried(index: int) -> bool:
            return index < limit and index not in set_aside

        while True:
            lits: list[int] = []
            begin = 0
            for index in sorted(set_aside):  # all below ``limit``
                lits += flat[starts[begin] : starts[index]]
                begin = index + 1
            lits += flat[starts[begin] : starts[limit]]
            if not lits:  # nothing before the stop is taken: ``witness`` extends ``assumed``
                return limit, set_aside, witness
            if session.solve(request, lits, choices=assumed):
                return limit, set_aside, session.last_witness()
            in_core = [
                min(index for index in holders[lit] if tried(index))
                for lit in session.core()
                if any(tried(index) for index in holders.get(lit, ()))
            ]
            assert in_core, "what is assumed so far extends to a valid configuration"
            # the items tried up to the core's last one do not fit together: the greedy turns down
            # one of them, this one if the items before it fit (which a satisfiable call proves later)
            failing = max(in_core)
            # an item set aside after it may have been set aside on a core that reads it
            set_aside = {index for index in set_aside if index < failing}
            if isinstance(items[failing].value, frozenset):
                limit = failing
            else:
                set_aside.add(failing)
                limit = len(items)

    def _as_read(self, choices: list[ChoiceLits]) -> EffectiveConfiguration:
        """Inconsistent choices: the choices, then each open set's default or empty value as it is."""
        values: dict[str, Value] = {}
        origins: dict[str, Origin] = {}
        missing: list[str] = []
        decided = {choice.code: choice.value for choice in choices}
        for option_set in self.session.model.option_sets:
            code = option_set.code
            if code in decided:
                values[code], origins[code] = decided[code], Origin.CHOSEN
                continue
            found, value = effective_value(option_set)
            if found:
                values[code], origins[code] = value, Origin.DEFAULT
            else:
                missing.append(code)
        return EffectiveConfiguration(False, values, origins, tuple(missing))

    def _fits(self, request: Request, assumed: list[ChoiceLits], witness: Config) -> tuple[bool, Config]:
        """Whether ``assumed`` extends to a complete valid configuration, and one that does (else
        ``witness`` unchanged)."""
        pool = self.session.pool
        slots = pool.matching(assumed)
        if slots:
            return True, pool.config(slots)
        if self.session.solve(request, choices=assumed):
            last = self.session.last_model
            assert last is not None
            return True, last[0]
        return False, witness

    def _multi(
        self,
        request: Request,
        assumed: list[ChoiceLits],
        lower: ChoiceLits,
        base: frozenset[str],
        witness: Config,
        hints: Hints,
        append: bool = False,
    ) -> tuple[frozenset[str] | None, Config]:
        """A multiple choice taken exactly: ``base`` plus the options forced in with it, where that
        fits; None when it does not. ``lower`` (``base`` as a lower bound) is in ``assumed``, or is
        appended (``append``); on success it is replaced by the exact choice."""
        code = lower.code
        others = [choice for choice in assumed if choice is not lower]
        # what the choices alone force in is forced with anything taken since (so a lower bound)
        first = base | hints.forced_in.get(code, frozenset())
        taken = first if self._exact_fits(request, others, code, first, witness) else None
        if taken is None:
            with_lower = [*others, lower]
            possible, witness = self._fits(request, with_lower, witness)
            if possible:
                forced = self._forced_in(request, with_lower, code, base, witness)
                if forced | base != first and self._exact_fits(request, others, code, base | forced, witness):
                    taken = base | forced
        if taken is not None:
            witness = self._witness if self._witness is not None else witness
            exact = self.session.exact_multi(code, taken, lower.rank)
            if append:
                assumed.append(exact)
            else:
                assumed[assumed.index(lower)] = exact
        return taken, witness

    def _exact_fits(
        self, request: Request, others: list[ChoiceLits], code: str, value: frozenset[str], witness: Config
    ) -> bool:
        """Whether the multiple choice ``code`` exactly ``value`` fits with ``others`` (``witness``
        extends ``others``); a witness found on the way is left in ``self._witness``."""
        self._witness = None
        limit = self._limits.get(code)
        if limit is not None and not limit[0] <= len(value) <= limit[1]:
            return False  # its own count limits rule it out
        if witness[code] == value:
            return True
        fits, found = self._fits(request, [*others, self.session.exact_multi(code, value, 0)], witness)
        if fits:
            self._witness = found
        return fits

    def _forced_in(
        self, request: Request, assumed: list[ChoiceLits], code: str, base: frozenset[str], witness: Config
    ) -> frozenset[str]:
        """The options of a multiple choice outside ``base`` that every configuration extending
        ``assumed`` has."""
        encoding = self.session.compiled.set_index[code]
        lits = dict(zip(encoding.options, encoding.option_lits, strict=True))
        candidates = {option for option in encoding.options if option not in base and option in witness[code]}
        pool = self.session.pool
        slots = pool.matching(assumed)
        for option in list(candidates):
            if slots & ~pool.masks.get(lits[option], 0):
                candidates.discard(option)
        return frozenset(self._cover(request, assumed, {option: [-lits[option]] for option in candidates}))

    def _forced(
        self, request: Request, assumed: list[ChoiceLits], codes: list[str], witness: Config
    ) -> dict[str, Value]:
        """Of the open single, boolean and number sets ``codes``: those with only one value left
        with ``assumed``, and that value (the one ``witness``, which extends ``assumed``, has)."""
        if not codes:
            return {}
        session = self.session
        pool = session.pool
        slots = pool.matching(assumed)
        differ: dict[str, list[int]] = {}
        for code in codes:
            encoding = session.compiled.set_index[code]
            value = witness[code]
            index = encoding.value_index[value]
            if encoding.kind is Kind.NUMBER:
                var = encoding.order
                if slots & ~pool.masks.get((code, value), 0):
                    continue
                # "below this value or above it" (a constant false bound drops out)
                lits = [lit for lit in (-var.ge[index], var.ge[index + 1]) if lit != FALSE]
            else:
                lit = encoding.direct.lits[index]
                # the pool indexes single values by their literal and booleans by theirs as it is
                if slots & ~pool.masks.get(lit, 0) or self._neighbour_differs(witness, code, value):
                    continue
                lits = [-lit]
            differ[code] = lits  # empty: a number with a single value, forced as it is
        forced = self._cover(request, assumed, {code: lits for code, lits in differ.items() if lits})
        forced.update(code for code, lits in differ.items() if not lits)
        return {code: witness[code] for code in codes if code in forced}

    def _neighbour_differs(self, witness: Config, code: str, value: Value) -> bool:
        """Whether ``witness`` with another value of the open set ``code`` is still valid (then
        that set is not forced: the neighbour extends everything ``witness`` extends but it)."""
        encoding = self.session.compiled.set_index[code]
        scratch = dict(witness)
        for other in encoding.domain.values:
            if other == value and type(other) is type(value):
                continue
            scratch[code] = other
            if self.session.is_valid_change(scratch, code):
                return True
        return False

    def _cover(self, request: Request, assumed: list[ChoiceLits], differ: dict[Any, list[int]]) -> set[Any]:
        """The keys of ``differ`` for which no configuration extending ``assumed`` makes one of the
        key's literals true: one activatable clause "some key differs" per round, each model found
        ruling out every key it makes differ."""
        left = dict(differ)
        backend = self.session.backend
        while left:
            backend.prefer([lit for lits in left.values() for lit in lits])
            activation = backend.new_var()
            backend.add_clause([-activation, *(lit for lits in left.values() for lit in lits)])
            found = self.session.solve(request, [activation], choices=assumed)
            backend.add_clause([-activation])
            if not found:
                break
            last = self.session.last_model
            assert last is not None
            model = last[1]
            for key, lits in list(left.items()):
                if any(model[abs(lit) - 1] == lit for lit in lits):
                    del left[key]
        return set(left)

    # -- validation ------------------------------------------------------------------------------

    def validation(self, effective: EffectiveConfiguration) -> Validation:
        """The verdict on an effective configuration: for consistent choices it is valid exactly
        when complete (every step kept it extendable to a valid configuration), and it has no
        errors; inconsistent choices are never valid, and their errors are the constraints the
        choices and defaults, read as they are, definitely violate."""
        if effective.consistent:
            complete = effective.complete
            return Validation(True, complete, complete, effective.missing, ())
        errors = self._errors(effective.values)
        return Validation(False, effective.complete, False, effective.missing, errors)

    def _errors(self, config: Mapping[str, Any]) -> tuple[ConstraintRef, ...]:
        constraints = self.session.compiled.constraints
        if len(config) * 2 < len(constraints):
            # only the constraints that read a known set can change their answer
            reading: set[int] = set()
            for code in config:
                reading.update(self.session.compiled.set_index[code].constraints)
            return tuple(
                constraint_ref(constraint)
                for index, constraint in enumerate(constraints)
                if (violated(constraint, config) if index in reading else self._violated_alone[index])
            )
        return tuple(constraint_ref(constraint) for constraint in constraints if violated(constraint, config))
