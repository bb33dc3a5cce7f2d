"""The factory in the admin: work centres, routes with their stages, each stage's checkpoint on
the stage's page (Django has no nested inlines; the route's stage rows link to it), and batches,
jobs, work items and inspections as read-only lists with filters."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .admin_forms import (
    QualityCheckpointForm,
    QualityCheckpointFormSet,
    RouteForm,
    RouteStageForm,
    RouteStageFormSet,
    WorkCentreForm,
)
from .attention import job_attention_clear
from .models import (
    Batch,
    BatchPolicy,
    Inspection,
    Job,
    QualityCheckpoint,
    Route,
    RouteStage,
    WorkCentre,
    WorkItem,
)


@admin.register(WorkCentre)
class WorkCentreAdmin(admin.ModelAdmin):
    form = WorkCentreForm
    list_display = ["code", "name", "queue", "capacity", "changeover_minutes", "labour_rate_per_hour"]
    list_filter = ["queue"]
    search_fields = ["code", "name"]


def _checkpoint_summary(stage: RouteStage) -> str:
    checkpoint = getattr(stage, "checkpoint", None)
    if checkpoint is None:
        return "add a checkpoint"
    plan = checkpoint.plan
    if plan == "iso_2859_1":
        plan = f"ISO 2859-1 level {checkpoint.inspection_level}, AQL {checkpoint.aql}"
    elif plan == "every_nth":
        plan = f"every {checkpoint.every_n}th unit"
    return f"{checkpoint.inspects}: {plan}"


class RouteStageInline(admin.TabularInline):
    model = RouteStage
    formset = RouteStageFormSet
    fields = [
        "position",
        "operation",
        "work_centre",
        "setup_minutes",
        "minutes_per_unit",
        "defect_probability",
        "condition",
        "checkpoint_link",
    ]
    readonly_fields = ["checkpoint_link"]
    ordering = ["position"]
    extra = 1

    @admin.display(description="Checkpoint")
    def checkpoint_link(self, stage: RouteStage) -> str:
        if not stage.pk:
            return "save the stage first"
        url = reverse("admin:manufacturing_routestage_change", args=[stage.pk])
        return format_html('<a href="{}">{}</a>', url, _checkpoint_summary(stage))


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    form = RouteForm
    inlines = [RouteStageInline]
    list_display = ["name", "product", "mode", "stage_count"]
    list_filter = ["mode", "product"]
    search_fields = ["name", "product__code"]
    list_select_related = ["product"]

    @admin.display(description="Stages")
    def stage_count(self, route: Route) -> int:
        return route.stages.count()


class QualityCheckpointInline(admin.StackedInline):
    model = QualityCheckpoint
    fk_name = "stage"
    form = QualityCheckpointForm
    formset = QualityCheckpointFormSet
    max_num = 1
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "rework_stage":
            stage_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            route = RouteStage.objects.filter(pk=stage_id).values("route_id") if stage_id else []
            kwargs["queryset"] = RouteStage.objects.filter(route_id__in=route).order_by("position")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RouteStage)
class RouteStageAdmin(admin.ModelAdmin):
    """A stage and its checkpoint; stages are added and removed on their route's page."""

    form = RouteStageForm
    inlines = [QualityCheckpointInline]
    list_display = ["operation", "route", "position", "work_centre", "checkpoint_summary"]
    list_filter = ["route", "work_centre"]
    list_select_related = ["route", "work_centre", "checkpoint"]
    readonly_fields = ["route"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Checkpoint")
    def checkpoint_summary(self, stage: RouteStage) -> str:
        return _checkpoint_summary(stage) if hasattr(stage, "checkpoint") else "-"


@admin.register(BatchPolicy)
class BatchPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "size_limit", "window_minutes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not BatchPolicy.objects.exists()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Production writes these rows; staff look."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "setup_key",
        "route",
        "work_centre",
        "units",
        "size_limit",
        "state",
        "full_inspection",
        "opened_at",
        "window_closes_at",
        "released_at",
        "release_reason",
    ]
    list_filter = ["state", "work_centre", "route", "release_reason", "full_inspection"]
    search_fields = ["code", "setup_key"]
    list_select_related = ["route", "work_centre"]
    date_hierarchy = "opened_at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "route",
        "batch",
        "remakes",
        "needs_attention",
        "attention_reason",
        "created_at",
        "completed_at",
    ]
    list_filter = ["needs_attention", "route__mode", "route"]
    search_fields = ["order__id", "attention_reason"]
    list_select_related = ["order", "route", "batch"]
    actions = ["clear_attention"]

    def has_clear_attention_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("manufacturing.change_job")

    @admin.action(description="Clear attention (the problem is dealt with)", permissions=["clear_attention"])
    def clear_attention(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        cleared = job_attention_clear(job_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Cleared attention on {cleared} job(s).", messages.SUCCESS)


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    list_display = [
        "job",
        "stage",
        "work_centre",
        "attempt",
        "units",
        "state",
        "changeover",
        "minutes",
        "sim_start",
        "sim_end",
        "real_start",
        "real_end",
        "failures",
    ]
    list_filter = ["state", "work_centre", "changeover", "stage__operation"]
    list_select_related = ["job", "stage__route", "work_centre"]
    date_hierarchy = "enqueued_at"


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "work_item",
        "checkpoint",
        "units_sampled",
        "defects_found",
        "accept_number",
        "decision",
        "action",
        "created_at",
    ]
    list_filter = ["decision", "checkpoint__stage__work_centre", "checkpoint__plan"]
    list_select_related = ["work_item__stage__route", "checkpoint__stage__route"]
    date_hierarchy = "created_at"
