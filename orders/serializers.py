"""The quote and order contract: inputs, and outputs rendered from the stored snapshot documents.
Every response field is always present and typed; staff-only fields are marked so."""

from __future__ import annotations

import unicodedata
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from configurator.configure.serializers import PriceOutput, ProductionOutput, SelectionsField
from configurator.engine.money import format_money
from configurator.plumbing.fields import DecimalStringField, QuantityField, TypedInput
from configurator.plumbing.rendering import bound_serializer
from manufacturing.loading import factory_spec_current
from manufacturing.serializers import OrderTrackingOutput
from products.choices import ProductionMode
from products.documents import StrictSerializer
from products.models import Product

from .models import Order, OrderEvent, OrderEventType, Quote
from .states import OrderStatus


class MoneyField(DecimalStringField):
    """An amount of the object's currency, in the currency's minor unit ("12.50", "1250")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", **kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        super().bind(field_name, parent)
        self.amount_field = field_name

    def to_representation(self, instance: Quote | Order) -> str:  # type: ignore[override]
        return format_money(getattr(instance, self.amount_field), instance.currency)


class QuoteOutput(serializers.ModelSerializer):
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    version = serializers.IntegerField(source="product_version.number", read_only=True)
    customer: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    selections = SelectionsField(read_only=True)
    unit_price = MoneyField()
    total = MoneyField()
    price = PriceOutput(read_only=True)
    production = ProductionOutput(read_only=True)
    expired = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "product",
            "version",
            "customer",
            "selections",
            "quantity",
            "currency",
            "unit_price",
            "total",
            "price",
            "production_mode",
            "production",
            "valid_until",
            "expired",
            "created_at",
        ]
        read_only_fields = fields

    def get_expired(self, quote: Quote) -> bool:
        return quote.is_expired(self.context.get("now"))


class QuoteCreateInput(TypedInput):
    product = serializers.SlugField(help_text="The product code.")
    selections = SelectionsField()
    quantity = QuantityField()


#: Control characters (including tabs and line breaks), bidirectional overrides, embeddings,
#: isolates and marks, and other invisible format characters are refused in addresses: they corrupt
#: labels and can disguise what a field says. The zero-width (non-)joiner stays: Persian, Indic and
#: emoji text need it.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})


def _printable(value: str) -> None:
    bad = next(
        (
            char
            for char in value
            if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _ALLOWED_FORMAT_CHARACTERS
        ),
        None,
    )
    if bad is not None:
        name = unicodedata.name(bad, "a control character")
        raise serializers.ValidationError(
            f"Remove the invisible or control character U+{ord(bad):04X} ({name}).", code="invalid"
        )


class AddressField(serializers.CharField):
    """One line of an address: stored in Unicode's composed form (NFC), so that the same text is
    the same bytes, and refused when it holds a character no label should print."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[_printable], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return unicodedata.normalize("NFC", super().to_internal_value(data))


class ShippingInput(TypedInput):
    name = AddressField(max_length=200)
    line1 = AddressField(max_length=200)
    line2 = AddressField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = AddressField(max_length=20)
    city = AddressField(max_length=100)
    country = serializers.RegexField(
        r"^[A-Z]{2}$",
        help_text="ISO 3166 alpha-2, e.g. DE.",
        error_messages={"invalid": "Use a two-letter country code such as DE."},
    )
    phone = AddressField(max_length=40, required=False, allow_blank=True, default="")


class ShippingOutput(serializers.Serializer):
    name = serializers.CharField(source="ship_to_name")
    line1 = serializers.CharField(source="ship_to_line1")
    line2 = serializers.CharField(source="ship_to_line2")
    postal_code = serializers.CharField(source="ship_to_postal_code")
    city = serializers.CharField(source="ship_to_city")
    country = serializers.CharField(source="ship_to_country")
    phone = serializers.CharField(source="ship_to_phone")


class QuoteOrderInput(StrictSerializer):
    """Order one of your open quotes, at its frozen price."""

    unknown_field_message = "Leave this out when ordering a quote: the quote holds the configuration."
    quote = serializers.UUIDField(help_text="One of your open quotes.")
    shipping = ShippingInput()


class ConfigurationOrderInput(StrictSerializer):
    """Order a complete configuration, validated and priced on the server."""

    product = serializers.SlugField(help_text="The product code.")
    selections = SelectionsField(help_text="The complete configuration.")
    quantity = QuantityField()
    shipping = ShippingInput()


def order_input_for(data: Any) -> type[StrictSerializer]:
    """The form of an order request: with a quote, or with a configuration."""
    return QuoteOrderInput if isinstance(data, dict) and "quote" in data else ConfigurationOrderInput


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Details by event type, e.g. routed: mode, queue, setup_key.",
    }
)
class EventDataField(serializers.JSONField):
    pass


class OrderEventOutput(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: the system."
    )
    type = serializers.ChoiceField(choices=OrderEventType.choices, read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    # Declared fields leave the class (the serializer metaclass takes them), so this key does not
    # replace Serializer.data; the stubs cannot see that.
    data = EventDataField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = OrderEvent
        fields = [
            "created_at",
            "type",
            "status",
            "stage",
            "work_centre",
            "batch",
            "inspection_result",
            "actor",
            "message",
            "data",
        ]
        read_only_fields = fields


class OrderSummaryOutput(serializers.ModelSerializer):
    product: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    version = serializers.IntegerField(source="product_version.number", read_only=True)
    customer: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    production_mode = serializers.ChoiceField(choices=ProductionMode.choices, read_only=True)
    total = MoneyField()

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "stage",
            "queue",
            "batch",
            "product",
            "version",
            "customer",
            "quantity",
            "currency",
            "total",
            "production_mode",
            "eta",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderOutput(OrderSummaryOutput):
    unit_price = MoneyField()
    selections = SelectionsField(read_only=True)
    price = PriceOutput(read_only=True)
    production = ProductionOutput(read_only=True)
    shipping = ShippingOutput(source="*", read_only=True)
    quote = serializers.UUIDField(source="quote_id", read_only=True, allow_null=True)
    timeline = OrderEventOutput(source="events", many=True, read_only=True)
    inspections = serializers.SerializerMethodField()
    tracking = OrderTrackingOutput(
        source="*",
        read_only=True,
        spec=factory_spec_current,
        help_text="Where it is in the factory: the route's stages done, current and next, its batch, "
        "inspections, rework and remakes, the ETA from the live load, and its footprint once made.",
    )

    class Meta(OrderSummaryOutput.Meta):
        fields = [
            *OrderSummaryOutput.Meta.fields,
            "unit_price",
            "selections",
            "price",
            "production",
            "shipping",
            "quote",
            "timeline",
            "inspections",
            "tracking",
        ]
        read_only_fields = fields

    @extend_schema_field(OrderEventOutput(many=True))
    def get_inspections(self, order: Order) -> list[dict[str, Any]]:
        inspected = [event for event in order.events.all() if event.type == OrderEventType.INSPECTED]
        # many=True makes a ListSerializer; its data is the list (OrderEventOutput.data is a field here).
        events: serializers.BaseSerializer = OrderEventOutput(inspected, many=True)
        return events.data


def order_output_data(order: Order, *, context: dict[str, Any]) -> dict[str, Any]:
    """``OrderOutput(order, context=context).data``, by a serializer bound once per thread (a fifth
    of a placement's CPU in a profile went to binding a new one)."""
    return bound_serializer(OrderOutput, context=context).to_representation(order)


class OrderCancelInput(TypedInput):
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Required for staff."
    )
