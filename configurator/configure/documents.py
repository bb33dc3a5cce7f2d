"""The documents of an evaluated configuration: its selections, price breakdown and production
decision as plain JSON data.

Quotes and orders store these documents as their snapshot, and the API renders them through its
serializers; the two are separate on purpose, so that changing the API never changes what a stored
order says it was sold for. Money is a decimal string in the currency's minor unit ("1218.20");
the breakdown keeps costs and the margin, which only staff are shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from configurator.engine.model import ProductModel, Value
from configurator.engine.money import format_money
from configurator.engine.pricing import LeadTime, PriceBreakdown, ProductionDecision
from configurator.engine.values import json_value


def selections_document(model: ProductModel, config: dict[str, Value]) -> dict[str, Any]:
    """Engine values as a customer sends them, in the model's option set order."""
    return {
        option_set.code: json_value(option_set, config[option_set.code])
        for option_set in model.option_sets
        if option_set.code in config
    }


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def price_document(breakdown: PriceBreakdown) -> dict[str, Any]:
    """A price breakdown against the mass-production baseline, costs and margin included."""
    currency = breakdown.currency

    def money(amount: Decimal) -> str:
        return format_money(amount, currency)

    return {
        "currency": currency,
        "quantity": breakdown.quantity,
        "baseline_price": money(breakdown.baseline_price),
        "lines": [
            {
                "kind": line.kind,
                "code": line.code,
                "label": line.label,
                "option_set": line.option_set,
                "amount": money(line.amount),
                "cost": money(line.cost),
            }
            for line in breakdown.lines
        ],
        "unit_price": money(breakdown.unit_price),
        "quantity_breaks": {
            "mode": breakdown.break_mode.value,
            "tiers": [
                {
                    "quantity": tier.quantity,
                    "percent": _percent(tier.percent),
                    "unit_price": money(tier.unit_price),
                    "amount": money(tier.amount),
                }
                for tier in breakdown.tiers
            ],
        },
        "total": money(breakdown.total),
        "premium": {"amount": money(breakdown.premium), "percent": _plain(breakdown.premium_percent)},
        "margin": {
            "unit_cost": money(breakdown.unit_cost),
            "total_cost": money(breakdown.total_cost),
            "amount": money(breakdown.margin),
            "percent": _plain(breakdown.margin_percent),
        },
    }


def production_document(
    model: ProductModel, decision: ProductionDecision, lead_time: LeadTime, start: date
) -> dict[str, Any]:
    """How the configuration will be made: the mode, the choices that decided it, the setup key
    that batches share, and the lead time with its ship date from ``start``."""
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
