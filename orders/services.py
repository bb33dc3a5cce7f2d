"""Writes for quotes and orders.

Prices come from :func:`configurator.configure.services.configuration_price`, the path the configure
endpoint takes too. A status change locks the order row, checks the state machine and writes its
event in the same transaction: :func:`order_transition` for one step, :func:`order_route` for the
two steps of routing under one lock, :class:`ProductionSteps` for a lot of the factory."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from configurator.configure.services import PricedConfiguration, configuration_price
from configurator.plumbing.errors import (
    ConflictError,
    ErrorCode,
    FieldErrorCode,
    InvalidInputError,
    InvalidTransitionError,
    PermissionDeniedError,
    QuoteExpiredError,
)

from . import events
from .idempotency import idempotency_claim, idempotency_complete
from .models import Order, OrderEvent, Quote
from .outbox import outbox_acknowledge, outbox_enqueue
from .selectors import order_as_written, quote_as_written
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


def _snapshot(priced: PricedConfiguration) -> dict[str, Any]:
    return {
        **{name: getattr(priced, name) for name in SNAPSHOT_FIELDS},
        "product_version_id": priced.version_pk,
    }


@transaction.atomic
def quote_create(*, actor: User, product_code: str, selections: dict[str, Any], quantity: int) -> Quote:
    """Validate and price a complete configuration of the current version, server-side, and hold
    it at that price for ``ATELIER_QUOTE_VALIDITY_DAYS``. Nothing is stored when it is invalid."""
    priced = configuration_price(
        staff=actor.is_staff, product_code=product_code, selections=selections, quantity=quantity
    )
    now = timezone.now()
    quote = Quote.objects.create(
        customer=actor,
        valid_until=now + timedelta(days=settings.ATELIER_QUOTE_VALIDITY_DAYS),
        created_at=now,
        **_snapshot(priced),
    )
    return quote_as_written(quote=quote)


def quote_ensure_orderable(*, quote: Quote, now: Any = None) -> Quote:
    """A quote can be ordered until it expires, at its frozen price, even on an old version."""
    if quote.is_expired(now):
        raise QuoteExpiredError(f"Quote {quote.id} expired on {quote.valid_until:%Y-%m-%d %H:%M} UTC.")
    return quote


def _quote_snapshot(*, actor: User, quote_id: uuid.UUID) -> dict[str, Any]:
    try:
        # The quote row alone, and as a no-key lock: a second placement of the quote waits here and
        # then sees the first order; nothing else (the product, its other orders) is locked.
        quote = (
            Quote.objects.select_for_update(of=("self",), no_key=True)
            .select_related("product", "product_version")
            .defer("product_version__document")
            .get(pk=quote_id, customer=actor)
        )
    except (Quote.DoesNotExist, ValueError):
        raise InvalidInputError.for_field(
            "quote",
            "No such quote.",
            code=ErrorCode.QUOTE_NOT_FOUND,
            field_code=FieldErrorCode.DOES_NOT_EXIST,
        ) from None
    quote_ensure_orderable(quote=quote)
    if Order.objects.filter(quote=quote).exists():
        raise ConflictError(
            f"Quote {quote.id} has already been ordered.", code=ErrorCode.QUOTE_ALREADY_ORDERED
        )
    eta = date.fromisoformat(quote.production["lead_time"]["ship_date"])
    fields = {name: getattr(quote, name) for name in SNAPSHOT_FIELDS}
    return {**fields, "product_version_id": quote.product_version_id, "quote": quote, "eta": eta}


@dataclass(frozen=True)
class OrderRequest:
    """What a customer orders: one of their quotes, or a product with its selections."""

    shipping: dict[str, str]
    quote_id: uuid.UUID | None = None
    product_code: str | None = None
    selections: dict[str, Any] | None = None
    quantity: int = 1


@transaction.atomic
def order_place(*, actor: User, request: OrderRequest) -> Order:
    """Place an order from one of the customer's open quotes (at its frozen price) or from a
    configuration validated and priced here. The order, its first event and the outbox message
    that routes it are written in one transaction; the relay hands the message to Celery after commit."""
    order, _ = _order_write(actor=actor, request=request)
    return order


def _order_write(*, actor: User, request: OrderRequest) -> tuple[Order, OrderEvent]:
    """:func:`order_place` in the caller's transaction; also gives the order's first event."""
    if request.quote_id is not None:
        snapshot = _quote_snapshot(actor=actor, quote_id=request.quote_id)
    else:
        assert request.product_code is not None, "an order names a quote or a product"
        priced = configuration_price(
            staff=actor.is_staff,
            product_code=request.product_code,
            selections=request.selections or {},
            quantity=request.quantity,
        )
        snapshot = {**_snapshot(priced), "eta": priced.ship_date}
    shipping = {f"ship_to_{field}": value for field, value in request.shipping.items()}
    order = Order.objects.create(customer=actor, **snapshot, **shipping)
    placed = events.event_record(order=order, event=events.placed(order), actor=actor)
    outbox_enqueue(task=ROUTE_ORDER_TASK, kwargs={"order_id": str(order.id)}, order=order)
    return order, placed


@dataclass(frozen=True)
class Placement:
    """The answer to a placement: the first response again when the key was used before."""

    status: int
    body: dict[str, Any]
    replayed: bool


def order_place_once(
    *,
    actor: User,
    key: str,
    fingerprint: str,
    request: OrderRequest,
    render: Callable[[Order], dict[str, Any]],
) -> Placement:
    """Place an order at most once per ``Idempotency-Key``: the same key and request get the first
    response again (``replayed``); the same key with another request is a 422; while the first
    request runs, a second one is a 409. ``render`` turns the order into the stored response body,
    in the placing transaction. A failed placement forgets the key, so the client may retry."""
    with transaction.atomic():
        claim = idempotency_claim(user=actor, key=key, fingerprint=fingerprint)
        if claim.replay:
            assert claim.key.response_status is not None
            return Placement(claim.key.response_status, claim.key.response_body or {}, replayed=True)
        order, placed = _order_write(actor=actor, request=request)
        # Rendered as written, not read back (the order's job and later events do not exist
        # yet); the order is not handed on, so nothing sees its related rows frozen.
        body = render(order_as_written(order=order, events=[placed]))
        idempotency_complete(claim=claim, status=201, body=body)
    return Placement(201, body, replayed=False)


def order_transition(
    *,
    order_id: uuid.UUID | str,
    to: OrderStatus,
    event: Callable[[Order], events.EventSpec],
    actor: User | None = None,
    guard: Callable[[Order], bool] | None = None,
    **changes: Any,
) -> tuple[Order, bool]:
    """Lock the order, move it to ``to`` if the state machine allows it, and write the event that
    ``event`` describes, all in the caller's transaction; returns the order and whether it changed.

    Moving to the status it already has does nothing, and so does a ``guard`` that returns False
    (a guard may also raise to refuse). Any other illegal move is logged and refused (409)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_transition must run inside a transaction")
    # The order row alone, as a no-key lock: locking the joined product row too would make every
    # placement of that product (whose insert key-shares it) wait for this transaction, and the
    # two kinds of transaction deadlock.
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True).select_related("product").get(pk=order_id)
    )
    if order.status == to or (guard is not None and not guard(order)):
        return order, False
    if not can_transition(order.status, to):
        logger.warning(
            "Refused order transition %s -> %s for %s (actor %s)",
            order.status,
            to,
            order.id,
            getattr(actor, "pk", None),
        )
        raise InvalidTransitionError(
            f"An order that is {OrderStatus(order.status).label.lower()} cannot become "
            f"{OrderStatus(to).label.lower()}."
        )
    order.status = to
    for name, value in changes.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *changes])
    events.event_record(order=order, event=event(order), actor=actor)
    return order, True


def _not_cancelled(order: Order) -> bool:
    return order.status != OrderStatus.CANCELLED


def order_production_step(
    *,
    order_id: uuid.UUID | str,
    event: events.EventSpec,
    to: OrderStatus | None = None,
    **changes: Any,
) -> Order | None:
    """Record one production step of one order (see :class:`ProductionSteps`) in the caller's
    transaction. An order cancelled meanwhile takes no further steps: answers None."""
    steps = ProductionSteps(order_ids=[order_id])
    order = steps.step(order_id=order_id, event=event, to=to, **changes)
    steps.write()
    return order


class ProductionSteps:
    """Production steps of several orders (a lot of the factory), the factory's narrow way in.

    Each lot's orders are locked once, in key order, as no-key locks (see :func:`order_transition`). A
    step moves an order to ``to`` when given and the state machine allows it from where the steps
    before left it (an order of a batch may stand elsewhere, and then only the event is written),
    sets ``changes`` (``stage``, ``batch``) and records the event; an order cancelled meanwhile
    takes no further steps. :meth:`write` saves the orders and their events (with their webhook
    deliveries) in a few statements, all in the caller's transaction, the events in step order."""

    def __init__(self, *, order_ids: Iterable[uuid.UUID | str], locked: Iterable[Order] = ()) -> None:
        """``locked``: orders the caller locked already (no key), in the statement that read them."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("production steps must run inside a transaction")
        self._orders: dict[str, Order] = {}
        self.adopt(orders=locked)
        self._events: list[OrderEvent] = []
        self._fields: set[str] = set()
        self._changed: dict[str, Order] = {}
        self.lock(order_ids=order_ids)

    def adopt(self, *, orders: Iterable[Order]) -> None:
        """Take steps of orders the caller locked (no key) in the statement that read them."""
        for order in orders:
            self._orders.setdefault(str(order.pk), order)

    def lock(self, *, order_ids: Iterable[uuid.UUID | str]) -> None:
        """Lock more orders to take steps (another lot's, in the same transaction)."""
        wanted = [order_id for order_id in order_ids if str(order_id) not in self._orders]
        if not wanted:
            return
        locked = (
            Order.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=wanted)
            .only("status", "stage", "batch", "updated_at")
        )
        self._orders.update((str(order.pk), order) for order in locked.order_by("pk"))

    def step(
        self,
        *,
        order_id: uuid.UUID | str,
        event: events.EventSpec,
        to: OrderStatus | None = None,
        **changes: Any,
    ) -> Order | None:
        order = self._orders[str(order_id)]
        if order.status == OrderStatus.CANCELLED:
            return None
        if to is not None and order.status != to and can_transition(order.status, to):
            order.status = to
        for name, value in changes.items():
            setattr(order, name, value)
        self._fields.update(changes)
        self._changed[str(order_id)] = order
        self._events.append(events.event_row(order=order, event=event))
        return order

    def write(self) -> None:
        now = timezone.now()
        fields = ["status", *sorted(self._fields)]
        # A lot's orders mostly end up alike: one UPDATE per set of values (a bulk_update's CASE
        # per row costs more to build than it saves).
        alike: dict[tuple[Any, ...], list[Any]] = {}
        for order in self._changed.values():
            order.updated_at = now
            alike.setdefault(tuple(getattr(order, name) for name in fields), []).append(order.pk)
        for values, pks in alike.items():
            Order.objects.filter(pk__in=pks).update(updated_at=now, **dict(zip(fields, values, strict=True)))
        events.events_record(rows=self._events)
        self._events, self._fields, self._changed = [], set(), {}


@transaction.atomic
def order_route(
    *, order_id: uuid.UUID | str, message_id: uuid.UUID | str | None, queue: str | Callable[[str], str]
) -> Order:
    """Record the routing decision and queue the order (placed -> routed -> queued) and acknowledge
    the outbox message, in one transaction. ``queue`` names the production queue, or finds it from
    the order's production mode as read under the lock. Delivered twice, it changes nothing the
    second time; an order cancelled meanwhile stays cancelled. Raises ``Order.DoesNotExist``.

    Both steps are taken under one lock (see :func:`order_transition`) and written as one update
    and one insert of both events: nothing else can come between them."""
    order = Order.objects.select_for_update(of=("self",), no_key=True).get(pk=order_id)
    if order.status == OrderStatus.PLACED:
        name = queue if isinstance(queue, str) else queue(order.production_mode)
        order.status = OrderStatus.ROUTED
        routed = events.event_row(order=order, event=events.routed(order, queue=name))
        order.status, order.queue = OrderStatus.QUEUED, name
        queued = events.event_row(order=order, event=events.queued(queue=name))
        order.save(update_fields=["status", "queue", "updated_at"])
        events.events_record(rows=[routed, queued])
    outbox_acknowledge(message_id=message_id)
    return order


def _cancellable_by(actor: User) -> Callable[[Order], bool]:
    def guard(order: Order) -> bool:
        if not actor.is_staff and order.status not in CUSTOMER_CANCELLABLE and order.status not in FINAL:
            raise InvalidTransitionError(
                "Production has started; contact us to cancel this order.", code=ErrorCode.PRODUCTION_STARTED
            )
        return True

    return guard


@transaction.atomic
def order_cancel(*, actor: User, order: Order, reason: str) -> Order:
    """Customers cancel their own order until production starts; staff at any time before it
    ships, with a reason. Cancelling a cancelled order changes nothing and answers it again."""
    if actor.is_staff:
        if not reason.strip():
            raise InvalidInputError.for_field(
                "reason", "Staff must give a reason to cancel.", field_code=FieldErrorCode.REQUIRED
            )
    elif order.customer_id != actor.pk:
        raise PermissionDeniedError()
    cancelled, _ = order_transition(
        order_id=order.pk,
        to=OrderStatus.CANCELLED,
        event=lambda _: events.cancelled(reason=reason.strip()),
        actor=actor,
        guard=_cancellable_by(actor),
    )
    return cancelled


@transaction.atomic
def order_ship(*, actor: User, order_id: uuid.UUID | str) -> Order:
    """Staff mark a completed order shipped (completed -> shipped; anything else is refused)."""
    if not actor.is_staff:
        raise PermissionDeniedError()
    order, _ = order_transition(order_id=order_id, to=OrderStatus.SHIPPED, event=events.shipped, actor=actor)
    return order
