"""Serializer fields shared by every API, each with the exact OpenAPI type it renders."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN})
class DecimalStringField(serializers.Field):
    """A decimal written as a string, never a float: money ("1218.20", in the currency's minor
    unit), percentages ("3", "35.5") and measures as stored."""

    def to_representation(self, value: Decimal | str) -> str:
        return str(value)


class QuantityField(serializers.IntegerField):
    """Units of a product: 1 to ``ATELIER_MAX_QUANTITY``, read when a request is validated (so a
    test or a deploy that changes it is obeyed at once); the schema, generated once per deploy,
    declares that maximum."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("default", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if value > settings.ATELIER_MAX_QUANTITY:
            raise serializers.ValidationError(
                f"At most {settings.ATELIER_MAX_QUANTITY} units.", code="max_value"
            )
        return value


class QuantityFieldSchema(OpenApiSerializerFieldExtension):
    target_class = QuantityField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "maximum": settings.ATELIER_MAX_QUANTITY}


class TypedInput(serializers.Serializer):
    """An input serializer that refuses, in JSON (a form sends only text), values of another JSON
    type than its fields declare (and the schema says): DRF's fields also read 1 and "yes" as
    true, numbers as text and "5" as a whole number."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            mistyped = json_type_errors(self.fields, data)
            if mistyped:
                raise serializers.ValidationError(mistyped)
        return super().to_internal_value(data)


def json_type_errors(
    fields: Mapping[str, serializers.Field], data: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """The keys of a JSON object whose values have another JSON type than their field declares.
    Nested serializers check their own; null is left to each field."""
    errors: dict[str, list[Any]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only:
            continue
        expected = _json_type_mismatch(field, value)
        if expected:
            errors[name] = [serializers.ErrorDetail(f"Expected {expected}.", code="wrong_type")]
    return errors


def _json_type_mismatch(field: serializers.Field, value: Any) -> str:
    """What ``field`` expects when ``value`` is of another JSON type; "" when it fits."""
    if value is None:
        return ""
    if isinstance(field, (serializers.ListField, serializers.DictField)):
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return next(filter(None, (_json_type_mismatch(field.child, item) for item in items)), "")
    if isinstance(field, serializers.ChoiceField) and not all(isinstance(key, str) for key in field.choices):
        return ""
    for kinds, (expected, fits) in _JSON_TYPES:
        if isinstance(field, kinds):
            return "" if fits(value) else expected
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole_number(value: Any) -> bool:
    """JSON Schema's integer: a number without a fraction (5 or 5.0)."""
    return _is_number(value) and (isinstance(value, int) or value.is_integer())


#: (field classes, (what they expect, whether a JSON value is of that type)), the first match wins.
_JSON_TYPES: list[tuple[tuple[type, ...], tuple[str, Callable[[Any], bool]]]] = [
    ((serializers.BooleanField,), ("true or false", lambda value: isinstance(value, bool))),
    ((serializers.IntegerField,), ("a whole number", _is_whole_number)),
    ((serializers.FloatField,), ("a number", _is_number)),
    (
        (serializers.DecimalField,),
        ("a number or a decimal string", lambda value: _is_number(value) or isinstance(value, str)),
    ),
    (
        (serializers.CharField, serializers.ChoiceField, serializers.UUIDField, serializers.DateTimeField),
        ("a string", lambda value: isinstance(value, str)),
    ),
]
