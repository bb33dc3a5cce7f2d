"""Random walks of a customer who only picks what guidance shows selectable, checking the one
meaning at every step (docs/engine.md, "One meaning"):

* the answer is never complete, consistent and invalid; consistent and incomplete names what is
  missing;
* where the customer stops choosing freely, the completion keeps every choice and the effective
  configuration, adds to a decided multiple choice only what it must and says so, and is valid;
* deciding the missing sets with selectable values always ends complete and valid.

A walk reads answers through an :class:`Answer` (what a customer sees), so the same walk runs on the
engine in-process (:func:`walk`) and on the configure endpoint (tests/configure/test_walks_api.py).
``valid`` is the caller's independent check of a complete effective configuration (the brute-force
oracle, or the model's rules and tables evaluated in Python, or a model file's own clauses).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from configurator.engine import Configurator
from configurator.engine.model import Kind, OptionSet, ProductModel
from configurator.engine.results import Completion, Guidance

TEXT_CANDIDATES = "aA1 -xZ9"


@dataclass(frozen=True)
class SetView:
    """One option set as a customer sees it: enough to pick a selectable value."""

    code: str
    kind: Kind
    decided: bool
    #: single, multi and yes/no sets: the values shown selectable, as selections take them
    selectable: tuple[Any, ...] = ()
    none_selectable: bool = False
    #: numbers: the feasible (min, max); texts: the feasible (shortest, longest) length
    bounds: tuple[Any, Any] | None = None


@dataclass(frozen=True)
class Answer:
    """What one answer says about the configuration as it stands."""

    consistent: bool
    complete: bool
    valid: bool
    missing: tuple[str, ...]
    errors: int
    sets: tuple[SetView, ...]
    #: the effective configuration, as engine values (sets that are missing left out)
    values: Mapping[str, Any]


@dataclass(frozen=True)
class CompletionView:
    """A completion as engine values: the configuration, the text sets it leaves to the customer,
    and what it adds to each decided multiple choice (with whether it says why)."""

    selections: Mapping[str, Any]
    missing: tuple[str, ...]
    additions: Mapping[str, frozenset[str]]
    additions_explained: bool


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


def picks(answer: Answer, model: ProductModel, selections: dict, only: set[str] | None = None) -> list:
    """Every pick of a selectable value: (code, raw value for the selections)."""
    found: list[tuple[str, Any]] = []
    for option_set in answer.sets:
        code = option_set.code
        if only is not None and code not in only:
            continue
        kind = option_set.kind
        if kind is Kind.MULTI:
            ticked = set(selections.get(code, ()))
            found.extend(
                (code, sorted(ticked | {value})) for value in option_set.selectable if value not in ticked
            )
            if only is not None and code not in selections:
                found.append((code, sorted(ticked)))  # deciding it as it stands: may be missing again
            continue
        if option_set.decided:
            continue
        if kind in (Kind.SINGLE, Kind.BOOLEAN):
            found.extend((code, value) for value in option_set.selectable)
            if option_set.none_selectable:
                found.append((code, None))
        elif kind is Kind.NUMBER and option_set.bounds is not None:
            found.extend({(code, bound) for bound in option_set.bounds})
        elif kind is Kind.TEXT and option_set.bounds is not None:
            definition = model.option_set(code)
            for length in set(option_set.bounds):
                text = text_of_length(definition, length)
                if text is not None:
                    found.append((code, text))
    return found


def check_answer(selections: dict, answer: Answer, valid: Callable[[dict], bool]) -> None:
    assert answer.consistent, selections
    if answer.complete:
        assert answer.valid and not answer.errors, selections
        assert valid(dict(answer.values)), (selections, answer.values)
    else:
        assert not answer.valid and answer.missing and not answer.errors, selections
        assert not set(answer.missing) & set(answer.values), selections


def check_completion(
    chosen: Mapping[str, Any], answer: Answer, completion: CompletionView, valid: Callable[[dict], bool]
) -> None:
    """The completion of consistent choices (engine values): it keeps the effective configuration
    and every choice; a decided multiple choice gains only the options said in its addition, each
    with a reason; only texts that must be written are left missing; the rest is valid."""
    result = completion.selections
    assert set(result) | set(completion.missing) == {option_set.code for option_set in answer.sets}
    assert set(completion.missing) <= {
        s.code for s in answer.sets if s.kind is Kind.TEXT and s.code in answer.missing
    }
    for code, value in answer.values.items():
        assert code in completion.missing or result[code] == value, code
    kinds = {option_set.code: option_set.kind for option_set in answer.sets}
    for code, value in chosen.items():
        if kinds[code] is not Kind.MULTI:
            assert code in completion.missing or result[code] == value, code
            continue
        assert value <= result[code], code
        assert completion.additions.get(code, frozenset()) == result[code] - value, code
    assert set(completion.additions) <= {code for code in chosen if kinds[code] is Kind.MULTI}
    assert completion.additions_explained
    if not completion.missing:
        assert valid(dict(result)), result


def customer_walk(
    ask: Callable[[dict], Answer],
    model: ProductModel,
    rng: random.Random,
    valid: Callable[[dict], bool],
    steps: int,
    *,
    at_stop: Callable[[dict, Answer], None] | None = None,
    finish: bool = True,
    limit: int = 10_000,
) -> dict:
    """``steps`` random picks of selectable values (any set, ticking implied options or not); then
    ``at_stop`` (the completion's checks); then, when ``finish``, picks among the missing sets until
    the effective configuration is complete. Checks every answer on the way; returns the final
    selections. ``ask`` answers raw selections."""
    selections: dict = {}
    answer = ask(selections)
    for _ in range(steps):
        check_answer(selections, answer, valid)
        options = picks(answer, model, selections)
        if not options:
            break
        code, value = rng.choice(options)
        selections.pop(code, None)
        selections[code] = value
        answer = ask(selections)
    check_answer(selections, answer, valid)
    if at_stop is not None:
        at_stop(dict(selections), answer)
    if not finish:
        return selections
    for _ in range(limit):
        check_answer(selections, answer, valid)
        if answer.complete:
            return selections
        options = picks(answer, model, selections, only=set(answer.missing))
        assert options, ("a missing set always has a selectable value", selections)
        code, value = rng.choice(options)
        selections.pop(code, None)
        selections[code] = value
        answer = ask(selections)
    raise AssertionError(f"no complete configuration after {limit} picks")


# -- the engine in-process --------------------------------------------------------------------------


def answer_of(guidance: Guidance) -> Answer:
    validation = guidance.validation
    assert guidance.effective is not None
    return Answer(
        consistent=validation.consistent,
        complete=validation.complete,
        valid=validation.valid,
        missing=validation.missing,
        errors=len(validation.errors),
        sets=tuple(
            SetView(
                code=option_set.code,
                kind=option_set.kind,
                decided=option_set.decided,
                selectable=tuple(value.value for value in option_set.values if value.selectable),
                none_selectable=bool(option_set.none_selectable),
                bounds=_bounds(option_set.kind, option_set),
            )
            for option_set in guidance.option_sets
        ),
        values=guidance.effective.values,
    )


def _bounds(kind: Kind, option_set: Any) -> tuple[Any, Any] | None:
    if kind is Kind.NUMBER and option_set.minimum is not None:
        return (str(option_set.minimum), str(option_set.maximum))
    if kind is Kind.TEXT and option_set.min_length is not None:
        return (option_set.min_length, option_set.max_length)
    return None


def completion_view(completion: Completion) -> CompletionView:
    return CompletionView(
        selections=completion.selections,
        missing=completion.missing,
        additions={addition.option_set: addition.added for addition in completion.additions},
        additions_explained=all(addition.reason.constraints for addition in completion.additions),
    )


def walk(
    configurator: Configurator,
    rng: random.Random,
    valid: Callable[[dict], bool],
    steps: int,
    limit: int = 10_000,
) -> dict:
    """:func:`customer_walk` on the engine: guidance, validation and the effective configuration
    must agree at every step, and the completion is checked where the customer stops choosing."""

    def ask(selections: dict) -> Answer:
        guidance = configurator.guide(selections, explain=False)
        assert guidance.validation == configurator.validate(selections), selections
        assert guidance.effective == configurator.effective(selections), selections
        assert guidance.validation.missing == guidance.effective.missing
        return answer_of(guidance)

    def completes(selections: dict, answer: Answer) -> None:
        chosen = configurator.parse_selections(selections)
        completion = configurator.complete(chosen)
        check_completion(chosen, answer, completion_view(completion), valid)

    return customer_walk(ask, configurator.model, rng, valid, steps, at_stop=completes, limit=limit)
