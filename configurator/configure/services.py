"""Configure: answer for a (partial) configuration of a published version."""

from __future__ import annotations

from typing import Any

from configurator.engine import Configurator
from configurator.engine.errors import EngineError, SelectionError
from configurator.engine.results import Explanation
from configurator.plumbing.errors import ValidationFailed


def value_explanation(
    configurator: Configurator, selections: dict[str, Any], *, option_set: str, value: Any
) -> Explanation | None:
    """Why ``value`` cannot be chosen for ``option_set`` with these (parsed) selections; None when it
    can. Raises ValidationFailed naming ``option_set``, ``value`` or ``selections``."""
    model = configurator.compiled.model
    if option_set not in {candidate.code for candidate in model.option_sets}:
        raise ValidationFailed.for_field("option_set", f"unknown option set {option_set!r}")
    if not configurator.validate(selections).consistent:
        raise ValidationFailed.for_field(
            "selections",
            "these choices conflict with each other; the configure endpoint names the conflict and "
            "how to repair it",
            code="inconsistent_selections",
        )
    try:
        return configurator.explain(selections, option_set, value)
    except SelectionError as error:
        messages = [message for items in error.errors.values() for _, message in items]
        raise ValidationFailed.for_field("value", "; ".join(messages)) from None
    except EngineError as error:
        if error.code == "not_blocked":
            return None
        raise ValidationFailed.for_field("option_set", error.message, code=error.code) from None
