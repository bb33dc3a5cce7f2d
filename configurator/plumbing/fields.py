"""Serializer fields shared by every API, each with the exact OpenAPI type it renders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
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
