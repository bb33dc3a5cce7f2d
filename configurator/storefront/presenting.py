"""What the pages show of the catalogue: option sets in groups, values with their price and a
configuration summary in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from configurator.engine.money import format_money

#: Models with more option sets than this are shown in collapsible groups of GROUP_SIZE.
GROUPING_THRESHOLD = 12
GROUP_SIZE = 10


@dataclass
class OptionSetGroup:
    title: str
    option_sets: list[dict[str, Any]] = field(default_factory=list)


def price_delta_label(amount: str, currency: str) -> str:
    """ "+120.00 EUR", "−40.00 EUR", or "" for no change."""
    value = Decimal(amount)
    if not value:
        return ""
    sign = "+" if value > 0 else "−"
    return f"{sign}{format_money(abs(value), currency)} {currency}"


def option_set_groups(option_sets: list[dict[str, Any]], currency: str) -> list[OptionSetGroup]:
    """The option sets in their order, each value with its price label; car-sized models in groups
    of ten, titled by their first and last set (the documents carry no grouping of their own)."""
    prepared = []
    for option_set in option_sets:
        item = dict(option_set)
        if item.get("options") is not None:
            item["options"] = [
                {**option, "delta_label": price_delta_label(option["price_delta"], currency)}
                for option in item["options"]
            ]
        if item.get("price_delta") is not None:
            item["delta_label"] = price_delta_label(item["price_delta"], currency)
        prepared.append(item)
    if len(prepared) <= GROUPING_THRESHOLD:
        return [OptionSetGroup(title="", option_sets=prepared)]
    groups = []
    for start in range(0, len(prepared), GROUP_SIZE):
        chunk = prepared[start : start + GROUP_SIZE]
        title = chunk[0]["name"] if len(chunk) == 1 else f"{chunk[0]['name']} – {chunk[-1]['name']}"
        groups.append(OptionSetGroup(title=title, option_sets=chunk))
    return groups


def describe_selection(option_set: dict[str, Any] | None, value: Any) -> str:
    if option_set is None:
        return str(value)
    names = {option["code"]: option["name"] for option in option_set.get("options") or ()}
    kind = option_set["kind"]
    if kind == "single":
        return "none" if value is None else names.get(value, str(value))
    if kind == "multi":
        return ", ".join(names.get(code, code) for code in value) if value else "none"
    if kind == "boolean":
        return "yes" if value else "no"
    if kind == "number":
        return f"{value} {option_set.get('unit') or ''}".strip()
    return f"“{value}”" if value else "none"


def selection_summary(document: dict[str, Any], selections: dict[str, Any]) -> list[dict[str, str]]:
    """Each option set of a frozen configuration with its value in words, in the document's order."""
    by_code = {option_set["code"]: option_set for option_set in document["option_sets"]}
    ordered = [code for code in by_code if code in selections] + [
        code for code in selections if code not in by_code
    ]
    return [
        {
            "code": code,
            "name": by_code[code]["name"] if code in by_code else code,
            "value": describe_selection(by_code.get(code), selections[code]),
        }
        for code in ordered
    ]
