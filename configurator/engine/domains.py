"""The values an option set can take, as the engine enumerates them."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any, cast

from .model import Kind, OptionSet, Value


def number_values(option_set: OptionSet) -> tuple[Decimal, ...]:
    """The stepped domain ``minimum, minimum + step, ... <= maximum``."""
    low, high = number_bounds(option_set)
    values = []
    value = low
    while value <= high:
        values.append(value)
        value += option_set.step
    return tuple(values)


def number_bounds(option_set: OptionSet) -> tuple[Decimal, Decimal]:
    """A number set's minimum and maximum (model validation makes sure both are there)."""
    low, high = option_set.minimum, option_set.maximum
    assert low is not None and high is not None, f"{option_set.code} is a number set without bounds"
    return low, high


def text_lengths(option_set: OptionSet) -> tuple[int, ...]:
    """The lengths a text can have: 0 unless required, and every length from 1 to ``max_length``
    of some string that fully matches ``pattern`` (every such length when there is no pattern).

    The pattern's lengths are read from its syntax tree; constructs whose lengths cannot be read
    exactly (look-arounds, back references) allow every length in the pattern's width range, so
    the set is never smaller than the truth.
    """
    lengths = set() if option_set.required else {0}
    positive = _pattern_lengths(option_set.pattern, option_set.max_length)
    lengths.update(length for length in positive if 1 <= length <= option_set.max_length)
    return tuple(sorted(lengths))


@lru_cache(maxsize=256)
def _pattern_lengths(pattern: str, cap: int) -> frozenset[int]:
    everything = frozenset(range(cap + 1))
    if not pattern:
        return everything
    try:
        tree = _sre_parse.parse(pattern)
        return frozenset(_lengths(list(tree), cap))
    except (re.error, _Unknown, RecursionError, TypeError, ValueError):
        try:
            low, high = _sre_parse.parse(pattern).getwidth()
        except Exception:
            return everything
        return frozenset(range(low, min(high, cap) + 1))


class _Unknown(Exception):
    pass


def _add(a: set[int], b: set[int], cap: int) -> set[int]:
    return {x + y for x in a for y in b if x + y <= cap}


def _lengths(items: list, cap: int) -> set[int]:
    """Possible lengths of a sequence of regex items, capped at ``cap``."""
    result = {0}
    for op, av in items:
        result = _add(result, _item_lengths(op, av, cap), cap)
        if not result:
            return result
    return result


def _item_lengths(op: Any, av: Any, cap: int) -> set[int]:
    c = _sre_constants
    if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN, c.RANGE, c.CATEGORY):
        return {1}
    if op == c.AT:
        return {0}
    if op == c.SUBPATTERN:
        return _lengths(list(av[-1]), cap)
    if op == c.BRANCH:
        result: set[int] = set()
        for branch in av[1]:
            result |= _lengths(list(branch), cap)
        return result
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        one = _lengths(list(body), cap)
        limit = None if high is c.MAXREPEAT else high
        result = {0} if low == 0 else set()
        current, count = {0}, 0
        while limit is None or count < limit:
            count += 1
            following = _add(current, one, cap)
            if following == current:  # a fixed point: more repetitions add nothing new
                if count <= low:
                    result |= current
                break
            if count >= low:
                result |= following
            if not following:
                break
            current = following
        return result
    if op == getattr(c, "ATOMIC_GROUP", None):
        return _lengths(list(av), cap)
    raise _Unknown(op)


def empty_value(option_set: OptionSet) -> tuple[bool, Value]:
    """``(True, value)`` when an open set reads as an empty value, else ``(False, None)``."""
    kind = option_set.kind
    if kind is Kind.SINGLE and not option_set.required:
        return True, None
    if kind is Kind.MULTI and option_set.min_count == 0:
        return True, frozenset()
    if kind is Kind.TEXT and not option_set.required:
        return True, ""
    if kind is Kind.BOOLEAN:
        return True, False
    return False, None


def default_value(option_set: OptionSet) -> tuple[bool, Value]:
    """``(True, value)`` when the set has a default, as an engine value."""
    default = option_set.default
    if default is None:
        return False, None
    if option_set.kind is Kind.MULTI:
        assert isinstance(default, (tuple, list, frozenset))
        return True, frozenset(default)
    if option_set.kind is Kind.TEXT and default == "" and option_set.required:
        return False, None
    return True, cast(Value, default)


def effective_value(option_set: OptionSet) -> tuple[bool, Value]:
    """What an open set reads as in validation: its default, else its empty value."""
    found, value = default_value(option_set)
    if found:
        return found, value
    return empty_value(option_set)


def max_count(option_set: OptionSet) -> int:
    return len(option_set.options) if option_set.max_count is None else option_set.max_count
