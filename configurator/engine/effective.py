"""The effective configuration of a customer's selections, and their validation."""

from __future__ import annotations

from typing import Any

from .domains import effective_value
from .evaluate import violated
from .results import Validation
from .session import Session, constraint_ref
from .witnesses import ChoiceLits


class Effective:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: each constraint's answer to validation when none of its sets is known
        self._violated_alone = tuple(violated(constraint, {}) for constraint in session.compiled.constraints)

    def validation(self, choices: list[ChoiceLits], consistent: bool) -> Validation:
        decided = {choice.code: choice.value for choice in choices}
        config: dict[str, Any] = {}
        missing: list[str] = []
        for option_set in self.session.model.option_sets:
            if option_set.code in decided:
                config[option_set.code] = decided[option_set.code]
                continue
            found, value = effective_value(option_set)
            if found:
                config[option_set.code] = value
            else:
                missing.append(option_set.code)
        constraints = self.session.compiled.constraints
        if len(config) * 2 < len(constraints):
            # only the constraints that read a known set can change their answer
            reading: set[int] = set()
            for code in config:
                reading.update(self.session.compiled.set_index[code].constraints)
            errors = tuple(
                constraint_ref(constraint)
                for index, constraint in enumerate(constraints)
                if (violated(constraint, config) if index in reading else self._violated_alone[index])
            )
        else:
            errors = tuple(
                constraint_ref(constraint) for constraint in constraints if violated(constraint, config)
            )
        complete = not missing
        return Validation(
            consistent=consistent,
            complete=complete,
            valid=complete and not errors,
            missing=tuple(missing),
            errors=errors,
        )
