"""Random walks of a customer who only picks what guidance shows selectable, checking the one
meaning at every step (docs/engine.md, "One meaning"):

* the answer is never complete, consistent and invalid; consistent and incomplete names what is
  missing; guidance and validation read the same effective configuration;
* deciding the missing sets with selectable values always ends complete and valid.

``valid`` is the caller's independent check of a complete effective configuration (the brute-force
oracle, or the model's rules and tables evaluated in Python, or a model file's own clauses).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from configurator.engine import Configurator
from configurator.engine.model import Kind, OptionSet, ProductModel
from configurator.engine.results import Guidance

TEXT_CANDIDATES = "aA1 -xZ9"


def text_of_length(option_set: OptionSet, length: int) -> str | None:
    """Some text of this length that the set accepts (None when these simple tries find none)."""
    if length == 0:
        return ""
    pattern = re.compile(option_set.pattern) if option_set.pattern else None
    for letter in TEXT_CANDIDATES:
        text = letter * length
        if pattern is None or pattern.fullmatch(text):
            return text
    for first in TEXT_CANDIDATES:
        for rest in TEXT_CANDIDATES:
            text = first + rest * (length - 1)
            if pattern is None or pattern.fullmatch(text):
                return text
    return None


def picks(guidance: Guidance, model: ProductModel, selections: dict, only: set[str] | None = None) -> list:
    """Every pick of a selectable value: (code, raw value for the selections)."""
    found: list[tuple[str, Any]] = []
    for option_set in guidance.option_sets:
        code = option_set.code
        if only is not None and code not in only:
            continue
        kind = option_set.kind
        if kind is Kind.MULTI:
            ticked = set(selections.get(code, ()))
            found.extend(
                (code, sorted(ticked | {value.value}))
                for value in option_set.values
                if value.selectable and value.value not in ticked
            )
            if only is not None and code not in selections:
                found.append((code, sorted(ticked)))  # deciding it as it stands: may be missing again
            continue
        if option_set.decided:
            continue
        if kind in (Kind.SINGLE, Kind.BOOLEAN):
            found.extend((code, value.value) for value in option_set.values if value.selectable)
            if option_set.none_selectable:
                found.append((code, None))
        elif kind is Kind.NUMBER and option_set.minimum is not None:
            found.extend({(code, str(option_set.minimum)), (code, str(option_set.maximum))})
        elif kind is Kind.TEXT and option_set.min_length is not None:
            definition = model.option_set(code)
            for length in {option_set.min_length, option_set.max_length}:
                text = text_of_length(definition, length)
                if text is not None:
                    found.append((code, text))
    return found


def check_answer(configurator: Configurator, selections: dict, guidance: Guidance, valid: Callable) -> None:
    validation = guidance.validation
    assert validation.consistent, selections
    assert validation == configurator.validate(selections), selections
    effective = guidance.effective
    assert effective is not None
    assert effective == configurator.effective(selections)
    assert validation.missing == effective.missing
    if validation.complete:
        assert validation.valid, selections
        assert valid(effective.values), (selections, effective.values)
    else:
        assert not validation.valid and validation.missing


def walk(
    configurator: Configurator,
    rng: random.Random,
    valid: Callable[[dict], bool],
    steps: int,
    limit: int = 10_000,
) -> dict:
    """``steps`` random picks of selectable values (any set, ticking implied options or not), then
    picks among the missing sets until the effective configuration is complete; returns the final
    selections. Checks every answer on the way."""
    model = configurator.model
    selections: dict = {}
    for _ in range(steps):
        guidance = configurator.guide(selections, explain=False)
        check_answer(configurator, selections, guidance, valid)
        options = picks(guidance, model, selections)
        if not options:
            break
        code, value = rng.choice(options)
        selections.pop(code, None)
        selections[code] = value
    for _ in range(limit):
        guidance = configurator.guide(selections, explain=False)
        check_answer(configurator, selections, guidance, valid)
        if guidance.validation.complete:
            return selections
        options = picks(guidance, model, selections, only=set(guidance.validation.missing))
        assert options, ("a missing set always has a selectable value", selections)
        code, value = rng.choice(options)
        selections.pop(code, None)
        selections[code] = value
    raise AssertionError(f"no complete configuration after {limit} picks")
