"""Build the engine's model from a product document (the JSON format of import, export and
published versions, documented in docs/product-format.md). The catalogue validates the document's
structure first; this only converts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal
from typing import Any

from .model import Kind, Level, Option, OptionSet, ProductModel, Rule, Table
from .pricing import BreakMode, CostModel, PriceModel, PriceRule, QuantityBreak

ZERO = Decimal(0)


def _decimal(value: Any, default: Decimal = ZERO) -> Decimal:
    if value is None:
        return default
    return Decimal(str(value))


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _option(data: Mapping[str, Any]) -> Option:
    return Option(
        code=data["code"],
        name=data.get("name", data["code"]),
        price_delta=_decimal(data.get("price_delta")),
        cost_delta=_decimal(data.get("cost_delta")),
        labour_minutes=int(data.get("labour_minutes", 0)),
        material=data.get("material", ""),
        level=Level(data.get("level", Level.STANDARD)),
    )


def _default(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.MULTI:
        return tuple(value)
    if kind is Kind.NUMBER:
        return Decimal(str(value))
    return value


def option_set_from_document(data: Mapping[str, Any]) -> OptionSet:
    kind = Kind(data["kind"])
    return OptionSet(
        code=data["code"],
        name=data.get("name", data["code"]),
        kind=kind,
        help_text=data.get("help_text", ""),
        required=bool(data.get("required", True)),
        default=_default(kind, data.get("default")),
        options=tuple(_option(option) for option in data.get("options", ())),
        min_count=int(data.get("min_count", 0)),
        max_count=None if data.get("max_count") is None else int(data["max_count"]),
        minimum=_optional_decimal(data.get("minimum")),
        maximum=_optional_decimal(data.get("maximum")),
        step=_decimal(data.get("step"), Decimal(1)),
        unit=data.get("unit", ""),
        max_length=int(data.get("max_length", 0)),
        pattern=data.get("pattern", ""),
        price_delta=_decimal(data.get("price_delta")),
        cost_delta=_decimal(data.get("cost_delta")),
        labour_minutes=int(data.get("labour_minutes", 0)),
        level=Level(data.get("level", Level.STANDARD)),
    )


def _cell(option_set: OptionSet | None, cell: Any) -> Any:
    if option_set is not None and option_set.kind is Kind.NUMBER and cell is not None:
        return Decimal(str(cell))
    return cell


def model_from_document(document: Mapping[str, Any]) -> ProductModel:
    option_sets = tuple(option_set_from_document(data) for data in document.get("option_sets", ()))
    by_code = {option_set.code: option_set for option_set in option_sets}
    tables = []
    # one object per distinct cell: a document read from JSON has a new string in every cell, which
    # made Renault's pickled compiled model 10 MB instead of 6 (and slower to load)
    canonical: dict[str, str] = {}
    for data in document.get("tables", ()):
        columns = tuple(data["option_sets"])
        rows = tuple(
            tuple(
                canonical.setdefault(cell, cell) if type(cell) is str else cell
                for cell in (
                    _cell(by_code.get(columns[i]) if i < len(columns) else None, cell)
                    for i, cell in enumerate(row)
                )
            )
            for row in data["rows"]
        )
        tables.append(
            Table(
                code=data["code"],
                option_sets=columns,
                rows=rows,
                message=data.get("message", ""),
                forbidden=bool(data.get("forbidden", False)),
            )
        )
    rules = tuple(
        Rule(
            code=data["code"],
            require=data["require"],
            when=data.get("when", ""),
            message=data.get("message", ""),
        )
        for data in document.get("rules", ())
    )
    return ProductModel(code=document["code"], option_sets=option_sets, rules=rules, tables=tuple(tables))


def _cost_model(data: Mapping[str, Any] | None) -> CostModel:
    if data is None:
        return CostModel()
    defaults = CostModel()
    values: dict[str, Any] = {}
    for field in fields(CostModel):
        default = getattr(defaults, field.name)
        raw = data.get(field.name, default)
        values[field.name] = Decimal(str(raw)) if isinstance(default, Decimal) else int(raw)
    return CostModel(**values)


def price_model_from_document(document: Mapping[str, Any]) -> PriceModel:
    """The pricing of a document; a missing cost model means the engine's defaults (the catalogue
    resolves the site-wide cost model into every published version)."""
    baseline = document["baseline"]
    pricing = document.get("pricing") or {}
    breaks = pricing.get("quantity_breaks") or {}
    return PriceModel(
        currency=document["currency"],
        baseline_price=Decimal(str(baseline["price"])),
        baseline_unit_cost=Decimal(str(baseline["unit_cost"])),
        baseline_lead_time_days=int(baseline["lead_time_days"]),
        cost_model=_cost_model(pricing.get("cost_model")),
        price_rules=tuple(
            PriceRule(
                code=rule["code"],
                label=rule.get("label", rule["code"]),
                when=rule.get("when", ""),
                amount=_optional_decimal(rule.get("amount")),
                percent=_optional_decimal(rule.get("percent")),
            )
            for rule in pricing.get("price_rules", ())
        ),
        break_mode=BreakMode(breaks.get("mode", BreakMode.WHOLE)),
        quantity_breaks=tuple(
            QuantityBreak(int(tier["min_quantity"]), Decimal(str(tier["percent"])))
            for tier in breaks.get("tiers", ())
        ),
    )
