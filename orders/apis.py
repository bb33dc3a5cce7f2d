"""Quote and order endpoints: create (validated and priced on the server), read and list your own;
staff see all."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.openapi import error_responses
from configurator.plumbing.pagination import CursorPagination
from configurator.plumbing.rendering import BoundListMixin, bound_serializer
from configurator.throttling.throttles import SharedScopedRateThrottle

from .filters import OrderFilter, QuoteFilter
from .idempotency import HEADER, KEY_PATTERN, idempotency_key_from, request_fingerprint
from .models import Order, Quote
from .selectors import order_get, order_list, quote_get, quote_list
from .serializers import (
    ConfigurationOrderInput,
    OrderCancelInput,
    OrderOutput,
    OrderSummaryOutput,
    QuoteCreateInput,
    QuoteOrderInput,
    QuoteOutput,
    order_input_for,
    order_output_data,
)
from .services import OrderRequest, order_cancel, order_place_once, quote_create


def _context(request: Request) -> dict[str, Any]:
    return {"request": request, "staff": request.user.is_staff, "now": timezone.now()}


class QuoteListCreateApi(BoundListMixin, generics.ListAPIView):
    """Your quotes, newest first (staff: everyone's); POST prices and holds a configuration."""

    serializer_class = QuoteOutput
    filterset_class = QuoteFilter
    ordering_fields = ["created_at", "total", "valid_until"]
    search_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Quote]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Quote.objects.none()
        return quote_list(actor=authenticated_user(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_context(self.request)}

    @extend_schema(
        operation_id="quotes_list", responses={200: QuoteOutput(many=True), **error_responses(400, 401)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="quotes_create",
        request=QuoteCreateInput,
        responses={201: QuoteOutput, **error_responses(400, 401, 404, 503)},
        description="Re-validates and prices the configuration on the server: a price sent by the client is "
        "ignored. An incomplete or invalid configuration is a 400 naming each option set at fault.",
    )
    def post(self, request: Request) -> Response:
        serializer = QuoteCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = quote_create(
            actor=authenticated_user(request),
            product_code=data["product"],
            selections=data["selections"],
            quantity=data["quantity"],
        )
        return Response(_quote_data(quote, request), status=status.HTTP_201_CREATED)


class QuoteDetailApi(APIView):
    @extend_schema(operation_id="quotes_retrieve", responses={200: QuoteOutput, **error_responses(401, 404)})
    def get(self, request: Request, quote_id: str) -> Response:
        quote = quote_get(actor=authenticated_user(request), quote_id=quote_id)
        return Response(_quote_data(quote, request))


def _quote_data(quote: Quote, request: Request) -> dict[str, Any]:
    return bound_serializer(QuoteOutput, context=_context(request)).to_representation(quote)


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per order, e.g. a UUID (1 to 255 printable ASCII characters); "
    "retry with the same key.",
    pattern=KEY_PATTERN,
)


class OrderListCreateApi(BoundListMixin, generics.ListAPIView):
    """Your orders, newest first (staff: everyone's), with a cursor; POST places an order.

    Placing needs an `Idempotency-Key` header: the same key and body returns the first response
    (with `Idempotent-Replayed: true`) and creates one order; the same key with another body is a
    422; while the first request runs, a second one with its key is a 409. Keys are kept for at
    least 24 hours."""

    serializer_class = OrderSummaryOutput
    filterset_class = OrderFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = CursorPagination
    throttle_scope = "orders"

    def get_throttles(self) -> list[BaseThrottle]:
        return [SharedScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Order.objects.none()
        return order_list(actor=authenticated_user(self.request))

    @extend_schema(
        operation_id="orders_list",
        responses={200: OrderSummaryOutput(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="orders_create",
        request=PolymorphicProxySerializer(
            component_name="OrderCreate",
            serializers=[QuoteOrderInput, ConfigurationOrderInput],
            resource_type_field_name=None,
        ),
        parameters=[IDEMPOTENCY_KEY],
        responses={201: OrderOutput, **error_responses(400, 401, 404, 409, 422, 429, 503)},
        description="Prices are computed on the server: a price or status sent by the client is refused "
        "as an unknown field.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request.headers)
        serializer = order_input_for(request.data)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        placement = order_place_once(
            actor=authenticated_user(request),
            key=key,
            fingerprint=request_fingerprint(method="POST", path=request.path, body=request.data),
            request=OrderRequest(
                shipping=data["shipping"],
                quote_id=data.get("quote"),
                product_code=data.get("product"),
                selections=data.get("selections"),
                quantity=data.get("quantity", 1),
            ),
            render=lambda order: json.loads(
                json.dumps(order_output_data(order, context=_context(request)), cls=DjangoJSONEncoder)
            ),
        )
        headers = {"Idempotent-Replayed": "true"} if placement.replayed else {}
        return Response(placement.body, status=placement.status, headers=headers)


class OrderDetailApi(APIView):
    """An order: status, stage, the timeline, inspections, its batch and the current ETA."""

    @extend_schema(operation_id="orders_retrieve", responses={200: OrderOutput, **error_responses(401, 404)})
    def get(self, request: Request, order_id: str) -> Response:
        order = order_get(actor=authenticated_user(request), order_id=order_id)
        return Response(order_output_data(order, context=_context(request)))


class OrderCancelApi(APIView):
    """Cancel an order: customers until production starts, staff at any time before it ships, with
    a reason. Cancelling an order that is already cancelled changes nothing and answers 200 with
    the order, so a retried request is safe."""

    @extend_schema(
        operation_id="orders_cancel",
        request=OrderCancelInput,
        responses={200: OrderOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, order_id: str) -> Response:
        serializer = OrderCancelInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = authenticated_user(request)
        order = order_get(actor=actor, order_id=order_id)
        order_cancel(actor=actor, order=order, reason=serializer.validated_data["reason"])
        fresh = order_get(actor=actor, order_id=order_id)
        return Response(order_output_data(fresh, context=_context(request)))
