"""Completion: a complete valid configuration that extends the choices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .domains import default_value
from .errors import EngineError
from .model import Kind, Value
from .results import Completion
from .session import Session
from .solver import MaxSat
from .witnesses import ChoiceLits


class Completer:
    def __init__(self, session: Session) -> None:
        self.session = session

    def complete(self, selections: Mapping[str, Any]) -> Completion:
        """A complete valid configuration extending the selections: defaults where they still fit
        (in option-set order), then the cheapest completion of the rest."""
        request = self.session.request(selections)
        choices = request.choices
        if not self.session.solve(request):
            raise EngineError(
                "the selections are inconsistent: no valid configuration extends them", code="inconsistent"
            )
        decided = {choice.code for choice in choices}
        accepted: list[ChoiceLits] = []
        witness = request.witnesses[-1]
        for option_set in self.session.model.option_sets:
            if option_set.code in decided:
                continue
            found, default = default_value(option_set)
            if not found:
                continue
            choice = self.session.choice(option_set.code, default, len(choices) + len(accepted))
            if choice.kind is Kind.MULTI:
                encoding = self.session.compiled.set_index[option_set.code]
                choice.lits = tuple(
                    lit if option in default else -lit
                    for option, lit in zip(encoding.options, encoding.option_lits, strict=True)
                )
            fits_witness = witness[option_set.code] == choice.abstract
            if fits_witness or self.session.solve(
                request, [lit for c in accepted for lit in c.lits] + list(choice.lits)
            ):
                accepted.append(choice)
                witness = request.witnesses[-1]
        config = self._cheapest(choices, accepted)
        selections_out: dict[str, Value] = {}
        missing = []
        by_code = {choice.code: choice.value for choice in (*choices, *accepted)}
        for option_set in self.session.model.option_sets:
            code = option_set.code
            if code in by_code and option_set.kind is not Kind.MULTI:
                selections_out[code] = by_code[code]
            elif option_set.kind is Kind.TEXT and config[code] != "":
                missing.append(code)
            else:
                selections_out[code] = config[code]
        return Completion(selections_out, tuple(choice.code for choice in accepted), tuple(missing))

    def _cheapest(self, choices: list[ChoiceLits], accepted: list[ChoiceLits]) -> dict[str, Any]:
        fixed = {choice.code for choice in (*choices, *accepted)}
        hard = [*self.session.compiled.clauses, *([selector] for selector in self.session.selectors)]
        hard.extend([lit] for choice in (*choices, *accepted) for lit in choice.lits)
        nvars = self.session.compiled.nvars
        primary: list[tuple[list[int], Decimal]] = []
        secondary: list[tuple[list[int], int]] = []
        for encoding in self.session.compiled.sets:
            if encoding.code in fixed:
                continue
            option_set = self.session.model.option_set(encoding.code)
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
        return self.session.decoder(result[0])
