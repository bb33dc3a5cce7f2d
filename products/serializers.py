"""Output shapes of the catalogue API (the input is the product document, see documents.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .choices import CustomizationLevel, OptionSetKind
from .models import Product, ProductVersion


def decimal_string(**kwargs: Any) -> serializers.CharField:
    """A decimal written as a string, exactly as in the product document ("12.50", "0.5")."""
    return serializers.CharField(**kwargs)


class BaselineOutput(serializers.Serializer):
    price = decimal_string(help_text="Unit price of the mass-produced standard variant.")
    unit_cost = decimal_string(required=False, help_text="Staff only.")
    lead_time_days = serializers.IntegerField(help_text="Business days for the standard variant.")


class ProductListOutput(serializers.ModelSerializer):
    """A product in a list: customers see its published version, staff its draft (the ``listed_*``
    values of ``product_list``)."""

    name = serializers.CharField(source="listed_name")
    description = serializers.CharField(source="listed_description")
    currency = serializers.CharField(source="listed_currency")
    version = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = Product
        fields = ["code", "name", "description", "currency", "active", "version", "baseline"]

    def get_version(self, product: Product) -> int | None:
        return product.current_version.number if product.current_version is not None else None

    @extend_schema_field(BaselineOutput)
    def get_baseline(self, product: Product) -> dict[str, Any]:
        version = product.current_version
        if self.context.get("staff") or version is None:
            return {
                "price": str(product.baseline_price),
                "unit_cost": str(product.baseline_unit_cost),
                "lead_time_days": product.baseline_lead_time_days,
            }
        return {"price": str(version.baseline_price), "lead_time_days": version.baseline_lead_time_days}


class OptionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    price_delta = decimal_string(help_text="Added to the baseline price; may be negative.")
    level = serializers.ChoiceField(choices=CustomizationLevel.choices)
    material = serializers.CharField()
    cost_delta = decimal_string(required=False, help_text="Staff only.")
    labour_minutes = serializers.IntegerField(required=False, help_text="Staff only.")


class OptionSetOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OptionSetKind.choices)
    help_text = serializers.CharField()
    required = serializers.BooleanField(required=False)
    default = serializers.JSONField(allow_null=True)
    options = OptionOutput(many=True, required=False)
    min_count = serializers.IntegerField(required=False)
    max_count = serializers.IntegerField(required=False, allow_null=True)
    minimum = decimal_string(required=False)
    maximum = decimal_string(required=False)
    step = decimal_string(required=False)
    unit = serializers.CharField(required=False)
    max_length = serializers.IntegerField(required=False)
    pattern = serializers.CharField(required=False)
    price_delta = decimal_string(required=False)
    level = serializers.ChoiceField(choices=CustomizationLevel.choices, required=False)
    cost_delta = decimal_string(required=False, help_text="Staff only.")
    labour_minutes = serializers.IntegerField(required=False, help_text="Staff only.")


class ProductDetailOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    currency = serializers.CharField()
    version = serializers.IntegerField(
        allow_null=True, help_text="Published version number; null for the draft."
    )
    baseline = BaselineOutput()
    option_sets = OptionSetOutput(many=True)


class VersionOutput(serializers.ModelSerializer):
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProductVersion
        fields = ["number", "checksum", "published_at", "published_by"]


class ImportResultOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    option_sets = serializers.IntegerField()
    rules = serializers.IntegerField()
    tables = serializers.IntegerField()
    version = serializers.IntegerField(allow_null=True)
