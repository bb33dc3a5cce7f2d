"""Quotes and orders: configurations frozen with their price and production decision, pointing at
the product version they were made with; the order timeline, the outbox and idempotency keys."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from products.choices import Currency, ProductionMode
from products.models import Product, ProductVersion

from .states import OrderStatus


class Quote(models.Model):
    """A priced, valid, complete configuration, held at its price until ``valid_until``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quotes")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="quotes")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="quotes")
    selections = models.JSONField(help_text="The complete configuration, every option set decided.")
    quantity = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    price = models.JSONField(help_text="The price breakdown, costs and margin included.")
    production_mode = models.CharField(max_length=10, choices=ProductionMode.choices)
    production = models.JSONField(help_text="Production mode, its reasons, setup key and lead time.")
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(production_mode__in=ProductionMode.values),
                name="%(app_label)s_%(class)s_production_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="orders_quote_customer_created"),
        ]

    def __str__(self) -> str:
        return f"Quote {self.id} for {self.product.code}"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.valid_until


class Address(models.Model):
    """Where an order ships to."""

    ship_to_name = models.CharField(max_length=200)
    ship_to_line1 = models.CharField("address line 1", max_length=200)
    ship_to_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_to_postal_code = models.CharField("postal code", max_length=20)
    ship_to_city = models.CharField("city", max_length=100)
    ship_to_country = models.CharField("country", max_length=2, help_text="ISO 3166 alpha-2, e.g. DE.")
    ship_to_phone = models.CharField("phone", max_length=40, blank=True)

    class Meta:
        abstract = True


class Order(Address):
    """An order: a snapshot of the configuration, its price and production decision, made with one
    product version, moving through the statuses of :mod:`orders.states`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    quote = models.OneToOneField(Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="order")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="orders")
    selections = models.JSONField()
    quantity = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    price = models.JSONField()
    production_mode = models.CharField(max_length=10, choices=ProductionMode.choices)
    production = models.JSONField()
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    stage = models.CharField(max_length=100, blank=True, help_text="The production stage it is in, if any.")
    queue = models.CharField(max_length=50, blank=True, help_text="The production queue it joined.")
    batch = models.CharField(max_length=100, blank=True, help_text="The batch it travels in, if any.")
    eta = models.DateField("estimated ship date")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(production_mode__in=ProductionMode.values),
                name="%(app_label)s_%(class)s_production_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="orders_order_customer_created"),
            models.Index(fields=["status", "-created_at"], name="orders_order_status_created"),
            models.Index(fields=["production_mode", "-created_at"], name="orders_order_mode_created"),
            models.Index(fields=["batch"], condition=~Q(batch=""), name="orders_order_batch"),
        ]

    def __str__(self) -> str:
        return f"Order {self.id}"


class OrderEventType(models.TextChoices):
    PLACED = "placed", "Placed"
    ROUTED = "routed", "Routed"
    QUEUED = "queued", "Queued"
    STAGE_STARTED = "stage_started", "Stage started"
    STAGE_COMPLETED = "stage_completed", "Stage completed"
    INSPECTED = "inspected", "Inspected"
    REWORK_STARTED = "rework_started", "Rework started"
    SCRAPPED = "scrapped", "Scrapped"
    REMADE = "remade", "Remade"
    COMPLETED = "completed", "Completed"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class OrderEvent(models.Model):
    """One change of an order: the timeline. Written in the same transaction as the change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=OrderEventType.choices)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, help_text="The status after the event."
    )
    stage = models.CharField(max_length=100, blank=True)
    work_centre = models.CharField(max_length=100, blank=True)
    batch = models.CharField(max_length=100, blank=True)
    inspection_result = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=OrderEventType.values), name="%(app_label)s_%(class)s_type_valid"
            ),
        ]
        indexes = [models.Index(fields=["order", "created_at", "id"], name="orders_event_order_created")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.type}"


class OutboxMessage(models.Model):
    """A task to hand to Celery, written in the same transaction as the change that needs it.

    The relay publishes it after commit; the sweeper publishes again whatever was not acknowledged in
    time. The task acknowledges it in the same transaction as its own change, so a message delivered
    twice changes nothing twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(max_length=200, help_text="The Celery task name.")
    queue = models.CharField(max_length=50, default="default")
    kwargs = models.JSONField(default=dict)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="orders_outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key: the request it was first used with, and the response it got."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request method, path and body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="%(app_label)s_%(class)s_unique_user_key"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="orders_idempotency_expires")]

    def __str__(self) -> str:
        return self.key


def _new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """A staff-registered URL that receives signed JSON when orders change."""

    url = models.URLField(max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(
        max_length=128,
        default=_new_secret,
        help_text="Shared secret for the X-Atelier-Signature header (HMAC-SHA256).",
    )
    event_types = models.JSONField(
        default=list, blank=True, help_text='Event types to send, e.g. ["placed", "shipped"]; empty: all.'
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One order event sent to one webhook: the delivery log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="%(app_label)s_%(class)s_unique_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.webhook}"
