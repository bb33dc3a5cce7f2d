"""Writes for quotes and orders. Every order change goes through :func:`order_transition`, which
locks the row, checks the state machine and writes the event in the same transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from configurator.configure.presenters import Presenter, json_value, price_payload, production_payload
from configurator.engine.results import Validation
from configurator.plumbing.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    QuoteExpired,
    ValidationFailed,
)
from products.models import Product
from products.runtime import configurator_get, runtime_get
from products.selectors import product_get, product_model_source

from . import events
from .models import Order, Quote
from .outbox import outbox_acknowledge, outbox_enqueue
from .states import CUSTOMER_CANCELLABLE, FINAL, OrderStatus, can_transition

logger = logging.getLogger(__name__)

ROUTE_ORDER_TASK = "manufacturing.route_order"
#: What a quote and an order freeze of a configuration (besides the product version).
SNAPSHOT_FIELDS = (
    "product",
    "selections",
    "quantity",
    "currency",
    "unit_price",
    "total",
    "price",
    "production_mode",
    "production",
)


@dataclass(frozen=True)
class PricedConfiguration:
    """A complete, valid configuration priced on the server: what quotes and orders freeze."""

    product: Product
    version_pk: int
    selections: dict[str, Any]
    quantity: int
    currency: str
    unit_price: Decimal
    total: Decimal
    price: dict[str, Any]
    production_mode: str
    production: dict[str, Any]

    @property
    def ship_date(self) -> date:
        return date.fromisoformat(self.production["lead_time"]["ship_date"])


def _invalid_configuration(presenter: Presenter, validation: Validation) -> ValidationFailed:
    """The engine's verdict as a 400: each missing option set and each violated rule or table,
    under the option sets it involves."""
    fields: dict[str, list[dict[str, str]]] = {}
    model = presenter.model
    for code in validation.missing:
        name = model.option_set(code).name
        fields.setdefault(f"selections.{code}", []).append(
            {"code": "required", "message": f"Choose a value for {name}."}
        )
    for error in validation.errors:
        for code in error.option_sets or ("",):
            path = f"selections.{code}" if code else "selections"
            fields.setdefault(path, []).append({"code": error.code, "message": error.message})
    if not fields:
        fields["selections"] = [
            {"code": "inconsistent", "message": "These choices cannot all be made together."}
        ]
    messages = [item["message"] for items in fields.values() for item in items]
    state = "incomplete" if validation.missing and not validation.errors else "not valid"
    return ValidationFailed(
        f"The configuration is {state}: {' '.join(dict.fromkeys(messages))}",
        code="invalid_configuration",
        fields=fields,
    )


def configuration_price(
    *, actor, product_code: str, selections: dict[str, Any], quantity: int
) -> PricedConfiguration:
    """Validate a complete configuration of the product's current version and price it."""
    if not 1 <= quantity <= settings.ATELIER_MAX_QUANTITY:
        raise ValidationFailed.for_field("quantity", f"Use 1 to {settings.ATELIER_MAX_QUANTITY} units.")
    product = product_get(code=product_code, staff=actor.is_staff)
    source = product_model_source(product=product, version=None, staff=False)
    configurator = configurator_get(checksum=source.checksum, load_document=source.load_document)
    pricer = runtime_get(checksum=source.checksum, load_document=source.load_document).pricer
    parsed = configurator.parse_selections(selections)
    validation = configurator.validate(parsed)
    model = configurator.compiled.model
    if not validation.valid:
        raise _invalid_configuration(Presenter(model), validation)
    config = pricer.effective(parsed)
    breakdown, decision = pricer.price(config, quantity)
    lead_time = pricer.lead_time(decision, quantity)
    return PricedConfiguration(
        product=product,
        version_pk=source.version_pk,
        selections={code: json_value(model.option_set(code), value) for code, value in config.items()},
        quantity=quantity,
        currency=breakdown.currency,
        unit_price=breakdown.unit_price,
        total=breakdown.total,
        price=price_payload(breakdown, final=True, staff=True),
        production_mode=decision.mode.value,
        production=production_payload(model, decision, lead_time, timezone.localdate()),
    )


def _snapshot(priced: PricedConfiguration) -> dict[str, Any]:
    return {
        **{name: getattr(priced, name) for name in SNAPSHOT_FIELDS},
        "product_version_id": priced.version_pk,
    }


@transaction.atomic
def quote_create(*, actor, product_code: str, selections: dict[str, Any], quantity: int) -> Quote:
    """Validate and price a complete configuration of the current version, server-side, and hold
    it at that price for ``ATELIER_QUOTE_VALIDITY_DAYS``. Nothing is stored when it is invalid."""
    priced = configuration_price(
        actor=actor, product_code=product_code, selections=selections, quantity=quantity
    )
    now = timezone.now()
    return Quote.objects.create(
        customer=actor,
        valid_until=now + timedelta(days=settings.ATELIER_QUOTE_VALIDITY_DAYS),
        created_at=now,
        **_snapshot(priced),
    )


def quote_ensure_orderable(*, quote: Quote, now=None) -> Quote:
    """A quote can be ordered until it expires, at its frozen price, even on an old version."""
    if quote.is_expired(now):
        raise QuoteExpired(f"Quote {quote.id} expired on {quote.valid_until:%Y-%m-%d %H:%M} UTC.")
    return quote


def _quote_snapshot(*, actor, quote_id) -> dict[str, Any]:
    try:
        quote = Quote.objects.select_for_update().select_related("product").get(pk=quote_id, customer=actor)
    except (Quote.DoesNotExist, ValueError):
        raise ValidationFailed.for_field("quote", "No such quote.", code="quote_not_found") from None
    quote_ensure_orderable(quote=quote)
    if Order.objects.filter(quote=quote).exists():
        raise Conflict(f"Quote {quote.id} has already been ordered.", code="quote_already_ordered")
    eta = date.fromisoformat(quote.production["lead_time"]["ship_date"])
    fields = {name: getattr(quote, name) for name in SNAPSHOT_FIELDS}
    return {**fields, "product_version_id": quote.product_version_id, "quote": quote, "eta": eta}


@transaction.atomic
def order_place(
    *,
    actor,
    shipping: dict[str, str],
    quote_id=None,
    product_code: str | None = None,
    selections: dict[str, Any] | None = None,
    quantity: int | None = None,
) -> Order:
    """Place an order from one of the customer's open quotes (at its frozen price) or from a
    configuration validated and priced here. The order, its first event and the outbox message
    that routes it are written in one transaction; the relay hands the message to Celery after commit."""
    if quote_id is not None:
        snapshot = _quote_snapshot(actor=actor, quote_id=quote_id)
    else:
        priced = configuration_price(
            actor=actor, product_code=product_code, selections=selections or {}, quantity=quantity or 1
        )
        snapshot = {**_snapshot(priced), "eta": priced.ship_date}
    order = Order.objects.create(customer=actor, **snapshot, **shipping)
    events.order_placed(order=order, actor=actor)
    outbox_enqueue(task=ROUTE_ORDER_TASK, kwargs={"order_id": str(order.id)}, order=order)
    return order


def order_transition(*, order_id, to: str, actor=None, **changes: Any) -> tuple[Order, bool]:
    """Move an order to ``to`` if the state machine allows it; returns the order and whether it
    changed. Must run inside a transaction (the caller writes the event in it). Moving to the
    status it already has does nothing; any other illegal move is logged and refused."""
    order = Order.objects.select_for_update().select_related("product").get(pk=order_id)
    if order.status == to:
        return order, False
    if not can_transition(order.status, to):
        logger.warning(
            "Refused order transition %s -> %s for %s (actor %s)",
            order.status,
            to,
            order.id,
            getattr(actor, "pk", None),
        )
        raise InvalidTransition(
            f"An order that is {OrderStatus(order.status).label.lower()} cannot become "
            f"{OrderStatus(to).label.lower()}."
        )
    order.status = to
    for field, value in changes.items():
        setattr(order, field, value)
    order.save(update_fields=["status", "updated_at", *changes])
    return order, True


@transaction.atomic
def order_route(*, order_id, message_id, queue: str) -> Order:
    """Record the routing decision and queue the order (placed -> routed -> queued) and acknowledge
    the outbox message, in one transaction. Delivered twice, it changes nothing the second time;
    an order cancelled meanwhile stays cancelled."""
    order = Order.objects.select_for_update().select_related("product").get(pk=order_id)
    if order.status == OrderStatus.PLACED:
        order, _ = order_transition(order_id=order_id, to=OrderStatus.ROUTED)
        events.order_routed(order=order, queue=queue)
        order, _ = order_transition(order_id=order_id, to=OrderStatus.QUEUED, queue=queue)
        events.order_queued(order=order, queue=queue)
    outbox_acknowledge(message_id=message_id)
    return order


@transaction.atomic
def order_cancel(*, actor, order: Order, reason: str) -> Order:
    """Customers cancel their own order until production starts; staff at any time, with a reason."""
    if actor.is_staff:
        if not reason.strip():
            raise ValidationFailed.for_field("reason", "Staff must give a reason to cancel.", code="required")
    elif order.customer_id != actor.pk:
        raise PermissionDenied()
    else:
        current = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
        if current not in CUSTOMER_CANCELLABLE and current not in FINAL:
            raise InvalidTransition(
                "Production has started; contact us to cancel this order.", code="production_started"
            )
    order, changed = order_transition(order_id=order.pk, to=OrderStatus.CANCELLED, actor=actor)
    if changed:
        events.order_cancelled(order=order, actor=actor, reason=reason.strip())
    return order


@transaction.atomic
def order_ship(*, actor, order_id) -> Order:
    """Staff mark a completed order shipped (completed -> shipped; anything else is refused)."""
    if not actor.is_staff:
        raise PermissionDenied()
    order, changed = order_transition(order_id=order_id, to=OrderStatus.SHIPPED, actor=actor)
    if changed:
        events.order_shipped(order=order, actor=actor)
    return order
