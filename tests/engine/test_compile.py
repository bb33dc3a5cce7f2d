"""Compilation: refusals, sizes, pickling."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

from configurator.engine import Configurator, EngineError, ModelError, compile_model
from configurator.engine.compile import CompileLimits
from configurator.engine.model import Kind, Option, OptionSet, ProductModel, Rule, Table


def number(code: str, low: int, high: int, step: int = 1) -> OptionSet:
    return OptionSet(
        code, code.title(), Kind.NUMBER, minimum=Decimal(low), maximum=Decimal(high), step=Decimal(step)
    )


def test_invalid_models_raise_model_error_with_every_issue():
    model = ProductModel("m", (number("width", 10, 20),), (Rule("r1", "width = 3"), Rule("r2", "height > 2")))
    with pytest.raises(ModelError) as caught:
        compile_model(model)
    assert [issue.path for issue in caught.value.issues] == ["rules[0].require", "rules[1].require"]


def test_arithmetic_beyond_the_cap_is_refused_naming_the_rule():
    model = ProductModel(
        "m",
        (number("width", 1, 3000), number("height", 1, 3000)),
        (Rule("square", "abs(width - height) <= 10"),),
    )
    with pytest.raises(EngineError) as caught:
        compile_model(model)
    assert caught.value.code == "rule_too_large"
    assert caught.value.message.startswith(
        "rule square: comparing number width and number height (9,000,000 "
        "combinations of values) needs more than 1,000,000 evaluations"
    )


def test_monotone_arithmetic_over_large_domains_compiles_small_and_exact():
    model = ProductModel(
        "m",
        (number("width", 100, 2000), number("height", 100, 2000)),
        (Rule("area", "width * height <= 2000000"),),
    )
    compiled = compile_model(model)
    assert len(compiled.clauses) < 20 * 1901
    guidance = Configurator(compiled).guide({"width": 1500})
    height = guidance.option_sets[1]
    assert (height.minimum, height.maximum) == (Decimal(100), Decimal(1333))


def test_tables_are_reduced_decision_diagrams():
    colours = tuple(Option(f"c{i}", f"Colour {i}") for i in range(20))
    frames = tuple(Option(f"f{i}", f"Frame {i}") for i in range(20))
    rows = tuple((f"f{i}", f"c{j}") for i in range(20) for j in range(20) if (i < 10) == (j < 10))
    model = ProductModel(
        "m",
        (
            OptionSet("frame", "Frame", Kind.SINGLE, options=frames),
            OptionSet("colour", "Colour", Kind.SINGLE, options=colours),
        ),
        tables=(Table("frame_colour", ("frame", "colour"), rows),),
    )
    compiled = compile_model(model)
    # 200 rows, but only two distinct colour sets below the frame level: a handful of nodes
    table_clauses = len(compiled.clauses) - len(compile_model(ProductModel("m", model.option_sets)).clauses)
    assert table_clauses < 120
    configurator = Configurator(pickle.loads(pickle.dumps(compiled)))
    colour = configurator.guide({"frame": "f3"}).option_sets[1]
    assert [v.value for v in colour.values if v.selectable] == [f"c{j}" for j in range(10)]


def test_compile_reports_every_model_issue_with_its_path():
    frame = OptionSet(
        "frame", "Frame", Kind.SINGLE, options=(Option("steel", "Steel"), Option("steel", "Steel 2"))
    )
    model = ProductModel(
        "m",
        (frame, OptionSet("frame", "F", Kind.BOOLEAN), number("width", 5, 1)),
        (Rule("r", "frame = 1"), Rule("r", "width > 2")),
        (Table("t", ("nope", "width"), (("a", Decimal(1)),)),),
    )
    with pytest.raises(ModelError) as caught:
        compile_model(model)
    assert [(issue.path, issue.code, issue.message) for issue in caught.value.issues] == [
        ("option_sets[0].options[1].code", "duplicate_code", "'steel' appears twice in frame"),
        ("option_sets[1].code", "duplicate_code", "'frame' is already used by option_sets[0]"),
        ("option_sets[2].maximum", "below_minimum", "must not be below the minimum"),
        ("rules[0].require", "unexpected_character", "column 7: use '==' to compare"),
        ("rules[1].code", "duplicate_code", "'r' is already used by rules[0].code"),
        ("tables[0].option_sets[0]", "unknown_option_set", "unknown option set 'nope'"),
    ]


def test_cheapest_completion_does_not_charge_a_required_text_for_its_length():
    # regression: the price of a required text was charged on "length >= 2" instead of nothing
    model = ProductModel(
        "m",
        (
            OptionSet("t", "T", Kind.TEXT, required=True, max_length=3, price_delta=Decimal(5)),
            OptionSet(
                "s",
                "S",
                Kind.SINGLE,
                options=(Option("cheap", "Cheap"), Option("dear", "Dear", price_delta=Decimal(3))),
            ),
        ),
        (Rule("r", "len(t) >= 2", "s == 'cheap'"),),
    )
    completion = Configurator(compile_model(model)).complete({})
    assert completion.selections == {"s": "cheap"}
    assert completion.missing == ("t",)


def big_multi(options: int, sets: int = 1, **limits) -> ProductModel:
    return ProductModel(
        "big",
        tuple(
            OptionSet(
                f"m{index}",
                f"Many {index}",
                Kind.MULTI,
                options=tuple(Option(f"o{number}", f"Option {number}") for number in range(options)),
                **limits,
            )
            for index in range(sets)
        ),
    )


def test_count_limits_are_encoded_linearly():
    """Issue 14: five 1,000-option multiple choices with min_count 1 wrote 10 million clauses. At
    least one is one clause now; a small maximum a counter as wide as the maximum."""
    compiled = compile_model(big_multi(1000, sets=5, min_count=1))
    assert compiled.nvars < 5 * 1000 + 20 and len(compiled.clauses) < 5 * 1000 + 20
    at_most_three = compile_model(big_multi(1000, max_count=3))
    assert at_most_three.nvars < 5 * 1000 and len(at_most_three.clauses) < 4 * 4 * 1000 + 10
    configurator = Configurator(at_most_three)
    assert not configurator.validate({"m0": ["o1", "o2", "o3", "o4"]}).consistent
    assert configurator.validate({"m0": ["o1", "o2", "o3"]}).valid
    nothing = Configurator(compiled).validate({"m0": []})  # a lower bound: at least one more is missing
    assert nothing.consistent and "m0" in nothing.missing


def test_size_limits_are_checked_at_compile_with_the_limit_named():
    model = big_multi(300, min_count=1)
    with pytest.raises(ModelError) as caught:
        compile_model(model, CompileLimits(max_variables=200))
    assert caught.value.issues[0].code == "model_too_large"
    assert "more than 200 variables (limit max_variables)" in str(caught.value)
    with pytest.raises(ModelError, match=r"more than 100 clauses \(limit max_clauses\)"):
        compile_model(model, CompileLimits(max_clauses=100))
    with pytest.raises(ModelError, match=r"bytes compiled, over the limit of 1,000 \(limit max_bytes\)"):
        compile_model(model, CompileLimits(max_bytes=1000))
    assert compile_model(model).nvars > 300


def test_count_over_optional_single_choices_needs_no_counter_of_its_own():
    """``count()`` of a single choice is one unless it is none, read off its literal for none: "at
    most two of these three extras" adds a rule's diagram, not a variable per set."""
    extras = tuple(
        OptionSet(
            code,
            code.title(),
            Kind.SINGLE,
            required=False,
            options=(Option("basic", "Basic"), Option("deluxe", "Deluxe")),
        )
        for code in ("rack", "basket", "bell")
    )
    plain = compile_model(ProductModel("m", extras))
    counted = compile_model(
        ProductModel("m", extras, (Rule("two_extras", "count(rack, basket, bell) <= 2"),))
    )
    assert counted.nvars - plain.nvars < 8
    configurator = Configurator(counted)
    bell = configurator.guide({"rack": "basic", "basket": "deluxe"}).option_sets[2]
    assert [value.selectable for value in bell.values] == [False, False] and bell.none_selectable
    assert [choice.option_set for choice in bell.values[0].reason.choices] == ["rack", "basket"]
    assert not configurator.validate({"rack": "basic", "basket": "deluxe", "bell": "basic"}).consistent
    assert configurator.validate({"rack": "basic", "bell": None}).valid
