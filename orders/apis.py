"""Quote and order endpoints: create (validated and priced on the server), read and list your own;
staff see all."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from configurator.engine.money import format_money
from configurator.plumbing.openapi import error_responses
from configurator.plumbing.pagination import CursorPagination

from .filters import OrderFilter, QuoteFilter
from .idempotency import (
    HEADER,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_from,
    idempotency_release,
    request_fingerprint,
)
from .models import Order, OrderEvent, Quote
from .selectors import order_get, order_list, price_view, quote_get, quote_list
from .services import order_cancel, order_place, quote_create


class MoneyField(serializers.Field):
    """An amount of the object's currency, as a string in the currency's minor unit ("12.50", "1250")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def bind(self, field_name: str, parent: serializers.Serializer) -> None:
        super().bind(field_name, parent)
        self.amount_field = field_name

    def to_representation(self, instance: Quote | Order) -> str:
        return format_money(getattr(instance, self.amount_field), instance.currency)


extend_schema_field({"type": "string", "format": "decimal"})(MoneyField)


class QuoteOutput(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="product_version.number", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unit_price = MoneyField()
    total = MoneyField()
    price = serializers.SerializerMethodField()
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

    def get_price(self, quote: Quote) -> dict[str, Any]:
        return price_view(quote.price, staff=self.context["staff"])

    def get_expired(self, quote: Quote) -> bool:
        return quote.is_expired(self.context.get("now"))


class QuoteCreateInput(serializers.Serializer):
    product = serializers.SlugField(help_text="The product code.")
    selections = serializers.DictField(child=serializers.JSONField(allow_null=True))
    quantity = serializers.IntegerField(min_value=1, default=1)

    def validate_quantity(self, value: int) -> int:
        if value > settings.ATELIER_MAX_QUANTITY:
            raise serializers.ValidationError(f"At most {settings.ATELIER_MAX_QUANTITY} units.")
        return value


class QuoteListCreateApi(generics.ListAPIView):
    """Your quotes, newest first (staff: everyone's); POST prices and holds a configuration."""

    serializer_class = QuoteOutput
    filterset_class = QuoteFilter
    ordering_fields = ["created_at", "total", "valid_until"]
    search_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Quote.objects.none()
        return quote_list(actor=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "staff": self.request.user.is_staff,
            "now": timezone.now(),
        }

    @extend_schema(responses={200: QuoteOutput(many=True), **error_responses(400, 401, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=QuoteCreateInput,
        responses={201: QuoteOutput, **error_responses(400, 401, 404)},
        description="Re-validates and prices the configuration on the server: a price sent by the client is "
        "ignored. An incomplete or invalid configuration is a 400 naming each option set at fault.",
    )
    def post(self, request: Request) -> Response:
        serializer = QuoteCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = quote_create(
            actor=request.user,
            product_code=data["product"],
            selections=data["selections"],
            quantity=data["quantity"],
        )
        output = QuoteOutput(quote, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)


class QuoteDetailApi(APIView):
    @extend_schema(responses={200: QuoteOutput, **error_responses(401, 404)})
    def get(self, request: Request, quote_id: str) -> Response:
        quote = quote_get(actor=request.user, quote_id=quote_id)
        context = {"staff": request.user.is_staff, "now": timezone.now()}
        return Response(QuoteOutput(quote, context=context).data)


class ShippingInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20)
    city = serializers.CharField(max_length=100)
    country = serializers.RegexField(
        r"^[A-Z]{2}$",
        help_text="ISO 3166 alpha-2, e.g. DE.",
        error_messages={"invalid": "Use a two-letter country code such as DE."},
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class OrderCreateInput(serializers.Serializer):
    """Either a quote, or a product with its selections and quantity."""

    quote = serializers.UUIDField(required=False, help_text="One of your open quotes.")
    product = serializers.SlugField(required=False)
    selections = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False)
    quantity = serializers.IntegerField(min_value=1, required=False)
    shipping = ShippingInput()

    def validate_quantity(self, value: int) -> int:
        if value > settings.ATELIER_MAX_QUANTITY:
            raise serializers.ValidationError(f"At most {settings.ATELIER_MAX_QUANTITY} units.")
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "quote" in data:
            extra = [field for field in ("product", "selections", "quantity") if field in data]
            if extra:
                raise serializers.ValidationError(
                    {field: ["Leave this out when ordering a quote."] for field in extra}
                )
        else:
            missing = [field for field in ("product", "selections") if field not in data]
            if missing:
                raise serializers.ValidationError(
                    {field: ["Required unless you order a quote."] for field in missing}
                )
        return data


class OrderEventOutput(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

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


class OrderSummaryOutput(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="product_version.number", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="username", read_only=True)
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


class OrderOutput(OrderSummaryOutput):
    unit_price = MoneyField()
    price = serializers.SerializerMethodField()
    shipping = serializers.SerializerMethodField()
    quote = serializers.UUIDField(source="quote_id", read_only=True, allow_null=True)
    timeline = OrderEventOutput(source="events", many=True, read_only=True)
    inspections = serializers.SerializerMethodField()

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
        ]

    def get_price(self, order: Order) -> dict[str, Any]:
        return price_view(order.price, staff=self.context["staff"])

    @extend_schema_field(ShippingInput)
    def get_shipping(self, order: Order) -> dict[str, str]:
        return {field: getattr(order, f"ship_to_{field}") for field in ShippingInput().fields}

    @extend_schema_field(OrderEventOutput(many=True))
    def get_inspections(self, order: Order) -> list[dict[str, Any]]:
        return [OrderEventOutput(event).data for event in order.events.all() if event.type == "inspected"]


class OrderListCreateApi(generics.ListAPIView):
    """Your orders, newest first (staff: everyone's), with a cursor; POST places an order.

    Placing needs an `Idempotency-Key` header: the same key and body returns the first response and
    creates one order; the same key with another body is a 422; while the first request runs, a
    second one with its key is a 409. Keys are kept for at least 24 hours."""

    serializer_class = OrderSummaryOutput
    filterset_class = OrderFilter
    pagination_class = CursorPagination
    ordering_fields: list[str] = []
    search_fields: list[str] = []
    throttle_scope = "orders"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Order.objects.none()
        return order_list(actor=self.request.user)

    @extend_schema(responses={200: OrderSummaryOutput(many=True), **error_responses(400, 401)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OrderCreateInput,
        parameters=[
            OpenApiParameter(
                HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="A unique key per order, e.g. a UUID; retry with the same key.",
            )
        ],
        responses={201: OrderOutput, **error_responses(400, 401, 404, 409, 422, 429)},
        description="Prices are computed on the server; a price or status sent by the client is ignored.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request.headers)
        claim = idempotency_claim(
            user=request.user,
            key=key,
            fingerprint=request_fingerprint(method="POST", path=request.path, body=request.data),
        )
        if claim.replay:
            return Response(
                claim.key.response_body,
                status=claim.key.response_status,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            with transaction.atomic():
                serializer = OrderCreateInput(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = serializer.validated_data
                shipping = {f"ship_to_{field}": value for field, value in data["shipping"].items()}
                order = order_place(
                    actor=request.user,
                    shipping=shipping,
                    quote_id=data.get("quote"),
                    product_code=data.get("product"),
                    selections=data.get("selections"),
                    quantity=data.get("quantity"),
                )
                body = OrderOutput(
                    order_get(actor=request.user, order_id=order.pk), context={"staff": request.user.is_staff}
                ).data
                idempotency_complete(
                    claim=claim,
                    status=status.HTTP_201_CREATED,
                    body=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
                )
        except BaseException:
            idempotency_release(claim=claim)
            raise
        return Response(body, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    """An order: status, stage, the timeline, inspections, its batch and the current ETA."""

    @extend_schema(responses={200: OrderOutput, **error_responses(401, 404)})
    def get(self, request: Request, order_id: str) -> Response:
        order = order_get(actor=request.user, order_id=order_id)
        return Response(OrderOutput(order, context={"staff": request.user.is_staff}).data)


class OrderCancelInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Required for staff."
    )


class OrderCancelApi(APIView):
    """Cancel an order: customers until production starts, staff at any time with a reason."""

    @extend_schema(
        request=OrderCancelInput, responses={200: OrderOutput, **error_responses(400, 401, 404, 409)}
    )
    def post(self, request: Request, order_id: str) -> Response:
        serializer = OrderCancelInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_get(actor=request.user, order_id=order_id)
        order_cancel(actor=request.user, order=order, reason=serializer.validated_data["reason"])
        fresh = order_get(actor=request.user, order_id=order_id)
        return Response(OrderOutput(fresh, context={"staff": request.user.is_staff}).data)
