"""Reads for quotes and orders: customers see their own, staff see all; anyone else's id is a 404."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from configurator.plumbing.errors import ErrorCode, NotFoundError

from .models import Order, OrderEvent, Quote


def quote_list(*, actor: User) -> QuerySet[Quote]:
    quotes = Quote.objects.select_related("product", "product_version", "customer").defer(
        "product_version__document"
    )
    return quotes if actor.is_staff else quotes.filter(customer=actor)


def quote_get(*, actor: User, quote_id: uuid.UUID | str) -> Quote:
    try:
        return quote_list(actor=actor).get(pk=quote_id)
    except (Quote.DoesNotExist, ValueError, ValidationError):
        raise NotFoundError("No such quote.", code=ErrorCode.QUOTE_NOT_FOUND) from None


def order_list(*, actor: User) -> QuerySet[Order]:
    """Orders a caller may see, with what a list shows and nothing more (no N+1, no documents)."""
    orders = Order.objects.select_related("product", "product_version", "customer").defer(
        "product_version__document", "price", "selections"
    )
    return orders if actor.is_staff else orders.filter(customer=actor)


def order_get(*, actor: User, order_id: uuid.UUID | str) -> Order:
    orders = (
        Order.objects.select_related(
            "product", "product_version", "customer", "quote", "job__route", "job__batch"
        )
        .defer("product_version__document")
        .prefetch_related(Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
    )
    if not actor.is_staff:
        orders = orders.filter(customer=actor)
    try:
        return orders.get(pk=order_id)
    except (Order.DoesNotExist, ValueError, ValidationError):
        raise NotFoundError("No such order.", code=ErrorCode.ORDER_NOT_FOUND) from None
