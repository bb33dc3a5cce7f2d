"""The compiled constraint checks (``all_hold``) answer exactly as ``holds`` walks the expressions,
on every complete configuration of random models."""

from __future__ import annotations

from hypothesis import given, settings

from configurator.engine import compile_model
from configurator.engine.evaluate import DEEPEST_GENERATED, all_hold, holds
from configurator.engine.model import Kind, Option, OptionSet, ProductModel, Rule

from .reference import Reference
from .strategies import models


@settings(max_examples=150, deadline=None)
@given(models(max_rules=5))
def test_compiled_checks_answer_as_the_expressions_do(model):
    constraints = compile_model(model).constraints
    each = [all_hold([constraint]) for constraint in constraints]
    every = all_hold(constraints)
    for config in Reference(model).all_configs:
        answers = [holds(constraint, config) for constraint in constraints]
        assert [check(config) for check in each] == answers
        assert every(config) is all(answers)


def test_no_constraint_always_holds():
    assert all_hold([])({}) is True


def test_an_expression_too_deep_to_generate_is_still_checked():
    sets = tuple(OptionSet(f"b{index}", f"B{index}", Kind.BOOLEAN) for index in range(3))
    colours = (Option("red", "Red"), Option("blue", "Blue"))
    colour = OptionSet("colour", "Colour", Kind.SINGLE, options=colours)
    require = "colour == 'red'"
    for index in range(DEEPEST_GENERATED + 5):
        require = f"(b{index % 3} {'or' if index % 2 else 'and'} {require})"
    model = ProductModel("deep", (*sets, colour), (Rule("deep", require, "b0"),), ())
    (constraint,) = compile_model(model).constraints
    check = all_hold([constraint])
    for config in Reference(model).all_configs:
        assert check(config) is holds(constraint, config)
