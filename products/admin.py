from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from configurator.engine import EngineError
from configurator.plumbing.authentication import authenticated_user
from configurator.plumbing.errors import InvalidInputError
from products.analysis import analysis_for

from .compilation import product_locked, version_compile_request
from .documents import canonical_document, validate_document
from .forms import CompatibilityTableForm, OptionSetForm, PriceRuleForm, RuleForm
from .models import (
    CompatibilityTable,
    CompileState,
    Option,
    OptionSet,
    PrecomputeState,
    PriceRule,
    Product,
    ProductCostModel,
    ProductVersion,
    QuantityBreak,
    Rule,
    SiteCostModel,
)
from .selectors import product_draft_data, product_model_source
from .services import product_publish

#: The product page waits this long for an exact count before it shows a bound instead.
ADMIN_COUNT_SECONDS = 10


class OptionSetInline(admin.TabularInline):
    model = OptionSet
    form = OptionSetForm
    fields = ["position", "code", "name", "kind", "required", "default", "level"]
    extra = 0
    show_change_link = True
    ordering = ["position", "id"]


class RuleInline(admin.TabularInline):
    model = Rule
    form = RuleForm
    extra = 0
    ordering = ["position", "id"]


class ProductCostModelInline(admin.StackedInline):
    model = ProductCostModel
    max_num = 1
    extra = 0
    verbose_name = "own cost model (instead of the site-wide one)"


class PriceRuleInline(admin.TabularInline):
    model = PriceRule
    form = PriceRuleForm
    extra = 0
    ordering = ["position", "id"]


class QuantityBreakInline(admin.TabularInline):
    model = QuantityBreak
    extra = 0


class CompatibilityTableInline(admin.StackedInline):
    model = CompatibilityTable
    form = CompatibilityTableForm
    extra = 0
    ordering = ["position", "id"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "currency",
        "baseline_price",
        "baseline_lead_time_days",
        "is_active",
        "published_version",
        "updated_at",
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["code", "name", "description"]
    ordering = ["name"]
    readonly_fields = ["current_version", "draft_check", "draft_analysis", "created_at", "updated_at"]
    inlines = [
        OptionSetInline,
        RuleInline,
        CompatibilityTableInline,
        ProductCostModelInline,
        PriceRuleInline,
        QuantityBreakInline,
    ]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "currency", "is_active"]}),
        (
            "Baseline: the mass-produced standard variant",
            {"fields": ["baseline_price", "baseline_unit_cost", "baseline_lead_time_days"]},
        ),
        ("Pricing", {"fields": ["quantity_break_mode"]}),
        (
            "Publishing",
            {"fields": ["current_version", "draft_check", "draft_analysis", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return (
            super().get_queryset(request).select_related("current_version").defer("current_version__document")
        )

    @admin.display(description="published", ordering="current_version__number")
    def published_version(self, product: Product) -> str:
        return f"v{product.current_version.number}" if product.current_version else "—"

    @admin.display(description="draft check")
    def draft_check(self, product: Product) -> str:
        if product.pk is None:
            return "—"
        try:
            validate_document(canonical_document(product_draft_data(product)))
        except InvalidInputError as error:
            return format_html(
                "<ul>{}</ul>",
                format_html_join(
                    "",
                    "<li><code>{}</code>: {}</li>",
                    ((path, item["message"]) for path, items in error.fields.items() for item in items),
                ),
            )
        return "The draft is valid and can be published."

    @admin.display(description="analysis of the draft")
    def draft_analysis(self, product: Product) -> str:
        if product.pk is None:
            return "—"
        try:
            source = product_model_source(product=product, version="draft", staff=True)
            lines = cache.get_or_set(
                f"atelier:analysis:{source.checksum}",
                lambda: analysis_for(
                    checksum=source.checksum,
                    load_document=source.load_document,
                    count_timeout=ADMIN_COUNT_SECONDS,
                )[1],
                timeout=24 * 3600,
            )
        except (InvalidInputError, EngineError) as error:
            return f"Fix the draft first: {error.message}"
        assert lines is not None, "get_or_set answers what the default made when nothing was cached"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    @admin.action(description="Publish the draft of the selected products")
    def publish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        actor = authenticated_user(request)
        for product in queryset:
            try:
                version = product_publish(product=product, actor=actor)
            except InvalidInputError as error:
                self.message_user(request, f"{product.code}: {error.message}", messages.ERROR)
            else:
                ready = version.compile_state == CompileState.READY
                self.message_user(
                    request,
                    f"{product.code}: version {version.number} is published."
                    if ready
                    else f"{product.code}: version {version.number} is being compiled on a worker; "
                    "it becomes "
                    "the current version when ready (see Product versions).",
                    messages.SUCCESS,
                )


class OptionInline(admin.TabularInline):
    model = Option
    fields = ["position", "code", "name", "price_delta", "cost_delta", "labour_minutes", "material", "level"]
    extra = 0
    ordering = ["position", "id"]


@admin.register(OptionSet)
class OptionSetAdmin(admin.ModelAdmin):
    form = OptionSetForm
    list_display = ["code", "name", "product", "kind", "position", "required"]
    list_filter = ["kind", "level", "product"]
    search_fields = ["code", "name", "product__code", "product__name"]
    list_select_related = ["product"]
    ordering = ["product", "position"]
    inlines = [OptionInline]
    fieldsets = [
        (
            None,
            {"fields": ["product", "code", "name", "kind", "position", "help_text", "required", "default"]},
        ),
        ("Multiple choice", {"fields": ["min_count", "max_count"], "classes": ["collapse"]}),
        (
            "Number (made to measure)",
            {"fields": ["minimum", "maximum", "step", "unit"], "classes": ["collapse"]},
        ),
        ("Text", {"fields": ["max_length", "pattern"], "classes": ["collapse"]}),
        (
            "Charges when used (number, text, yes/no)",
            {"fields": ["price_delta", "cost_delta", "labour_minutes", "level"]},
        ),
    ]

    # An option set and its options are part of their product's draft: the product is locked first
    # (until the admin's transaction ends), as a publish does, so a publish never reads half a save.
    # The product's own page locks it by saving the product row first.
    def save_model(self, request: HttpRequest, obj: OptionSet, form: Any, change: bool) -> None:
        product_locked(product_id=obj.product_id)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: OptionSet) -> None:
        product_locked(product_id=obj.product_id)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OptionSet]) -> None:
        for product_id in sorted(set(queryset.values_list("product_id", flat=True))):
            product_locked(product_id=product_id)
        super().delete_queryset(request, queryset)


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "number",
        "published_at",
        "published_by",
        "compile_state",
        "compile_seconds",
        "explanations",
        "short_checksum",
    ]
    list_filter = ["compile_state", "precompute_state", "product"]
    actions = ["compile_again"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product", "published_by"]
    ordering = ["product", "-number"]
    readonly_fields = [
        "product",
        "number",
        "name",
        "currency",
        "baseline_price",
        "baseline_lead_time_days",
        "checksum",
        "published_at",
        "published_by",
        "document_bytes",
        "compile_state",
        "compile_error",
        "compile_started_at",
        "compiled_at",
        "compile_stats",
        "precompute_state",
        "precompute_progress",
        "precompute_error",
        "precompute_started_at",
        "precomputed_at",
        "precompute_stats",
        "document",
    ]

    @admin.display(description="compile seconds")
    def compile_seconds(self, version: ProductVersion) -> str:
        seconds = version.compile_stats.get("seconds")
        return "" if seconds is None else f"{seconds:.2f}"

    @admin.display(description="explanations")
    def explanations(self, version: ProductVersion) -> str:
        """Where the precomputation of the version's explanations stands."""
        state = PrecomputeState(version.precompute_state)
        if state == PrecomputeState.RUNNING:
            return f"{state.label}: {version.precompute_progress} %"
        seconds = version.precompute_stats.get("seconds")
        if state == PrecomputeState.READY and seconds is not None:
            return f"{state.label} in {seconds:.1f} s"
        return str(state.label)

    @admin.action(description="Compile again on a worker (a host that lacks the compiled model)")
    def compile_again(self, request: HttpRequest, queryset: QuerySet[ProductVersion]) -> None:
        for version in queryset:
            version_compile_request(version_id=version.pk)
        self.message_user(
            request, f"Asked a worker to compile {queryset.count()} version(s).", messages.SUCCESS
        )

    @admin.display(description="checksum")
    def short_checksum(self, version: ProductVersion) -> str:
        return version.checksum[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ProductVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProductVersion | None = None) -> bool:
        return False


@admin.register(SiteCostModel)
class SiteCostModelAdmin(admin.ModelAdmin):
    """The one site-wide cost model: products without their own use it when they are published."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SiteCostModel | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        site = SiteCostModel.current()
        return redirect(reverse("admin:products_sitecostmodel_change", args=[site.pk]))
