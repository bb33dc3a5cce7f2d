"""The condition language: exact error messages and positions, and evaluation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from configurator.engine.errors import ExpressionError
from configurator.engine.expressions import condition
from configurator.engine.model import Kind, Option, OptionSet

SETS = {
    "frame": OptionSet(
        "frame", "Frame", Kind.SINGLE, options=(Option("steel", "Steel"), Option("carbon", "Carbon"))
    ),
    "accessories": OptionSet(
        "accessories", "Accessories", Kind.MULTI, options=(Option("rack", "Rack"), Option("bell", "Bell"))
    ),
    "width": OptionSet("width", "Width", Kind.NUMBER, minimum=Decimal(10), maximum=Decimal(100)),
    "height": OptionSet("height", "Height", Kind.NUMBER, minimum=Decimal(10), maximum=Decimal(100)),
    "engraving": OptionSet("engraving", "Engraving", Kind.TEXT, max_length=10),
    "gift": OptionSet("gift", "Gift", Kind.BOOLEAN),
}


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        ("frame = 'x'", "unexpected_character", "use '==' to compare at column 7"),
        (
            "frame == 'stel'",
            "unknown_option",
            "'stel' is not a value of frame (did you mean 'steel'?) at column 10",
        ),
        (
            "frame == 'x'",
            "unknown_option",
            "'x' is not a value of frame (values: steel, carbon) at column 10",
        ),
        ("colour == 'red'", "unknown_option_set", "unknown option set 'colour' at column 1"),
        (
            "frame == 'steel' and",
            "expected_value",
            "expected a value, a name or '(', found the end at column 21",
        ),
        (
            "'rack' in frame",
            "wrong_type",
            "'in' needs a multiple choice or a tuple on its right, not a single choice at column 11",
        ),
        (
            "len(engraving)",
            "not_a_condition",
            "a condition must be true or false, this is a number at column 1",
        ),
        (
            "engraving",
            "not_a_condition",
            "a condition must be true or false, this is a text; did you mean engraving != ''? at column 1",
        ),
        (
            "engraving == 'abc'",
            "text_comparison",
            "text can only be compared with '' (use len() for its length) at column 14",
        ),
        (
            "foo(width)",
            "unknown_function",
            "unknown function 'foo' (known: abs, count, len, max, min) at column 1",
        ),
        ("min(width)", "wrong_argument_count", "min() takes at least 2 arguments, got 1 at column 1"),
        ("(frame == 'steel'", "expected_token", "expected ')' or ',', found the end at column 18"),
        (
            "frame == 'steel' gift",
            "trailing_input",
            "expected 'and', 'or' or the end of the condition, found 'gift' at column 18",
        ),
        ("width > 'a'", "wrong_type", "'>' compares numbers, not a string at column 9"),
        ("not width", "wrong_type", "'not' needs a condition, not a number at column 5"),
        ("frame in ('steel', 3)", "wrong_type", "the tuple must list string values at column 20"),
        (
            "'x' in accessories",
            "unknown_option",
            "'x' is not a value of accessories (values: rack, bell) at column 1",
        ),
        ('frame == "steel', "unexpected_character", "string is not closed at column 10"),
        ("gift and width", "wrong_type", "'and' needs a condition, not a number at column 10"),
        (
            "(" * 52 + "gift" + ")" * 52,
            "too_deep",
            "the condition nests deeper than 50 levels, found '(' at column 52",
        ),
        ("width $ 3", "unexpected_character", "unexpected character '$' at column 7"),
        ("", "empty", "the condition is empty at column 1"),
        (
            "frame",
            "not_a_condition",
            "a condition must be true or false, this is a single choice at column 1",
        ),
        ("('a', 'b')", "misplaced_tuple", "a tuple can only follow 'in' or 'not in' at column 1"),
        (
            "count(frame, width) > 1",
            "wrong_type",
            "count() needs a single choice or a multiple choice, not a number at column 14",
        ),
        ("len(frame) > 1", "wrong_type", "len() needs a text, not a single choice at column 5"),
        ("count() > 1", "wrong_argument_count", "count() takes at least 1 argument, got 0 at column 1"),
    ],
)
def test_invalid_conditions_name_the_fault(source, code, message):
    with pytest.raises(ExpressionError) as caught:
        condition(source, SETS)
    error = caught.value
    assert error.code == code
    assert f"{error.reason} at column {error.column}" == message
    assert str(error).startswith(message)


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("width * height <= 20000", {"width": Decimal(100), "height": Decimal(150)}, True),
        ("width * height <= 20000", {"width": Decimal(100), "height": Decimal(250)}, False),
        ("count(accessories) > 1", {"accessories": frozenset({"rack", "bell"})}, True),
        ("count(frame) == 1", {"frame": "steel"}, True),
        ("count(frame) == 0", {"frame": None}, True),
        (
            "count(frame, accessories) == 3",
            {"frame": "carbon", "accessories": frozenset({"rack", "bell"})},
            True,
        ),
        ("count(frame, accessories) <= 1", {"frame": None, "accessories": frozenset({"bell"})}, True),
        ("1 <= width <= 5", {"width": Decimal(3)}, True),
        ("1 <= width <= 5", {"width": Decimal(6)}, False),
        ("gift == True", {"gift": True}, True),
        ("not gift or frame != 'carbon'", {"gift": True, "frame": "carbon"}, False),
        ("engraving != ''", {"engraving": ""}, False),
        ("len(engraving) >= 2", {"engraving": "AB"}, True),
        ("abs(width - height) < 10", {"width": Decimal(10), "height": Decimal(15)}, True),
        ("frame not in ('steel',)", {"frame": None}, True),
        ("frame in ('steel', 'carbon')", {"frame": None}, False),
        ("'rack' not in accessories", {"accessories": frozenset()}, True),
        (
            "min(width, height) == 10 and max(width, height) == 15",
            {"width": Decimal(10), "height": Decimal(15)},
            True,
        ),
        ("width - -2 == 12.5", {"width": Decimal("10.5")}, True),
    ],
)
def test_valid_conditions_evaluate(source, env, expected):
    assert condition(source, SETS).evaluate(env) is expected
