"""The engine against the brute-force oracle on random small models and selections."""

from __future__ import annotations

import itertools
import os
import pickle
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator.engine import Configurator, EngineError, analyse, compile_model
from configurator.engine.model import Kind
from configurator.engine.solver import SatBackend

from .reference import Reference, evaluate
from .strategies import flat_models, models, models_counting_single_choices, selections

#: ENGINE_EXAMPLES=2000 for a deeper run; the default keeps the suite quick.
SETTINGS = settings(
    max_examples=int(os.environ.get("ENGINE_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


_REFERENCES: dict[int, Reference] = {}


def reference(model) -> Reference:
    """The oracle for a model, kept while hypothesis draws selections and runs the test."""
    found = _REFERENCES.get(id(model))
    if found is None or found.model is not model:
        _REFERENCES.clear()
        found = _REFERENCES[id(model)] = Reference(model)
    return found


@st.composite
def cases(draw, count: int = 3, model_strategy: st.SearchStrategy | None = None):
    model = draw(models() if model_strategy is None else model_strategy)
    configs = reference(model).configs
    assume(configs or draw(st.integers(0, 4)) == 0)  # some unsatisfiable models, not too many
    return model, [draw(selections(model, configs)) for _ in range(count)]


def setup(model):
    compiled = compile_model(model)
    compiled = pickle.loads(pickle.dumps(compiled))
    return Configurator(compiled), reference(model)


def target_choices(ref: Reference, base: dict, code: str, value: Any) -> dict:
    """``base`` plus "``code`` takes ``value``" (a multi: ``value`` is in)."""
    result = dict(base)
    if ref.sets[code].kind is Kind.MULTI:
        result[code] = base.get(code, frozenset()) | {value}
    else:
        result[code] = value
    return result


def as_dict(choices) -> dict:
    return {choice.option_set: choice.value for choice in choices}


@SETTINGS
@given(cases())
def test_validation_matches_the_oracle(case):
    assert_validation_matches_the_oracle(*case)


def assert_validation_matches_the_oracle(model, selection_list) -> None:
    configurator, ref = setup(model)
    for chosen in [{}, *selection_list]:
        validation = configurator.validate(chosen)
        effective = configurator.effective(chosen)
        consistent = ref.consistent(chosen)
        assert validation.consistent == effective.consistent == consistent
        values, missing = ref.effective(chosen)
        assert effective.missing == validation.missing == tuple(missing)
        assert ref.as_domain(effective.values) == ref.as_domain(values)
        assert list(effective.values) == [code for code in ref.sets if code in values]
        assert validation.complete == (not missing)
        if consistent:
            # one meaning: complete and consistent is valid; consistent and incomplete names the rest
            assert validation.errors == ()
            assert validation.valid == (not missing)
            if not missing:
                assert ref.valid(ref.as_domain(effective.values))
            continue
        assert not validation.valid
        reported = {error.code for error in validation.errors}
        for code in ref.constraint_codes():
            sets = _constraint_sets(ref, code)
            if all(s in values for s in sets):
                assert (code in reported) == (not ref.holds(code, values)), code
            elif code in reported:
                assert ref.definitely_violated(code, values), code


def _constraint_sets(ref: Reference, code: str) -> tuple[str, ...]:
    for rule, when, require in ref.rules:
        if rule.code == code:
            return tuple(require.names() | (when.names() if when is not None else frozenset()))
    for table in ref.model.tables:
        if table.code == code:
            return table.option_sets
    return (code[: -len(".count")],)


@SETTINGS
@given(cases())
def test_guidance_is_exact(case):
    assert_guidance_is_exact(*case)


@SETTINGS
@given(cases(model_strategy=models_counting_single_choices()))
def test_count_over_single_choices_agrees_with_the_oracle(case):
    """``count()`` naming single choices (one when it has an option, none at none), alone or with
    other sets: validation and guidance as the brute-force oracle reads the rule."""
    assert_validation_matches_the_oracle(*case)
    assert_guidance_is_exact(*case)


@SETTINGS
@given(cases(model_strategy=flat_models()))
def test_flat_models_agree_with_the_oracle(case):
    """DIMACS-shaped models (many yes/no sets, many clauses): the effective configuration turns down
    many proposals in one pass, read by validation (no hints) and by guidance (with its hints)."""
    assert_validation_matches_the_oracle(*case)
    assert_guidance_is_exact(*case)
    configurator, ref = setup(case[0])
    for chosen in case[1]:
        guidance = configurator.guide(chosen, explain=False)
        if guidance.validation.consistent:
            values, missing = ref.effective(chosen)
            assert ref.as_domain(guidance.effective.values) == ref.as_domain(values)
            assert guidance.effective.missing == tuple(missing)


@SETTINGS
@given(cases(model_strategy=flat_models()))
def test_flat_models_agree_with_the_oracle_on_the_least_helpful_cores(case):
    """The same with every unsatisfiable core replaced by all the assumptions of its call (still a
    core, the least telling one): the effective configuration turns down a proposal on a core that
    reaches past the first one that does not fit, and must still find exactly the greedy's."""
    original = SatBackend.solve

    def solve(backend: SatBackend, assumptions=()) -> bool:
        backend.last_assumptions = list(assumptions)
        return original(backend, assumptions)

    with (
        mock.patch.object(SatBackend, "solve", solve),
        mock.patch.object(SatBackend, "core", lambda backend: backend.last_assumptions),
    ):
        assert_validation_matches_the_oracle(*case)
        assert_guidance_is_exact(*case)


def assert_guidance_is_exact(model, selection_list) -> None:
    configurator, ref = setup(model)
    for chosen in [{}, *selection_list]:
        guidance = configurator.guide(chosen, explain=False)
        completions = ref.completions(chosen)
        assert guidance.validation.consistent == bool(completions)
        if not completions:
            assert guidance.conflict is not None
            assert all(not value.selectable for s in guidance.option_sets for value in s.values)
            continue
        assert guidance.conflict is None
        for option_set in guidance.option_sets:
            code, kind = option_set.code, option_set.kind
            possible = [config[code] for config in completions]
            assert option_set.decided == (code in chosen)
            if kind in (Kind.SINGLE, Kind.BOOLEAN):
                values = {value.value: value for value in option_set.values}
                expected = set(possible)
                for value, found in values.items():
                    assert found.selectable == (value in expected), (code, value)
                    assert found.implied == (expected == {value}), (code, value)
                if kind is Kind.SINGLE and not ref.sets[code].required:
                    assert option_set.none_selectable == (None in expected)
                unique = next(iter(expected)) if len(expected) == 1 else None
                assert option_set.implied == unique
            elif kind is Kind.MULTI:
                for value in option_set.values:
                    assert value.selectable == any(value.value in p for p in possible), (code, value)
                    assert value.implied == all(value.value in p for p in possible), (code, value)
                forced = frozenset(v.value for v in option_set.values if v.implied)
                assert option_set.implied == (forced or None)
            elif kind is Kind.NUMBER:
                assert option_set.minimum == min(possible)
                assert option_set.maximum == max(possible)
                assert option_set.implied == (min(possible) if min(possible) == max(possible) else None)
            else:
                lengths = [len(p) for p in possible]
                assert option_set.min_length == min(lengths)
                assert option_set.max_length == max(lengths)


@SETTINGS
@given(cases())
def test_explanations_are_minimal(case):
    model, selection_list = case
    configurator, ref = setup(model)
    for chosen in selection_list:
        guidance = configurator.guide(chosen, explain=True)
        if guidance.conflict is not None:
            continue
        for option_set in guidance.option_sets:
            for value in option_set.values:
                if value.selectable:
                    assert value.reason is None
                    continue
                _check_explanation(ref, chosen, option_set.code, value.value, value.reason)
            if option_set.none_selectable is False:
                explanation = configurator.explain(chosen, option_set.code, None)
                _check_explanation(ref, chosen, option_set.code, None, explanation)
            if option_set.kind is Kind.NUMBER and option_set.decided:
                others = {k: v for k, v in chosen.items() if k != option_set.code}
                possible = [config[option_set.code] for config in ref.completions(others)]
                assert (option_set.switch_minimum, option_set.switch_maximum) == (
                    min(possible),
                    max(possible),
                )
            else:
                assert option_set.switch_minimum is None and option_set.switch_maximum is None


def _check_explanation(ref: Reference, chosen: dict, code: str, value: Any, explanation) -> None:
    assert explanation is not None
    reason = as_dict(explanation.choices)
    for set_code, chosen_value in reason.items():
        assert chosen[set_code] == chosen_value
    decided_other = code in chosen and ref.sets[code].kind is not Kind.MULTI
    if decided_other and set(reason) == {code}:
        # only the set's own choice blocks it: switching is possible
        others = {k: v for k, v in chosen.items() if k != code}
        assert not explanation.constraints
        assert ref.completions(target_choices(ref, others, code, value))
        return
    assert code not in reason or ref.sets[code].kind is Kind.MULTI
    off = [c for c in ref.constraint_codes() if c not in {ref_.code for ref_ in explanation.constraints}]
    assert not ref.completions(target_choices(ref, reason, code, value), constraints_off=off)
    for dropped in reason:
        rest = {k: v for k, v in reason.items() if k != dropped}
        assert ref.completions(target_choices(ref, rest, code, value)), (code, value, dropped)


@SETTINGS
@given(cases())
def test_conflicts_and_repairs_are_minimal(case):
    model, selection_list = case
    configurator, ref = setup(model)
    for chosen in selection_list:
        if ref.consistent(chosen):
            assert configurator.repairs(chosen) == ()
            continue
        guidance = configurator.guide(chosen, explain=False)
        conflict = guidance.conflict
        reason = as_dict(conflict.explanation.choices)
        assert all(chosen[k] == v for k, v in reason.items())
        off = [
            c for c in ref.constraint_codes() if c not in {r.code for r in conflict.explanation.constraints}
        ]
        assert not ref.completions(reason, constraints_off=off)
        for dropped in reason:
            assert ref.consistent({k: v for k, v in reason.items() if k != dropped})
        repairs = configurator.repairs(chosen)
        assert repairs == conflict.repairs
        if not ref.configs:
            assert repairs == ()
            continue
        assert repairs, "a satisfiable model always has a repair (drop everything)"
        assert [frozenset(c.option_set for c in r.changes) for r in repairs] == expected_repairs(ref, chosen)
        sizes = [len(repair.changes) for repair in repairs]
        assert sizes == sorted(sizes)
        seen = set()
        for repair in repairs:
            changed = frozenset(change.option_set for change in repair.changes)
            assert changed not in seen
            seen.add(changed)
            rest = {k: v for k, v in chosen.items() if k not in changed}
            assert ref.consistent(rest)
            for keep in changed:
                assert not ref.consistent({k: v for k, v in chosen.items() if k not in changed - {keep}})
            applied = dict(rest)
            for change in repair.changes:
                assert change.before == chosen[change.option_set]
                if not (ref.sets[change.option_set].kind is Kind.TEXT and change.after is None):
                    applied[change.option_set] = change.after
            assert ref.consistent(applied)
            assert configurator.validate(applied).consistent


def expected_repairs(ref: Reference, chosen: dict, limit: int = 3) -> list[frozenset]:
    """The cheapest correction sets in order: fewest changes, then the smallest sum of 2**position
    (position in the order of the choices), each containing no earlier one."""
    codes = list(chosen)
    subsets = [
        combo
        for size in range(1, len(codes) + 1)
        for combo in itertools.combinations(range(len(codes)), size)
    ]
    subsets.sort(key=lambda combo: (len(combo), sum(1 << i for i in combo)))
    found: list[frozenset] = []
    for combo in subsets:
        changed = frozenset(codes[i] for i in combo)
        if any(previous <= changed for previous in found):
            continue
        if ref.consistent({k: v for k, v in chosen.items() if k not in changed}):
            found.append(changed)
            if len(found) == limit:
                break
    return found


def _price(ref: Reference, config: dict, fixed: set) -> Decimal:
    total = Decimal(0)
    for code, option_set in ref.sets.items():
        if code in fixed:
            continue
        value = config[code]
        if option_set.kind is Kind.SINGLE:
            total += sum((o.price_delta for o in option_set.options if o.code == value), Decimal(0))
        elif option_set.kind is Kind.MULTI:
            total += sum((o.price_delta for o in option_set.options if o.code in value), Decimal(0))
        elif option_set.kind is Kind.NUMBER:
            if option_set.default is not None and value != option_set.default:
                total += option_set.price_delta
        elif option_set.kind is Kind.TEXT:
            total += option_set.price_delta if value != "" else 0
        elif value:
            total += option_set.price_delta
    return total


def _same(ref: Reference, code: str, left: Any, right: Any) -> bool:
    """Equal values (texts by their length, the only thing rules read)."""
    if ref.sets[code].kind is Kind.TEXT:
        return len(left) == len(right)
    return left == right and type(left) is type(right)


@SETTINGS
@given(cases())
def test_complete_starts_from_the_effective_configuration_then_is_cheapest(case):
    model, selection_list = case
    configurator, ref = setup(model)
    for chosen in [{}, *selection_list]:
        if not ref.consistent(chosen):
            with pytest.raises(EngineError):
                configurator.complete(chosen)
            continue
        completion = configurator.complete(chosen)
        values, missing, origins = ref.effective_with_origins(chosen)
        assert completion.defaults_used == tuple(code for code in ref.sets if origins.get(code) == "default")
        result = completion.selections
        assert set(result) | set(completion.missing) == set(ref.sets)
        for code in completion.missing:
            assert ref.sets[code].kind is Kind.TEXT and code in missing
        # what the effective configuration has, the completion keeps
        for code, value in values.items():
            assert _same(ref, code, result[code], value), code
        # a decided multiple choice keeps its ticked options; any option added is said, with why
        added = {addition.option_set: addition for addition in completion.additions}
        for code, value in chosen.items():
            if ref.sets[code].kind is not Kind.MULTI:
                continue
            assert value <= result[code]
            if result[code] == value:
                assert code not in added
                continue
            addition = added.pop(code)
            assert addition.added == result[code] - value
            reason = as_dict(addition.reason.choices)
            named = {constraint.code for constraint in addition.reason.constraints}
            off = [c for c in ref.constraint_codes() if c not in named]
            # a multiple choice in the reason is taken exactly when it has other than its ticked
            # options, or when the other choices as made (ticked options at least) do not rule this
            # one out as ticked: then the reason is the other multiple choices as taken
            others = {k: v for k, v in chosen.items() if k != code}
            as_made = not [c for c in ref.completions(others) if c[code] == value]
            exact = {
                k
                for k, v in reason.items()
                if ref.sets[k].kind is Kind.MULTI and (v != chosen[k] or not as_made)
            }
            assert not [
                c
                for c in ref.completions(reason, constraints_off=off)
                if c[code] == value and all(c[k] == reason[k] for k in exact)
            ], "the reason rules the multiple choice as ticked out"
        assert not added
        full = ref.as_domain(result)
        candidates = [c for c in ref.configs if all(_same(ref, k, c[k], v) for k, v in full.items())]
        assert candidates, "the completion extends to a valid configuration"
        if not completion.missing:
            assert configurator.validate(result).valid
        # the cheapest of the valid configurations that keep the effective configuration (decided
        # multiple choices left missing: as lower bounds)
        keep = dict(ref.as_domain(values))
        lower = {code: chosen[code] for code in missing if code in chosen}
        options = [
            c
            for c in ref.configs
            if all(_same(ref, k, c[k], v) for k, v in keep.items())
            and all(v <= c[k] for k, v in lower.items())
        ]
        best = min(_price(ref, c, set(keep)) for c in options)
        priced = dict(full)
        priced.update(dict.fromkeys(completion.missing, "x"))
        assert _price(ref, priced, set(keep)) == best


@SETTINGS
@given(models())
def test_analysis_matches_the_oracle(model):
    compiled = compile_model(model)
    analysis = analyse(compiled)
    ref = Reference(model)
    assert analysis.satisfiable == bool(ref.configs)
    if not ref.configs:
        assert analysis.count.value == 0
        assert analysis.conflict is not None
        return
    assert analysis.count.exact
    assert analysis.count.value == ref.count(), repr(model)
    dead, core = set(), set()
    for code, option_set in ref.sets.items():
        possible = [config[code] for config in ref.configs]
        if option_set.kind is Kind.SINGLE:
            for option in option_set.options:
                if option.code not in possible:
                    dead.add((code, option.code))
                elif all(p == option.code for p in possible):
                    core.add((code, option.code))
        elif option_set.kind is Kind.MULTI:
            for option in option_set.options:
                if not any(option.code in p for p in possible):
                    dead.add((code, option.code))
                elif all(option.code in p for p in possible):
                    core.add((code, option.code))
        elif option_set.kind is Kind.BOOLEAN:
            if True not in possible:
                dead.add((code, True))
            elif False not in possible:
                core.add((code, True))
    assert {(c.option_set, c.value) for c in analysis.dead} == dead
    assert {(c.option_set, c.value) for c in analysis.core} == core
    never, contradicting, redundant = set(), set(), set()
    for rule, when, _require in ref.rules:
        without = [c for c in ref.all_configs if ref.valid(c, [rule.code])]
        if when is not None and not any(evaluate(when, c) for c in ref.configs):
            never.add(rule.code)
            if any(evaluate(when, c) for c in without):
                contradicting.add(rule.code)
        if all(ref.holds(rule.code, c) for c in without):
            redundant.add(rule.code)
    assert set(analysis.rules_never_firing) == never
    assert set(analysis.rules_contradicting) == contradicting
    assert set(analysis.rules_redundant) == redundant


@st.composite
def explain_cases(draw):
    model, selection_list = draw(cases(count=2))
    ref = reference(model)
    questions = []
    for _ in range(4):
        option_set = draw(
            st.sampled_from([s for s in model.option_sets if s.kind is not Kind.TEXT] or [None])
        )
        if option_set is None:
            break
        if option_set.kind is Kind.MULTI:
            value = draw(st.sampled_from([option.code for option in option_set.options]))
        else:
            value = draw(st.sampled_from(ref.domains[option_set.code]))
        questions.append((option_set.code, value))
    return model, selection_list, questions


def _explain(configurator, chosen, code, value):
    try:
        return configurator.explain(chosen, code, value)
    except EngineError as error:
        return error


@SETTINGS
@given(explain_cases())
def test_explain_any_value(case):
    model, selection_list, questions = case
    configurator, ref = setup(model)
    for chosen in selection_list:
        for code, value in questions:
            multi = ref.sets[code].kind is Kind.MULTI
            own = chosen.get(code, UNSET)
            answer = _explain(configurator, chosen, code, value)
            if isinstance(answer, EngineError):
                assert answer.code == "not_blocked"
                if own is not UNSET and multi and value in own:
                    continue  # already ticked
                if own is not UNSET and not multi:
                    assert own == value and type(own) is type(value)
                else:
                    assert ref.completions(target_choices(ref, chosen, code, value))
                continue
            if own is UNSET or multi:
                assert not ref.completions(target_choices(ref, chosen, code, value))
            _check_explanation(ref, chosen, code, value, answer)


UNSET = object()
