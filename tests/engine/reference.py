"""The oracle: a brute-force enumerator over every complete configuration of a small model.

Independent of the engine's compiler and evaluator: it uses only the model dataclasses, the
expression parser, its own reading of a condition (:func:`evaluate`) and its own enumeration of each
set's values. Text sets are enumerated as one representative string per possible length (found by
trying every string over a small alphabet), which is exact because rules only read a text's
emptiness and length.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from configurator.engine.expressions import condition
from configurator.engine.expressions.nodes import (
    Arithmetic,
    BoolOp,
    Call,
    Compare,
    Literal,
    Name,
    Negate,
    Node,
    Not,
    TupleLiteral,
)
from configurator.engine.model import Kind, OptionSet, ProductModel

ALPHABET = "aZ0 -"


def text_values(option_set: OptionSet) -> list[str]:
    values = [] if option_set.required else [""]
    pattern = re.compile(option_set.pattern) if option_set.pattern else None
    for length in range(1, option_set.max_length + 1):
        for letters in itertools.product(ALPHABET, repeat=length):
            text = "".join(letters)
            if pattern is None or pattern.fullmatch(text):
                values.append(text)
                break
    return values


def domain(option_set: OptionSet) -> list[Any]:
    kind = option_set.kind
    if kind is Kind.SINGLE:
        codes: list[Any] = [option.code for option in option_set.options]
        return codes if option_set.required else [*codes, None]
    if kind is Kind.MULTI:
        codes = [option.code for option in option_set.options]
        return [
            frozenset(combo)
            for size in range(len(codes) + 1)
            for combo in itertools.combinations(codes, size)
        ]
    if kind is Kind.NUMBER:
        values, value = [], option_set.minimum
        while value <= option_set.maximum:
            values.append(value)
            value += option_set.step
        return values
    if kind is Kind.TEXT:
        return text_values(option_set)
    return [False, True]


OPERATORS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda item, container: item in container,
    "not in": lambda item, container: item not in container,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def chosen_count(value: Any) -> int:
    """What ``count()`` counts of one set: the options in a multiple choice; one for a single choice
    with an option, none for a single choice left at none (docs/product-format.md)."""
    if isinstance(value, frozenset):
        return len(value)
    return 0 if value is None else 1


def evaluate(node: Node, config: Mapping[str, Any]) -> Any:
    """A condition on a complete configuration, read by the language's definition."""
    match node:
        case Literal(value=value):
            return value
        case Name(code=code):
            return config[code]
        case TupleLiteral(items=items):
            return tuple(evaluate(item, config) for item in items)
        case Not(operand=operand):
            return not evaluate(operand, config)
        case Negate(operand=operand):
            return -evaluate(operand, config)
        case BoolOp(op="and", operands=operands):
            return all(evaluate(operand, config) for operand in operands)
        case BoolOp(operands=operands):
            return any(evaluate(operand, config) for operand in operands)
        case Arithmetic(op=op, left=left, right=right) | Compare(op=op, left=left, right=right):
            return OPERATORS[op](evaluate(left, config), evaluate(right, config))
        case Call(function="count", args=args):
            return Decimal(sum(chosen_count(evaluate(arg, config)) for arg in args))
        case Call(function="len", args=(text,)):
            return Decimal(len(evaluate(text, config)))
        case Call(function=function, args=args):
            return {"min": min, "max": max, "abs": abs}[function](*(evaluate(arg, config) for arg in args))
    raise AssertionError(f"not a condition node: {node!r}")


def domain_value(option_set: OptionSet, value: Any) -> Any:
    """The representative of ``value`` in :func:`domain` (a text's class is its length)."""
    if option_set.kind is Kind.TEXT:
        return next(text for text in domain(option_set) if len(text) == len(value))
    return value


class Reference:
    def __init__(self, model: ProductModel) -> None:
        self.model = model
        self.sets = {option_set.code: option_set for option_set in model.option_sets}
        index = dict(self.sets)
        self.rules = [
            (rule, condition(rule.when, index) if rule.when.strip() else None, condition(rule.require, index))
            for rule in model.rules
        ]
        self.domains = {code: domain(option_set) for code, option_set in self.sets.items()}
        codes = list(self.sets)
        self.all_configs = [
            dict(zip(codes, values, strict=True))
            for values in itertools.product(*(self.domains[code] for code in codes))
        ]
        self.configs = [config for config in self.all_configs if self.valid(config)]

    # -- constraints -----------------------------------------------------------------------------

    def constraint_codes(self) -> list[str]:
        codes = [
            f"{s.code}.count" for s in self.model.option_sets if s.kind is Kind.MULTI and self._limits(s)
        ]
        return codes + [rule.code for rule in self.model.rules] + [table.code for table in self.model.tables]

    @staticmethod
    def _limits(option_set: OptionSet) -> bool:
        high = len(option_set.options) if option_set.max_count is None else option_set.max_count
        return option_set.min_count > 0 or high < len(option_set.options)

    def holds(self, code: str, config: Mapping[str, Any]) -> bool:
        for rule, when, require in self.rules:
            if rule.code == code:
                return (when is not None and not evaluate(when, config)) or bool(evaluate(require, config))
        for table in self.model.tables:
            if table.code == code:
                return (tuple(config[c] for c in table.option_sets) in set(table.rows)) != table.forbidden
        option_set = self.sets[code[: -len(".count")]]
        high = len(option_set.options) if option_set.max_count is None else option_set.max_count
        return option_set.min_count <= len(config[option_set.code]) <= high

    def valid(self, config: Mapping[str, Any], without: Iterable[str] = ()) -> bool:
        skip = set(without)
        return all(self.holds(code, config) for code in self.constraint_codes() if code not in skip)

    # -- queries ---------------------------------------------------------------------------------

    def extends(self, config: Mapping[str, Any], choices: Mapping[str, Any]) -> bool:
        for code, value in choices.items():
            option_set = self.sets[code]
            if option_set.kind is Kind.MULTI:
                if not value <= config[code]:
                    return False
            elif option_set.kind is Kind.TEXT:
                if len(config[code]) != len(value):
                    return False
            elif config[code] != value or type(config[code]) is not type(value):
                return False
        return True

    def completions(self, choices: Mapping[str, Any], constraints_off: Iterable[str] = ()) -> list[dict]:
        if constraints_off:
            pool = [config for config in self.all_configs if self.valid(config, constraints_off)]
        else:
            pool = self.configs
        return [config for config in pool if self.extends(config, choices)]

    def consistent(self, choices: Mapping[str, Any]) -> bool:
        return any(self.extends(config, choices) for config in self.configs)

    def count(self) -> int:
        projected = set()
        for config in self.configs:
            projected.add(
                tuple(
                    (value != "") if self.sets[code].kind is Kind.TEXT else value
                    for code, value in config.items()
                )
            )
        return len(projected)

    def read_as_is(self, choices: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Choices, then each open set's default, else its empty value, unchecked (how inconsistent
        choices are read); sets with neither are missing."""
        config: dict[str, Any] = {}
        missing = []
        for code, option_set in self.sets.items():
            if code in choices:
                config[code] = choices[code]
                continue
            found, value = self.proposal(option_set)
            if found and not (option_set.kind is Kind.MULTI and option_set.default is None):
                config[code] = value
            elif option_set.kind is Kind.MULTI and option_set.min_count == 0:
                config[code] = frozenset()
            else:
                missing.append(code)
        return config, missing

    @staticmethod
    def proposal(option_set: OptionSet) -> tuple[bool, Any]:
        """An open set's default, else its empty value; a multiple choice: its default or nothing."""
        kind = option_set.kind
        default = option_set.default
        if default is not None and not (kind is Kind.TEXT and default == "" and option_set.required):
            return True, frozenset(default) if kind is Kind.MULTI else default
        if kind is Kind.MULTI:
            return True, frozenset()
        if kind is Kind.SINGLE and not option_set.required:
            return True, None
        if kind is Kind.TEXT and not option_set.required:
            return True, ""
        if kind is Kind.BOOLEAN:
            return True, False
        return False, None

    def effective(self, choices: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The effective configuration by its definition (docs/engine.md, "One meaning"), by brute
        force over the valid configurations: (values by set, missing sets in model order)."""
        values, missing, _ = self.effective_with_origins(choices)
        return values, missing

    def effective_with_origins(self, choices: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], dict]:
        """The same, and where each value comes from: "chosen", "default" or "implied"."""
        pool = self.completions(choices)
        if not pool:
            values, missing = self.read_as_is(choices)
            return values, missing, {code: "chosen" if code in choices else "default" for code in values}
        values: dict[str, Any] = {code: choices[code] for code in self.sets if code in choices}
        origins = dict.fromkeys(values, "chosen")
        missing: set[str] = set()

        def multi(code: str, base: frozenset, pool: list[dict]) -> tuple[frozenset | None, list[dict]]:
            above = [c for c in pool if base <= c[code]]
            if not above:
                return None, pool
            forced = frozenset.intersection(*(c[code] for c in above))
            taken = base | forced
            exact = [c for c in pool if c[code] == taken]
            return (taken, exact) if exact else (None, pool)

        for code, option_set in self.sets.items():  # 2. decided multiple choices
            if code in choices and option_set.kind is Kind.MULTI:
                taken, pool = multi(code, choices[code], pool)
                if taken is None:
                    missing.add(code)
                    del values[code]
                else:
                    values[code] = taken
        for code, option_set in self.sets.items():  # 3. open sets: defaults where they fit
            if code in choices:
                continue
            found, value = self.proposal(option_set)
            if not found:
                continue
            if option_set.kind is Kind.MULTI:
                taken, pool = multi(code, value, pool)
                if taken is not None:
                    values[code], origins[code] = taken, "default"
                continue
            if option_set.kind is Kind.TEXT:
                exact = [c for c in pool if len(c[code]) == len(value)]
            else:
                exact = [c for c in pool if c[code] == value and type(c[code]) is type(value)]
            if exact:
                pool = exact
                values[code], origins[code] = value, "default"
        for code, option_set in self.sets.items():  # 4. the only value left
            if code in values or code in missing or option_set.kind in (Kind.MULTI, Kind.TEXT):
                continue
            left = {c[code] for c in pool}
            if len(left) == 1:
                values[code], origins[code] = next(iter(left)), "implied"
        return values, [code for code in self.sets if code not in values], origins

    def definitely_violated(self, code: str, partial: Mapping[str, Any]) -> bool:
        """Violated for every value of the sets missing from ``partial``."""
        missing = [c for c in self.sets if c not in partial]
        for values in itertools.product(*(self.domains[c] for c in missing)):
            config = dict(partial)
            config.update(zip(missing, values, strict=True))
            if self.holds(code, config):
                return False
        return True

    def as_domain(self, choices: Mapping[str, Any]) -> dict[str, Any]:
        return {code: domain_value(self.sets[code], value) for code, value in choices.items()}


def decimal(value: Any) -> Decimal:
    return Decimal(str(value))
