"""Reads for quotes and orders: customers see their own, staff see all; anyone else's id is a 404."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from configurator.plumbing.errors import NotFound

from .models import Order, OrderEvent, Quote


def quote_list(*, actor) -> QuerySet[Quote]:
    quotes = Quote.objects.select_related("product", "product_version", "customer").defer(
        "product_version__document"
    )
    return quotes if actor.is_staff else quotes.filter(customer=actor)


def quote_get(*, actor, quote_id: uuid.UUID | str) -> Quote:
    try:
        return quote_list(actor=actor).get(pk=quote_id)
    except (Quote.DoesNotExist, ValueError, ValidationError):
        raise NotFound("No such quote.", code="quote_not_found") from None


def price_view(price: dict, *, staff: bool) -> dict:
    """A stored breakdown, without costs and margin for customers."""
    if staff:
        return price
    price = {key: value for key, value in price.items() if key != "margin"}
    price["lines"] = [{key: value for key, value in line.items() if key != "cost"} for line in price["lines"]]
    return price


def order_list(*, actor) -> QuerySet[Order]:
    """Orders a caller may see, with what a list shows and nothing more (no N+1, no documents)."""
    orders = Order.objects.select_related("product", "product_version", "customer").defer(
        "product_version__document", "price", "selections"
    )
    return orders if actor.is_staff else orders.filter(customer=actor)


def order_get(*, actor, order_id) -> Order:
    orders = (
        Order.objects.select_related("product", "product_version", "customer", "quote")
        .defer("product_version__document")
        .prefetch_related(Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
    )
    if not actor.is_staff:
        orders = orders.filter(customer=actor)
    try:
        return orders.get(pk=order_id)
    except (Order.DoesNotExist, ValueError, ValidationError):
        raise NotFound("No such order.", code="order_not_found") from None
