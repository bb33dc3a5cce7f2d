"""Shared checks: the engine's view of an imported model, and independent references."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product

from configurator.engine import Configurator, compile_model, count_configurations
from products.documents import validate_document
from products.importers.base import ImportedModel
from products.importers.featuremodel import FeatureModel
from products.importers.formula import FALSE, TRUE, And, Formula, Iff, Implies, Lit, Not, Or, Var


def compiled(imported: ImportedModel):
    _, model = validate_document(imported.document)
    return compile_model(model)


def count(imported: ImportedModel) -> int:
    result = count_configurations(compiled(imported))
    assert result.exact, result
    return result.value


def engine_dead_core(imported: ImportedModel, compiled_model=None) -> tuple[set[str], set[str]]:
    """Core and dead features (CNF variables) of an imported model, from the engine's guidance on
    the empty selection, mapped back to the model's names."""
    compiled_model = compiled_model or compiled(imported)
    guidance = Configurator(compiled_model).guide({}, explain=False)
    assert guidance.validation.consistent
    sets = {option_set.code: option_set for option_set in guidance.option_sets}
    core: set[str] = set()
    dead: set[str] = set()
    for name, literal in imported.features.items():
        if literal == TRUE:
            core.add(name)
            continue
        if literal == FALSE:
            dead.add(name)
            continue
        assert isinstance(literal, Lit)
        option_set = sets[literal.set_code]
        if literal.kind == "text":
            if option_set.max_length == 0:
                dead.add(name)
            elif option_set.min_length and option_set.min_length > 0:
                core.add(name)
            continue
        wanted = True if literal.kind == "bool" else literal.option
        value = next(value for value in option_set.values if value.value == wanted)
        if not value.selectable:
            dead.add(name)
        elif value.implied:
            core.add(name)
    return core, dead


def sat_dead_core(
    nvars: int, clauses: Iterable[Iterable[int]], names: dict[int, str]
) -> tuple[set[str], set[str]]:
    """Core and dead variables by SAT calls (CaDiCaL): at most one call per variable and polarity;
    models found on the way rule out further calls."""
    from pysat.solvers import Solver

    with Solver(name="cadical153", bootstrap_with=[list(clause) for clause in clauses]) as solver:
        assert solver.solve()
        seen: set[int] = set(solver.get_model())
        core, dead = set(), set()
        for var, name in names.items():
            for lit, bucket in ((var, dead), (-var, core)):
                if lit in seen:
                    continue
                if solver.solve(assumptions=[lit]):
                    seen.update(solver.get_model())
                else:
                    bucket.add(name)
    return core, dead


class _Cnf:
    def __init__(self) -> None:
        self.nvars = 0
        self.clauses: list[list[int]] = []
        self.var: dict[str, int] = {}

    def new(self) -> int:
        self.nvars += 1
        return self.nvars

    def of(self, name: str) -> int:
        if name not in self.var:
            self.var[name] = self.new()
        return self.var[name]

    def tseitin(self, formula: Formula) -> int:
        if isinstance(formula, Var):
            return self.of(formula.name)
        if isinstance(formula, Not):
            return -self.tseitin(formula.operand)
        if isinstance(formula, Implies):
            return self.tseitin(Or((Not(formula.left), formula.right)))
        if isinstance(formula, Iff):
            a, b = self.tseitin(formula.left), self.tseitin(formula.right)
            out = self.new()
            self.clauses += [[-out, -a, b], [-out, a, -b], [out, a, b], [out, -a, -b]]
            return out
        if isinstance(formula, (And, Or)):
            lits = [self.tseitin(part) for part in formula.operands]
            if isinstance(formula, Or):
                lits = [-lit for lit in lits]
            out = self.new()  # out <-> and(lits)
            self.clauses += [[-out, lit] for lit in lits]
            self.clauses.append([out, *(-lit for lit in lits)])
            return out if isinstance(formula, And) else -out
        raise TypeError(formula)


def feature_model_cnf(model: FeatureModel) -> tuple[int, list[list[int]], dict[int, str]]:
    """The usual propositional semantics of a feature model, written directly (independently of the
    product mapping): root selected; child -> parent; mandatory child <-> parent; a group
    [low..high] holds between low and high selected children when the parent is selected."""
    from pysat.card import CardEnc, EncType

    cnf = _Cnf()
    features = model.features()
    for feature in features:
        cnf.of(feature.name)
    cnf.clauses.append([cnf.of(model.root.name)])
    for feature in features:
        parent = cnf.of(feature.name)
        for group in feature.groups:
            children = [cnf.of(child.name) for child in group.children]
            for child in children:
                cnf.clauses.append([-child, parent])
            if group.kind == "mandatory":
                cnf.clauses += [[-parent, child] for child in children]
                continue
            if group.kind == "optional":
                continue
            low, high = group.bounds()
            if low > len(children):
                cnf.clauses.append([-parent])
            elif low > 0:
                encoded = CardEnc.atleast(children, bound=low, top_id=cnf.nvars, encoding=EncType.seqcounter)
                cnf.nvars = max(cnf.nvars, encoded.nv)
                cnf.clauses += [[-parent, *clause] for clause in encoded.clauses]
            if high is not None and high < len(children):
                encoded = CardEnc.atmost(children, bound=high, top_id=cnf.nvars, encoding=EncType.seqcounter)
                cnf.nvars = max(cnf.nvars, encoded.nv)
                cnf.clauses += encoded.clauses
    for constraint in model.constraints:
        cnf.clauses.append([cnf.tseitin(constraint.formula)])
    names = {var: name for name, var in cnf.var.items()}
    return cnf.nvars, cnf.clauses, names


def brute_force_count(model: FeatureModel) -> int:
    """Valid feature assignments of a small model, by enumeration."""
    _, clauses, names = feature_model_cnf(model)
    from pysat.solvers import Solver

    features = sorted(names)
    total = 0
    with Solver(name="cadical153", bootstrap_with=clauses) as solver:
        for values in product((False, True), repeat=len(features)):
            assumptions = [var if value else -var for var, value in zip(features, values, strict=True)]
            total += solver.solve(assumptions=assumptions)
    return total
