"""The engine on real models that no one here wrote (../shared/benchmarks, see its README):

* guidance on random partial selections agrees with an independent reference, one SAT call per value
  (CaDiCaL) on the model's own CNF: for DIMACS the file's clauses (read by PySAT), for Renault a
  direct CNF of megane.xml's tables written here (one Boolean per value, one selector per allowed
  tuple with the support clauses, one clause per forbidden tuple), not the engine's decision diagrams;
* random walks that only ever pick values the guidance shows selectable end in a valid complete
  configuration.

Models are imported with the real importers (products.importers). The shared folder sits beside the
repository; without it these tests are skipped, and on CI (``CI`` set) they fail.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pysat.formula import CNF
from pysat.solvers import Solver

from configurator.engine import Configurator, compile_model
from configurator.engine.model import Kind
from configurator.engine.precomputed import precompute
from tests.requirements import require_uvlparser, shared_benchmark

shared = shared_benchmark


def imported_model(relative: str, **options):
    from products.documents import validate_document
    from products.importers import load_model

    if relative.endswith(".uvl"):
        require_uvlparser()
    imported = load_model(shared(relative), **options)
    _, model = validate_document(imported.document)
    return imported, compile_model(model)


def next_choice(guidance, selections: dict, rng: random.Random, open_only: bool = False) -> dict | None:
    """One more choice among the values shown selectable (an open single or boolean set's value, or
    one more option of a multiple choice); None when nothing is left to choose."""
    candidates = []
    for option_set in guidance.option_sets:
        for value in option_set.values:
            if not value.selectable or value.selected or (open_only and value.implied):
                continue
            if option_set.kind is Kind.MULTI:
                candidates.append((option_set.code, value.value, True))
            elif not option_set.decided:
                candidates.append((option_set.code, value.value, False))
    if not candidates:
        return None
    code, value, multi = rng.choice(candidates)
    result = dict(selections)
    result[code] = sorted({*result.get(code, []), value}) if multi else value
    return result


def random_selections(configurator, rng: random.Random, lengths: list[int]) -> list[dict]:
    """Random walk selections with these numbers of choices (picking only selectable values)."""
    found = []
    for length in lengths:
        selections: dict = {}
        for _ in range(length):
            following = next_choice(configurator.guide(selections, explain=False), selections, rng, True)
            if following is None:
                break
            selections = following
        found.append(selections)
    return found


def walk_to_the_end(configurator, rng: random.Random) -> dict:
    """Choose until every single and boolean set is decided, each time among selectable values."""
    selections: dict = {}
    while True:
        guidance = configurator.guide(selections, explain=False)
        assert guidance.validation.consistent, selections
        following = next_choice(guidance, selections, rng)
        if following is None or all(
            option_set.decided for option_set in guidance.option_sets if option_set.kind is not Kind.MULTI
        ):
            return selections
        selections = following


def reference_selectable(solver, assumptions: list[int], literals: dict) -> dict:
    """key -> whether ``literal`` can be true with ``assumptions``: at most one SAT call per key
    (a model found on the way answers every key true in it)."""
    assert solver.solve(assumptions=assumptions)
    seen = set(solver.get_model())
    answers = {}
    for key, literal in literals.items():
        if literal in seen:
            answers[key] = True
        elif solver.solve(assumptions=[*assumptions, literal]):
            answers[key] = True
            seen.update(solver.get_model())
        else:
            answers[key] = False
    return answers


# -- Renault: a direct CNF of megane.xml ----------------------------------------------------------


def renault_cnf(path: Path):
    """(clauses, (variable name, value) -> literal) for megane.xml, read here with ElementTree."""
    root = ET.parse(path).getroot()

    def values(text: str) -> list[int]:
        found = []
        for part in text.split():
            low, _, high = part.partition("..")
            found.extend(range(int(low), int(high or low) + 1))
        return found

    domains = {domain.get("name"): values(domain.text) for domain in root.iter("domain")}
    literal: dict[tuple[str, int], int] = {}
    clauses: list[list[int]] = []
    variable_domain = {variable.get("name"): variable.get("domain") for variable in root.iter("variable")}
    for variable in root.iter("variable"):
        own = []
        for value in domains[variable.get("domain")]:
            literal[(variable.get("name"), value)] = len(literal) + 1
            own.append(len(literal))
        clauses.append(own)
        clauses.extend([-a, -b] for i, a in enumerate(own) for b in own[i + 1 :])
    relations = {
        relation.get("name"): (
            relation.get("semantics"),
            [tuple(map(int, item.split())) for item in (relation.text or "").split("|") if item.strip()],
        )
        for relation in root.iter("relation")
    }
    top = len(literal)
    for constraint in root.iter("constraint"):
        scope = constraint.get("scope").split()
        semantics, tuples = relations[constraint.get("reference")]
        if semantics == "conflicts":
            for row in tuples:
                if all((name, value) in literal for name, value in zip(scope, row, strict=True)):
                    clauses.append([-literal[(name, value)] for name, value in zip(scope, row, strict=True)])
            continue
        selectors = []
        supports: dict[int, list[int]] = {}
        for row in tuples:
            if not all((name, value) in literal for name, value in zip(scope, row, strict=True)):
                continue
            top += 1
            selectors.append(top)
            for name, value in zip(scope, row, strict=True):
                clauses.append([-top, literal[(name, value)]])
                supports.setdefault(literal[(name, value)], []).append(top)
        clauses.append(selectors)
        # a value of a column needs a row that has it (implied; makes propagation as strong as arc
        # consistency, without which the solver sometimes takes seconds per call)
        for name in dict.fromkeys(scope):
            for value in domains[variable_domain[name]]:
                own = literal[(name, value)]
                clauses.append([-own, *supports.get(own, [])])
    return clauses, literal


@pytest.fixture(scope="module")
def renault():
    imported, compiled = imported_model("renault/megane.xml")
    clauses, literal = renault_cnf(shared("renault/megane.xml"))
    # (option set, option) -> the reference's literal, through the importer's variable map
    of_option = {
        (code, option): literal[(name, index)]
        for name, (code, options) in imported.variables.items()
        for index, option in enumerate(options)
    }
    return compiled, of_option, clauses


def test_renault_guidance_agrees_with_a_direct_cnf_of_the_tables(renault):
    compiled, of_option, clauses = renault
    solver = Solver(name="cadical153", bootstrap_with=clauses)
    configurator = Configurator(compiled)
    selections = random_selections(configurator, random.Random(7), [0, 2, 6, 15, 25])
    for chosen in selections:
        guidance = configurator.guide(chosen, explain=False)
        assert guidance.validation.consistent
        assumptions = [of_option[(code, value)] for code, value in chosen.items()]
        literals = {
            (option_set.code, value.value): of_option[(option_set.code, value.value)]
            for option_set in guidance.option_sets
            if not option_set.decided
            for value in option_set.values
        }
        expected = reference_selectable(solver, assumptions, literals)
        actual = {
            (option_set.code, value.value): value.selectable
            for option_set in guidance.option_sets
            if not option_set.decided
            for value in option_set.values
        }
        assert actual == expected, len(chosen)
    solver.delete()


def test_renault_blocked_values_are_explained_minimally(renault):
    """With explanations: each reason's choices block the value in the reference, and dropping any
    one of them unblocks it (a minimal set of choices)."""
    compiled, of_option, clauses = renault
    solver = Solver(name="cadical153", bootstrap_with=clauses)  # a fresh one: no state from other tests
    configurator = Configurator(compiled)
    (chosen,) = random_selections(configurator, random.Random(3), [6])
    guidance = configurator.guide(chosen, explain=True)
    checked = 0
    for option_set in guidance.option_sets:
        if option_set.decided:
            continue
        for value in option_set.values[:3]:
            if value.selectable:
                continue
            reason = [of_option[(choice.option_set, choice.value)] for choice in value.reason.choices]
            target = of_option[(option_set.code, value.value)]
            assert not solver.solve(assumptions=[*reason, target])
            for dropped in range(len(reason)):
                assert solver.solve(assumptions=[*reason[:dropped], *reason[dropped + 1 :], target])
            checked += 1
    solver.delete()
    assert checked


def test_renault_explanation_budget_leaves_classification_exact_and_explain_fills_in(renault):
    """Past the budget only explanations known without a solver call are given: every value is
    classified as without a budget, and each explanation, given or asked for on demand, is minimal
    (checked against the reference CNF)."""
    compiled, of_option, clauses = renault
    (chosen,) = random_selections(Configurator(compiled), random.Random(11), [10])
    unlimited = Configurator(compiled).guide(chosen, explain=True)
    budgeted_configurator = Configurator(compiled)
    budgeted = budgeted_configurator.guide(chosen, explain=True, explain_budget=0.0)
    assert unlimited.explained and not budgeted.explained

    def classified(guidance):
        return [
            (option_set.code, value.value, value.selectable, value.implied)
            for option_set in guidance.option_sets
            for value in option_set.values
        ]

    assert classified(budgeted) == classified(unlimited)
    blocked = [
        (option_set.code, value)
        for option_set in budgeted.option_sets
        if not option_set.decided
        for value in option_set.values
        if not value.selectable
    ]
    assert blocked
    solver = Solver(name="cadical153", bootstrap_with=clauses)
    assert any(value.reason is None for _, value in blocked)
    for code, value in blocked:
        explanation = value.reason or budgeted_configurator.explain(chosen, code, value.value)
        reason = [of_option[(choice.option_set, choice.value)] for choice in explanation.choices]
        target = of_option[(code, value.value)]
        assert not solver.solve(assumptions=[*reason, target])
        for dropped in range(len(reason)):
            assert solver.solve(assumptions=[*reason[:dropped], *reason[dropped + 1 :], target])
    solver.delete()


@pytest.fixture(scope="module")
def renault_precomputed(renault):
    compiled, _, _ = renault
    return precompute(compiled)


def test_renault_with_precomputed_answers_explains_every_blocked_value_minimally(
    renault, renault_precomputed
):
    """With the answers precomputed for the model: the classification is the direct CNF's, every
    blocked value has its reason, and each reason is minimal: its choices block the value in the
    direct CNF and dropping any one unblocks it; its constraints (switched on alone in the engine's
    CNF, on a plain solver) block it and dropping any one unblocks it."""
    compiled, of_option, clauses = renault
    reference = Solver(name="cadical153", bootstrap_with=clauses)
    named = Solver(name="cadical153", bootstrap_with=compiled.clauses)
    selector = {constraint.code: constraint.selector for constraint in compiled.constraints}
    configurator = Configurator(compiled, precomputed=renault_precomputed)
    session = configurator.session
    selections = random_selections(Configurator(compiled), random.Random(17), [0, 4, 12, 24])
    from_precomputed = 0
    for chosen in selections:
        guidance = configurator.guide(chosen, explain=True)
        assert guidance.explained
        from_precomputed += guidance.precomputed_reasons
        assumptions = [of_option[(code, value)] for code, value in chosen.items()]
        literals = {
            (option_set.code, value.value): of_option[(option_set.code, value.value)]
            for option_set in guidance.option_sets
            if not option_set.decided
            for value in option_set.values
        }
        expected = reference_selectable(reference, assumptions, literals)
        for option_set in guidance.option_sets:
            for value in option_set.values:
                key = (option_set.code, value.value)
                if not option_set.decided:
                    assert value.selectable == expected[key], key
                if value.selectable or value.selected:
                    continue
                reason = value.reason
                choices = [of_option[(choice.option_set, choice.value)] for choice in reason.choices]
                if option_set.decided and [c.option_set for c in reason.choices] == [option_set.code]:
                    continue  # the set's own choice: switching is possible (checked by test_properties)
                target = of_option[key]
                assert not reference.solve(assumptions=[*choices, target])
                for dropped in range(len(choices)):
                    assert reference.solve(assumptions=[*choices[:dropped], *choices[dropped + 1 :], target])
                engine_choices = [
                    lit
                    for choice in reason.choices
                    for lit in session.choice(choice.option_set, choice.value, 0).lits
                ]
                engine_target = session.choice(option_set.code, value.value, 0).lits
                on = [selector[constraint.code] for constraint in reason.constraints]
                assert not named.solve(assumptions=[*engine_choices, *engine_target, *on])
                for dropped in range(len(on)):
                    assert named.solve(
                        assumptions=[*engine_choices, *engine_target, *on[:dropped], *on[dropped + 1 :]]
                    )
    assert from_precomputed
    reference.delete()
    named.delete()


def test_renault_precomputed_triples_are_minimal(renault, renault_precomputed):
    """A sample of the values that two choices rule out together, as precomputed: the three values
    cannot hold together in the direct CNF while any two of them can, and the constraints kept
    (switched on alone in the engine's CNF) rule them out with none of them left out."""
    compiled, of_option, clauses = renault
    precomputed = renault_precomputed
    reference = Solver(name="cadical153", bootstrap_with=clauses)
    named = Solver(name="cadical153", bootstrap_with=compiled.clauses)
    session = Configurator(compiled).session
    width = len(precomputed.values)
    triples = [
        (pair // width, pair % width, third, constraints)
        for pair, blocked in precomputed.together.items()
        for third, constraints in blocked.items()
    ]
    assert len(triples) == 3 * precomputed.triples() > 0
    for first, second, third, constraints in random.Random(3).sample(triples, 200):
        values = [precomputed.values[index] for index in (first, second, third)]
        assert len({code for code, _ in values}) == 3
        direct = [of_option[value] for value in values]
        assert not reference.solve(assumptions=direct)
        for dropped in range(3):
            assert reference.solve(assumptions=direct[:dropped] + direct[dropped + 1 :])
        engine = [lit for code, value in values for lit in session.choice(code, value, 0).lits]
        on = [compiled.constraints[index].selector for index in constraints]
        assert not named.solve(assumptions=[*engine, *on])
        for dropped in range(len(on)):
            assert named.solve(assumptions=[*engine, *on[:dropped], *on[dropped + 1 :]])
    reference.delete()
    named.delete()


def test_renault_walks_end_in_valid_complete_configurations(renault):
    compiled, of_option, clauses = renault
    solver = Solver(name="cadical153", bootstrap_with=clauses)
    configurator = Configurator(compiled)
    rng = random.Random(11)
    for _ in range(3):
        selections = walk_to_the_end(configurator, rng)
        validation = configurator.validate(selections)
        assert validation.valid, validation
        assert solver.solve(assumptions=[of_option[(code, value)] for code, value in selections.items()])
    solver.delete()


# -- DIMACS: the file's own clauses ---------------------------------------------------------------


def dimacs_reference(relative: str, groups: bool = True, imported: tuple | None = None):
    """(compiled, the file's CNF read by PySAT, DIMACS variable -> the importer's literal);
    ``imported``: the file already imported (with its groups), so it is not imported twice."""
    from products.importers.dimacs import parse_dimacs
    from products.importers.formula import FALSE, TRUE, Lit

    path = shared(relative)
    imported, compiled = imported or imported_model(relative, groups=groups)
    cnf = CNF(from_file=str(path))  # PySAT's reader, not ours
    names = parse_dimacs(path.read_text(), path.name).names
    variable = {names.get(var, f"x{var}"): var for var in range(1, cnf.nv + 1)}
    features = {}
    for name, literal in imported.features.items():
        if literal in (TRUE, FALSE) or isinstance(literal, Lit):
            features[variable[name]] = literal
    return compiled, cnf, features


def feature_assumptions(selections: dict, features: dict) -> list[int]:
    """The DIMACS literals that the selections decide."""
    from products.importers.formula import Lit

    found = []
    for var, literal in features.items():
        if not isinstance(literal, Lit) or literal.set_code not in selections:
            continue
        value = selections[literal.set_code]
        if literal.kind == "bool":
            truth = value is literal.positive
        elif literal.kind == "single":
            truth = (value == literal.option) == literal.positive
        elif literal.kind == "multi" and literal.option in value:
            truth = literal.positive
        else:
            continue
        found.append(var if truth else -var)
    return found


def feature_possible(guidance, literal, truth: bool) -> bool:
    """Whether the guidance shows that the feature can still take ``truth``."""
    from products.importers.formula import TRUE

    if not hasattr(literal, "set_code"):
        return (literal == TRUE) == truth
    option_set = next(s for s in guidance.option_sets if s.code == literal.set_code)
    wanted = truth == literal.positive  # the set's literal must be this
    if literal.kind == "bool":
        return next(v for v in option_set.values if v.value is wanted).selectable
    if literal.kind == "multi":
        value = next(v for v in option_set.values if v.value == literal.option)
        return value.selectable if wanted else not value.implied
    value = next(v for v in option_set.values if v.value == literal.option)
    if wanted:
        return value.selectable
    others = any(v.selectable for v in option_set.values if v.value != literal.option)
    return others or bool(option_set.none_selectable)


def check_dimacs_model(relative: str, lengths: list[int], walks: int) -> None:
    compiled, cnf, features = dimacs_reference(relative)
    configurator = Configurator(compiled)
    rng = random.Random(5)
    with Solver(name="cadical153", bootstrap_with=cnf.clauses) as solver:
        for chosen in random_selections(configurator, rng, lengths):
            guidance = configurator.guide(chosen, explain=False)
            assumptions = feature_assumptions(chosen, features)
            literals = {(var, truth): var if truth else -var for var in features for truth in (True, False)}
            expected = reference_selectable(solver, assumptions, literals)
            actual = {
                (var, truth): feature_possible(guidance, literal, truth)
                for var, literal in features.items()
                for truth in (True, False)
            }
            assert actual == expected, len(chosen)
        for _ in range(walks):
            selections = walk_to_the_end(configurator, rng)
            assert configurator.validate(selections).valid
            assert solver.solve(assumptions=feature_assumptions(selections, features))


def test_printers_dimacs_agrees_with_its_clauses_and_walks_end_valid():
    check_dimacs_model("printer/printers_Mendonca2009.dimacs", [0, 2, 5, 10, 20], walks=3)


def test_pc_dimacs_agrees_with_its_clauses_and_walks_end_valid():
    check_dimacs_model("pc/pc_richmond_Sprey2020.dimacs", [0, 2, 5, 10, 20], walks=3)


def test_automotive01_dimacs_agrees_with_its_clauses():
    check_dimacs_model("automotive/automotive01_Kowal2016.dimacs", [0, 3, 10], walks=0)


@pytest.mark.slow
def test_automotive01_dimacs_walk_ends_valid():
    check_dimacs_model("automotive/automotive01_Kowal2016.dimacs", [], walks=1)


@pytest.mark.slow
def test_automotive02_dimacs_agrees_with_its_clauses():
    check_dimacs_model("automotive/automotive02_v1_Knueppel2017-2_1.dimacs", [0, 5], walks=0)
