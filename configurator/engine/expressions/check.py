"""Check an expression tree against a product's option sets and fill in each node's type."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal
from typing import NoReturn

from ..errors import ExpressionError
from ..model import Kind, OptionSet
from .nodes import (
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

_KIND_TYPES = {
    Kind.SINGLE: Type.SYMBOL,
    Kind.MULTI: Type.SET,
    Kind.NUMBER: Type.NUMBER,
    Kind.TEXT: Type.TEXT,
    Kind.BOOLEAN: Type.BOOL,
}
#: what each function's arguments may be: ``count`` counts the options chosen across single and
#: multiple choices (a single choice: one when it has an option, none when it is none)
_FUNCTION_ARGUMENTS: dict[str, tuple[Type, ...]] = {
    "count": (Type.SYMBOL, Type.SET),
    "len": (Type.TEXT,),
    "min": (Type.NUMBER,),
    "max": (Type.NUMBER,),
    "abs": (Type.NUMBER,),
}
_ORDERING = frozenset({"<", "<=", ">", ">="})


def check(node: Node, option_sets: Mapping[str, OptionSet], source: str) -> Node:
    """Type-check a parsed condition; it must be true or false. Returns the same, annotated tree."""
    checker = _Checker(option_sets, source)
    checker.visit(node)
    if node.type is not Type.BOOL:
        hint = f"; did you mean {_text_hint(node)}?" if node.type is Type.TEXT else ""
        checker.fail(
            node, f"a condition must be true or false, this is a {node.type}{hint}", code="not_a_condition"
        )
    return node


def _text_hint(node: Node) -> str:
    return f"{node.code} != ''" if isinstance(node, Name) else "len(...) > 0"


class _Checker:
    def __init__(self, option_sets: Mapping[str, OptionSet], source: str) -> None:
        self.option_sets = option_sets
        self.source = source

    def fail(self, node: Node, reason: str, *, code: str) -> NoReturn:
        raise ExpressionError(reason, source=self.source, position=node.position, code=code)

    def visit(self, node: Node) -> Type:
        method = getattr(self, f"visit_{type(node).__name__}")
        node.type = method(node)
        return node.type

    def expect(self, node: Node, expected: Type, context: str) -> None:
        found = self.visit(node)
        if found is not expected:
            self.fail(node, f"{context} needs a {expected}, not a {found}", code="wrong_type")

    def visit_Literal(self, node: Literal) -> Type:
        if isinstance(node.value, bool):
            return Type.BOOL
        if isinstance(node.value, Decimal):
            return Type.NUMBER
        return Type.STRING

    def visit_Name(self, node: Name) -> Type:
        option_set = self.option_sets.get(node.code)
        if option_set is None:
            close = difflib.get_close_matches(node.code, list(self.option_sets), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.fail(node, f"unknown option set {node.code!r}{hint}", code="unknown_option_set")
        return _KIND_TYPES[option_set.kind]

    def visit_TupleLiteral(self, node: TupleLiteral) -> Type:
        self.fail(node, "a tuple can only follow 'in' or 'not in'", code="misplaced_tuple")

    def visit_Call(self, node: Call) -> Type:
        accepted = _FUNCTION_ARGUMENTS[node.function]
        for arg in node.args:
            found = self.visit(arg)
            if found not in accepted:
                needed = " or ".join(f"a {kind}" for kind in accepted)
                self.fail(arg, f"{node.function}() needs {needed}, not a {found}", code="wrong_type")
        return Type.NUMBER

    def visit_Not(self, node: Not) -> Type:
        self.expect(node.operand, Type.BOOL, "'not'")
        return Type.BOOL

    def visit_Negate(self, node: Negate) -> Type:
        self.expect(node.operand, Type.NUMBER, "'-'")
        return Type.NUMBER

    def visit_BoolOp(self, node: BoolOp) -> Type:
        for operand in node.operands:
            self.expect(operand, Type.BOOL, f"'{node.op}'")
        return Type.BOOL

    def visit_Arithmetic(self, node: Arithmetic) -> Type:
        self.expect(node.left, Type.NUMBER, f"'{node.op}'")
        self.expect(node.right, Type.NUMBER, f"'{node.op}'")
        return Type.NUMBER

    def visit_Compare(self, node: Compare) -> Type:
        if node.op in ("in", "not in"):
            self.check_membership(node)
            return Type.BOOL
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in _ORDERING:
            for side, found in ((node.left, left), (node.right, right)):
                if found is not Type.NUMBER:
                    self.fail(side, f"'{node.op}' compares numbers, not a {found}", code="wrong_type")
            return Type.BOOL
        pair = {left, right}
        if pair == {Type.SYMBOL, Type.STRING}:
            name, literal = (node.left, node.right) if left is Type.SYMBOL else (node.right, node.left)
            self.check_option_code(name, literal)
        elif pair == {Type.TEXT, Type.STRING}:
            literal = node.right if right is Type.STRING else node.left
            if value_of(literal) != "":
                self.fail(
                    literal,
                    "text can only be compared with '' (use len() for its length)",
                    code="text_comparison",
                )
        elif not (left is right and left in (Type.NUMBER, Type.BOOL)):
            self.fail(node, f"cannot compare a {left} with a {right} using '{node.op}'", code="wrong_type")
        return Type.BOOL

    def check_membership(self, node: Compare) -> None:
        if isinstance(node.right, TupleLiteral):
            left = self.visit(node.left)
            node.right.type = Type.TUPLE
            if left not in (Type.SYMBOL, Type.NUMBER):
                self.fail(
                    node.left,
                    f"'{node.op}' a tuple needs a single choice or a number, not a {left}",
                    code="wrong_type",
                )
            item_type = Type.STRING if left is Type.SYMBOL else Type.NUMBER
            for item in node.right.items:
                if not isinstance(item, Literal) or self.visit(item) is not item_type:
                    self.fail(item, f"the tuple must list {item_type} values", code="wrong_type")
                if left is Type.SYMBOL:
                    self.check_option_code(node.left, item)
            return
        right = self.visit(node.right)
        if right is not Type.SET:
            self.fail(
                node.right,
                f"'{node.op}' needs a multiple choice or a tuple on its right, not a {right}",
                code="wrong_type",
            )
        left = self.visit(node.left)
        if left is not Type.STRING or not isinstance(node.left, Literal):
            self.fail(
                node.left,
                f"'{node.op}' {code_of(node.right)} needs an option code in quotes",
                code="wrong_type",
            )
        self.check_option_code(node.right, node.left)

    def check_option_code(self, name: Node, literal: Node) -> None:
        if not isinstance(name, Name) or not isinstance(literal, Literal):
            self.fail(literal, "compare an option set with an option code in quotes", code="wrong_type")
        option_set = self.option_sets[name.code]
        codes = [option.code for option in option_set.options]
        if literal.value not in codes:
            close = difflib.get_close_matches(str(literal.value), codes, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"values: {', '.join(codes)}"
            self.fail(
                literal, f"{literal.value!r} is not a value of {name.code} ({hint})", code="unknown_option"
            )
