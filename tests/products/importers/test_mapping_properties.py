"""Random small feature models: the product document has exactly the feature model's valid
configurations. Every valid feature assignment, written as selections, is a valid complete
configuration of the product, and the counts are equal, so the mapping is a bijection."""

from __future__ import annotations

from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import Configurator
from products.importers.base import ProductInfo
from products.importers.featuremodel import Constraint, Feature, FeatureModel, Group, feature_model_document
from products.importers.formula import TRUE, And, Iff, Implies, Lit, Not, Or, Var

from .helpers import compiled, count, feature_model_cnf

KINDS = ("mandatory", "optional", "alternative", "or", "cardinality")


@st.composite
def feature_models(draw) -> FeatureModel:
    names = iter(f"F{i}" for i in range(100))
    root = Feature(next(names))
    budget = draw(st.integers(2, 8))
    frontier = [(root, 0)]
    created = [root]
    while frontier and len(created) <= budget:
        parent, depth = frontier.pop(0)
        for _ in range(draw(st.integers(0 if parent is not root else 1, 2))):
            size = draw(st.integers(1, 3))
            if len(created) + size > budget + 1:
                break
            kind = draw(st.sampled_from(KINDS))
            children = [Feature(next(names)) for _ in range(size)]
            group = Group(kind, children)
            if kind == "cardinality":
                group.low = draw(st.integers(0, size))
                group.high = draw(st.one_of(st.none(), st.integers(max(group.low, 1), size + 1)))
            parent.groups.append(group)
            created.extend(children)
            if depth < 2:
                frontier.extend((child, depth + 1) for child in children)
    variables = [Var(feature.name) for feature in created]

    def formulas(depth: int):
        if depth == 0:
            return st.sampled_from(variables)
        sub = formulas(depth - 1)
        return st.one_of(
            st.sampled_from(variables),
            sub.map(Not),
            st.tuples(sub, sub).map(And),
            st.tuples(sub, sub, sub).map(Or),
            st.tuples(sub, sub).map(lambda pair: Implies(*pair)),
            st.tuples(sub, sub).map(lambda pair: Iff(*pair)),
        )

    constraints = [Constraint(formula, str(formula)) for formula in draw(st.lists(formulas(2), max_size=2))]
    return FeatureModel(root=root, constraints=constraints, source="random.uvl")


def valid_assignments(model: FeatureModel) -> list[dict[str, bool]]:
    from pysat.solvers import Solver

    _, clauses, names = feature_model_cnf(model)
    variables = sorted(names)
    out = []
    with Solver(name="cadical153", bootstrap_with=clauses) as solver:
        for values in product((False, True), repeat=len(variables)):
            if solver.solve(
                assumptions=[v if value else -v for v, value in zip(variables, values, strict=True)]
            ):
                out.append({names[v]: value for v, value in zip(variables, values, strict=True)})
    return out


def selections(imported, assignment: dict[str, bool]) -> dict:
    chosen: dict = {}
    for option_set in imported.document["option_sets"]:
        kind = option_set["kind"]
        chosen[option_set["code"]] = [] if kind == "multi" else (False if kind == "boolean" else None)
    seen = set()
    for name, literal in imported.features.items():
        if literal == TRUE or not assignment[name] or literal in seen:
            continue  # a mandatory child stands for the same literal as its parent
        seen.add(literal)
        assert isinstance(literal, Lit)
        if literal.kind == "bool":
            chosen[literal.set_code] = True
        elif literal.kind == "single":
            assert chosen[literal.set_code] is None, "two options of one single choice"
            chosen[literal.set_code] = literal.option
        else:
            chosen[literal.set_code].append(literal.option)
    return chosen


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(feature_models())
def test_the_mapping_is_a_bijection_on_valid_configurations(model):
    imported = feature_model_document(model, ProductInfo())
    expected = valid_assignments(model)
    configurator = Configurator(compiled(imported))
    for assignment in expected:
        validation = configurator.validate(selections(imported, assignment))
        assert validation.valid, (assignment, validation)
    assert count(imported) == len(expected)
