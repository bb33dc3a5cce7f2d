from __future__ import annotations

import pytest

from configurator.engine.expressions.parser import MAX_SOURCE_LENGTH
from products.importers.formula import (
    FALSE,
    TRUE,
    And,
    Iff,
    Implies,
    Lit,
    Not,
    Or,
    TooLong,
    Var,
    render,
    rules_for,
)
from products.importers.naming import Codes, identifier

LITERALS = {
    "a": Lit("bool", "a"),
    "b": Lit("bool", "b"),
    "x": Lit("single", "frame", "steel"),
    "y": Lit("single", "frame", "carbon"),
    "m": Lit("multi", "extras", "rack"),
    "t": Lit("text", "engraving"),
    "root": TRUE,
    "never": FALSE,
}


def rules(formula):
    return [(rule.when, rule.require) for rule in rules_for(formula, LITERALS.__getitem__)]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (Implies(Var("a"), Var("b")), [("a", "b")]),
        (
            Implies(Or((Var("x"), Var("y"))), Not(Var("m"))),
            [("frame in ('steel', 'carbon')", "'rack' not in extras")],
        ),
        (Or((Not(Var("a")), Var("x"), Var("y"))), [("a", "frame in ('steel', 'carbon')")]),
        (Or((Not(Var("a")), Not(Var("x")))), [("", "not (a and frame == 'steel')")]),
        (Not(And((Var("x"), Var("t")))), [("", "not (frame == 'steel' and engraving != '')")]),
        (Iff(Var("a"), And((Var("b"), Var("m")))), [("", "a == (b and 'rack' in extras)")]),
        (Iff(Var("x"), Var("b")), [("", "(frame == 'steel') == b")]),
        (Implies(Var("root"), Var("a")), [("", "a")]),
        (Implies(Var("never"), Var("a")), []),
        (Or((Var("a"), Var("root"))), []),
        (And((Var("a"), Not(Var("a")))), [("", "False")]),
        (And((Not(Var("x")), Not(Var("y")))), [("", "frame not in ('steel', 'carbon')")]),
        (
            Or((And((Var("a"), Or((Var("b"), Var("x"))))), Var("t"))),
            [("", "a and (b or frame == 'steel') or engraving != ''")],
        ),
    ],
)
def test_formulas_become_rules(formula, expected):
    assert rules(formula) == expected


def test_long_rules_are_split_into_equivalent_ones():
    many = {f"f{i}": Lit("bool", f"feature_with_a_long_name_{i:04d}") for i in range(400)}
    conjunction = And(tuple(Var(name) for name in many))
    split = rules_for(Implies(Var("a"), conjunction), {**many, "a": Lit("bool", "a")}.__getitem__)
    assert len(split) > 1
    assert all(len(rule.require) <= MAX_SOURCE_LENGTH and rule.when == "a" for rule in split)
    assert " and ".join(rule.require for rule in split) == render(And(tuple(many.values()))).text
    disjunction = Or(tuple(Var(name) for name in many))
    with pytest.raises(TooLong, match=r"needs .* characters in the condition language"):
        rules_for(disjunction, many.__getitem__)
    split = rules_for(Implies(disjunction, Var("a")), {**many, "a": Lit("bool", "a")}.__getitem__)
    assert len(split) > 1 and all(rule.require == "a" for rule in split)


def test_identifiers_are_valid_and_distinct():
    assert identifier("2,1MP") == "f_2_1MP"
    assert identifier("in") == "in_"
    assert identifier("True") == "True_"
    assert identifier("Crème brûlée") == "Creme_brulee"
    assert identifier("€") == "f"
    assert len(identifier("x" * 300)) == 64
    codes = Codes()
    assert [codes.identifier(name) for name in ("A b", "A-b", "A_b", "x" * 70, "x" * 80)] == [
        "A_b",
        "A_b_2",
        "A_b_3",
        "x" * 64,
        "x" * 62 + "_2",
    ]
