"""Turn JSON-ish selections into engine values, naming every field that does not fit."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .domains import number_bounds
from .errors import SelectionError
from .model import Kind, OptionSet, ProductModel, Value
from .patterns import full_match
from .validation import in_number_domain


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return value if value.is_finite() else None


def parse_value(
    option_set: OptionSet, raw: Any, codes: frozenset[str] | None = None
) -> tuple[Value, list[str]]:
    """Convert one raw value; returns ``(value, messages)`` (no messages: it fits)."""
    kind = option_set.kind
    if codes is None:
        codes = frozenset(option.code for option in option_set.options)
    if kind is Kind.SINGLE:
        if raw is None:
            if option_set.required:
                return None, ["a choice is required"]
            return None, []
        if not isinstance(raw, str):
            return None, ["must be an option code or null"]
        if raw not in codes:
            return None, [f"{raw!r} is not an option of {option_set.code}"]
        return raw, []
    if kind is Kind.MULTI:
        if not isinstance(raw, (list, tuple, set, frozenset)):
            return None, ["must be a list of option codes"]
        messages: list[str] = []
        seen: set[str] = set()
        for item in raw:
            if not isinstance(item, str):
                messages.append("must be a list of option codes")
            elif item not in codes:
                messages.append(f"{item!r} is not an option of {option_set.code}")
            elif item in seen:
                messages.append(f"{item!r} is listed twice")
            else:
                seen.add(item)
        return frozenset(seen), messages
    if kind is Kind.NUMBER:
        value = _number(raw)
        if value is None:
            return None, ["must be a number"]
        if not in_number_domain(option_set, value):
            low, high = number_bounds(option_set)
            return None, [f"must be one of {low}, {low + option_set.step}, ... {high}"]
        return value, []
    if kind is Kind.TEXT:
        if not isinstance(raw, str):
            return None, ["must be text"]
        if raw == "" and option_set.required:
            return None, ["a text is required"]
        if len(raw) > option_set.max_length:
            return None, [f"must be at most {option_set.max_length} characters"]
        if raw and option_set.pattern and not full_match(option_set.pattern, raw):
            return None, ["does not have the expected format"]
        return raw, []
    if not isinstance(raw, bool):
        return None, ["must be true or false"]
    return raw, []


def parse_selections(model: Any, raw: Mapping[str, Any]) -> dict[str, Value]:
    """Convert raw selections (JSON values; engine values are accepted too) into engine values,
    keeping their order. ``model`` is a :class:`ProductModel` or a compiled model.

    Raises :class:`SelectionError` naming each field (``selections.<code>``) that does not fit.
    """
    if not isinstance(model, ProductModel):
        model = model.model
    if not isinstance(raw, Mapping):
        raise SelectionError({"selections": [("invalid", "must be an object of option set codes")]})
    index = model.option_set_index
    result: dict[str, Value] = {}
    errors: dict[str, list[tuple[str, str]]] = {}
    for code, value in raw.items():
        option_set = index.get(code) if isinstance(code, str) else None
        if option_set is None:
            errors[f"selections.{code}"] = [("unknown_option_set", f"unknown option set {code!r}")]
            continue
        parsed, messages = parse_value(option_set, value)
        if messages:
            errors[f"selections.{code}"] = [("invalid_value", message) for message in messages]
        else:
            result[code] = parsed
    if errors:
        raise SelectionError(errors)
    return result
