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


def _precomputed_beside_oracle(case):
    """The case's model compiled, its answers precomputed (through a pickle, as kept on disk), and
    the brute-force reference of the same model."""
    model, _ = case
    compiled = compile_model(model)
    return compiled, pickle.loads(pickle.dumps(precompute(compiled))), reference(model)


@SETTINGS
@given(cases(count=1))
def test_precomputed_pairs_are_the_oracles_with_minimal_constraints(case):
    compiled, precomputed, ref = _precomputed_beside_oracle(case)
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
            if key in blocked:
                _check_constraints(ref, codes, base, key, blocked[key])
    assert precomputed.witnesses and all(ref.valid(witness) for witness in precomputed.witnesses)


def _check_constraints(ref: Reference, codes: list[str], base: dict, key: tuple, indices) -> None:
    """The constraints ``indices`` rule ``key`` out with ``base``, and none of them can be left out."""
    named = {codes[index] for index in indices}
    assert not _possible(ref, base, key, [code for code in codes if code not in named]), (base, key)
    for dropped in named:
        off = [code for code in codes if code not in named or code == dropped]
        assert _possible(ref, base, key, off), (base, key, dropped)


@SETTINGS
@given(cases(count=1))
def test_precomputed_triples_are_the_oracles_with_minimal_constraints(case):
    """Every two possible single or boolean values of different sets that fit together, and every
    value of a third set that neither rules out alone: kept as ruled out by the two together
    exactly when the oracle says so, with a minimal set of constraints."""
    compiled, precomputed, ref = _precomputed_beside_oracle(case)
    if not ref.configs:
        assert not precomputed.values and not precomputed.together
        return
    codes = [constraint.code for constraint in compiled.constraints]
    values = precomputed.values
    assert sorted(values, key=repr) == sorted((choice for choice in precomputed.choices if choice), key=repr)
    width = len(values)
    found = 0
    for first, (first_code, first_value) in enumerate(values):
        for second in range(first + 1, width):
            second_code, second_value = values[second]
            base = {first_code: first_value, second_code: second_value}
            if second_code == first_code or not _possible(ref, base, (second_code, "value", second_value)):
                assert first * width + second not in precomputed.together
                continue
            kept = precomputed.together.get(first * width + second, {})
            for third, (code, value) in enumerate(values):
                key = (code, "value", value)
                if code in base:
                    assert third not in kept
                    continue
                alone = not _possible(ref, {first_code: first_value}, key) or not _possible(
                    ref, {second_code: second_value}, key
                )
                assert (third in kept) == (not alone and not _possible(ref, base, key)), (base, key)
                if third in kept:
                    found += 1
                    _check_constraints(ref, codes, base, key, kept[third])
    assert precomputed.triples() * 3 == found


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


def _reason(guidance, code: str, value) -> tuple[list, list]:
    option_set = next(option_set for option_set in guidance.option_sets if option_set.code == code)
    found = next(item for item in option_set.values if item.value == value)
    assert not found.selectable
    return (
        [(choice.option_set, choice.value) for choice in found.reason.choices],
        [constraint.code for constraint in found.reason.constraints],
    )


def test_a_value_blocked_by_two_choices_together_is_explained_from_the_precomputed_answer():
    """A rule that reads three sets: whichever two of its values are chosen, the third is blocked by
    those two together (neither alone), explained from the precomputed triple, also when the third
    value's set is decided otherwise."""
    document = json.loads((DEMO / "city-bike.json").read_text())
    document["rules"].append(
        {"code": "m_black_no_hub3", "when": "size == 'm' and colour == 'black'", "require": "gears != 'hub3'"}
    )
    _, model = validate_document(document)
    compiled = compile_model(model)
    precomputed = precompute(compiled)
    assert precomputed.triples() == 1
    configurator = Configurator(compiled, precomputed=precomputed)
    without = Configurator(compiled)
    for selections, code, value, choices in [
        ({"size": "m", "colour": "black"}, "gears", "hub3", [("size", "m"), ("colour", "black")]),
        ({"colour": "black", "gears": "hub3"}, "size", "m", [("colour", "black"), ("gears", "hub3")]),
        (
            {"size": "m", "colour": "black", "gears": "hub7"},
            "gears",
            "hub3",
            [("size", "m"), ("colour", "black")],
        ),
    ]:
        before, before_without = configurator.calls, without.calls
        guidance = configurator.guide(selections, explain=True)
        assert _reason(guidance, code, value) == (choices, ["m_black_no_hub3"])
        assert guidance.precomputed_reasons >= 1
        expected = without.guide(selections, explain=True)
        assert _reason(expected, code, value) == (choices, ["m_black_no_hub3"])
        assert configurator.calls - before < without.calls - before_without
