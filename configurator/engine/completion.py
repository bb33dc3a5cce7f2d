"""Completion: a complete valid configuration that extends the choices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .domains import default_value
from .effective import Effective
from .errors import EngineError
from .explanations import Explainer
from .model import Kind, Value
from .results import Addition, Completion, EffectiveConfiguration, Explanation, Origin
from .session import Request, Session
from .solver import MaxSat
from .witnesses import ChoiceLits, Config


class Completer:
    def __init__(self, session: Session, meaning: Effective, explainer: Explainer) -> None:
        self.session = session
        self.meaning = meaning
        self.explainer = explainer

    def complete(self, selections: Mapping[str, Any]) -> Completion:
        """A complete valid configuration extending the selections: the effective configuration,
        and the cheapest way to decide what it leaves missing. A decided multiple choice keeps its
        ticked options unless the choices force more (``Completion.additions`` says why)."""
        request = self.session.request(selections)
        if not self.session.consistent(request):
            raise EngineError(
                "the selections are inconsistent: no valid configuration extends them", code="inconsistent"
            )
        effective = self.meaning.configuration(request, True)
        session = self.session
        fixed: list[ChoiceLits] = []
        for rank, (code, value) in enumerate(effective.values.items()):
            if session.compiled.set_index[code].kind is Kind.MULTI:
                fixed.append(session.exact_multi(code, value, rank))  # type: ignore[arg-type]
            else:
                fixed.append(session.choice(code, value, rank))
        ticked = {choice.code: choice.value for choice in request.choices if choice.kind is Kind.MULTI}
        open_multis = [choice for choice in request.choices if choice.code in effective.missing]
        config = self._cheapest([*fixed, *open_multis], set(effective.values))
        selections_out: dict[str, Value] = {}
        missing = []
        for option_set in session.model.option_sets:
            code = option_set.code
            if code in effective.values:
                selections_out[code] = effective.values[code]
            elif option_set.kind is Kind.TEXT and config[code] != "":
                missing.append(code)
            else:
                selections_out[code] = config[code]
        additions = []
        for code, before in ticked.items():
            after = selections_out[code]
            assert isinstance(before, frozenset) and isinstance(after, frozenset)
            if after != before:
                reason = self._why_more(request, effective, code, before)
                additions.append(Addition(code, after - before, reason))
        defaults = tuple(code for code, origin in effective.origins.items() if origin is Origin.DEFAULT)
        return Completion(selections_out, defaults, tuple(missing), tuple(additions))

    def _why_more(
        self, request: Request, effective: EffectiveConfiguration, code: str, ticked: frozenset[str]
    ) -> Explanation:
        """Why a decided multiple choice cannot stay as ticked: a minimal set of the other choices
        and the constraints that rule it out. When the choices as made do not rule it out, it is
        the other multiple choices as taken (ticked plus forced, exactly) that do; those appear
        with their values as taken."""
        session = self.session
        exact = session.exact_multi(code, ticked, 0)
        others = [choice for choice in request.choices if choice.code != code]
        if session.solve(request, list(exact.lits), choices=others):
            taken = []
            for choice in others:
                if choice.kind is Kind.MULTI and choice.code in effective.values:
                    value = effective.values[choice.code]
                    assert isinstance(value, frozenset)
                    taken.append(session.exact_multi(choice.code, value, choice.rank))
                else:
                    taken.append(choice)
            others = taken
        return self.explainer.explain_lits(request, others, list(exact.lits), (("exact", code), ticked))

    def _cheapest(self, assumed: list[ChoiceLits], fixed: set[str]) -> Config:
        """The cheapest complete valid configuration that extends ``assumed``, pricing the sets not
        in ``fixed`` (ties broken towards empty and unused values, the first options, the smallest
        numbers): weighted MaxSAT."""
        hard = [*self.session.compiled.clauses, *([selector] for selector in self.session.selectors)]
        hard.extend([lit] for choice in assumed for lit in choice.lits)
        nvars = self.session.compiled.nvars
        primary: list[tuple[list[int], Decimal]] = []
        secondary: list[tuple[list[int], int]] = []
        for encoding in self.session.compiled.sets:
            if encoding.code in fixed:
                continue
            option_set = self.session.model.option_set(encoding.code)
            kind = encoding.kind
            if kind in (Kind.SINGLE, Kind.MULTI):
                lits = encoding.direct.lits if kind is Kind.SINGLE else encoding.option_lits
                for position, option in enumerate(option_set.options):
                    lit = lits[position]
                    primary.append(([lit], option.price_delta))
                    secondary.append(([-lit], position + 1 if kind is Kind.SINGLE else 1))
            elif kind is Kind.BOOLEAN:
                lit = encoding.direct.lits[1]
                primary.append(([lit], option_set.price_delta))
                secondary.append(([-lit], 1))
            elif kind is Kind.TEXT:
                var = encoding.order
                if len(var) > 1 and var.values[0] == 0:  # ge[1] is "not empty"
                    primary.append(([var.ge[1]], option_set.price_delta))
                    secondary.append(([-var.ge[1]], 1))
            else:
                var = encoding.order
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
        return self.session.decoder(result[0])
