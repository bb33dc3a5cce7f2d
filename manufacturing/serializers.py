"""The factory's contract: an order's tracking, the footprint per unit, and the queue load. Every
field is always present and typed; "nothing" is an explicit null."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from configurator.plumbing.fields import DecimalStringField
from orders.models import Order

from .models import BatchState, InspectionDecision, WorkItemState
from .spec import FactorySpec
from .tracking import StageState, order_tracking


class FootprintOutput(serializers.Serializer):
    running_minutes = DecimalStringField(
        help_text="Simulated running minutes per good unit, setups included."
    )
    changeover_minutes = DecimalStringField(help_text="Changeover minutes per good unit.")
    energy_kwh = DecimalStringField(help_text="Energy per good unit, running and changeovers.")
    material_pieces = DecimalStringField(
        help_text="Pieces of material per good unit: 1 plus the pieces scrapped."
    )
    scrap_pieces = DecimalStringField(help_text="Pieces scrapped per good unit.")
    rework_units = DecimalStringField(help_text="Units sent back to rework per good unit.")
    materials = serializers.ListField(child=serializers.CharField(), help_text="What it is made of.")


class FootprintComparisonOutput(serializers.Serializer):
    """Per good unit, against the standard product made on the standard route (docs/factory.md)."""

    basis = serializers.ChoiceField(
        choices=["estimate", "actual"],
        help_text="estimate: expected from the stages' defect probabilities; actual: as the order was made.",
    )
    route = serializers.CharField(help_text="The route it is (or was) made on.")
    unit = FootprintOutput()
    baseline = FootprintOutput(help_text="The standard product on the standard route, expected.")
    new_materials = serializers.ListField(
        child=serializers.CharField(), help_text="Materials the standard product does not use."
    )


class StageTrackingOutput(serializers.Serializer):
    operation = serializers.CharField()
    state = serializers.ChoiceField(choices=[state.value for state in StageState])
    work_centre = serializers.CharField(help_text="The work centre's code.")
    work_centre_name = serializers.CharField()
    item_state = serializers.ChoiceField(
        choices=[WorkItemState.WAITING, WorkItemState.RUNNING, WorkItemState.DONE],
        allow_null=True,
        help_text="waiting: for a free place at the work centre; null: not reached yet.",
    )
    attempt = serializers.IntegerField(allow_null=True, help_text="Above 1: rework or a remake.")
    minutes = DecimalStringField(help_text="Simulated minutes: as run once started, else as planned.")
    sim_start = serializers.DateTimeField(allow_null=True, help_text="Simulated factory time.")
    sim_end = serializers.DateTimeField(allow_null=True, help_text="Simulated factory time.")
    real_start = serializers.DateTimeField(allow_null=True)
    real_end = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Running: when it will be done.")


class BatchTrackingOutput(serializers.Serializer):
    code = serializers.CharField()
    state = serializers.ChoiceField(choices=BatchState.choices)
    units = serializers.IntegerField()
    size_limit = serializers.IntegerField()
    window_closes_at = serializers.DateTimeField(help_text="Released then even if not full.")


class InspectionTrackingOutput(serializers.Serializer):
    operation = serializers.CharField(help_text="The stage the checkpoint follows.")
    inspects = serializers.CharField()
    attempt = serializers.IntegerField()
    units_sampled = serializers.IntegerField()
    defects_found = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=InspectionDecision.choices)
    action = serializers.CharField()
    at = serializers.DateTimeField()


class EtaOutput(serializers.Serializer):
    work_minutes = DecimalStringField(help_text="Simulated minutes of the order's own work still to go.")
    queue_minutes = DecimalStringField(
        help_text="Simulated minutes of other work ahead of it on its remaining work centres, "
        "per unit of capacity."
    )
    completes_at = serializers.DateTimeField(help_text="When production should be done, in real time.")
    business_days = serializers.IntegerField()
    ship_date = serializers.DateField()


class OrderTrackingOutput(serializers.Serializer):
    """Where the order is in the factory, from the live factory. Rendered from the order itself."""

    route = serializers.CharField(allow_null=True, help_text="null: the factory has no route for it.")
    in_production = serializers.BooleanField(
        help_text="false: not in the factory yet; the stages are the route it will take."
    )
    stages = StageTrackingOutput(many=True)
    batch = BatchTrackingOutput(allow_null=True)
    inspections = InspectionTrackingOutput(many=True)
    rework_count = serializers.IntegerField()
    remakes = serializers.IntegerField()
    needs_attention = serializers.BooleanField(help_text="Staff are looking at a problem with it.")
    attention_reason = serializers.CharField(required=False, help_text="Staff only.")
    eta = EtaOutput(allow_null=True, help_text="null once made, shipped or cancelled.")
    footprint = FootprintComparisonOutput(allow_null=True, help_text="The order's own, once made.")

    def __init__(self, *args: Any, spec: Callable[[], FactorySpec | None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.spec = spec

    def to_representation(self, instance: Order) -> dict[str, Any]:
        now = self.context.get("now") or timezone.now()
        tracking = order_tracking(order=instance, spec=self.spec, now=now)
        data = super().to_representation(tracking)
        if not self.context.get("staff"):
            data.pop("attention_reason", None)
        return data


class FormingBatchOutput(serializers.Serializer):
    code = serializers.CharField()
    setup_key = serializers.CharField()
    units = serializers.IntegerField()
    size_limit = serializers.IntegerField()
    fill = serializers.FloatField(help_text="Units over the size limit: 1 is full.")
    opened_at = serializers.DateTimeField()
    age_seconds = serializers.IntegerField(help_text="Real seconds since it opened.")
    window_closes_at = serializers.DateTimeField(help_text="Released then even if not full.")


class WorkCentreLoadOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    queue = serializers.CharField(help_text="The Celery queue whose workers run its stages.")
    capacity = serializers.IntegerField()
    running_items = serializers.IntegerField(help_text="Work in progress.")
    running_units = serializers.IntegerField()
    waiting_items = serializers.IntegerField()
    waiting_units = serializers.IntegerField()
    backlog_minutes = DecimalStringField(
        help_text="Simulated minutes of work ahead: waiting items in full, running ones what is left."
    )
    oldest_waiting_order = serializers.UUIDField(allow_null=True)
    oldest_waiting_since = serializers.DateTimeField(allow_null=True)
    oldest_waiting_age_seconds = serializers.IntegerField(allow_null=True, help_text="Real seconds.")
    batches_forming = FormingBatchOutput(many=True)
    busy_minutes_last_hour = DecimalStringField(
        help_text="Simulated minutes its items were busy within the last simulated hour."
    )
    utilisation = serializers.FloatField(
        help_text="Busy minutes of the last simulated hour over 60 x capacity."
    )
    attention_jobs = serializers.IntegerField(
        help_text="Jobs needing staff attention whose open work is here."
    )


class AttentionJobOutput(serializers.Serializer):
    order_id = serializers.UUIDField()
    work_centre = serializers.CharField(allow_null=True, help_text="Where its open work item stands.")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class FactoryLoadOutput(serializers.Serializer):
    at = serializers.DateTimeField(help_text="Real time of the reading.")
    sim_now = serializers.DateTimeField(help_text="Simulated factory time of the reading.")
    work_centres = WorkCentreLoadOutput(many=True)
    attention = AttentionJobOutput(many=True, help_text="Jobs that need staff attention.")
