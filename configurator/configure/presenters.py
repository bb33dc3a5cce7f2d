"""The configure and explain answers as data: engine results with the names and messages people
read. The serializers in :mod:`.serializers` render these (and only their declared fields)."""

from __future__ import annotations

from typing import Any

from configurator.engine.model import Kind, ProductModel
from configurator.engine.results import (
    Change,
    Choice,
    Conflict,
    ConstraintRef,
    EffectiveConfiguration,
    Explanation,
    OptionSetGuidance,
    ValueGuidance,
)
from configurator.engine.values import describe_value, json_number, json_value
from manufacturing.footprint import FootprintComparison

from .documents import price_document, production_document, selections_document
from .services import Evaluation, Priced


class Presenter:
    """Renders engine results for one product model."""

    def __init__(self, model: ProductModel) -> None:
        self.model = model

    def choice(self, choice: Choice) -> dict[str, Any]:
        option_set = self.model.option_set(choice.option_set)
        return {
            "type": "choice",
            "message": f"You chose {describe_value(option_set, choice.value)} for {option_set.name}.",
            "option_set": choice.option_set,
            "value": json_value(option_set, choice.value),
            "code": None,
            "option_sets": [],
        }

    @staticmethod
    def constraint(ref: ConstraintRef) -> dict[str, Any]:
        return {
            "type": ref.kind,
            "message": ref.message,
            "option_set": None,
            "value": None,
            "code": ref.code,
            "option_sets": list(ref.option_sets),
        }

    def explanation(self, explanation: Explanation) -> list[dict[str, Any]]:
        return [self.choice(choice) for choice in explanation.choices] + [
            self.constraint(ref) for ref in explanation.constraints
        ]

    def value(self, guidance: ValueGuidance) -> dict[str, Any]:
        return {
            "code": guidance.value,
            "selectable": guidance.selectable,
            "selected": guidance.selected,
            "implied": guidance.implied,
            "reasons": [] if guidance.reason is None else self.explanation(guidance.reason),
        }

    def option_set(self, guidance: OptionSetGuidance, effective: EffectiveConfiguration) -> dict[str, Any]:
        option_set = self.model.option_set(guidance.code)
        code = guidance.code
        has_values = guidance.kind in (Kind.SINGLE, Kind.MULTI, Kind.BOOLEAN)
        is_number = guidance.kind is Kind.NUMBER
        is_text = guidance.kind is Kind.TEXT
        switch = is_number and guidance.decided and guidance.switch_minimum is not None

        def number(value: Any) -> int | float | None:
            return None if value is None else json_number(value)

        return {
            "code": guidance.code,
            "name": option_set.name,
            "kind": guidance.kind.value,
            "decided": guidance.decided,
            "selection": json_value(option_set, guidance.selection) if guidance.decided else None,
            "implied": None if guidance.implied is None else json_value(option_set, guidance.implied),
            "values": [self.value(value) for value in guidance.values] if has_values else None,
            "none_selectable": guidance.none_selectable
            if guidance.kind is Kind.SINGLE and not option_set.required
            else None,
            "min": number(guidance.minimum) if is_number else None,
            "max": number(guidance.maximum) if is_number else None,
            "switch_min": number(guidance.switch_minimum) if switch else None,
            "switch_max": number(guidance.switch_maximum) if switch else None,
            "min_length": guidance.min_length if is_text else None,
            "max_length": guidance.max_length if is_text else None,
            "effective": json_value(option_set, effective.values[code]) if code in effective.values else None,
            "origin": effective.origins[code].value if code in effective.origins else "missing",
            "added": json_value(option_set, effective.added[code]) if code in effective.added else [],
        }

    def change(self, change: Change) -> dict[str, Any]:
        option_set = self.model.option_set(change.option_set)
        return {
            "option_set": change.option_set,
            "from": json_value(option_set, change.before),
            "to": json_value(option_set, change.after),
            "message": f"Change {option_set.name} from {describe_value(option_set, change.before)} "
            f"to {describe_value(option_set, change.after)}.",
        }

    def conflict(self, conflict: Conflict | None) -> dict[str, Any] | None:
        if conflict is None:
            return None
        return {
            "reasons": self.explanation(conflict.explanation),
            "repairs": [
                {"changes": [self.change(change) for change in repair.changes]} for repair in conflict.repairs
            ],
        }

    def priced(self, priced: Priced) -> dict[str, Any]:
        return {
            "price": price_document(priced.breakdown),
            "production": production_document(self.model, priced.decision, priced.lead_time, priced.start),
        }

    def configure(self, evaluation: Evaluation, footprint: FootprintComparison | None) -> dict[str, Any]:
        """The configure answer: guidance, validation, conflict, completion, price, production and
        the footprint estimate."""
        guidance = evaluation.guidance
        assert guidance is not None, "configure always guides"
        validation = evaluation.validation
        completion = None
        if evaluation.completion is not None and evaluation.completion_priced is not None:
            completion = {
                "selections": selections_document(self.model, dict(evaluation.completion.selections)),
                "defaults_used": list(evaluation.completion.defaults_used),
                "missing": list(evaluation.completion.missing),
                "additions": [
                    {
                        "option_set": addition.option_set,
                        "added": json_value(self.model.option_set(addition.option_set), addition.added),
                        "reasons": self.explanation(addition.reason),
                    }
                    for addition in evaluation.completion.additions
                ],
                **self.priced(evaluation.completion_priced),
            }
        return {
            "product": evaluation.product.code,
            "version": evaluation.source.version,
            "quantity": evaluation.quantity,
            "valid": validation.valid,
            "complete": validation.complete,
            "consistent": validation.consistent,
            "missing": list(validation.missing),
            "option_sets": [
                self.option_set(option_set, evaluation.effective) for option_set in guidance.option_sets
            ],
            "errors": [self.constraint(ref) for ref in validation.errors],
            "conflict": self.conflict(guidance.conflict),
            "completion": completion,
            "solver_calls": guidance.solver_calls,
            "explained": guidance.explained,
            **self.priced(evaluation.priced),
            "footprint": footprint,
        }

    def explain(self, *, option_set: str, value: Any, explanation: Explanation | None) -> dict[str, Any]:
        return {
            "option_set": option_set,
            "value": value,
            "selectable": explanation is None,
            "reasons": [] if explanation is None else self.explanation(explanation),
        }
