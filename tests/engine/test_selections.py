"""Selections: JSON-ish input to engine values, and the errors that name each field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from configurator.engine import Configurator, EngineError, SelectionError, compile_model, parse_selections
from configurator.engine.model import Kind, Option, OptionSet, ProductModel, Rule
from configurator.engine.patterns import full_match
from configurator.engine.validation import validate_model

MODEL = ProductModel(
    "demo",
    (
        OptionSet(
            "frame", "Frame", Kind.SINGLE, options=(Option("steel", "Steel"), Option("carbon", "Carbon"))
        ),
        OptionSet("motor", "Motor", Kind.SINGLE, required=False, options=(Option("hub", "Hub"),)),
        OptionSet(
            "extras",
            "Extras",
            Kind.MULTI,
            max_count=1,
            options=(Option("rack", "Rack"), Option("bell", "Bell")),
        ),
        OptionSet(
            "width", "Width", Kind.NUMBER, minimum=Decimal(10), maximum=Decimal(20), step=Decimal("2.5")
        ),
        OptionSet("engraving", "Engraving", Kind.TEXT, required=False, max_length=4, pattern="[A-Z]+"),
        OptionSet("name", "Name", Kind.TEXT, max_length=8),
        OptionSet("gift", "Gift", Kind.BOOLEAN),
    ),
    (Rule("carbon_no_rack", "'rack' not in extras", "frame == 'carbon'"),),
)


def test_valid_input_becomes_engine_values_in_order():
    raw = {
        "width": "12.5",
        "frame": "steel",
        "motor": None,
        "extras": ["bell", "rack"],
        "engraving": "AB",
        "gift": True,
        "name": "Ann",
    }
    parsed = parse_selections(MODEL, raw)
    assert list(parsed) == list(raw)
    assert parsed == {
        "width": Decimal("12.5"),
        "frame": "steel",
        "motor": None,
        "extras": frozenset({"rack", "bell"}),
        "engraving": "AB",
        "gift": True,
        "name": "Ann",
    }
    assert parse_selections(MODEL, {"width": 15})["width"] == Decimal(15)
    assert parse_selections(MODEL, {"width": 17.5})["width"] == Decimal("17.5")
    assert parse_selections(compile_model(MODEL), {"width": Decimal("10")}) == {"width": Decimal(10)}


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"colour": "red"}, "selections.colour", "unknown option set 'colour'"),
        ({"frame": 3}, "selections.frame", "must be an option code or null"),
        ({"frame": "wood"}, "selections.frame", "'wood' is not an option of frame"),
        ({"frame": None}, "selections.frame", "a choice is required"),
        ({"extras": "rack"}, "selections.extras", "must be a list of option codes"),
        ({"extras": ["rack", "rack"]}, "selections.extras", "'rack' is listed twice"),
        ({"extras": ["horn"]}, "selections.extras", "'horn' is not an option of extras"),
        ({"width": True}, "selections.width", "must be a number"),
        ({"width": "wide"}, "selections.width", "must be a number"),
        ({"width": 11}, "selections.width", "must be one of 10, 12.5, ... 20"),
        ({"width": 22.5}, "selections.width", "must be one of 10, 12.5, ... 20"),
        ({"engraving": "ABCDE"}, "selections.engraving", "must be at most 4 characters"),
        ({"engraving": "ab"}, "selections.engraving", "does not have the expected format"),
        ({"engraving": 5}, "selections.engraving", "must be text"),
        ({"name": ""}, "selections.name", "a text is required"),
        ({"gift": "yes"}, "selections.gift", "must be true or false"),
    ],
)
def test_invalid_input_names_the_field(raw, field, message):
    with pytest.raises(SelectionError) as caught:
        parse_selections(MODEL, raw)
    reason = "unknown_option_set" if message.startswith("unknown option set") else "invalid_value"
    assert caught.value.errors == {field: [(reason, message)]}


def test_all_errors_are_collected():
    with pytest.raises(SelectionError) as caught:
        parse_selections(MODEL, {"frame": "wood", "width": 3, "colour": "red", "gift": True})
    assert set(caught.value.errors) == {"selections.frame", "selections.width", "selections.colour"}


def test_more_values_than_max_count_is_a_constraint_violation_not_an_input_error():
    configurator = Configurator(compile_model(MODEL))
    selections = configurator.parse_selections({"extras": ["rack", "bell"]})
    validation = configurator.validate(selections)
    assert not validation.consistent
    assert [error.code for error in validation.errors] == ["extras.count"]
    assert validation.errors[0].message == "Choose at most 1 extras"
    assert validation.errors[0].kind == "count"


def test_explain_names_the_blocking_choice_and_rule():
    configurator = Configurator(compile_model(MODEL))
    explanation = configurator.explain({"frame": "carbon"}, "extras", "rack")
    assert [(c.option_set, c.value) for c in explanation.choices] == [("frame", "carbon")]
    assert [c.code for c in explanation.constraints] == ["carbon_no_rack"]
    # switching a decided single set: only its own choice stands in the way
    own = configurator.explain({"frame": "carbon", "extras": ["bell"]}, "frame", "steel")
    assert [(c.option_set, c.value) for c in own.choices] == [("frame", "carbon")]
    assert own.constraints == ()
    blocked = configurator.explain({"extras": ["rack"], "frame": "steel"}, "frame", "carbon")
    assert [(c.option_set, c.value) for c in blocked.choices] == [("extras", frozenset({"rack"}))]
    with pytest.raises(EngineError) as caught:
        configurator.explain({"frame": "steel"}, "extras", "rack")
    assert caught.value.code == "not_blocked"
    with pytest.raises(SelectionError):
        configurator.explain({}, "frame", "wood")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(a|aa)+b", "a" * 40 + "c"),
        ("(a+)+$", "a" * 40 + "!"),
        ("(x+x+)+y", "x" * 40),
        ("(.*a){12}", "a" * 40 + "b"),
    ],
)
def test_pathological_patterns_are_matched_in_linear_time(pattern, text):
    """Issue 14: ``(a|aa)+b`` made an anonymous configure take 17 s with Python's backtracking re (the
    time doubles with each character; 40 characters would take hours). RE2 answers at once; the
    same check in the backtracking engine on a short text shows the answer is the same."""
    model = ProductModel(
        "p", (OptionSet("t", "T", Kind.TEXT, required=False, max_length=100, pattern=pattern),)
    )
    with pytest.raises(SelectionError, match="does not have the expected format"):
        parse_selections(model, {"t": text})
    short = text[:12] + text[-1]
    assert full_match(pattern, short) == (re.fullmatch(pattern, short) is not None)


@pytest.mark.parametrize("pattern", [r"(?=a)a", r"(a)\1", r"(?<!x)y", "a" * 1001])
def test_patterns_the_linear_time_matcher_cannot_run_are_refused_with_the_reason(pattern):
    model = ProductModel("p", (OptionSet("t", "T", Kind.TEXT, max_length=10, pattern=pattern),))
    (issue,) = validate_model(model)
    assert (issue.path, issue.code) == ("option_sets[0].pattern", "invalid_pattern")
    assert "linear-time matcher" in issue.message or "limited to 1000 characters" in issue.message
