"""Turn the engine's answers into JSON-ready data, with messages people can read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from configurator.engine.model import Kind, OptionSet, ProductModel
from configurator.engine.money import format_money
from configurator.engine.pricing import LeadTime, PriceBreakdown, ProductionDecision
from configurator.engine.results import (
    Change,
    Choice,
    Completion,
    Conflict,
    ConstraintRef,
    Explanation,
    Guidance,
    OptionSetGuidance,
    ValueGuidance,
)


def json_number(value: Decimal) -> int | float:
    """Measurements travel as JSON numbers, like the selections that carry them."""
    return int(value) if value == value.to_integral_value() else float(value)


def json_value(option_set: OptionSet, value: Any) -> Any:
    """An engine value as in a selection: code/null, list of codes, number, text or bool."""
    if isinstance(value, frozenset):
        return [option.code for option in option_set.options if option.code in value]
    if isinstance(value, Decimal):
        return json_number(value)
    return value


def describe_value(option_set: OptionSet, value: Any) -> str:
    if option_set.kind in (Kind.SINGLE, Kind.MULTI):
        names = {option.code: option.name for option in option_set.options}
        if value is None:
            return "none"
        if isinstance(value, frozenset):
            chosen = [names[option.code] for option in option_set.options if option.code in value]
            return ", ".join(chosen) if chosen else "none"
        return names.get(value, str(value))
    if option_set.kind is Kind.BOOLEAN:
        return "yes" if value else "no"
    if option_set.kind is Kind.NUMBER:
        return f"{json_number(value)} {option_set.unit}".strip()
    return f"“{value}”" if value else "no text"


class Presenter:
    """Renders engine results for one product model."""

    def __init__(self, model: ProductModel) -> None:
        self.model = model

    def choice(self, choice: Choice) -> dict[str, Any]:
        option_set = self.model.option_set(choice.option_set)
        return {
            "type": "choice",
            "option_set": choice.option_set,
            "value": json_value(option_set, choice.value),
            "message": f"You chose {describe_value(option_set, choice.value)} for {option_set.name}.",
        }

    @staticmethod
    def constraint(ref: ConstraintRef) -> dict[str, Any]:
        return {
            "type": ref.kind,
            "code": ref.code,
            "message": ref.message,
            "option_sets": list(ref.option_sets),
        }

    def explanation(self, explanation: Explanation) -> list[dict[str, Any]]:
        return [self.choice(choice) for choice in explanation.choices] + [
            self.constraint(ref) for ref in explanation.constraints
        ]

    def value(self, guidance: ValueGuidance) -> dict[str, Any]:
        data = {
            "code": guidance.value,
            "selectable": guidance.selectable,
            "selected": guidance.selected,
            "implied": guidance.implied,
            "reasons": [],
        }
        if guidance.reason is not None:
            data["reasons"] = self.explanation(guidance.reason)
        return data

    def option_set(self, guidance: OptionSetGuidance) -> dict[str, Any]:
        option_set = self.model.option_set(guidance.code)
        data: dict[str, Any] = {
            "code": guidance.code,
            "name": option_set.name,
            "kind": guidance.kind.value,
            "decided": guidance.decided,
            "selection": json_value(option_set, guidance.selection) if guidance.decided else None,
            "implied": None if guidance.implied is None else json_value(option_set, guidance.implied),
        }
        if guidance.kind in (Kind.SINGLE, Kind.MULTI, Kind.BOOLEAN):
            data["values"] = [self.value(value) for value in guidance.values]
        if guidance.kind is Kind.SINGLE and not option_set.required:
            data["none_selectable"] = guidance.none_selectable
        if guidance.kind is Kind.NUMBER:
            data["min"] = None if guidance.minimum is None else json_number(guidance.minimum)
            data["max"] = None if guidance.maximum is None else json_number(guidance.maximum)
            if guidance.decided and guidance.switch_minimum is not None:
                # Where the customer may move a chosen number to: its range with the other choices.
                data["switch_min"] = json_number(guidance.switch_minimum)
                data["switch_max"] = json_number(guidance.switch_maximum)
        if guidance.kind is Kind.TEXT:
            data["min_length"] = guidance.min_length
            data["max_length"] = guidance.max_length
        return data

    def change(self, change: Change) -> dict[str, Any]:
        option_set = self.model.option_set(change.option_set)
        return {
            "option_set": change.option_set,
            "from": json_value(option_set, change.before),
            "to": json_value(option_set, change.after),
            "message": f"Change {option_set.name} from {describe_value(option_set, change.before)} "
            f"to {describe_value(option_set, change.after)}.",
        }

    def conflict(self, conflict: Conflict | None) -> dict[str, Any] | None:
        if conflict is None:
            return None
        return {
            "reasons": self.explanation(conflict.explanation),
            "repairs": [
                {"changes": [self.change(change) for change in repair.changes]} for repair in conflict.repairs
            ],
        }

    def completion(self, completion: Completion) -> dict[str, Any]:
        return {
            "selections": {
                code: json_value(self.model.option_set(code), value)
                for code, value in completion.selections.items()
            },
            "defaults_used": list(completion.defaults_used),
            "missing": list(completion.missing),
        }

    def guidance(self, guidance: Guidance) -> dict[str, Any]:
        validation = guidance.validation
        return {
            "valid": validation.valid,
            "complete": validation.complete,
            "consistent": validation.consistent,
            "missing": list(validation.missing),
            "option_sets": [self.option_set(option_set) for option_set in guidance.option_sets],
            "errors": [self.constraint(ref) for ref in validation.errors],
            "conflict": self.conflict(guidance.conflict),
            "solver_calls": guidance.solver_calls,
            "explained": guidance.explained,
        }


def price_payload(breakdown: PriceBreakdown, *, final: bool, staff: bool) -> dict[str, Any]:
    """A price breakdown as JSON: money as strings in the currency's minor unit. Costs and the
    margin are for staff only."""
    currency = breakdown.currency

    def money(amount: Decimal) -> str:
        return format_money(amount, currency)

    lines = []
    for line in breakdown.lines:
        data: dict[str, Any] = {
            "kind": line.kind,
            "code": line.code,
            "label": line.label,
            "amount": money(line.amount),
        }
        if line.option_set is not None:
            data["option_set"] = line.option_set
        if staff:
            data["cost"] = money(line.cost)
        lines.append(data)
    body: dict[str, Any] = {
        "final": final,
        "currency": currency,
        "quantity": breakdown.quantity,
        "baseline_price": money(breakdown.baseline_price),
        "lines": lines,
        "unit_price": money(breakdown.unit_price),
        "quantity_breaks": {
            "mode": breakdown.break_mode.value,
            "tiers": [
                {
                    "quantity": tier.quantity,
                    "percent": format(tier.percent.normalize(), "f"),
                    "unit_price": money(tier.unit_price),
                    "amount": money(tier.amount),
                }
                for tier in breakdown.tiers
            ],
        },
        "total": money(breakdown.total),
        "premium": {
            "amount": money(breakdown.premium),
            "percent": None if breakdown.premium_percent is None else str(breakdown.premium_percent),
        },
    }
    if staff:
        body["margin"] = {
            "unit_cost": money(breakdown.unit_cost),
            "total_cost": money(breakdown.total_cost),
            "amount": money(breakdown.margin),
            "percent": None if breakdown.margin_percent is None else str(breakdown.margin_percent),
        }
    return body


def production_payload(
    model: ProductModel, decision: ProductionDecision, lead_time: LeadTime, start: date
) -> dict[str, Any]:
    return {
        "mode": decision.mode.value,
        "reasons": [
            {
                "option_set": charge.option_set,
                "value": json_value(model.option_set(charge.option_set), charge.value),
                "label": charge.label,
                "level": charge.level.value,
            }
            for charge in decision.reasons
        ],
        "setup_key": decision.setup_key,
        "lead_time": {
            "business_days": lead_time.business_days,
            "components": [{"what": what, "days": days} for what, days in lead_time.components],
            "ship_date": lead_time.ship_date(start).isoformat(),
        },
    }
