import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.errors import AtelierError

from .admin_forms import CancelForm
from .models import Order, OrderEvent, Quote, Webhook, WebhookDelivery
from .services import order_cancel, order_ship
from .states import FINAL, OrderStatus


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "product",
        "customer",
        "quantity",
        "total",
        "currency",
        "production_mode",
        "valid_until",
        "created_at",
    ]
    list_filter = ["production_mode", "product", "currency"]
    search_fields = ["id", "customer__username", "product__code"]
    list_select_related = ["product", "customer"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Quote._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TimelineInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = "timeline event"
    verbose_name_plural = "timeline"
    # A tuple fits both attributes' declared types (the stubs type their lists differently).
    fields = readonly_fields = (
        "created_at",
        "type",
        "status",
        "stage",
        "work_centre",
        "batch",
        "inspection_result",
        "actor",
        "message",
    )


class InspectionInline(ReadOnlyInline):
    """The inspections among the order's events (the factory's inspection rows join them)."""

    model = OrderEvent
    verbose_name = "inspection"
    verbose_name_plural = "inspections"
    fields = readonly_fields = ("created_at", "stage", "work_centre", "batch", "inspection_result", "message")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).filter(type="inspected")


class BatchFilter(admin.SimpleListFilter):
    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        batches = (
            Order.objects.exclude(batch="").order_by("batch").values_list("batch", flat=True).distinct()[:100]
        )
        return [("-", "No batch"), *[(batch, batch) for batch in batches]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "-":
            return queryset.filter(batch="")
        if value:
            return queryset.filter(batch=value)
        return queryset


class StageFilter(admin.SimpleListFilter):
    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        stages = Order.objects.exclude(stage="").order_by("stage").values_list("stage", flat=True).distinct()
        return [(stage, stage) for stage in stages[:100]]

    def queryset(self, request, queryset):
        return queryset.filter(stage=self.value()) if self.value() else queryset


def _pretty(data) -> str:
    return format_html("<pre style='white-space: pre-wrap; margin: 0'>{}</pre>", json.dumps(data, indent=2))


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders for staff: filters by status, mode, stage and batch; the snapshot, the timeline and the
    inspections; cancel with a reason and mark shipped, both through the order services."""

    change_form_template = "admin/orders/order/change_form.html"
    list_display = [
        "short_id",
        "created_at",
        "customer",
        "product",
        "quantity",
        "total",
        "status",
        "production_mode",
        "stage",
        "batch",
        "eta",
    ]
    list_filter = ["status", "production_mode", StageFilter, BatchFilter, "product"]
    search_fields = ["id", "customer__username", "customer__email", "product__code", "batch", "ship_to_name"]
    list_select_related = ["product", "customer"]
    date_hierarchy = "created_at"
    actions = ["mark_shipped"]
    inlines = [InspectionInline, TimelineInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "id",
                    "customer",
                    "status",
                    "stage",
                    "queue",
                    "batch",
                    "eta",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (
            "Snapshot",
            {
                "fields": [
                    "product",
                    "product_version",
                    "quote",
                    "quantity",
                    "currency",
                    "unit_price",
                    "total",
                    "production_mode",
                    "selections_pretty",
                    "price_pretty",
                    "production_pretty",
                ]
            },
        ),
        (
            "Shipping",
            {
                "fields": [
                    "ship_to_name",
                    "ship_to_line1",
                    "ship_to_line2",
                    "ship_to_postal_code",
                    "ship_to_city",
                    "ship_to_country",
                    "ship_to_phone",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [
            *(field.name for field in Order._meta.fields),
            "selections_pretty",
            "price_pretty",
            "production_pretty",
        ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="order", ordering="id")
    def short_id(self, order: Order) -> str:
        return str(order.id)[:8]

    @admin.display(description="selections")
    def selections_pretty(self, order: Order) -> str:
        return _pretty(order.selections)

    @admin.display(description="price breakdown")
    def price_pretty(self, order: Order) -> str:
        return _pretty(order.price)

    @admin.display(description="production decision")
    def production_pretty(self, order: Order) -> str:
        return _pretty(order.production)

    def get_urls(self):
        return [
            path(
                "<uuid:order_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="orders_order_cancel",
            ),
            path(
                "<uuid:order_id>/ship/", self.admin_site.admin_view(self.ship_view), name="orders_order_ship"
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {
            "can_cancel": order is not None and order.status not in FINAL,
            "can_ship": order is not None and order.status == OrderStatus.COMPLETED,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _back(self, order: Order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def cancel_view(self, request: HttpRequest, order_id) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order_cancel(
                    actor=authenticated_user(request), order=order, reason=form.cleaned_data["reason"]
                )
            except AtelierError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, "The order was cancelled.", messages.SUCCESS)
            return self._back(order)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "order": order,
            "form": form,
            "title": f"Cancel order {str(order.id)[:8]}",
        }
        return TemplateResponse(request, "admin/orders/order/cancel.html", context)

    def ship_view(self, request: HttpRequest, order_id) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        if request.method == "POST":
            self._ship(request, [order])
        return self._back(order)

    def _ship(self, request: HttpRequest, orders) -> None:
        actor = authenticated_user(request)
        shipped, refused = 0, []
        for order in orders:
            try:
                order_ship(actor=actor, order_id=order.pk)
                shipped += 1
            except AtelierError as error:
                refused.append(f"{str(order.pk)[:8]}: {error.message}")
        if shipped:
            self.message_user(request, f"{shipped} order(s) marked shipped.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark the selected completed orders shipped", permissions=["change"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._ship(request, queryset)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "description", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_status", "delivered_at"]
    list_filter = ["status", "webhook"]
    list_select_related = ["webhook", "event"]
    readonly_fields = [
        "webhook",
        "event",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "delivered_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
