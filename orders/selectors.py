"""Reads for quotes and orders: customers see their own, staff see all; anyone else's id is a 404."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from accounts.models import User
from configurator.plumbing.errors import ErrorCode, NotFoundError
from products.models import Product, ProductVersion

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


#: What a list of orders shows (the API's summary, the storefront's table): building a page's
#: orders, products, versions and customers with every other column cost more than the query.
ORDER_LIST_FIELDS = (
    *("id", "status", "stage", "queue", "batch", "quantity", "currency", "total", "production_mode"),
    *("eta", "created_at", "updated_at", "customer__username"),
    *("product__code", "product_version__number", "product_version__name"),
)


def order_list(*, actor: User) -> QuerySet[Order]:
    """Orders a caller may see, with what a list shows and nothing more (no N+1, no documents)."""
    orders = Order.objects.select_related("product", "product_version", "customer").only(*ORDER_LIST_FIELDS)
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


def _current_version_in_hand(product: Product, version_id: int) -> ProductVersion | None:
    """The product's current version when it was read with the product and is ``version_id``."""
    if Product.current_version.is_cached(product) and product.current_version_id == version_id:
        return product.current_version
    return None


def quote_as_written(*, quote: Quote) -> Quote:
    """A quote its transaction has just written, with its version in hand when it is the current
    one the pricing read with its product (not read again, with its document, to show its number)."""
    version = _current_version_in_hand(quote.product, quote.product_version_id)
    if version is not None:
        quote.product_version = version
    return quote


def _version_in_hand(order: Order) -> ProductVersion | None:
    """The order's product version when its product or its quote was read with it."""
    current = _current_version_in_hand(order.product, order.product_version_id)
    if current is not None:
        return current
    quote = order.quote if order.quote_id is not None else None
    if quote is not None and Quote.product_version.is_cached(quote):
        return quote.product_version
    return None


def order_as_written(*, order: Order, events: list[OrderEvent]) -> Order:
    """An order its placing transaction has just written, holding what :func:`order_get` would read
    back with it, so that the placement answers without reading it again: its product, customer and
    events as written, its version when it is the product's current one (else read when asked), and
    no job (the routing task makes it after commit)."""
    version = _version_in_hand(order)
    if version is not None:
        order.product_version = version
    # What Django's prefetch_related stores (prefetch_one_level): the related manager then answers
    # from these rows. The stubs declare neither the queryset's prefetch flag nor the model's cache.
    timeline = OrderEvent.objects.filter(order=order)
    timeline._result_cache = list(events)
    timeline._prefetch_done = True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"events": timeline}  # type: ignore[attr-defined]
    Order.job.related.set_cached_value(order, None)
    return order
