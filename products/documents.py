"""The product document: one JSON format for import, export and published versions.

``validate_document`` checks a document's structure (DRF serializers), then its meaning (the
engine's model validation) and returns the canonical form; ``canonical`` output is what export
writes, so that ``export(import(x)) == x`` for any canonical ``x``. See docs/product-format.md.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from configurator.engine.document import model_from_document, price_model_from_document
from configurator.engine.model import Kind, ProductModel
from configurator.engine.pricing import validate_price_model
from configurator.engine.validation import validate_model
from configurator.plumbing.errors import ErrorCode, FieldErrors, InvalidInputError, field_error
from configurator.plumbing.fields import TypedInput
from configurator.plumbing.handler import field_errors

from .choices import BreakMode, Currency, CustomizationLevel, OptionSetKind

FORMAT = "atelier-product/1"
CENT = Decimal("0.01")
#: The largest shared benchmark model needs 4,876 option sets (automotive02 as DIMACS, groups
#: recovered; 3,042 as UVL): room for twice that (see docs/importers.md).
MAX_OPTION_SETS = 10_000
MAX_OPTIONS = 1_000
MAX_RULES = 20_000
MAX_TABLE_ROWS = 200_000

_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.SINGLE: ("required", "default", "options"),
    Kind.MULTI: ("min_count", "max_count", "default", "options"),
    Kind.NUMBER: (
        "minimum",
        "maximum",
        "step",
        "unit",
        "default",
        "price_delta",
        "cost_delta",
        "labour_minutes",
        "level",
    ),
    Kind.TEXT: (
        "max_length",
        "pattern",
        "required",
        "default",
        "price_delta",
        "cost_delta",
        "labour_minutes",
        "level",
    ),
    Kind.BOOLEAN: ("default", "price_delta", "cost_delta", "labour_minutes", "level"),
}
_MONEY_FIELDS = frozenset({"price_delta", "cost_delta"})
_NUMBER_FIELDS = frozenset({"minimum", "maximum", "step"})


def money(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def plain_number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 60.0000 -> "60", 0.5000 -> "0.5"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


class StrictSerializer(TypedInput):
    """Refuses keys it does not know, so that a typo in an import is an error, not silence (and,
    as every input, values of another JSON type than the schema declares)."""

    unknown_field_message = "Unknown field."

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                error = serializers.ErrorDetail(self.unknown_field_message, code="unknown_field")
                raise serializers.ValidationError({key: [error] for key in unknown})
        return super().to_internal_value(data)


def _money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def _percent_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2, **kwargs)


class OptionDocument(StrictSerializer):
    code = serializers.CharField(max_length=100, trim_whitespace=False)
    name = serializers.CharField(max_length=200)
    price_delta = _money_field(default=Decimal(0))
    cost_delta = _money_field(default=Decimal(0))
    labour_minutes = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    material = serializers.CharField(max_length=100, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=CustomizationLevel.choices, default=CustomizationLevel.STANDARD)


class OptionSetDocument(StrictSerializer):
    code = serializers.CharField(max_length=64, trim_whitespace=False)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OptionSetKind.choices)
    # Declared fields leave the class (the serializer metaclass takes them), so these keys do not
    # replace the Field attributes of the same names; the stubs cannot see that.
    help_text = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)  # type: ignore[assignment]
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    default = serializers.JSONField(allow_null=True, default=None)
    min_count = serializers.IntegerField(min_value=0, max_value=MAX_OPTIONS, default=0)
    max_count = serializers.IntegerField(min_value=0, max_value=MAX_OPTIONS, allow_null=True, default=None)
    minimum = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True, default=None)
    maximum = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True, default=None)
    step = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True, default=None)
    unit = serializers.CharField(max_length=20, allow_blank=True, default="")
    max_length = serializers.IntegerField(min_value=0, allow_null=True, default=None)
    pattern = serializers.CharField(max_length=200, allow_blank=True, default="", trim_whitespace=False)
    price_delta = _money_field(default=Decimal(0))
    cost_delta = _money_field(default=Decimal(0))
    labour_minutes = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    level = serializers.ChoiceField(choices=CustomizationLevel.choices, default=CustomizationLevel.STANDARD)
    # many=True hands max_length to the ListSerializer it makes; the stubs' signature leaves it out.
    options = OptionDocument(many=True, default=list, max_length=MAX_OPTIONS)  # type: ignore[call-arg]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        kind = data["kind"]
        default = data["default"]
        if kind == Kind.NUMBER:
            if data["step"] is None:
                data["step"] = Decimal(1)
            if default is not None:
                data["default"] = self._number_default(default)
        elif default is not None:
            expected = {Kind.SINGLE: str, Kind.MULTI: list, Kind.TEXT: str, Kind.BOOLEAN: bool}[kind]
            if not isinstance(default, expected) or (
                isinstance(default, list) and not all(isinstance(code, str) for code in default)
            ):
                names = {
                    str: "an option code" if kind == Kind.SINGLE else "a text",
                    list: "a list of option codes",
                    bool: "true or false",
                }
                raise serializers.ValidationError({"default": [f"A {kind} default is {names[expected]}."]})
        if kind == Kind.TEXT and data["max_length"] is None:
            raise serializers.ValidationError({"max_length": ["A text set needs max_length."]})
        return data

    @staticmethod
    def _number_default(value: Any) -> Decimal:
        field = serializers.DecimalField(max_digits=14, decimal_places=4)
        if isinstance(value, bool):
            raise serializers.ValidationError({"default": ["A number default is a number."]})
        try:
            return field.to_internal_value(value)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"default": error.detail}) from None


class RuleDocument(StrictSerializer):
    code = serializers.CharField(max_length=100, trim_whitespace=False)
    when = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=2000)
    require = serializers.CharField(trim_whitespace=False, max_length=2000)
    message = serializers.CharField(max_length=300, allow_blank=True, default="")


class TableDocument(StrictSerializer):
    code = serializers.CharField(max_length=100, trim_whitespace=False)
    message = serializers.CharField(max_length=300, allow_blank=True, default="")
    option_sets = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=50
    )
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True)), max_length=MAX_TABLE_ROWS
    )


class CostModelDocument(StrictSerializer):
    setup_cost = _money_field(min_value=Decimal(0))
    expected_batch_size = serializers.IntegerField(min_value=1, max_value=1_000_000)
    labour_rate_per_hour = _money_field(min_value=Decimal(0))
    inspection_cost_per_unit = _money_field(min_value=Decimal(0))
    setup_margin_percent = _percent_field(min_value=Decimal(0), max_value=Decimal("99.99"))
    labour_margin_percent = _percent_field(min_value=Decimal(0), max_value=Decimal("99.99"))
    inspection_margin_percent = _percent_field(min_value=Decimal(0), max_value=Decimal("99.99"))
    batch_wait_days = serializers.IntegerField(min_value=0, max_value=365)
    setup_days = serializers.IntegerField(min_value=0, max_value=365)
    custom_queue_days = serializers.IntegerField(min_value=0, max_value=365)
    hand_work_minutes_per_day = serializers.IntegerField(min_value=1, max_value=1440)
    inspection_days = serializers.IntegerField(min_value=0, max_value=365)


class PriceRuleDocument(StrictSerializer):
    code = serializers.CharField(max_length=100, trim_whitespace=False)
    # Declared fields leave the class (the serializer metaclass takes them), so this key does not
    # replace the Field attribute of the same name; the stubs cannot see that.
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    when = serializers.CharField(allow_blank=True, default="", trim_whitespace=False, max_length=2000)
    amount = _money_field(allow_null=True, default=None)
    percent = _percent_field(allow_null=True, default=None, min_value=Decimal(-100), max_value=Decimal(1000))


class QuantityBreakDocument(StrictSerializer):
    min_quantity = serializers.IntegerField(min_value=2, max_value=10_000_000)
    percent = _percent_field(min_value=Decimal("0.01"), max_value=Decimal("99.99"))


class QuantityBreaksDocument(StrictSerializer):
    mode = serializers.ChoiceField(choices=BreakMode.choices, default=BreakMode.WHOLE)
    # many=True hands max_length to the ListSerializer it makes; the stubs' signature leaves it out.
    tiers = QuantityBreakDocument(many=True, default=list, max_length=100)  # type: ignore[call-arg]


class PricingDocument(StrictSerializer):
    cost_model = CostModelDocument(allow_null=True, default=None, help_text="null: the site-wide cost model")
    # many=True hands max_length to the ListSerializer it makes; the stubs' signature leaves it out.
    price_rules = PriceRuleDocument(many=True, default=list, max_length=1000)  # type: ignore[call-arg]
    quantity_breaks = QuantityBreaksDocument(default=lambda: {"mode": BreakMode.WHOLE, "tiers": []})


class BaselineDocument(StrictSerializer):
    price = _money_field(min_value=Decimal(0))
    unit_cost = _money_field(min_value=Decimal(0))
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650)


class ProductDocument(StrictSerializer):
    format = serializers.ChoiceField(choices=[FORMAT], default=FORMAT)
    code = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)
    currency = serializers.ChoiceField(choices=Currency.choices)
    active = serializers.BooleanField(default=True)
    baseline = BaselineDocument()
    # many=True hands max_length to the ListSerializer it makes; the stubs' signature leaves it out.
    option_sets = OptionSetDocument(many=True, default=list, max_length=MAX_OPTION_SETS)  # type: ignore[call-arg]
    rules = RuleDocument(many=True, default=list, max_length=MAX_RULES)  # type: ignore[call-arg]
    tables = TableDocument(many=True, default=list, max_length=MAX_RULES)  # type: ignore[call-arg]
    pricing = PricingDocument(required=False)


def _canonical_option(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "price_delta": money(data["price_delta"]),
        "cost_delta": money(data["cost_delta"]),
        "labour_minutes": data["labour_minutes"],
        "material": data["material"],
        "level": data["level"],
    }


def _canonical_default(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == Kind.NUMBER:
        return plain_number(Decimal(str(value)))
    if kind == Kind.MULTI:
        return list(value)
    return value


def canonical_option_set(data: dict[str, Any]) -> dict[str, Any]:
    kind = data["kind"]
    out: dict[str, Any] = {
        "code": data["code"],
        "name": data["name"],
        "kind": kind,
        "help_text": data["help_text"],
    }
    for key in _KIND_FIELDS[kind]:
        value = data[key]
        if key == "options":
            out[key] = [_canonical_option(option) for option in value]
        elif key == "default":
            out[key] = _canonical_default(kind, value)
        elif key in _MONEY_FIELDS:
            out[key] = money(value)
        elif key in _NUMBER_FIELDS:
            out[key] = None if value is None else plain_number(value)
        else:
            out[key] = value
    return out


def _canonical_cell(kind: str | None, cell: Any) -> Any:
    if kind == Kind.NUMBER and cell is not None and not isinstance(cell, bool):
        try:
            return plain_number(Decimal(str(cell)))
        except ArithmeticError:
            return cell
    return cell


def canonical_table(data: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    columns = list(data["option_sets"])
    column_kinds = [kinds.get(code) for code in columns]
    return {
        "code": data["code"],
        "message": data["message"],
        "option_sets": columns,
        "rows": [
            [
                _canonical_cell(column_kinds[i] if i < len(columns) else None, cell)
                for i, cell in enumerate(row)
            ]
            for row in data["rows"]
        ],
    }


def canonical_document(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a structurally valid document (validated data or rows)."""
    kinds = {option_set["code"]: option_set["kind"] for option_set in data["option_sets"]}
    return {
        "format": FORMAT,
        "code": data["code"],
        "name": data["name"],
        "description": data["description"],
        "currency": data["currency"],
        "active": data["active"],
        "baseline": {
            "price": money(data["baseline"]["price"]),
            "unit_cost": money(data["baseline"]["unit_cost"]),
            "lead_time_days": data["baseline"]["lead_time_days"],
        },
        "option_sets": [canonical_option_set(option_set) for option_set in data["option_sets"]],
        "rules": [
            {
                "code": rule["code"],
                "when": rule["when"],
                "require": rule["require"],
                "message": rule["message"],
            }
            for rule in data["rules"]
        ],
        "tables": [canonical_table(table, kinds) for table in data["tables"]],
        "pricing": canonical_pricing(data.get("pricing")),
    }


COST_MODEL_FIELDS = tuple(CostModelDocument().fields)
_COST_MONEY = ("setup_cost", "labour_rate_per_hour", "inspection_cost_per_unit")
_COST_PERCENT = ("setup_margin_percent", "labour_margin_percent", "inspection_margin_percent")
_COST_INTEGERS = (
    "expected_batch_size",
    "batch_wait_days",
    "setup_days",
    "custom_queue_days",
    "hand_work_minutes_per_day",
    "inspection_days",
)


def canonical_cost_model(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    out: dict[str, Any] = {}
    for key in COST_MODEL_FIELDS:
        value = data[key]
        if key in _COST_MONEY:
            out[key] = money(value)
        elif key in _COST_PERCENT:
            out[key] = plain_number(value)
        else:
            out[key] = int(value)
    return out


def canonical_pricing(data: dict[str, Any] | None) -> dict[str, Any]:
    data = data or {}
    breaks = data.get("quantity_breaks") or {"mode": BreakMode.WHOLE, "tiers": []}
    return {
        "cost_model": canonical_cost_model(data.get("cost_model")),
        "price_rules": [
            {
                "code": rule["code"],
                "label": rule["label"],
                "when": rule["when"],
                "amount": None if rule["amount"] is None else money(rule["amount"]),
                "percent": None if rule["percent"] is None else plain_number(rule["percent"]),
            }
            for rule in data.get("price_rules", ())
        ],
        "quantity_breaks": {
            "mode": str(breaks["mode"]),
            "tiers": [
                {"min_quantity": tier["min_quantity"], "percent": plain_number(tier["percent"])}
                for tier in sorted(breaks["tiers"], key=lambda tier: tier["min_quantity"])
            ],
        },
    }


def validate_document(data: Any) -> tuple[dict[str, Any], ProductModel]:
    """Check a document completely; return its canonical form and the engine model.

    Raises InvalidInputError whose ``fields`` name every bad element by path
    (``option_sets[2].options[0].code``)."""
    if not isinstance(data, dict):
        raise InvalidInputError("A product document is a JSON object.", code=ErrorCode.INVALID_DOCUMENT)
    serializer = ProductDocument(data=data)
    if not serializer.is_valid():
        fields = field_errors(serializer.errors)
        raise InvalidInputError(_first_problem(fields), code=ErrorCode.INVALID_DOCUMENT, fields=fields)
    document = canonical_document(serializer.validated_data)
    model = model_from_document(document)
    issues = validate_model(model)
    if not issues:
        issues = validate_price_model(model, price_model_from_document(document))
    if issues:
        issue_fields: FieldErrors = {}
        for issue in issues:
            issue_fields.setdefault(issue.path, []).append(field_error(issue.code, issue.message))
        raise InvalidInputError(
            _first_problem(issue_fields), code=ErrorCode.INVALID_DOCUMENT, fields=issue_fields
        )
    return document, model


def _first_problem(fields: FieldErrors) -> str:
    count = sum(len(items) for items in fields.values())
    path, items = next(iter(fields.items()))
    more = f" ({count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return f"{path}: {items[0]['message']}{more}"


def _encoded(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(document: dict[str, Any]) -> str:
    return hashlib.sha256(_encoded(document)).hexdigest()


def document_bytes(document: dict[str, Any]) -> int:
    """The document's size as compact JSON: how much there is to compile."""
    return len(_encoded(document))
