"""Repairs of inconsistent choices: minimal sets of choices to change, fewest changes first, then
keeping the most recent choices (weighted MaxSAT by implicit hitting sets; RC2 for larger cases),
each with the values the changed sets can take."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import combinations

from .domains import default_value
from .model import Kind, OptionSet, Value
from .results import Change, Repair
from .session import Request, Session
from .solver import MaxSat
from .witnesses import ChoiceLits


class _TooLarge(Exception):
    """The search is too large for hitting sets: RC2 takes over."""


class Repairer:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, request: Request, choices: list[ChoiceLits], limit: int) -> tuple[Repair, ...]:
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

        if not add_core(() if self.session.solve(request) else self.session.core()):
            return ()
        while len(repairs) < limit:
            try:
                candidate = self._cheapest_hitting_set(cores, found, len(choices))
            except _TooLarge:
                return self._repairs_rc2(request, choices, limit)
            if candidate is None:
                break
            kept = [choice for index, choice in enumerate(choices) if index not in candidate]
            if self.session.solve(request, choices=kept):
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
            elif not add_core(self.session.core()):
                break
        return tuple(repairs)

    def _cheapest_hitting_set(
        self, cores: list[frozenset[int]], found: list[frozenset[int]], count: int
    ) -> frozenset[int] | None:
        """The cheapest set of choice positions that hits every core and contains no found
        correction set: fewest elements first, then by the weight sum of 2**position (so the most
        recent choice changed is as old as possible, then the next, ...); no two sets tie."""
        candidates = sorted(set().union(*cores))
        if len(candidates) > self.session.tuning.max_hitting_candidates:
            raise _TooLarge
        for size in range(1, len(candidates) + 1):
            if size > self.session.tuning.max_hitting_size:
                raise _TooLarge
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

    def _repairs_rc2(self, request: Request, choices: list[ChoiceLits], limit: int) -> tuple[Repair, ...]:
        nvars = self.session.compiled.nvars
        hard = [*self.session.compiled.clauses, *([selector] for selector in self.session.selectors)]
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

    def _after_values(
        self, request: Request, kept: list[ChoiceLits], dropped: list[ChoiceLits]
    ) -> list[Value]:
        """For each dropped choice in turn, the first value that still fits with the kept choices and
        the values picked before: the default, then the options in order (then none), the other
        boolean, the smallest feasible number; a multiple choice keeps its default or is emptied; a
        text is emptied when it may be, else ``None`` (another text must be entered)."""
        fixed = list(kept)
        afters: list[Value] = []
        for choice in dropped:
            option_set = self.session.model.option_set(choice.code)
            picked: Value = None
            for candidate in self._after_candidates(option_set, choice):
                trial = self.session.choice(choice.code, candidate, choice.rank)
                if self.session.fits(request, [*fixed, trial]):
                    picked = candidate
                    fixed.append(trial)
                    break
            else:
                if option_set.kind is Kind.NUMBER:
                    picked = self._smallest_number(request, fixed, choice)
                    fixed.append(self.session.choice(choice.code, picked, choice.rank))
            afters.append(picked)
        return afters

    def _after_candidates(self, option_set: OptionSet, choice: ChoiceLits) -> list[Value]:
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

    def _smallest_number(self, request: Request, fixed: list[ChoiceLits], choice: ChoiceLits) -> Decimal:
        encoding = self.session.compiled.set_index[choice.code]
        var = encoding.order
        self.session.solve(request, choices=fixed)
        high = encoding.value_index[self.session.last_witness()[choice.code]]
        low = 0
        while low < high:
            middle = (low + high) // 2
            if self.session.solve(request, [-var.ge[middle + 1]], choices=fixed):
                high = encoding.value_index[self.session.last_witness()[choice.code]]
            else:
                low = middle + 1
        return var.values[high]
