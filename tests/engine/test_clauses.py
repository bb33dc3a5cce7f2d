"""Rules that are one clause over literals of yes/no sets and options (the flat form of DIMACS and
feature models) compile to a single CNF clause and are evaluated literal by literal; guidance,
validation and analysis on them agree with the brute-force oracle."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator.engine import Configurator, analyse, compile_model
from configurator.engine.evaluate import all_hold, holds, violated
from configurator.engine.model import Kind, ProductModel, Rule

from .reference import Reference
from .strategies import models, selections

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@st.composite
def literals(draw, model: ProductModel) -> str:
    option_set = draw(st.sampled_from(model.option_sets))
    positive = draw(st.booleans())
    if option_set.kind is Kind.BOOLEAN:
        return option_set.code if positive else f"not {option_set.code}"
    option = draw(st.sampled_from([option.code for option in option_set.options]))
    if option_set.kind is Kind.SINGLE:
        return f"{option_set.code} {'==' if positive else '!='} '{option}'"
    return f"'{option}' {'in' if positive else 'not in'} {option_set.code}"


@st.composite
def clause_models(draw) -> ProductModel:
    model = draw(models(max_rules=2))
    usable = [s for s in model.option_sets if s.kind in (Kind.BOOLEAN, Kind.SINGLE, Kind.MULTI)]
    assume(usable)
    narrowed = ProductModel(model.code, tuple(usable), (), ())
    clauses = []
    for index in range(draw(st.integers(1, 4))):
        when = draw(st.lists(literals(narrowed), max_size=2))
        require = draw(st.lists(literals(narrowed), min_size=1, max_size=3))
        if len(require) > 1 and draw(st.booleans()):
            text = f"not ({' and '.join(item.replace('not ', '', 1) for item in require)})"
            require_text = text if all(item.startswith("not ") for item in require) else " or ".join(require)
        else:
            require_text = " or ".join(require)
        clauses.append(Rule(f"c{index}", require_text, " and ".join(when)))
    return ProductModel(model.code, model.option_sets, (*model.rules, *clauses), model.tables)


@SETTINGS
@given(st.data())
def test_clause_rules_compile_to_one_clause_and_guide_exactly(data):
    model = data.draw(clause_models())
    ref = Reference(model)
    compiled = pickle.loads(pickle.dumps(compile_model(model)))
    clauses = [c for c in compiled.constraints if c.code.startswith("c")]
    assert clauses and all(c.clause and len(c.clause) == len(c.literals) for c in clauses)
    checks = all_hold(compiled.constraints)
    for config in ref.all_configs:
        for constraint in clauses:
            assert holds(constraint, config) == ref.holds(constraint.code, config)
            assert violated(constraint, config) != ref.holds(constraint.code, config)
        assert checks(config) == ref.valid(config)
    configurator = Configurator(compiled)
    for chosen in [{}, *(data.draw(selections(model, ref.configs)) for _ in range(3))]:
        guidance = configurator.guide(chosen, explain=True)
        completions = ref.completions(chosen)
        assert guidance.validation.consistent == bool(completions)
        for option_set in guidance.option_sets:
            possible = [config[option_set.code] for config in completions]
            for value in option_set.values:
                if option_set.kind is Kind.MULTI:
                    assert value.selectable == any(value.value in p for p in possible)
                elif not option_set.decided:
                    assert value.selectable == (value.value in possible)
                if not value.selectable and not option_set.decided and value.reason is not None:
                    reason_choices = {choice.option_set: choice.value for choice in value.reason.choices}
                    taken = frozenset({value.value}) if option_set.kind is Kind.MULTI else value.value
                    assert not ref.consistent({**reason_choices, option_set.code: taken})


@SETTINGS
@given(clause_models())
def test_analysis_reads_clause_rules_as_the_oracle_does(model):
    ref = Reference(model)
    assume(ref.configs)
    analysis = analyse(compile_model(model))
    for rule in model.rules:
        valid_without = [config for config in ref.all_configs if ref.valid(config, [rule.code])]
        assert (rule.code in analysis.rules_redundant) == all(ref.holds(rule.code, c) for c in valid_without)
