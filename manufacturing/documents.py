"""The factory document (``atelier-factory/1``, the format of ``manufacturing/demo/factory.json``)
read into a :class:`~manufacturing.spec.FactorySpec`, with every error named by its path."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .spec import (
    BatchPolicySpec,
    CheckpointSpec,
    FactorySpec,
    RouteSpec,
    SamplingPlanKind,
    StageSpec,
    WorkCentreSpec,
)

FORMAT = "atelier-factory/1"
DEMO_FACTORY = Path(__file__).with_name("demo") / "factory.json"


class FactoryDocumentError(ValueError):
    """A factory document that cannot be used; ``errors`` maps a path (``routes[2].stages[0]``) to
    what is wrong there."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))


class _Reader:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def field(self, data: dict[str, Any], key: str, path: str, default: Any = ...) -> Any:
        if key in data:
            return data[key]
        if default is ...:
            self.errors[f"{path}.{key}"] = "This field is required."
        return None if default is ... else default

    def decimal(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        default: Any = ...,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> Decimal:
        raw = self.field(data, key, path, default)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            if raw is not None:
                self.errors[f"{path}.{key}"] = f"Not a number: {raw!r}."
            return Decimal(0)
        if not value.is_finite():
            self.errors[f"{path}.{key}"] = "Must be a finite number."
        elif low is not None and value < low:
            self.errors[f"{path}.{key}"] = f"Must be at least {low}."
        elif high is not None and value > high:
            self.errors[f"{path}.{key}"] = f"Must be at most {high}."
        return value

    def integer(self, data: dict[str, Any], key: str, path: str, default: Any = ..., low: int = 0) -> int:
        raw = self.field(data, key, path, default)
        if raw is None:
            return low
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.errors[f"{path}.{key}"] = f"Must be a whole number, not {raw!r}."
            return low
        if raw < low:
            self.errors[f"{path}.{key}"] = f"Must be at least {low}."
        return raw


def factory_spec_from_document(document: dict[str, Any]) -> FactorySpec:
    """Read a factory document. Raises :class:`FactoryDocumentError` naming every problem found;
    the rules of routes and checkpoints (stages exist, rework points back, plans fit the ISO
    table) are checked by :func:`manufacturing.validation.factory_spec_check`."""
    reader = _Reader()
    if not isinstance(document, dict):
        raise FactoryDocumentError({"": "A factory document is a JSON object."})
    if document.get("format") != FORMAT:
        reader.errors["format"] = f"Expected {FORMAT!r}."
    centres: dict[str, WorkCentreSpec] = {}
    for index, raw in enumerate(document.get("work_centres") or []):
        path = f"work_centres[{index}]"
        code = str(reader.field(raw, "code", path) or "")
        if code in centres:
            reader.errors[f"{path}.code"] = f"Work centre {code!r} is defined twice."
        centres[code] = WorkCentreSpec(
            code=code,
            name=str(reader.field(raw, "name", path, code)),
            queue=str(reader.field(raw, "queue", path) or ""),
            capacity=reader.integer(raw, "capacity", path, low=1),
            labour_rate_per_hour=reader.decimal(raw, "labour_rate_per_hour", path, "0", low=Decimal(0)),
            changeover_minutes=reader.decimal(raw, "changeover_minutes", path, "0", low=Decimal(0)),
            energy_kwh_per_running_minute=reader.decimal(
                raw, "energy_kwh_per_running_minute", path, "0", low=Decimal(0)
            ),
            energy_kwh_per_changeover_minute=reader.decimal(
                raw, "energy_kwh_per_changeover_minute", path, "0", low=Decimal(0)
            ),
        )
    routes = []
    for index, raw in enumerate(document.get("routes") or []):
        path = f"routes[{index}]"
        stages = []
        for stage_index, stage in enumerate(reader.field(raw, "stages", path) or []):
            stage_path = f"{path}.stages[{stage_index}]"
            checkpoint = None
            if stage.get("checkpoint") is not None:
                checkpoint = _checkpoint(reader, stage["checkpoint"], f"{stage_path}.checkpoint")
            stages.append(
                StageSpec(
                    operation=str(reader.field(stage, "operation", stage_path) or ""),
                    work_centre=str(reader.field(stage, "work_centre", stage_path) or ""),
                    setup_minutes=reader.decimal(stage, "setup_minutes", stage_path, "0", low=Decimal(0)),
                    minutes_per_unit=reader.decimal(stage, "minutes_per_unit", stage_path, low=Decimal(0)),
                    defect_probability=reader.decimal(
                        stage, "defect_probability", stage_path, "0", low=Decimal(0), high=Decimal(1)
                    ),
                    condition=str(stage.get("condition") or ""),
                    checkpoint=checkpoint,
                )
            )
        routes.append(
            RouteSpec(
                product=raw.get("product"),
                mode=str(reader.field(raw, "mode", path) or ""),
                name=str(reader.field(raw, "name", path, "")),
                stages=tuple(stages),
            )
        )
    policy_raw = document.get("batch_policy") or {}
    policy = BatchPolicySpec(
        size_limit=reader.integer(policy_raw, "size_limit", "batch_policy", 10, low=1),
        window_minutes=reader.decimal(policy_raw, "window_minutes", "batch_policy", "240", low=Decimal(0)),
    )
    if reader.errors:
        raise FactoryDocumentError(reader.errors)
    return FactorySpec(work_centres=centres, routes=tuple(routes), batch_policy=policy)


def _checkpoint(reader: _Reader, raw: dict[str, Any], path: str) -> CheckpointSpec:
    plan_raw = reader.field(raw, "plan", path)
    try:
        plan = SamplingPlanKind(plan_raw)
    except ValueError:
        reader.errors[f"{path}.plan"] = f"One of {', '.join(kind.value for kind in SamplingPlanKind)}."
        plan = SamplingPlanKind.EVERY_UNIT
    aql = raw.get("aql")
    return CheckpointSpec(
        inspects=str(reader.field(raw, "inspects", path, "")),
        plan=plan,
        every_n=reader.integer(raw, "every_n", path, low=1) if "every_n" in raw else None,
        inspection_level=raw.get("inspection_level"),
        aql=reader.decimal(raw, "aql", path, low=Decimal(0)) if aql is not None else None,
        rework_operation=raw.get("rework_operation"),
        max_rework=reader.integer(raw, "max_rework", path, 0),
    )


def demo_factory_spec() -> FactorySpec:
    return factory_spec_from_document(json.loads(DEMO_FACTORY.read_text()))
