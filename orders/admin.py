from django.contrib import admin

from .models import Quote, Webhook, WebhookDelivery


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
