"""Serializer fields shared by every API, each with the exact OpenAPI type it renders."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN})
class DecimalStringField(serializers.Field):
    """A decimal written as a string, never a float: money ("1218.20", in the currency's minor
    unit), percentages ("3", "35.5") and measures as stored."""

    def to_representation(self, value: Decimal | str) -> str:
        return str(value)
