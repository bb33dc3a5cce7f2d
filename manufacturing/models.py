"""The simulated factory: work centres, routes of stages with quality checkpoints, batches, and each
order's passage through production (its job, work items and inspections).

Simulated time is kept here, in the database, never in a sleeping worker: a work item records when
it is due in real time (``due_at``), and its simulated start and end."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orders.models import Order
from products.choices import ProductionMode
from products.models import Product, ProductVersion

from .spec import SamplingPlanKind


class WorkCentre(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    queue = models.SlugField(max_length=50, help_text="The Celery queue whose workers run its stages.")
    capacity = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Units of work it does at once."
    )
    labour_rate_per_hour = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    changeover_minutes = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, help_text="Lost when the setup key changes here."
    )
    energy_kwh_per_running_minute = models.DecimalField(max_digits=8, decimal_places=3, default=0)
    energy_kwh_per_changeover_minute = models.DecimalField(max_digits=8, decimal_places=3, default=0)
    #: The setup key of the last work run here: a different one costs a changeover.
    current_setup_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="%(app_label)s_%(class)s_capacity_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    """The stages a product's orders of one production mode go through; ``product`` empty: the
    default route of that mode."""

    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="routes"
    )
    mode = models.CharField(max_length=10, choices=ProductionMode.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["product__code", "mode"]
        constraints = [
            models.UniqueConstraint(fields=["product", "mode"], name="manufacturing_route_product_mode"),
            models.UniqueConstraint(
                fields=["mode"], condition=Q(product__isnull=True), name="manufacturing_route_default_mode"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=ProductionMode.values), name="%(app_label)s_%(class)s_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RouteStage(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField()
    operation = models.SlugField(max_length=50)
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="stages")
    setup_minutes = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    minutes_per_unit = models.DecimalField(max_digits=8, decimal_places=2)
    defect_probability = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    condition = models.TextField(
        blank=True, help_text="Applies only when this condition on the selections holds; empty: always."
    )

    class Meta:
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="manufacturing_stage_position"),
            models.UniqueConstraint(fields=["route", "operation"], name="manufacturing_stage_operation"),
            models.CheckConstraint(
                condition=Q(defect_probability__gte=0) & Q(defect_probability__lte=1),
                name="%(app_label)s_%(class)s_defect_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route}: {self.position}. {self.operation}"


class QualityCheckpoint(models.Model):
    """An inspection after a stage: what, how many units (the sampling plan), and the action on
    failure (rework at a stage up to ``max_rework`` times, then scrap and remake)."""

    stage = models.OneToOneField(RouteStage, on_delete=models.CASCADE, related_name="checkpoint")
    inspects = models.CharField(max_length=200)
    plan = models.CharField(max_length=20, choices=[(kind.value, kind.value) for kind in SamplingPlanKind])
    every_n = models.PositiveIntegerField(null=True, blank=True)
    inspection_level = models.CharField(max_length=3, blank=True)
    aql = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    rework_stage = models.ForeignKey(
        RouteStage, null=True, blank=True, on_delete=models.PROTECT, related_name="reworked_by"
    )
    max_rework = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Checkpoint after {self.stage}"


class BatchState(models.TextChoices):
    FORMING = "forming", "Forming"
    RELEASED = "released", "Released"
    IN_PRODUCTION = "in_production", "In production"
    DONE = "done", "Done"
    #: Every order of it was cancelled before it was made: nothing of it will run.
    CANCELLED = "cancelled", "Cancelled"


class Batch(models.Model):
    """Orders sharing a setup key, made together: released when full or when its window closes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=100, unique=True)
    setup_key = models.CharField(max_length=200)
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="batches")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="batches")
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="batches")
    size_limit = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    units = models.PositiveIntegerField(default=0)
    window_closes_at = models.DateTimeField(help_text="Released at this real time even if not full.")
    state = models.CharField(max_length=20, choices=BatchState.choices, default=BatchState.FORMING)
    release_reason = models.CharField(max_length=20, blank=True)
    #: A failed sample puts the whole batch under 100 % inspection.
    full_inspection = models.BooleanField(default=False)
    opened_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name_plural = "batches"
        constraints = [
            models.UniqueConstraint(
                fields=["setup_key", "product_version", "route"],
                condition=Q(state="forming"),
                name="manufacturing_batch_one_forming_per_setup",
            ),
            models.CheckConstraint(
                condition=Q(state__in=BatchState.values), name="%(app_label)s_%(class)s_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["state", "window_closes_at"], name="manufacturing_batch_due")]

    def __str__(self) -> str:
        return self.code


class Job(models.Model):
    """One order in production: its route, batch, where it is, how often it was reworked or remade,
    and whether staff must look at it."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="job")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="jobs")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    #: The operations of the route that apply to this order's selections, in order.
    operations = models.JSONField(default=list)
    remakes = models.PositiveIntegerField(default=0)
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["needs_attention"],
                condition=Q(needs_attention=True),
                name="manufacturing_job_attention",
            )
        ]

    def __str__(self) -> str:
        return f"Job for {self.order_id}"


class WorkItemState(models.TextChoices):
    WAITING = "waiting", "Waiting for capacity"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class WorkItem(models.Model):
    """One job's passage through one stage (one attempt: rework and remakes are new attempts)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="work_items")
    stage = models.ForeignKey(RouteStage, on_delete=models.PROTECT, related_name="work_items")
    work_centre = models.ForeignKey(WorkCentre, on_delete=models.PROTECT, related_name="work_items")
    attempt = models.PositiveIntegerField(default=1)
    units = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=WorkItemState.choices, default=WorkItemState.WAITING)
    changeover = models.BooleanField(default=False)
    minutes = models.DecimalField(max_digits=12, decimal_places=2, default=0, help_text="Simulated minutes.")
    enqueued_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Real time at which it finishes.")
    sim_start = models.DateTimeField(null=True, blank=True)
    sim_end = models.DateTimeField(null=True, blank=True)
    real_start = models.DateTimeField(null=True, blank=True)
    real_end = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["enqueued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "stage", "attempt"], name="manufacturing_workitem_attempt"
            ),
            models.CheckConstraint(
                condition=Q(state__in=WorkItemState.values), name="%(app_label)s_%(class)s_state_valid"
            ),
        ]
        indexes = [
            # In the order work centres take their waiting work (first in, first out), so taking
            # the oldest reads those rows only, however long the queue.
            models.Index(
                fields=["work_centre", "state", "enqueued_at", "id"], name="manufacturing_item_queue"
            ),
            models.Index(fields=["state", "due_at"], name="manufacturing_item_due"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.stage.operation} #{self.attempt}"


class InspectionDecision(models.TextChoices):
    PASS = "pass", "Pass"
    REWORK = "rework", "Rework"
    SCRAP = "scrap", "Scrap and remake"


class Inspection(models.Model):
    work_item = models.OneToOneField(WorkItem, on_delete=models.CASCADE, related_name="inspection")
    checkpoint = models.ForeignKey(QualityCheckpoint, on_delete=models.PROTECT, related_name="inspections")
    units_sampled = models.PositiveIntegerField()
    defects_found = models.PositiveIntegerField()
    accept_number = models.PositiveIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=InspectionDecision.choices)
    action = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.checkpoint}: {self.decision}"


class BatchPolicy(models.Model):
    """When forming batches are released (one row): full at ``size_limit`` units, or when
    ``window_minutes`` of simulated time have passed since the batch opened. Set by the factory
    import with the rest of the factory."""

    size_limit = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    window_minutes = models.DecimalField(max_digits=10, decimal_places=2, default=240)

    class Meta:
        verbose_name_plural = "batch policy"
        constraints = [
            models.CheckConstraint(
                condition=Q(size_limit__gte=1), name="%(app_label)s_%(class)s_size_limit_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Batches of {self.size_limit} units or {self.window_minutes} minutes"


class SimulationClock(models.Model):
    """The factory's simulated time: ``sim_anchor`` at real ``real_anchor``, advancing
    ``ATELIER_SIM_TIME_SCALE`` simulated seconds per real second. One row."""

    real_anchor = models.DateTimeField(default=timezone.now)
    sim_anchor = models.DateTimeField(default=timezone.now)
    scale = models.FloatField(default=60.0)

    def __str__(self) -> str:
        return f"Simulated {self.sim_anchor:%Y-%m-%d %H:%M} at real {self.real_anchor:%H:%M:%S}"
