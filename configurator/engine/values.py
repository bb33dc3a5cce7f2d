"""Engine values back out: to JSON as a customer sends them, and to words for messages."""

from __future__ import annotations

from decimal import Decimal

from .model import Kind, OptionSet, Value

JsonValue = str | bool | int | float | list[str] | None


def json_number(value: Decimal) -> int | float:
    """Measurements travel as JSON numbers, like the selections that carry them."""
    return int(value) if value == value.to_integral_value() else float(value)


def json_value(option_set: OptionSet, value: Value) -> JsonValue:
    """An engine value as in a selection: a code or null, a list of codes (in the set's order), a
    number, a text or a yes/no."""
    if isinstance(value, frozenset):
        return [option.code for option in option_set.options if option.code in value]
    if isinstance(value, Decimal):
        return json_number(value)
    return value


def describe_value(option_set: OptionSet, value: Value) -> str:
    """A value in words: option names, "yes"/"no", a number with its unit, a quoted text."""
    if option_set.kind in (Kind.SINGLE, Kind.MULTI):
        names = {option.code: option.name for option in option_set.options}
        if value is None:
            return "none"
        if isinstance(value, frozenset):
            chosen = [names[option.code] for option in option_set.options if option.code in value]
            return ", ".join(chosen) if chosen else "none"
        return names.get(str(value), str(value))
    if option_set.kind is Kind.BOOLEAN:
        return "yes" if value else "no"
    if option_set.kind is Kind.NUMBER and isinstance(value, Decimal):
        return f"{json_number(value)} {option_set.unit}".strip()
    return f"“{value}”" if value else "no text"
