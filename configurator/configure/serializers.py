"""The configure and explain contract, and the price and production shapes that quotes and orders
share: each response is rendered by these serializers, and the OpenAPI schema is generated from
them, so the two cannot drift. Every field is always present unless marked staff-only; "nothing"
is an explicit null."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from configurator.plumbing.fields import DecimalStringField, QuantityField, TypedInput
from manufacturing.serializers import FootprintComparisonOutput
from products.choices import BreakMode, Currency, CustomizationLevel, OptionSetKind, ProductionMode

from .schema import SELECTION_VALUE_REF


@extend_schema_field(SELECTION_VALUE_REF)
class SelectionValueField(serializers.JSONField):
    """One option set's value, as in ``selections``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


@extend_schema_field({"type": "object", "additionalProperties": SELECTION_VALUE_REF})
class SelectionsField(serializers.DictField):
    """Option set code → value, in the order the customer chose them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=SelectionValueField(), **kwargs)


class PresentedOutput(serializers.Serializer):
    """Renders a presenter's dict with a plan made once per serializer: each field's own
    ``to_representation`` (None stays None), nested presented serializers the same way, and a value
    that field would return unchanged (a bool for a boolean field, a str for a text, choice or
    decimal-string field, an int for an integer field, anything for a JSON field) as it is. A key
    the dict lacks is read as DRF reads it (a field's default, null, left out when not required,
    else an error). The output is DRF's field-by-field rendering (a test compares the two on real
    answers), without its attribute lookup per field and value: the hundreds of option sets and
    thousands of values of a big model took ~40 ms that way, and the price and production of a
    demo answer a third of its rendering."""

    _plan: list[tuple[str, serializers.Field, Callable[[Any], Any] | None, type | None]] | None = None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if not isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self._plan
        if plan is None:
            fields = self._readable_fields
            plan = self._plan = [(str(field.field_name), field, *_renderer(field)) for field in fields]
        data = {}
        for name, field, render, unchanged in plan:
            value = instance.get(name, _ABSENT)
            if value is _ABSENT:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            if value is None or render is None or type(value) is unchanged:
                data[name] = value
            else:
                data[name] = render(value)
        return data


_ABSENT = object()

#: field classes whose ``to_representation`` returns a value of this exact type unchanged
_UNCHANGED: dict[type, type] = {
    serializers.BooleanField: bool,
    serializers.CharField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
    DecimalStringField: str,
}


def _renderer(field: serializers.Field) -> tuple[Callable[[Any], Any] | None, type | None]:
    """How the plan renders a field's value: (None, None) for a JSON field, which returns any value
    as it is; else its ``to_representation`` and the type it returns unchanged, if any."""
    assert field.source == field.field_name, f"{field.field_name}: a presented field is read by its own name"
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, PresentedOutput):
        render = field.child.to_representation
        return (lambda items: [render(item) for item in items]), None
    if isinstance(field, serializers.JSONField) and not field.binary:
        return None, None
    if type(field) is serializers.ChoiceField and all(type(key) is str for key in field.choices):
        # A text that is one of the choices' keys renders as that key: the same str.
        return field.to_representation, str
    return field.to_representation, _UNCHANGED.get(type(field))


def _nullable_number(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


# -- price and production (shared with quotes and orders) -------------------------------------------


class PriceLineOutput(PresentedOutput):
    kind = serializers.ChoiceField(
        choices=["baseline", "option", "setup", "labour", "inspection", "rule", "floor"],
        help_text="baseline: the standard product; option: a chosen option; setup: changeovers shared by a "
        "batch; labour: hand work; inspection: extra inspection of a custom piece; rule: a price rule; "
        "floor: keeps the price at zero or above.",
    )
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF moves declared fields off the class
    option_set = serializers.CharField(allow_null=True, help_text="option lines: the option set")
    amount = DecimalStringField(help_text="Per unit, in the currency.")
    cost = DecimalStringField(required=False, help_text="Staff only: what it costs per unit.")


class QuantityTierOutput(PresentedOutput):
    quantity = serializers.IntegerField(help_text="Units priced in this tier.")
    percent = DecimalStringField(help_text="The discount of this tier.")
    unit_price = DecimalStringField()
    amount = DecimalStringField()


class QuantityBreaksOutput(PresentedOutput):
    mode = serializers.ChoiceField(
        choices=BreakMode.choices,
        help_text="whole: every unit at the tier the quantity reaches; "
        "graduated: each tier's units at its price.",
    )
    tiers = QuantityTierOutput(many=True)


class PremiumOutput(PresentedOutput):
    amount = DecimalStringField(help_text="The unit price minus the baseline price.")
    percent = DecimalStringField(allow_null=True, help_text="Of the baseline price; null when it is 0.")


class MarginOutput(PresentedOutput):
    unit_cost = DecimalStringField()
    total_cost = DecimalStringField()
    amount = DecimalStringField()
    percent = DecimalStringField(allow_null=True)


class PriceOutput(PresentedOutput):
    """A price against the mass-production baseline: the lines add up to the unit price; quantity
    breaks turn it into the total."""

    currency = serializers.ChoiceField(choices=Currency.choices)
    quantity = serializers.IntegerField()
    baseline_price = DecimalStringField(help_text="The standard product's unit price.")
    lines = PriceLineOutput(many=True)
    unit_price = DecimalStringField()
    quantity_breaks = QuantityBreaksOutput()
    total = DecimalStringField()
    premium = PremiumOutput(help_text="What customization adds over the standard product, per unit.")
    margin = MarginOutput(required=False, help_text="Staff only.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("staff"):
            data.pop("margin", None)
            for line in data["lines"]:
                line.pop("cost", None)
        return data


class ProductionReasonOutput(PresentedOutput):
    option_set = serializers.CharField()
    value = SelectionValueField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF moves declared fields off the class
    level = serializers.ChoiceField(choices=CustomizationLevel.choices)


class LeadTimeComponentOutput(PresentedOutput):
    what = serializers.CharField(help_text="baseline, batch wait, setup, custom queue, hand work, ...")
    days = serializers.IntegerField()


class LeadTimeOutput(PresentedOutput):
    business_days = serializers.IntegerField()
    components = LeadTimeComponentOutput(many=True, help_text="How the days add up.")
    ship_date = serializers.DateField(help_text="The promised ship date.")


class ProductionOutput(PresentedOutput):
    """How it will be made: the mass-production line, a batch sharing a setup, or the job shop."""

    mode = serializers.ChoiceField(choices=ProductionMode.choices)
    reasons = ProductionReasonOutput(
        many=True,
        help_text="The choices that decided the mode (bespoke ones for custom, batchable for batch).",
    )
    setup_key = serializers.CharField(
        allow_null=True, help_text="Batch mode: what orders made in one batch share."
    )
    lead_time = LeadTimeOutput()


# -- guidance ---------------------------------------------------------------------------------------


class ReasonOutput(PresentedOutput):
    """One part of an explanation: a choice of the customer's, or a constraint."""

    type = serializers.ChoiceField(choices=["choice", "rule", "table", "count"])
    message = serializers.CharField()
    option_set = serializers.CharField(allow_null=True, help_text="type choice: the option set chosen")
    value = SelectionValueField(help_text="type choice: the value chosen; null otherwise")
    code = serializers.CharField(allow_null=True, help_text="rule, table or count: its code")
    option_sets = serializers.ListField(
        child=serializers.CharField(), help_text="rule, table or count: the option sets it reads"
    )


@extend_schema_field({"type": ["string", "boolean"]})
class ValueCodeField(serializers.JSONField):
    """An option code, or true/false for a yes/no set."""


class ValueOutput(PresentedOutput):
    code = ValueCodeField(help_text="An option code, or true/false for a yes/no set.")
    selectable = serializers.BooleanField(help_text="Choosing it now still leads to a valid configuration.")
    selected = serializers.BooleanField()
    implied = serializers.BooleanField(help_text="The choices made so far force it.")
    reasons = ReasonOutput(
        many=True,
        help_text="Why it is blocked: a minimal set of choices and constraints. Empty on a blocked value "
        "only when `explained` is false; POST .../explain gives its reasons.",
    )


class OptionSetGuidanceOutput(PresentedOutput):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OptionSetKind.choices)
    decided = serializers.BooleanField(help_text="The customer chose a value for it.")
    selection = SelectionValueField(help_text="The customer's value; null while undecided.")
    implied = SelectionValueField(
        help_text="What the choices force: a value, the codes that must be in a multiple choice, or null."
    )
    values = ValueOutput(
        many=True, allow_null=True, help_text="Single, multi and yes/no sets: every value; null otherwise."
    )
    none_selectable = serializers.BooleanField(
        allow_null=True, help_text="Optional single sets: leaving it empty still fits; null otherwise."
    )
    min = _nullable_number("Number sets: smallest feasible value.")
    max = _nullable_number("Number sets: largest feasible value.")
    switch_min = _nullable_number("A chosen number: the smallest it may change to, other choices kept.")
    switch_max = _nullable_number("A chosen number: the largest it may change to, other choices kept.")
    min_length = serializers.IntegerField(allow_null=True, help_text="Text sets: shortest feasible length.")
    max_length = serializers.IntegerField(allow_null=True, help_text="Text sets: longest feasible length.")
    effective = SelectionValueField(
        help_text="The value the set takes in the effective configuration, which validation, price, "
        "mode and lead time read (docs/engine.md, One meaning); null while it is missing."
    )
    origin = serializers.ChoiceField(
        choices=["chosen", "implied", "default", "missing"],
        help_text="chosen: the customer's value (a multiple choice: the ticked options plus any the "
        "choices force in); implied: the only value left; default: the set's default, or its empty "
        "value, where it still fits; missing: the customer must still decide.",
    )
    added = serializers.ListField(
        child=serializers.CharField(),
        help_text="A decided multiple choice: the options the choices force in beyond the ticked ones.",
    )


class ConstraintOutput(PresentedOutput):
    type = serializers.ChoiceField(choices=["rule", "table", "count"])
    code = serializers.CharField()
    message = serializers.CharField()
    option_sets = serializers.ListField(child=serializers.CharField())


class ChangeOutput(PresentedOutput):
    option_set = serializers.CharField()
    to = SelectionValueField()
    message = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = SelectionValueField()  # a keyword in Python, a field name in the API
        return fields


class RepairOutput(PresentedOutput):
    changes = ChangeOutput(many=True)


class ConflictOutput(PresentedOutput):
    reasons = ReasonOutput(many=True)
    repairs = RepairOutput(many=True, help_text="Up to three minimal ways out, keeping the latest choices.")


class AdditionOutput(PresentedOutput):
    option_set = serializers.CharField()
    added = serializers.ListField(child=serializers.CharField(), help_text="The options the completion adds.")
    reasons = ReasonOutput(many=True, help_text="Why the ticked options cannot stand alone.")


class CompletionOutput(PresentedOutput):
    selections = SelectionsField(help_text="A complete valid configuration extending the choices.")
    defaults_used = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Text sets that must still be filled in."
    )
    additions = AdditionOutput(
        many=True,
        help_text="Multiple choices the customer decided that the completion had to add to, and why; "
        "every other decided multiple choice is kept as the customer left it.",
    )
    price = PriceOutput(help_text="The completion's price.")
    production = ProductionOutput(help_text="How the completion would be made.")


class ConfigureOutput(PresentedOutput):
    product = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="null: the draft (staff)")
    quantity = serializers.IntegerField()
    valid = serializers.BooleanField(help_text="Complete, and every rule and table holds.")
    complete = serializers.BooleanField(help_text="Every option set that needs a decision has one.")
    consistent = serializers.BooleanField(help_text="Some valid configuration extends the choices.")
    missing = serializers.ListField(child=serializers.CharField())
    option_sets = OptionSetGuidanceOutput(many=True)
    errors = ConstraintOutput(many=True)  # type: ignore[assignment]  # DRF moves declared fields off the class
    conflict = ConflictOutput(allow_null=True)
    completion = CompletionOutput(allow_null=True, help_text='Present when asked for ("complete": true).')
    solver_calls = serializers.IntegerField()
    explained = serializers.BooleanField(
        help_text="Every blocked value carries its reasons; false when `explain` was off or the "
        "explanation time budget ran out on a large model."
    )
    price = PriceOutput(help_text="The configuration as it stands, priced: a preview until `valid`.")
    production = ProductionOutput(help_text="How and when the configuration as it stands would be made.")
    footprint = FootprintComparisonOutput(
        allow_null=True,
        help_text="Expected per unit, made in its production mode, against the standard product on "
        "the standard route; null when the factory has no route for it.",
    )


#: One bound ConfigureOutput per audience (staff see costs). DRF deep-copies a serializer's whole
#: field tree for every new instance (~130 fields for the configure answer: a third of the CPU of
#: an evaluated answer on a demo product); once bound, rendering reads nothing but its argument.
#: Bound with its audience's context, not per call as plumbing.rendering binds: on the storefront
#: mix that helper measured 12-14 % slower here (2026-12-01, in-process, back to back).
_configure_outputs: dict[bool, ConfigureOutput] = {}


def configure_output_data(answer: Mapping[str, Any], *, staff: bool) -> dict[str, Any]:
    """``ConfigureOutput(answer, context={"staff": staff}).data``, by a serializer bound once."""
    serializer = _configure_outputs.get(staff)
    if serializer is None:
        serializer = _configure_outputs[staff] = ConfigureOutput(context={"staff": staff})
    return serializer.to_representation(answer)


class ConfigureInput(TypedInput):
    selections = SelectionsField(default=dict)
    quantity = QuantityField()
    explain = serializers.BooleanField(
        default=True,
        help_text="Give reasons for blocked values (within the server's time budget; see `explained`).",
    )
    complete = serializers.BooleanField(
        default=False, help_text="Also propose a full valid configuration (defaults, else the cheapest)."
    )


class ExplainInput(TypedInput):
    selections = SelectionsField(default=dict)
    option_set = serializers.CharField(help_text="The option set of the value to explain.")
    value = SelectionValueField(help_text="An option code, a number, or true/false.")

    def validate_value(self, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            raise serializers.ValidationError(
                "Give one value: an option code, a number, true/false, or null for none (for a "
                "multiple choice, one of its option codes).",
                code="invalid_value",
            )
        return value


class ExplainOutput(serializers.Serializer):
    option_set = serializers.CharField()
    value = SelectionValueField()
    selectable = serializers.BooleanField()
    reasons = ReasonOutput(many=True, help_text="Why it is blocked; empty when it is selectable.")
