"""Guidance: every value of every option set classified exactly (selectable or blocked, implied
or not; number and length ranges), with as few solver calls as known configurations allow."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .compile import SetEncoding
from .domains import text_lengths
from .explanations import Explainer
from .model import Kind, Value
from .results import OptionSetGuidance, ValueGuidance
from .session import Request, Session
from .witnesses import ChoiceLits, Target


class Guide:
    """Classifies values for one configurator's session; reasons come from its explainer."""

    def __init__(self, session: Session, explainer: Explainer) -> None:
        self.session = session
        self.explainer = explainer
        self._text_lengths = {
            encoding.code: text_lengths(session.model.option_set(encoding.code))
            for encoding in session.compiled.sets
            if encoding.kind is Kind.TEXT
        }

    def possible_values(self) -> frozenset[tuple[str, str, Any]]:
        """The target keys of the single, boolean and multi values that are not dead."""
        request = Request(self.session, [])
        if not self.session.consistent(request):
            return frozenset()
        possible: set[tuple[str, str, Any]] = set()
        for option_set in self.classify(request, explain=False):
            tag = "in" if option_set.kind is Kind.MULTI else "value"
            possible.update(
                (option_set.code, tag, value.value) for value in option_set.values if value.selectable
            )
        return frozenset(possible)

    def blocked_set(self, encoding: SetEncoding, choices: list[ChoiceLits]) -> OptionSetGuidance:
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
        if isinstance(selection, frozenset):
            return option in selection
        return selection == option

    def _targets(self, encoding: SetEncoding, choice: ChoiceLits | None) -> list[Target]:
        code = encoding.code
        if encoding.kind is Kind.MULTI:
            ticked = (
                choice.value if choice is not None and isinstance(choice.value, frozenset) else frozenset()
            )
            targets = []
            for option, lit in zip(encoding.options, encoding.option_lits, strict=True):
                if option not in ticked:
                    targets.append(Target(code, "in", option, lit))
                    targets.append(Target(code, "out", option, -lit))
            return targets
        if encoding.kind in (Kind.SINGLE, Kind.BOOLEAN) and choice is None:
            return [
                Target(code, "value", value, lit)
                for value, lit in zip(encoding.domain.values, encoding.direct.lits, strict=True)
            ]
        return []

    def classify(self, request: Request, explain: bool) -> tuple[OptionSetGuidance, ...]:
        by_code = {choice.code: choice for choice in request.choices}
        bounds: dict[str, tuple[int, int]] = {}
        covered, uncovered = self.cover(request, bounds)
        blocked = {target.key: target for target in uncovered.values()}
        result = []
        for encoding in self.session.compiled.sets:
            choice = by_code.get(encoding.code)
            result.append(self._set_guidance(request, encoding, choice, covered, blocked, bounds, explain))
        return tuple(result)

    def cover(
        self, request: Request, bounds: dict[str, tuple[int, int]] | None = None
    ) -> tuple[set[tuple], dict[int, Target]]:
        """The keys of the values some valid configuration extending the request's choices has
        (``covered``), and the others (blocked), by literal. Fills ``bounds`` with the feasible
        index range of each open number and text set. The request has a witness already."""
        by_code = {choice.code: choice for choice in request.choices}
        witness = request.witnesses[-1]
        uncovered: dict[int, Target] = {}
        covered: set[tuple] = set()
        # blocked by one of the choices alone, by two together, or by the model, as computed ahead:
        # no neighbour check or covering round needs to look at them
        precomputed = self.session.precomputed
        blocked_alone = set()
        if precomputed is not None:
            blocked_alone = precomputed.blocked_by(request.choices)
            blocked_alone.update(self.session.together(request))
        known: dict[int, Target] = {}
        for encoding in self.session.compiled.sets:
            for target in self._targets(encoding, by_code.get(encoding.code)):
                if target.holds(witness):
                    covered.add(target.key)
                elif target.key in blocked_alone:
                    known[target.lit] = target
                else:
                    uncovered[target.lit] = target
        self._check_neighbours(request, witness, uncovered, covered)
        # complete valid configurations from earlier calls that extend these choices are witnesses too
        for pool in (self.session.pool, self.session.pinned):
            matching = pool.matching(request.choices) if uncovered else 0
            if matching:
                having = pool.having
                for lit, target in list(uncovered.items()):
                    if having(target) & matching:
                        covered.add(target.key)
                        del uncovered[lit]
        if bounds is not None:
            for encoding in self.session.compiled.sets:
                if encoding.kind in (Kind.NUMBER, Kind.TEXT) and encoding.code not in by_code:
                    bounds[encoding.code] = self.bounds(request, encoding, uncovered, covered)
        while uncovered:
            if self.session.tuning.prefer_uncovered:
                self.session.backend.prefer(list(uncovered))
            activation = self.session.backend.new_var()
            self.session.backend.add_clause([-activation, *uncovered])
            found = self.session.solve(request, [activation])
            self.session.backend.add_clause([-activation])
            if not found:
                break
            self._cover(request, request.witnesses[-1], uncovered, covered)
        uncovered.update(known)
        return covered, uncovered

    def _cover(
        self, request: Request, witness: dict[str, Any], uncovered: dict[int, Target], covered: set[tuple]
    ) -> None:
        last = self.session.last_model
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
        self, request: Request, witness: dict[str, Any], uncovered: dict[int, Target], covered: set[tuple]
    ) -> None:
        """Cover the values whose neighbour of ``witness`` (that one set changed) is valid. A value
        already checked against the previous witness is checked again only if a set that its
        constraints read changed since (otherwise the answer is the same)."""
        if self.session.tuning.neighbours == "none" or (
            self.session.tuning.neighbours == "first" and request.checked is not None
        ):
            return
        affected: set[str] | None = None
        previous = request.checked
        if previous is not None:
            changed = [code for code, value in witness.items() if previous[code] != value]
            affected = set()
            for code in changed:
                affected.update(self.session.neighbourhood[code])
        request.checked = witness
        scratch = dict(witness)
        # (every target that holds in the witness is covered already, so a valid neighbour covers
        # just its own target: the other values of that set in it are the witness's own)
        for lit, target in list(uncovered.items()):
            code = target.code
            if affected is not None and code not in affected:
                continue
            scratch[code] = target.neighbour_value(witness)
            valid = self.session.is_valid_change(scratch, code)
            scratch[code] = witness[code]
            if valid:
                covered.add(target.key)
                del uncovered[lit]

    def bounds(
        self, request: Request, encoding: SetEncoding, uncovered: dict[int, Target], covered: set[tuple]
    ) -> tuple[int, int]:
        """The smallest and largest feasible value index of an open number or text set."""
        var = encoding.order
        code = encoding.code
        index_of = self._index_function(encoding)
        seen = [index_of(witness[code]) for witness in request.witnesses]
        low_best, high_best = min(seen), max(seen)
        last = len(var) - 1

        def neighbour_ok(index: int) -> bool:
            witness = request.witnesses[-1]
            changed = dict(witness)
            changed[code] = self._value_at(encoding, index)
            return self.session.is_valid_change(changed, code)

        def found(extra: list[int]) -> int | None:
            if not self.session.solve(request, extra):
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

    def _index_function(self, encoding: SetEncoding) -> Callable[[Any], int]:
        if encoding.kind is Kind.TEXT:
            return lambda text: encoding.value_index[len(text)]
        return encoding.value_index.__getitem__

    @staticmethod
    def _value_at(encoding: SetEncoding, index: int) -> Any:
        value = encoding.domain.values[index]
        return "x" * value if encoding.kind is Kind.TEXT else value

    def _set_guidance(
        self,
        request: Request,
        encoding: SetEncoding,
        choice: ChoiceLits | None,
        covered: set[tuple],
        blocked: dict[tuple, Target],
        bounds: dict[str, tuple[int, int]],
        explain: bool,
    ) -> OptionSetGuidance:
        code, kind = encoding.code, encoding.kind
        decided = choice is not None
        selection = choice.value if choice is not None else None
        if kind is Kind.MULTI:
            ticked = selection if isinstance(selection, frozenset) else frozenset()
            values = []
            for option in encoding.options:
                if option in ticked:
                    values.append(ValueGuidance(option, True, True, True))
                    continue
                selectable = (code, "in", option) in covered
                must = (code, "out", option) not in covered
                reason = None
                if not selectable and explain:
                    reason = self.explainer.value_reason(request, blocked[(code, "in", option)], None)
                values.append(ValueGuidance(option, selectable, False, must, reason))
            forced = frozenset(value.value for value in values if value.implied)
            return OptionSetGuidance(code, kind, decided, selection, forced or None, tuple(values))
        if kind in (Kind.SINGLE, Kind.BOOLEAN):
            var = encoding.direct
            order = var.values if kind is Kind.SINGLE else (True, False)
            selectable_of: dict[Any, bool] = {}
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
                    target = Target(code, "value", value, var.lits[encoding.value_index[value]])
                    reason = self.explainer.value_reason(request, target, choice)
                selected = decided and value == selection and type(value) is type(selection)
                values.append(ValueGuidance(value, selectable, selected, selectable and only, reason))
            implied = possible[0] if only else None
            none_selectable: bool | None = selectable_of.get(None)
            return OptionSetGuidance(code, kind, decided, selection, implied, tuple(values), none_selectable)
        if decided:
            if kind is Kind.TEXT:
                assert isinstance(selection, str)
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
            assert isinstance(selection, Decimal)
            switch_minimum = switch_maximum = None
            if explain:
                # the range a slider can move to: this set's own choice left out
                others = Request(self.session, [other for other in request.choices if other is not choice])
                others.witnesses = list(request.witnesses)
                low, high = self.bounds(others, encoding, {}, set())
                switch_minimum, switch_maximum = encoding.domain.values[low], encoding.domain.values[high]
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
        minimum, maximum = encoding.domain.values[low], encoding.domain.values[high]
        return OptionSetGuidance(
            code, kind, False, None, minimum if minimum == maximum else None, minimum=minimum, maximum=maximum
        )

    def _length_bounds(self, encoding: SetEncoding, low: int, high: int) -> tuple[int, int]:
        values = encoding.domain.values
        if encoding.text_exact:
            return values[low], values[high]
        lengths = self._text_lengths[encoding.code]
        positive = [length for length in lengths if length > 0]
        low_length = values[low]
        high_length = positive[-1] if values[high] > 0 else 0
        return low_length, high_length
