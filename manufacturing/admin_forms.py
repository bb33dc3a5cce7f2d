"""Admin forms of the factory that check the rules of :mod:`manufacturing.validation`, each reason
on the field it is about; a route is checked as a whole (its stages with their checkpoints)
before anything is saved.

Django's admin validates the main form and every inline formset before it saves any of them
(and saves in one transaction), so a refused route is never half-saved."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .loading import product_option_sets
from .models import QualityCheckpoint, Route, RouteStage, WorkCentre
from .spec import CheckpointSpec, RouteSpec, SamplingPlanKind, StageSpec, WorkCentreSpec
from .validation import checkpoint_problems, route_problems, stage_problems, work_centre_problems

#: Where a problem found on a checkpoint's spec field is shown on the checkpoint form.
_CHECKPOINT_FIELDS = {"rework_operation": "rework_stage"}


def _work_centre_codes() -> set[str]:
    return set(WorkCentre.objects.values_list("code", flat=True))


def _checkpoint_spec(checkpoint: QualityCheckpoint, rework_operation: str | None) -> CheckpointSpec:
    return CheckpointSpec(
        inspects=checkpoint.inspects,
        plan=SamplingPlanKind(checkpoint.plan),
        every_n=checkpoint.every_n,
        inspection_level=checkpoint.inspection_level or None,
        aql=checkpoint.aql,
        rework_operation=rework_operation,
        max_rework=checkpoint.max_rework,
    )


def _stage_spec(stage: RouteStage, checkpoint: CheckpointSpec | None = None) -> StageSpec:
    return StageSpec(
        operation=stage.operation,
        work_centre=stage.work_centre.code,
        setup_minutes=stage.setup_minutes,
        minutes_per_unit=stage.minutes_per_unit,
        defect_probability=stage.defect_probability,
        condition=stage.condition,
        checkpoint=checkpoint,
    )


def _route_problems(route: Route, stages: list[StageSpec]) -> dict[str, str]:
    spec = RouteSpec(
        product=route.product.code if route.product is not None else None,
        mode=route.mode,
        name=route.name,
        stages=tuple(stages),
    )
    return route_problems(spec, work_centres=_work_centre_codes(), option_sets_for=product_option_sets)


class WorkCentreForm(forms.ModelForm):
    class Meta:
        model = WorkCentre
        fields = [
            "code",
            "name",
            "queue",
            "capacity",
            "labour_rate_per_hour",
            "changeover_minutes",
            "energy_kwh_per_running_minute",
            "energy_kwh_per_changeover_minute",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors:
            spec = WorkCentreSpec(**{name: data[name] for name in self.Meta.fields})
            for name, reason in work_centre_problems(spec).items():
                self.add_error(name, reason)
        return data


class RouteForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ["product", "mode", "name"]

    def clean_product(self):
        product = self.cleaned_data["product"]
        if product is not None and product.current_version_id is None:
            raise ValidationError(f"{product.code} has no published version yet; publish it first.")
        return product


class RouteStageFormSet(forms.BaseInlineFormSet):
    """A route's stages, checked as a whole with the checkpoints they already have: at least one
    stage, operations once each, rework still pointing back, conditions against the product."""

    def clean(self) -> None:
        super().clean()
        # _should_delete_form is what Django's formset docs use here; the stubs leave it out.
        remaining = [form for form in self.forms if not self._should_delete_form(form)]  # type: ignore[attr-defined]
        if any(not form.is_valid() for form in remaining):
            return
        kept = [form for form in remaining if form.cleaned_data]
        if not kept:
            raise ValidationError("A route needs at least one stage.")
        kept.sort(key=lambda form: form.cleaned_data["position"])
        new_operation = {
            form.instance.pk: form.cleaned_data["operation"] for form in kept if form.instance.pk
        }
        checkpoints = {}
        if self.instance.pk:
            checkpoints = {
                checkpoint.stage_id: checkpoint
                for checkpoint in QualityCheckpoint.objects.filter(stage__route=self.instance).select_related(
                    "rework_stage"
                )
            }
        stages = []
        for form in kept:
            checkpoint = checkpoints.get(form.instance.pk)
            spec = None
            if checkpoint is not None:
                rework = checkpoint.rework_stage
                operation = new_operation.get(rework.pk, rework.operation) if rework else None
                spec = _checkpoint_spec(checkpoint, operation)
            stages.append(_stage_spec(form.instance, spec))
        about_the_route = []
        for path, reason in _route_problems(self.instance, stages).items():
            if not path.startswith("stages["):
                about_the_route.append(reason)
                continue
            index, _, name = path.removeprefix("stages[").partition("].")
            form = kept[int(index)]
            if name in form.fields:
                form.add_error(name, reason)
            else:
                form.add_error(
                    None, f"Its checkpoint: {reason}" if name.startswith("checkpoint.") else reason
                )
        if about_the_route:
            raise ValidationError(about_the_route)


class RouteStageForm(forms.ModelForm):
    """One stage on its own page, where its checkpoint is edited."""

    class Meta:
        model = RouteStage
        fields = [
            "position",
            "operation",
            "work_centre",
            "setup_minutes",
            "minutes_per_unit",
            "defect_probability",
            "condition",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        route = self.instance.route
        option_sets = product_option_sets(route.product.code) if route.product is not None else None
        stage = StageSpec(
            operation=data["operation"],
            work_centre=data["work_centre"].code,
            setup_minutes=data["setup_minutes"],
            minutes_per_unit=data["minutes_per_unit"],
            defect_probability=data["defect_probability"],
            condition=data["condition"],
        )
        for name, reason in stage_problems(
            stage, work_centres=_work_centre_codes(), option_sets=option_sets
        ).items():
            if name in self.fields:
                self.add_error(name, reason)
        return data


class QualityCheckpointForm(forms.ModelForm):
    class Meta:
        model = QualityCheckpoint
        fields = ["inspects", "plan", "every_n", "inspection_level", "aql", "rework_stage", "max_rework"]


class QualityCheckpointFormSet(forms.BaseInlineFormSet):
    """The checkpoint after one stage, checked within its whole route as the stage form leaves it
    (a moved or renamed stage can turn another checkpoint's rework forward)."""

    def clean(self) -> None:
        super().clean()
        if any(not form.is_valid() for form in self.forms) or not self.instance.pk:
            return
        stage = self.instance
        form = next(
            (
                form
                for form in self.forms
                # _should_delete_form is what Django's formset docs use here; the stubs leave it out.
                if form.cleaned_data and not self._should_delete_form(form)  # type: ignore[attr-defined]
            ),
            None,
        )
        checkpoint = None
        if form is not None:
            data = form.cleaned_data
            rework = data.get("rework_stage")
            operation = None
            if rework is not None:
                operation = stage.operation if rework.pk == stage.pk else rework.operation
            checkpoint = CheckpointSpec(
                inspects=data["inspects"],
                plan=SamplingPlanKind(data["plan"]),
                every_n=data.get("every_n"),
                inspection_level=data.get("inspection_level") or None,
                aql=data.get("aql"),
                rework_operation=operation,
                max_rework=data.get("max_rework") or 0,
            )
        others = list(
            RouteStage.objects.filter(route_id=stage.route_id)
            .exclude(pk=stage.pk)
            .select_related("work_centre", "checkpoint__rework_stage")
        )
        drafts: list[tuple[int, bool, StageSpec]] = []
        for other in others:
            existing = getattr(other, "checkpoint", None)
            spec = None
            if existing is not None:
                rework = existing.rework_stage
                if rework is None:
                    operation = None
                elif rework.pk == stage.pk:
                    operation = stage.operation
                else:
                    operation = rework.operation
                spec = _checkpoint_spec(existing, operation)
            drafts.append((other.position, False, _stage_spec(other, spec)))
        drafts.append((stage.position, True, replace(_stage_spec(stage), checkpoint=checkpoint)))
        drafts.sort(key=lambda draft: draft[0])
        stages = [draft[2] for draft in drafts]
        mine = next(index for index, draft in enumerate(drafts) if draft[1])
        if form is not None and checkpoint is not None:
            operations_so_far = [spec.operation for spec in stages[: mine + 1]]
            for name, reason in checkpoint_problems(checkpoint, operations_so_far=operations_so_far).items():
                form.add_error(_CHECKPOINT_FIELDS.get(name, name), reason)
        elsewhere = [
            reason
            for path, reason in _route_problems(stage.route, stages).items()
            if path.startswith("stages[") and not path.startswith(f"stages[{mine}]")
        ]
        if elsewhere:
            raise ValidationError([f"Elsewhere in the route: {reason}" for reason in elsewhere])
