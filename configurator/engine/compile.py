"""Compile a product model once into CNF with a variable map: the solver-ready form, picklable.

See docs/engine.md for the encodings. In short:

* single and boolean sets are direct variables (one literal per value, exactly one true; an optional
  single set has a literal for "none"); a multiple choice has one literal per option and, when its
  count matters, an exact sequential counter giving ``count >= k`` literals;
* numbers (and text lengths) are order-encoded;
* every rule, table and count limit has a selector literal ``s`` with ``s -> constraint``, so the
  solver's unsatisfiable cores name them; the constraint's sub-formulas are Tseitin gates;
* tables, and comparisons over several numeric terms, become reduced multi-valued decision diagrams.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .cnf import FALSE, TRUE, Cnf, DirectVar, OrderVar, TooLarge, runs
from .domains import max_count, number_values, text_lengths
from .errors import EngineError, ModelError
from .expressions import condition
from .expressions.nodes import (
    COMPARISONS,
    Arithmetic,
    BoolOp,
    Call,
    Compare,
    Literal,
    Name,
    Negate,
    Node,
    Not,
    TupleLiteral,
    Type,
    code_of,
    value_of,
)
from .model import Kind, OptionSet, ProductModel, Rule, Table
from .validation import ModelIssue, validate_model

#: The values of the numeric terms of a comparison, keyed like :func:`_atoms`
Env = dict[tuple[str, str], Any]

#: Comparisons over several numeric terms are compiled by enumerating the values of all terms but the
#: one with the largest domain, and finding that one's satisfying values (by bisection when the
#: comparison is monotone in it); beyond this many evaluations the model is refused.
MAX_ARITHMETIC_EVALUATIONS = 1_000_000


@dataclass(slots=True)
class SetEncoding:
    """How one option set lives in the CNF."""

    code: str
    kind: Kind
    index: int
    #: single / boolean: a DirectVar (single: options, then None when optional; boolean: False, True);
    #: number: an OrderVar over the stepped domain; text: an OrderVar over lengths; multi: None.
    var: DirectVar | OrderVar | None
    options: tuple[str, ...] = ()
    #: multi: one literal per option
    option_lits: tuple[int, ...] = ()
    #: multi: the number of options in, when some constraint reads it
    count: OrderVar | None = None
    #: text: whether rules read the length (``len``); if not, the variable's values are 0 and one
    #: representative positive length, standing for "empty" and "not empty".
    text_exact: bool = False
    #: the CNF variables that determine this set's value (the projection for counting)
    projection: tuple[int, ...] = ()
    #: indices into CompiledModel.constraints of the constraints that read this set
    constraints: tuple[int, ...] = ()
    value_index: dict[Any, int] = field(default_factory=dict)

    @property
    def domain(self) -> DirectVar | OrderVar:
        """The variable of a single, boolean, number or text set."""
        assert self.var is not None, f"{self.code} is a multiple choice"
        return self.var

    @property
    def direct(self) -> DirectVar:
        """The variable of a single or boolean set."""
        assert isinstance(self.var, DirectVar), f"{self.code} is not a single or yes/no set"
        return self.var

    @property
    def order(self) -> OrderVar:
        """The variable of a number or text set (a text: over its lengths)."""
        assert isinstance(self.var, OrderVar), f"{self.code} is not a number or text set"
        return self.var


@dataclass(slots=True)
class ConstraintInfo:
    code: str
    kind: str  # "rule", "table" or "count"
    message: str
    option_sets: tuple[str, ...]
    selector: int
    when: Node | None = None
    require: Node | None = None
    when_lit: int = TRUE
    require_lit: int = TRUE
    #: tables: the rows are the forbidden combinations; the reduced decision diagram of the rows as
    #: data (see ``Cnf.diagram``; the only copy of the rows kept here); each column's map from value
    #: to value index
    forbidden: bool = False
    diagram: tuple = ()
    columns: tuple[dict, ...] = ()
    #: count limits: the smallest and largest number of options
    minimum: int = 0
    maximum: int = 0
    #: a rule that is one clause (``when`` a conjunction of literals, ``require`` a disjunction): its
    #: CNF literals, the first ``when_count`` of them the negated ``when`` literals; and each literal
    #: as (option set, value, membership, positive) to evaluate it without the expression
    clause: tuple[int, ...] = ()
    when_count: int = 0
    literals: tuple[ClauseLiteral, ...] = ()


#: (option set, value, membership, positive): the set has the value (a multiple choice: the option is
#: in it, ``membership``), or has not when ``positive`` is False
ClauseLiteral = tuple[str, Any, bool, bool]


@dataclass(slots=True)
class CompiledModel:
    """A product model compiled for the solver. Plain data: it pickles, and it is never changed."""

    model: ProductModel
    nvars: int
    clauses: list[tuple[int, ...]]
    sets: tuple[SetEncoding, ...]
    constraints: tuple[ConstraintInfo, ...]
    set_index: dict[str, SetEncoding] = field(default_factory=dict)
    constraint_index: dict[str, ConstraintInfo] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.model.code

    @property
    def selectors(self) -> tuple[int, ...]:
        return tuple(constraint.selector for constraint in self.constraints)

    def projection(self) -> tuple[int, ...]:
        return tuple(var for encoding in self.sets for var in encoding.projection)


@dataclass(frozen=True, slots=True)
class CompileLimits:
    """How large a compiled model may be. Compilation stops as soon as one is passed, with a
    :class:`ModelError` (code ``model_too_large``) naming it; the catalogue checks the same limits
    at import and publish. The shared real models stay well inside (automotive02: 41,441 variables,
    80,707 clauses, about 30 MB pickled)."""

    max_variables: int = 500_000
    max_clauses: int = 2_000_000
    #: the compiled model pickled (what the disk cache holds and every process loads)
    max_bytes: int = 256 * 1024 * 1024


DEFAULT_LIMITS = CompileLimits()


def compile_model(model: ProductModel, limits: CompileLimits = DEFAULT_LIMITS) -> CompiledModel:
    """Check and compile a product model; raises :class:`ModelError` listing every issue, or naming
    the size limit it would pass."""
    issues = validate_model(model)
    if issues:
        raise ModelError(issues)
    try:
        compiled = _Compiler(model, limits).compile()
    except TooLarge as error:
        raise _too_large(f"more than {error.limit:,} {error.what}", f"max_{error.what}") from None
    size = len(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))
    if size > limits.max_bytes:
        raise _too_large(f"{size:,} bytes compiled, over the limit of {limits.max_bytes:,}", "max_bytes")
    return compiled


def _too_large(what: str, limit: str) -> ModelError:
    return ModelError(
        [
            ModelIssue(
                "model",
                "model_too_large",
                f"the compiled model would have {what} (limit {limit}); make option sets with many "
                "options or wide number ranges smaller, or split large tables and rules",
            )
        ]
    )


def rule_message(option_sets: dict[str, OptionSet], when: str, require: str) -> str:
    if when.strip():
        return f"When {when.strip()}, {require.strip()} is required"
    return f"{require.strip()} is required"


def table_message(option_sets: dict[str, OptionSet], columns: tuple[str, ...]) -> str:
    names = [option_sets[code].name or code for code in columns]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"This combination of {joined} is not available"


def count_message(option_set: OptionSet) -> str:
    name = (option_set.name or option_set.code).lower()
    low, high = option_set.min_count, max_count(option_set)
    everything = len(option_set.options)
    if low == high:
        return f"Choose exactly {low} {name}"
    if low > 0 and high < everything:
        return f"Choose {low} to {high} {name}"
    if low > 0:
        return f"Choose at least {low} {name}"
    return f"Choose at most {high} {name}"


class _Compiler:
    def __init__(self, model: ProductModel, limits: CompileLimits = DEFAULT_LIMITS) -> None:
        self.model = model
        self.cnf = Cnf(limits.max_variables, limits.max_clauses)
        self.option_sets = model.option_set_index
        self.sets: dict[str, SetEncoding] = {}
        self.constraints: list[ConstraintInfo] = []
        self.numeric_vars: dict[tuple[str, str], OrderVar] = {}
        self.parsed: list[tuple[Node | None, Node]] = []

    def compile(self) -> CompiledModel:
        for rule in self.model.rules:
            when = condition(rule.when, self.option_sets) if rule.when.strip() else None
            self.parsed.append((when, condition(rule.require, self.option_sets)))
        read_length: set[str] = set()
        read_count: set[str] = set()
        for when, require in self.parsed:
            for node in (when, require):
                for sub in node.walk() if node is not None else ():
                    if isinstance(sub, Call) and sub.function in ("len", "count"):
                        read = read_length if sub.function == "len" else read_count
                        read.update(code_of(arg) for arg in sub.args)
        for index, option_set in enumerate(self.model.option_sets):
            self.sets[option_set.code] = self.encode_set(
                index, option_set, option_set.code in read_length, option_set.code in read_count
            )
        for option_set in self.model.option_sets:
            if option_set.kind is Kind.MULTI:
                self.encode_count_limit(option_set)
        for rule, (when, require) in zip(self.model.rules, self.parsed, strict=True):
            self.encode_rule(rule, when, require)
        for table in self.model.tables:
            self.encode_table(table)
        touching: dict[str, list[int]] = {code: [] for code in self.sets}
        for index, constraint in enumerate(self.constraints):
            for code in constraint.option_sets:
                touching[code].append(index)
        for code, encoding in self.sets.items():
            encoding.constraints = tuple(touching[code])
        sets = tuple(self.sets.values())
        constraints = tuple(self.constraints)
        return CompiledModel(
            model=self.model,
            nvars=self.cnf.nvars,
            # tuples: the garbage collector stops tracking them, lists it would traverse every time
            clauses=[tuple(clause) for clause in self.cnf.clauses],
            sets=sets,
            constraints=constraints,
            set_index={encoding.code: encoding for encoding in sets},
            constraint_index={constraint.code: constraint for constraint in constraints},
        )

    # -- option sets -----------------------------------------------------------------------------

    def encode_set(
        self, index: int, option_set: OptionSet, read_length: bool, read_count: bool
    ) -> SetEncoding:
        cnf = self.cnf
        kind = option_set.kind
        code = option_set.code
        if kind is Kind.SINGLE:
            options = tuple(option.code for option in option_set.options)
            lits = [cnf.new_var() for _ in options]
            values: tuple = options
            if not option_set.required:
                lits.append(cnf.new_var())
                values = (*options, None)
            cnf.exactly_one(lits)
            var = DirectVar(values, lits)
            if read_count:  # rules count it: 1 unless none, read off the literal of none
                self.numeric_vars[("count", code)] = (
                    OrderVar((1,), (TRUE, FALSE))
                    if option_set.required
                    else OrderVar((0, 1), (TRUE, -lits[-1], FALSE))
                )
            return SetEncoding(
                code,
                kind,
                index,
                var,
                options=options,
                projection=tuple(lits[: len(options)]),
                value_index={value: i for i, value in enumerate(values)},
            )
        if kind is Kind.BOOLEAN:
            lit = cnf.new_var()
            var = DirectVar((False, True), (-lit, lit))
            return SetEncoding(code, kind, index, var, projection=(lit,), value_index={False: 0, True: 1})
        if kind is Kind.NUMBER:
            values = number_values(option_set)
            number = cnf.order_var(values)
            self.numeric_vars[("number", code)] = number
            return SetEncoding(
                code,
                kind,
                index,
                number,
                projection=tuple(number.ge[1:-1]),
                value_index={value: i for i, value in enumerate(values)},
            )
        if kind is Kind.TEXT:
            lengths = text_lengths(option_set)
            if not read_length and lengths:
                positive = [length for length in lengths if length > 0]
                lengths = tuple(([0] if lengths[0] == 0 else []) + positive[:1])
            length = cnf.order_var(lengths)
            if read_length:
                self.numeric_vars[("len", code)] = length
            projection = (length.ge[1],) if len(lengths) > 1 and lengths[0] == 0 else ()  # empty or not
            return SetEncoding(
                code,
                kind,
                index,
                length,
                text_exact=read_length,
                projection=projection,
                value_index={length: i for i, length in enumerate(lengths)},
            )
        options = tuple(option.code for option in option_set.options)
        option_lits = tuple(cnf.new_var() for _ in options)
        count = None
        if read_count:  # rules compare its count: the whole order variable 0..n
            count = cnf.counter(option_lits)
            self.numeric_vars[("count", code)] = count
        return SetEncoding(
            code,
            kind,
            index,
            None,
            options=options,
            option_lits=option_lits,
            count=count,
            projection=option_lits,
            value_index={option: i for i, option in enumerate(options)},
        )

    # -- constraints -----------------------------------------------------------------------------

    def add_constraint(self, info: ConstraintInfo, body: int) -> None:
        self.cnf.add([-info.selector, body])
        self.constraints.append(info)

    def encode_count_limit(self, option_set: OptionSet) -> None:
        encoding = self.sets[option_set.code]
        low, high = option_set.min_count, max_count(option_set)
        if low <= 0 and high >= len(encoding.options):
            return  # no limit
        if encoding.count is not None:
            ge = encoding.count.ge
            body = self.cnf.and_([ge[low], -ge[high + 1]])
        else:  # only the limits: linear in the number of options (one clause for "at least one")
            lits = encoding.option_lits
            body = self.cnf.and_([self.cnf.at_least(lits, low), -self.cnf.at_least(lits, high + 1)])
        selector = self.cnf.new_var()
        info = ConstraintInfo(
            f"{option_set.code}.count",
            "count",
            count_message(option_set),
            (option_set.code,),
            selector,
            minimum=low,
            maximum=high,
        )
        self.add_constraint(info, body)

    def encode_rule(self, rule: Rule, when: Node | None, require: Node) -> None:
        names = require.names() | (when.names() if when is not None else frozenset())
        option_sets = tuple(sorted(names, key=lambda code: self.sets[code].index))
        message = rule.message or rule_message(self.option_sets, rule.when, rule.require)
        clause = self.clause(when, require)
        if clause is not None:
            # one clause with the selector: no gate variables, and evaluated literal by literal
            lits, literals, when_count = clause
            info = ConstraintInfo(
                rule.code,
                "rule",
                message,
                option_sets,
                self.cnf.new_var(),
                when=when,
                require=require,
                clause=lits,
                when_count=when_count,
                literals=literals,
            )
            self.cnf.add([-info.selector, *lits])
            self.constraints.append(info)
            return
        try:
            when_lit = self.lit(when) if when is not None else TRUE
            require_lit = self.lit(require)
        except _TooLarge as error:
            raise EngineError(
                f"rule {rule.code}: comparing {error.what} ({error.size:,} combinations of values) needs "
                f"more than {MAX_ARITHMETIC_EVALUATIONS:,} evaluations; use larger steps or smaller ranges, "
                "or split the comparison",
                code="rule_too_large",
            ) from None
        selector = self.cnf.new_var()
        info = ConstraintInfo(
            rule.code,
            "rule",
            message,
            option_sets,
            selector,
            when=when,
            require=require,
            when_lit=when_lit,
            require_lit=require_lit,
        )
        self.add_constraint(info, self.cnf.or_([-when_lit, require_lit]))

    def clause(
        self, when: Node | None, require: Node
    ) -> tuple[tuple[int, ...], tuple[ClauseLiteral, ...], int] | None:
        """The rule as one clause when it is one: ``when`` none or a conjunction of literals,
        ``require`` a disjunction of literals or a negated conjunction; a literal is a yes/no set,
        ``set == 'option'`` of a single choice, ``'option' in set`` of a multiple choice, or one of
        them negated. Returns its CNF literals, the literals to evaluate and how many come from
        ``when``; None for any other rule."""
        parts = [] if when is None else [(node, False) for node in _operands(when, "and")]
        when_count = len(parts)
        if isinstance(require, Not) and isinstance(require.operand, BoolOp) and require.operand.op == "and":
            parts += [(node, False) for node in require.operand.operands]
        else:
            parts += [(node, True) for node in _operands(require, "or")]
        lits: list[int] = []
        literals: list[ClauseLiteral] = []
        for node, sign in parts:
            found = self.clause_literal(node)
            if found is None:
                return None
            lit, (code, value, membership, positive) = found
            lits.append(lit if sign else -lit)
            literals.append((code, value, membership, positive is sign))
        return tuple(lits), tuple(literals), when_count

    def clause_literal(self, node: Node) -> tuple[int, ClauseLiteral] | None:
        positive = True
        while isinstance(node, Not):
            node, positive = node.operand, not positive
        if isinstance(node, Name):
            encoding = self.sets.get(node.code)
            if encoding is None or encoding.kind is not Kind.BOOLEAN:
                return None
            lit = encoding.direct.lits[1]
            return (lit if positive else -lit), (node.code, True, False, positive)
        if not isinstance(node, Compare):
            return None
        if node.op in ("==", "!="):
            name, value = (node.left, node.right) if isinstance(node.left, Name) else (node.right, node.left)
            membership = False
        elif node.op in ("in", "not in"):
            name, value = node.right, node.left
            membership = True
        else:
            return None
        if not isinstance(name, Name) or not isinstance(value, Literal) or not isinstance(value.value, str):
            return None
        encoding = self.sets[name.code]
        if encoding.kind is not (Kind.MULTI if membership else Kind.SINGLE):
            return None
        index = encoding.value_index.get(value.value)
        if index is None:
            return None
        lit = encoding.option_lits[index] if membership else encoding.direct.lits[index]
        positive = positive is (node.op in ("==", "in"))
        return (lit if positive else -lit), (name.code, value.value, membership, positive)

    def encode_table(self, table: Table) -> None:
        variables = [self.sets[code].domain for code in table.option_sets]
        rows = []
        for row in table.rows:
            rows.append(
                tuple(
                    self.sets[code].value_index[cell]
                    for code, cell in zip(table.option_sets, row, strict=True)
                )
            )
        body, diagram = self.cnf.diagram(variables, rows)
        if table.forbidden:
            body = -body
        selector = self.cnf.new_var()
        message = table.message or table_message(self.option_sets, table.option_sets)
        info = ConstraintInfo(
            table.code,
            "table",
            message,
            tuple(table.option_sets),
            selector,
            forbidden=table.forbidden,
            diagram=diagram,
            columns=tuple(self.sets[code].value_index for code in table.option_sets),
        )
        self.add_constraint(info, body)

    # -- expressions -----------------------------------------------------------------------------

    def lit(self, node: Node) -> int:
        cnf = self.cnf
        if isinstance(node, Literal):
            return TRUE if node.value else FALSE
        if isinstance(node, Name):  # a boolean set
            return self.sets[node.code].direct.lits[1]
        if isinstance(node, Not):
            return -self.lit(node.operand)
        if isinstance(node, BoolOp):
            lits = [self.lit(operand) for operand in node.operands]
            return cnf.and_(lits) if node.op == "and" else cnf.or_(lits)
        if isinstance(node, Compare):
            return self.compare(node)
        raise AssertionError(f"not a condition: {node!r}")  # pragma: no cover - the checker refuses these

    def compare(self, node: Compare) -> int:
        op, left, right = node.op, node.left, node.right
        negate = op in ("!=", "not in")
        if op in ("in", "not in"):
            if isinstance(right, TupleLiteral):
                if left.type is Type.SYMBOL:
                    encoding = self.sets[code_of(left)]
                    codes = {value_of(item) for item in right.items}
                    lit = self.cnf.or_(encoding.direct.lits[encoding.value_index[code]] for code in codes)
                    return -lit if negate else lit
                return self.numeric(node)
            encoding = self.sets[code_of(right)]  # 'code' in multi
            lit = encoding.option_lits[encoding.value_index[value_of(left)]]
            return -lit if negate else lit
        if left.type is Type.NUMBER:
            return self.numeric(node)
        if left.type is Type.BOOL:
            lit = self.cnf.iff(self.lit(left), self.lit(right))
            return -lit if negate else lit
        name, literal = (left, right) if isinstance(left, Name) else (right, left)
        encoding = self.sets[code_of(name)]
        if encoding.kind is Kind.TEXT:
            var = encoding.order
            nonempty = var.ge[1] if var.values and var.values[0] == 0 else TRUE
            if not var.values:
                nonempty = FALSE
            return nonempty if negate else -nonempty
        lit = encoding.direct.lits[encoding.value_index[value_of(literal)]]
        return -lit if negate else lit

    # -- arithmetic ------------------------------------------------------------------------------

    def numeric_var(self, key: tuple[str, str]) -> OrderVar:
        var = self.numeric_vars.get(key)
        if var is None:  # pragma: no cover - created with the sets
            raise AssertionError(key)
        return var

    def numeric(self, node: Compare) -> int:
        """A comparison over numeric terms as a reduced decision diagram: the terms with the smaller
        domains are enumerated, and for each of their combinations the satisfying values of the term
        with the largest domain are found by bisection when the comparison is monotone in it, else
        by trying each value."""
        atoms: list[tuple[str, str]] = []
        for sub in node.walk():
            for key in _atoms(sub):
                if key not in atoms:
                    atoms.append(key)
        holds = _predicate(node)
        if not atoms:
            return TRUE if holds({}) else FALSE
        keys = sorted(atoms, key=lambda key: len(self.numeric_var(key)))
        variables = [self.numeric_var(key) for key in keys]
        last, last_key, last_var = len(variables) - 1, keys[-1], variables[-1]
        combinations = 1
        for var in variables:
            combinations *= max(len(var), 1)
        what = " and ".join(
            f"{kind} {code}" if kind == "number" else f"{kind}({code})" for kind, code in keys
        )
        budget = [MAX_ARITHMETIC_EVALUATIONS]
        if combinations // max(len(last_var), 1) > MAX_ARITHMETIC_EVALUATIONS:
            raise _TooLarge(what, combinations)
        difference = _difference(node)
        cnf = self.cnf

        def spend(amount: int) -> None:
            budget[0] -= amount
            if budget[0] < 0:
                raise _TooLarge(what, combinations)

        def satisfying(env: Env) -> list[tuple[int, int]]:
            """The runs of indices of the last term's values that satisfy the comparison."""
            values = last_var.values
            size = len(values)
            direction = None if difference is None else _direction(difference, last_key, env)
            if direction is None or node.op in ("in", "not in"):
                spend(size)
                allowed = []
                for index, value in enumerate(values):
                    env[last_key] = Decimal(value)
                    if holds(env):
                        allowed.append(index)
                env.pop(last_key, None)
                return runs(allowed)

            measure = difference
            assert measure is not None

            def diff(index: int) -> Decimal:
                spend(1)
                env[last_key] = Decimal(values[index])
                result = measure(env)
                env.pop(last_key, None)
                return result

            if direction == 0:
                return [(0, size - 1)] if size and _compare_zero(node.op, diff(0)) else []
            sign = direction  # sign * (left - right) never goes down as the index grows

            def first(test: Callable[[Decimal], bool]) -> int:
                """The first index where ``test(sign * d)`` holds (``test`` is monotone)."""
                low, high = 0, size
                while low < high:
                    middle = (low + high) // 2
                    if test(sign * diff(middle)):
                        high = middle
                    else:
                        low = middle + 1
                return low

            zero_from = first(lambda d: d >= 0)
            positive_from = first(lambda d: d > 0)
            below, at, above = (0, zero_from - 1), (zero_from, positive_from - 1), (positive_from, size - 1)
            less, greater = (below, above) if sign > 0 else (above, below)
            op = node.op
            if op == "==":
                pieces = [at]
            elif op == "!=":
                pieces = [below, above]
            elif op in ("<", "<="):
                pieces = [less, at] if op == "<=" else [less]
            else:
                pieces = [greater, at] if op == ">=" else [greater]
            indices = sorted(piece for piece in pieces if piece[0] <= piece[1])
            merged: list[tuple[int, int]] = []
            for start, end in indices:
                if merged and merged[-1][1] + 1 >= start:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((start, end))
            return merged

        def build(level: int, env: Env) -> int:
            if level == last:
                return cnf.member_runs(last_var, satisfying(env))
            var, key = variables[level], keys[level]
            children = []
            for value in var.values:
                env[key] = Decimal(value)
                children.append(build(level + 1, env))
            env.pop(key, None)
            return cnf.node(var, children)

        return build(0, {})


def _compare_zero(op: str, difference: Decimal) -> bool:
    return COMPARISONS[op](difference, 0)


class _Difference:
    """``left - right`` of a comparison, as a function of the terms' values and as a tree."""

    __slots__ = ("left", "node", "right")

    def __init__(self, node: Compare) -> None:
        self.left, self.right = _numeric_function(node.left), _numeric_function(node.right)
        self.node = Arithmetic("-", node.left, node.right, node.position)

    def __call__(self, env: Env) -> Decimal:
        return self.left(env) - self.right(env)


def _difference(node: Compare) -> _Difference | None:
    """``left - right`` (None for membership tests)."""
    if node.op in ("in", "not in"):
        return None
    return _Difference(node)


def _direction(function: _Difference, key: tuple[str, str], env: Env) -> int | None:
    """How ``function`` moves as the term ``key`` grows, the other terms fixed by ``env``: 1 (never
    down), -1 (never up), 0 (constant), None (unknown)."""
    return _node_direction(function.node, key, env)


def _combine(first: int | None, second: int | None) -> int | None:
    if first is None or second is None:
        return None
    if first == 0:
        return second
    if second == 0 or first == second:
        return first
    return None


def _node_direction(node: Node, key: tuple[str, str], env: Env) -> int | None:
    own = _atoms(node)
    if own:
        return 1 if key in own else 0
    if isinstance(node, Literal):
        return 0
    if isinstance(node, Negate):
        inner = _node_direction(node.operand, key, env)
        return None if inner is None else -inner
    if isinstance(node, Arithmetic):
        left, right = _node_direction(node.left, key, env), _node_direction(node.right, key, env)
        if node.op == "+":
            return _combine(left, right)
        if node.op == "-":
            return _combine(left, None if right is None else -right)
        if left == 0 and right is not None:
            factor = _numeric_function(node.left)(env)
            return 0 if factor == 0 or right == 0 else (right if factor > 0 else -right)
        if right == 0 and left is not None:
            factor = _numeric_function(node.right)(env)
            return 0 if factor == 0 or left == 0 else (left if factor > 0 else -left)
        return None
    if isinstance(node, Call):
        directions = [_node_direction(arg, key, env) for arg in node.args]
        if node.function in ("min", "max"):
            result: int | None = 0
            for direction in directions:
                result = _combine(result, direction)
            return result
        return 0 if directions == [0] else None
    return None


class _TooLarge(Exception):
    def __init__(self, what: str, size: int) -> None:
        self.what = what
        self.size = size


def _atoms(node: Node) -> tuple[tuple[str, str], ...]:
    """The numeric terms a node adds up: a number set, a text's length, or the counts of each
    option set that ``count()`` names (empty for any other node)."""
    if isinstance(node, Name) and node.type is Type.NUMBER:
        return (("number", node.code),)
    if isinstance(node, Call) and node.function in ("count", "len"):
        return tuple((node.function, code_of(arg)) for arg in node.args)
    return ()


def _predicate(node: Compare) -> Callable[[Env], bool]:
    """A Python function of the numeric terms' values (keyed like :func:`_atoms`) for a comparison."""
    value = _numeric_function(node.left)
    if node.op in ("in", "not in"):
        assert isinstance(node.right, TupleLiteral)
        items = frozenset(value_of(item) for item in node.right.items)
        if node.op == "in":
            return lambda env: value(env) in items
        return lambda env: value(env) not in items
    other = _numeric_function(node.right)
    compare = COMPARISONS[node.op]
    return lambda env: compare(value(env), other(env))


def _numeric_function(node: Node) -> Callable[[Env], Any]:
    own = _atoms(node)
    if len(own) == 1:
        key = own[0]
        return lambda env: env[key]
    if own:
        return lambda env: sum(env[key] for key in own)
    if isinstance(node, Literal):
        constant = node.value
        return lambda env: constant
    if isinstance(node, Negate):
        inner = _numeric_function(node.operand)
        return lambda env: -inner(env)
    if isinstance(node, Arithmetic):
        left, right = _numeric_function(node.left), _numeric_function(node.right)
        if node.op == "+":
            return lambda env: left(env) + right(env)
        if node.op == "-":
            return lambda env: left(env) - right(env)
        return lambda env: left(env) * right(env)
    if isinstance(node, Call):
        args = [_numeric_function(arg) for arg in node.args]
        if node.function == "min":
            return lambda env: min(arg(env) for arg in args)
        if node.function == "max":
            return lambda env: max(arg(env) for arg in args)
        if node.function == "abs":
            return lambda env: abs(args[0](env))
    raise AssertionError(f"not a number: {node!r}")  # pragma: no cover


__all__ = [
    "DEFAULT_LIMITS",
    "MAX_ARITHMETIC_EVALUATIONS",
    "CompileLimits",
    "CompiledModel",
    "ConstraintInfo",
    "SetEncoding",
    "compile_model",
]


def _operands(node: Node, op: str) -> tuple[Node, ...]:
    return node.operands if isinstance(node, BoolOp) and node.op == op else (node,)
