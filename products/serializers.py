"""Output shapes of the catalogue API (the input is the product document, see documents.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from configurator.configure.serializers import SelectionValueField
from configurator.plumbing.fields import DecimalStringField
from configurator.plumbing.rendering import bound_serializer

from .choices import Currency, CustomizationLevel, OptionSetKind
from .models import CompileState, PrecomputeState, Product, ProductVersion


class BaselineOutput(serializers.Serializer):
    price = DecimalStringField(help_text="Unit price of the mass-produced standard variant.")
    unit_cost = DecimalStringField(required=False, help_text="Staff only.")
    lead_time_days = serializers.IntegerField(help_text="Business days for the standard variant.")


class ProductListOutput(serializers.ModelSerializer):
    """A product in a list: customers see its published version, staff its draft (the ``listed_*``
    values of ``product_list``)."""

    name = serializers.CharField(source="listed_name", read_only=True)
    description = serializers.CharField(source="listed_description", read_only=True)
    currency = serializers.ChoiceField(source="listed_currency", choices=Currency.choices, read_only=True)
    version = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Product
        fields = ["code", "name", "description", "currency", "active", "version", "baseline"]
        read_only_fields = fields

    def get_version(self, product: Product) -> int | None:
        return product.current_version.number if product.current_version is not None else None

    @extend_schema_field(BaselineOutput)
    def get_baseline(self, product: Product) -> dict[str, Any]:
        version = product.current_version
        if self.context.get("staff") or version is None:
            baseline = {
                "price": product.baseline_price,
                "unit_cost": product.baseline_unit_cost,
                "lead_time_days": product.baseline_lead_time_days,
            }
        else:
            baseline = {"price": version.baseline_price, "lead_time_days": version.baseline_lead_time_days}
        return bound_serializer(BaselineOutput, context={}).to_representation(baseline)


class OptionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    price_delta = DecimalStringField(help_text="Added to the baseline price; may be negative.")
    level = serializers.ChoiceField(choices=CustomizationLevel.choices)
    material = serializers.CharField(help_text="What it is made of; empty: as the standard product.")
    cost_delta = DecimalStringField(required=False, help_text="Staff only.")
    labour_minutes = serializers.IntegerField(required=False, help_text="Staff only.")


class OptionSetOutput(serializers.Serializer):
    """An option set as the storefront shows it. Settings that do not apply to its kind are null."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OptionSetKind.choices)
    # Declared fields leave the class (the serializer metaclass takes them), so these keys do not
    # replace the Field attributes of the same names; the stubs cannot see that.
    help_text = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField(  # type: ignore[assignment]
        allow_null=True, help_text="single, text: a value must be chosen (single) or written (text)."
    )
    default = SelectionValueField(help_text="The value an open set takes, where it still fits.")
    options = OptionOutput(many=True, allow_null=True, help_text="single, multi: the options in order.")
    min_count = serializers.IntegerField(allow_null=True, help_text="multi: the fewest options to tick.")
    max_count = serializers.IntegerField(allow_null=True, help_text="multi: the most; null: no limit.")
    minimum = DecimalStringField(allow_null=True, help_text="number: the smallest value.")
    maximum = DecimalStringField(allow_null=True, help_text="number: the largest value.")
    step = DecimalStringField(allow_null=True, help_text="number: values are minimum + n x step.")
    unit = serializers.CharField(allow_null=True, help_text="number: the unit, e.g. cm.")
    max_length = serializers.IntegerField(allow_null=True, help_text="text: the longest text.")
    pattern = serializers.CharField(
        allow_null=True, help_text="text: a regular expression a non-empty text must match fully."
    )
    price_delta = DecimalStringField(allow_null=True, help_text="number, text, yes/no: added when used.")
    level = serializers.ChoiceField(
        choices=CustomizationLevel.choices, allow_null=True, help_text="number, text, yes/no: when used."
    )
    cost_delta = DecimalStringField(required=False, help_text="Staff only; number, text, yes/no sets.")
    labour_minutes = serializers.IntegerField(
        required=False, help_text="Staff only; number, text, yes/no sets."
    )


class ProductDetailOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    currency = serializers.ChoiceField(choices=Currency.choices)
    version = serializers.IntegerField(
        allow_null=True, help_text="Published version number; null for the draft."
    )
    baseline = BaselineOutput()
    option_sets = OptionSetOutput(many=True)


class CompileStatsOutput(serializers.Serializer):
    variables = serializers.IntegerField()
    clauses = serializers.IntegerField()
    bytes = serializers.IntegerField(help_text="The compiled model, pickled.")
    seconds = serializers.FloatField()


class PrecomputeStatsOutput(serializers.Serializer):
    seconds = serializers.FloatField()
    bytes = serializers.IntegerField(help_text="The precomputed answers, pickled.")
    pairs = serializers.IntegerField(help_text="(choice, value) pairs found blocked, each with its reasons.")
    triples = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text="Values that two choices block together (neither alone), each with its reasons; null for "
        "a version precomputed before they were counted.",
    )
    configurations = serializers.IntegerField(help_text="Complete valid configurations kept.")
    calls = serializers.IntegerField(help_text="Solver calls made.")


class VersionOutput(serializers.ModelSerializer):
    published_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    compile_state = serializers.ChoiceField(
        choices=CompileState.choices,
        help_text="Large documents are compiled by a worker; the version becomes current when ready.",
    )
    compile_error = serializers.SerializerMethodField()
    compile_stats = serializers.SerializerMethodField()
    precompute_state = serializers.ChoiceField(
        choices=PrecomputeState.choices,
        help_text="Explanations precomputed after compilation; until ready, configure explains within a "
        "time budget.",
    )
    precompute_progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent done.")
    precompute_error = serializers.SerializerMethodField()
    precompute_stats = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = [
            "number",
            "checksum",
            "published_at",
            "published_by",
            "compile_state",
            "compile_error",
            "compiled_at",
            "compile_stats",
            "precompute_state",
            "precompute_progress",
            "precompute_error",
            "precomputed_at",
            "precompute_stats",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_compile_error(self, version: ProductVersion) -> str | None:
        return version.compile_error or None

    @extend_schema_field(CompileStatsOutput(allow_null=True))
    def get_compile_stats(self, version: ProductVersion) -> dict[str, Any] | None:
        return CompileStatsOutput(version.compile_stats).data if version.compile_stats else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_precompute_error(self, version: ProductVersion) -> str | None:
        return version.precompute_error or None

    @extend_schema_field(PrecomputeStatsOutput(allow_null=True))
    def get_precompute_stats(self, version: ProductVersion) -> dict[str, Any] | None:
        return PrecomputeStatsOutput(version.precompute_stats).data if version.precompute_stats else None


class ImportResultOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    option_sets = serializers.IntegerField()
    rules = serializers.IntegerField()
    tables = serializers.IntegerField()
    version = serializers.IntegerField(allow_null=True)
    published = VersionOutput(
        allow_null=True, help_text="With `?publish=true`: the version published, and whether it is compiled."
    )
