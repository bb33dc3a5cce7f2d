"""Evaluate constraints in Python: on complete configurations (two-valued) and on partial ones
(Kleene's three values: a constraint reported false is false for every value of the unknown sets)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .compile import ClauseLiteral, ConstraintInfo
from .expressions.nodes import (
    ARITHMETIC,
    COMPARISONS,
    FUNCTIONS,
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
)

UNKNOWN = object()


def holds(constraint: ConstraintInfo, config: Mapping[str, Any]) -> bool:
    """Whether a constraint holds on a complete configuration."""
    kind = constraint.kind
    if kind == "table":
        return _listed(constraint, config) != constraint.forbidden
    if constraint.literals:
        return any(_literal_holds(literal, config) for literal in constraint.literals)
    if kind == "rule":
        if constraint.when is not None and not constraint.when.evaluate(config):
            return True
        assert constraint.require is not None
        return bool(constraint.require.evaluate(config))
    size = len(config[constraint.option_sets[0]])
    return constraint.minimum <= size <= constraint.maximum


def _literal_holds(literal: ClauseLiteral, config: Mapping[str, Any]) -> bool:
    code, value, membership, positive = literal
    return ((value in config[code]) if membership else (config[code] == value)) is positive


Check = Callable[[Mapping[str, Any]], bool]

#: deeper expressions are left to :func:`holds` (Python's compiler limits nesting)
DEEPEST_GENERATED = 40


def all_hold(constraints: Sequence[ConstraintInfo]) -> Check:
    """One function answering, on a complete configuration, whether every one of ``constraints``
    holds: :func:`holds` for each, generated as one Python expression and compiled once. Checking a
    neighbour of a witness evaluates the constraints of the set that changed, millions of times a
    minute on a big model; walking each expression's nodes in Python was most of a guidance step."""
    names: dict[str, Any] = {"holds": holds, "_listed": _listed}
    parts = [_constraint_source(constraint, names) for constraint in constraints]
    source = f"lambda c: {' and '.join(parts) if parts else 'True'}"
    # the source is ours: names of constants, set codes as repr() literals, the model's operators
    check: Check = eval(compile(source, "<constraints>", "eval"), names)
    return check


def _constant(value: Any, names: dict[str, Any]) -> str:
    name = f"k{len(names)}"
    names[name] = value
    return name


def _constraint_source(constraint: ConstraintInfo, names: dict[str, Any]) -> str:
    kind = constraint.kind
    if constraint.literals:
        return f"({' or '.join(_literal_source(literal, names) for literal in constraint.literals)})"
    try:
        if kind == "rule":
            assert constraint.require is not None
            require = _source(constraint.require, names, 0)
            if constraint.when is None:
                return f"(not not {require})"
            return f"(not {_source(constraint.when, names, 0)} or not not {require})"
        if kind == "table":
            return f"(_listed({_constant(constraint, names)}, c) != {constraint.forbidden})"
        if kind == "count":
            code = constraint.option_sets[0]
            return f"({constraint.minimum} <= len(c[{code!r}]) <= {constraint.maximum})"
    except _Unsupported:
        pass
    return f"holds({_constant(constraint, names)}, c)"


def _literal_source(literal: ClauseLiteral, names: dict[str, Any]) -> str:
    code, value, membership, positive = literal
    constant = _constant(value, names)
    if membership:
        return f"({constant} {'in' if positive else 'not in'} c[{code!r}])"
    return f"(c[{code!r}] {'==' if positive else '!='} {constant})"


class _Unsupported(Exception):
    """An expression :func:`all_hold` leaves to :func:`holds`."""


def _source(node: Node, names: dict[str, Any], depth: int) -> str:
    """Python source computing ``node.evaluate(c)``, the same value (booleans as bool)."""
    if depth > DEEPEST_GENERATED:
        raise _Unsupported
    depth += 1
    if isinstance(node, Literal):
        return _constant(node.value, names)
    if isinstance(node, Name):
        return f"c[{node.code!r}]"
    if isinstance(node, Not):
        return f"(not {_source(node.operand, names, depth)})"
    if isinstance(node, Negate):
        return f"(-{_source(node.operand, names, depth)})"
    if isinstance(node, BoolOp) and node.op in ("and", "or"):
        operands = f" {node.op} ".join(_source(operand, names, depth) for operand in node.operands)
        return f"(not not ({operands}))"
    if isinstance(node, TupleLiteral):
        return f"({''.join(_source(item, names, depth) + ', ' for item in node.items)})"
    if isinstance(node, Compare | Arithmetic) and node.op in type(node).OPERATORS:
        return f"({_source(node.left, names, depth)} {node.op} {_source(node.right, names, depth)})"
    if isinstance(node, Call) and node.function in FUNCTIONS:
        function = _constant(FUNCTIONS[node.function][0], names)
        return f"{function}({', '.join(_source(arg, names, depth) for arg in node.args)})"
    raise _Unsupported


def violated(constraint: ConstraintInfo, config: Mapping[str, Any]) -> bool:
    """Whether a constraint is false for every value of the sets missing from ``config``."""
    kind = constraint.kind
    if constraint.literals:
        # false for every value of the missing sets: every literal is known, and false
        return all(
            literal[0] in config and not _literal_holds(literal, config) for literal in constraint.literals
        )
    if kind == "rule":
        when = True if constraint.when is None else kleene(constraint.when, config)
        if when is False:
            return False
        assert constraint.require is not None
        require = kleene(constraint.require, config)
        return when is True and require is False
    if kind == "table":
        known = {}
        for level, code in enumerate(constraint.option_sets):
            if code in config:
                known[level] = constraint.columns[level][config[code]]
        if len(known) == len(constraint.option_sets):
            return _listed(constraint, config) == constraint.forbidden
        # some completion is allowed iff a path consistent with the known columns reaches the
        # diagram's TRUE terminal (allowed rows) or its FALSE terminal (forbidden rows)
        return not _reaches(constraint.diagram, known, 0 if constraint.forbidden else 1)
    code = constraint.option_sets[0]
    if code not in config:
        return False
    return not constraint.minimum <= len(config[code]) <= constraint.maximum


def _listed(constraint: ConstraintInfo, config: Mapping[str, Any]) -> bool:
    """Whether the row of a table's columns in ``config`` (all present) is one of its rows: one walk
    down the table's decision diagram (the rows are kept only as the diagram: a set of hundreds of
    thousands of tuples would make every full garbage collection of the process slower)."""
    node, nodes = constraint.diagram
    columns, option_sets = constraint.columns, constraint.option_sets
    while node > 1:
        level, children = nodes[node - 2]
        index = columns[level].get(config[option_sets[level]])
        if index is None:
            return False
        node = children[index]
    return node == 1


def _reaches(diagram: tuple, known: dict[int, int], terminal: int) -> bool:
    root, nodes = diagram
    memo: dict[int, bool] = {}

    def visit(node: int) -> bool:
        if node < 2:
            return node == terminal
        found = memo.get(node)
        if found is None:
            level, children = nodes[node - 2]
            if level in known:
                found = visit(children[known[level]])
            else:
                found = any(visit(child) for child in dict.fromkeys(children))
            memo[node] = found
        return found

    return visit(root)


def kleene(node: Node, env: Mapping[str, Any]) -> Any:
    """Evaluate with unknown names: booleans come back True, False or None (unknown)."""
    value = _value(node, env)
    return None if value is UNKNOWN else value


def _value(node: Node, env: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return env.get(node.code, UNKNOWN)
    if isinstance(node, Not):
        inner = _value(node.operand, env)
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, BoolOp):
        decisive = node.op == "or"  # True decides 'or', False decides 'and'
        unknown = False
        for operand in node.operands:
            value = _value(operand, env)
            if value is UNKNOWN:
                unknown = True
            elif bool(value) is decisive:
                return decisive
        return UNKNOWN if unknown else not decisive
    if isinstance(node, TupleLiteral):
        return tuple(_value(item, env) for item in node.items)
    if isinstance(node, Compare | Arithmetic):
        left, right = _value(node.left, env), _value(node.right, env)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        table = COMPARISONS if isinstance(node, Compare) else ARITHMETIC
        return table[node.op](left, right)
    if isinstance(node, Negate):
        inner = _value(node.operand, env)
        return UNKNOWN if inner is UNKNOWN else -inner
    if isinstance(node, Call):
        args = [_value(arg, env) for arg in node.args]
        if any(arg is UNKNOWN for arg in args):
            return UNKNOWN
        return FUNCTIONS[node.function][0](*args)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover
