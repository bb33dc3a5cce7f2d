"""Answers precomputed per model (configurator/engine/precomputed.py) against the brute-force
oracle on random small models: every (choice, value) pair is blocked exactly when the oracle says
so, with a minimal set of constraints; guidance using them classifies every value as guidance
without them does, and its explanations stay minimal."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from hypothesis import given

from configurator.engine import Configurator, compile_model
from configurator.engine.model import Kind
from configurator.engine.precomputed import precompute
from products.documents import validate_document

from .reference import Reference, domain
from .test_properties import SETTINGS, _check_explanation, cases, reference

DEMO = Path(__file__).resolve().parents[2] / "products" / "demo"


def _possible(ref: Reference, choices: dict, key: tuple, constraints_off=()) -> bool:
    """Whether some configuration valid under the constraints left on extends ``choices`` and has
    the value ``key`` (``(code, tag, value)``)."""
    code, tag, value = key
    for config in ref.completions(choices, constraints_off=constraints_off):
        current = config[code]
        if (tag == "value" and current == value and type(current) is type(value)) or (
            (tag == "in" and value in current) or (tag == "out" and value not in current)
        ):
            return True
    return False


def _keys(ref: Reference, skip: str | None) -> list[tuple]:
    keys = []
    for code, option_set in ref.sets.items():
        if code == skip:
            continue
        if option_set.kind is Kind.MULTI:
            for option in option_set.options:
                keys += [(code, "in", option.code), (code, "out", option.code)]
        elif option_set.kind in (Kind.SINGLE, Kind.BOOLEAN):
            keys += [(code, "value", value) for value in domain(option_set)]
    return keys


@SETTINGS
@given(cases(count=1))
def test_precomputed_pairs_are_the_oracles_with_minimal_constraints(case):
    model, _ = case
    compiled = compile_model(model)
    precomputed = pickle.loads(pickle.dumps(precompute(compiled)))
    ref = reference(model)
    if not ref.configs:
        assert not precomputed.choices and not precomputed.blocks
        return
    codes = [constraint.code for constraint in compiled.constraints]
    expected_choices = {None} | {
        (code, value)
        for code, option_set in ref.sets.items()
        if option_set.kind in (Kind.SINGLE, Kind.BOOLEAN)
        for value in domain(option_set)
        if _possible(ref, {}, (code, "value", value))
    }
    assert precomputed.choices == expected_choices
    for choice in precomputed.choices:
        base = {} if choice is None else {choice[0]: choice[1]}
        blocked = precomputed.blocks[choice]
        for key in _keys(ref, None if choice is None else choice[0]):
            assert (key in blocked) == (not _possible(ref, base, key)), (choice, key)
            if key not in blocked:
                continue
            named = {codes[index] for index in blocked[key]}
            assert not _possible(ref, base, key, [code for code in codes if code not in named])
            for dropped in named:
                off = [code for code in codes if code not in named or code == dropped]
                assert _possible(ref, base, key, off), (choice, key, dropped)
    assert precomputed.witnesses and all(ref.valid(witness) for witness in precomputed.witnesses)


def _classified(guidance) -> list:
    return [
        (
            option_set.code,
            option_set.implied,
            option_set.none_selectable,
            option_set.minimum,
            option_set.maximum,
            option_set.min_length,
            option_set.max_length,
            [(value.value, value.selectable, value.selected, value.implied) for value in option_set.values],
        )
        for option_set in guidance.option_sets
    ]


@SETTINGS
@given(cases())
def test_guidance_with_precomputed_answers_is_exact_and_explanations_stay_minimal(case):
    model, selection_list = case
    compiled = compile_model(model)
    ref = reference(model)
    plain = Configurator(compiled)
    answered = Configurator(compiled, precomputed=pickle.loads(pickle.dumps(precompute(compiled))))
    for chosen in selection_list:
        expected = plain.guide(chosen, explain=False)
        guidance = answered.guide(chosen, explain=True)
        assert _classified(guidance) == _classified(expected)
        assert guidance.validation == expected.validation
        if guidance.conflict is not None:
            continue
        assert guidance.explained
        for option_set in guidance.option_sets:
            for value in option_set.values:
                if not value.selectable:
                    _check_explanation(ref, chosen, option_set.code, value.value, value.reason)


def test_a_value_blocked_by_one_choice_is_explained_from_the_precomputed_answer():
    _, model = validate_document(json.loads((DEMO / "city-bike.json").read_text()))
    compiled = compile_model(model)
    precomputed = precompute(compiled)
    configurator = Configurator(compiled, precomputed=precomputed)
    calls = configurator.calls
    guidance = configurator.guide({"frame": "carbon"}, explain=True)
    brakes = next(option_set for option_set in guidance.option_sets if option_set.code == "brakes")
    rim = next(value for value in brakes.values if value.value == "rim")
    assert not rim.selectable
    assert [(choice.option_set, choice.value) for choice in rim.reason.choices] == [("frame", "carbon")]
    stored = precomputed.blocks[("frame", "carbon")][("brakes", "value", "rim")]
    assert [constraint.code for constraint in rim.reason.constraints] == [
        compiled.constraints[index].code for index in stored
    ]
    assert guidance.precomputed_reasons >= 1
    without = Configurator(compiled)
    without.guide({}, explain=True)  # the dead values, found once as with the precomputed answers
    before = without.calls
    without.guide({"frame": "carbon"}, explain=True)
    assert configurator.calls - calls < without.calls - before


def test_a_model_without_valid_configurations_keeps_nothing_and_still_explains_its_conflict():
    document = json.loads((DEMO / "city-bike.json").read_text())
    frame = next(option_set for option_set in document["option_sets"] if option_set["code"] == "frame")
    document["rules"].append(
        {
            "code": "no_frame",
            "when": "",
            "require": " and ".join(f"frame != '{option['code']}'" for option in frame["options"]),
        }
    )
    _, model = validate_document(document)
    compiled = compile_model(model)
    precomputed = precompute(compiled)
    assert not precomputed.choices and not precomputed.blocks and not precomputed.possible
    configurator = Configurator(compiled, precomputed=precomputed)
    guidance = configurator.guide({"frame": "steel"}, explain=True)
    assert guidance.conflict is not None
    assert configurator.explain({}, "brakes", "rim").constraints
