"""A recursive-descent parser for conditions; the grammar rule is in each docstring."""

from __future__ import annotations

from decimal import Decimal
from typing import NoReturn

from ..errors import ExpressionError
from .nodes import (
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
from .tokenizer import Token, tokenize

MAX_SOURCE_LENGTH = 2000
MAX_DEPTH = 50
_COMPARISON_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})


def parse(source: str) -> Node:
    """Parse a condition into an (unchecked) expression tree."""
    if not isinstance(source, str):
        raise ExpressionError("a condition must be text", source="", position=0, code="not_text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"a condition is limited to {MAX_SOURCE_LENGTH} characters",
            source=source[:80],
            position=0,
            code="too_long",
        )
    if not source.strip():
        raise ExpressionError("the condition is empty", source=source, position=0, code="empty")
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        if self.at(kind, text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            self.fail(f"expected {what}", code="expected_token")
        return token

    def fail(self, reason: str, *, code: str, position: int | None = None) -> NoReturn:
        token = self.current
        if position is None:
            position = token.position
            found = "the end" if token.kind == "END" else repr(token.text)
            reason = f"{reason}, found {found}"
        raise ExpressionError(reason, source=self.source, position=position, code=code)

    # -- grammar ---------------------------------------------------------------------------------

    def parse(self) -> Node:
        """condition = or_expr END"""
        node = self.or_expr()
        if not self.at("END"):
            self.fail("expected 'and', 'or' or the end of the condition", code="trailing_input")
        return node

    def or_expr(self) -> Node:
        """or_expr = and_expr ("or" and_expr)*"""
        start = self.current.position
        operands = [self.and_expr()]
        while self.accept("KEYWORD", "or"):
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands), start)

    def and_expr(self) -> Node:
        """and_expr = not_expr ("and" not_expr)*"""
        start = self.current.position
        operands = [self.not_expr()]
        while self.accept("KEYWORD", "and"):
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands), start)

    def not_expr(self) -> Node:
        """not_expr = "not" not_expr | comparison"""
        token = self.accept("KEYWORD", "not")
        if token is not None:
            with self.nested():
                return Not(self.not_expr(), token.position)
        return self.comparison()

    def comparison(self) -> Node:
        """comparison = sum (comp_op sum)*;  comp_op = == != < <= > >= in "not in" """
        left = self.sum()
        comparisons: list[Node] = []
        while True:
            token = self.current
            if token.kind == "OP" and token.text in _COMPARISON_OPS:
                self.advance()
                op = token.text
            elif self.accept("KEYWORD", "in"):
                op = "in"
            elif token.kind == "KEYWORD" and token.text == "not" and self._next_is_in():
                self.advance()
                self.advance()
                op = "not in"
            else:
                break
            right = self.sum()
            comparisons.append(Compare(op, left, right, token.position))
            left = right
        if not comparisons:
            return left
        if len(comparisons) == 1:
            return comparisons[0]
        return BoolOp("and", tuple(comparisons), comparisons[0].position)

    def _next_is_in(self) -> bool:
        following = self.tokens[self.index + 1]
        return following.kind == "KEYWORD" and following.text == "in"

    def sum(self) -> Node:
        """sum = product (("+" | "-") product)*"""
        node = self.product()
        while self.at("OP", "+") or self.at("OP", "-"):
            token = self.advance()
            node = Arithmetic(token.text, node, self.product(), token.position)
        return node

    def product(self) -> Node:
        """product = unary ("*" unary)*"""
        node = self.unary()
        while self.at("OP", "*"):
            token = self.advance()
            node = Arithmetic("*", node, self.unary(), token.position)
        return node

    def unary(self) -> Node:
        """unary = "-" unary | primary"""
        token = self.accept("OP", "-")
        if token is not None:
            with self.nested():
                return Negate(self.unary(), token.position)
        return self.primary()

    def primary(self) -> Node:
        """primary = NUMBER | STRING | "True" | "False" | NAME | NAME "(" args ")"
        | "(" or_expr ")" | "(" or_expr "," [or_expr ("," or_expr)*] [","] ")" """
        token = self.current
        if token.kind == "NUMBER":
            self.advance()
            return Literal(Decimal(token.text), token.position)
        if token.kind == "STRING":
            self.advance()
            return Literal(token.value, token.position)
        if token.kind == "KEYWORD" and token.text in ("True", "False"):
            self.advance()
            return Literal(token.text == "True", token.position)
        if token.kind == "NAME":
            self.advance()
            if self.at("OP", "("):
                return self.call(token)
            return Name(token.text, token.position)
        if token.kind == "OP" and token.text == "(":
            self.advance()
            with self.nested():
                return self.parenthesised(token)
        self.fail("expected a value, a name or '('", code="expected_value")

    def parenthesised(self, opening: Token) -> Node:
        if self.accept("OP", ")"):
            return TupleLiteral((), opening.position)
        first = self.or_expr()
        if self.accept("OP", ")"):
            return first
        if not self.at("OP", ","):
            self.fail("expected ')' or ','", code="expected_token")
        items = [first]
        while self.accept("OP", ","):
            if self.at("OP", ")"):
                break
            items.append(self.or_expr())
        self.expect("OP", ")", "')' to close the tuple")
        return TupleLiteral(tuple(items), opening.position)

    def call(self, name: Token) -> Node:
        """args = [or_expr ("," or_expr)*]"""
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(
                f"unknown function {name.text!r} (known: {known})",
                source=self.source,
                position=name.position,
                code="unknown_function",
            )
        self.expect("OP", "(", "'('")
        args: list[Node] = []
        with self.nested():
            if not self.at("OP", ")"):
                args.append(self.or_expr())
                while self.accept("OP", ","):
                    args.append(self.or_expr())
            self.expect("OP", ")", "')' to close the call")
        _, minimum, maximum = FUNCTIONS[name.text]
        if len(args) < minimum or (maximum is not None and len(args) > maximum):
            expected = str(minimum) if minimum == maximum else f"at least {minimum}"
            raise ExpressionError(
                f"{name.text}() takes {expected} argument{'' if minimum == 1 else 's'}, got {len(args)}",
                source=self.source,
                position=name.position,
                code="wrong_argument_count",
            )
        return Call(name.text, tuple(args), name.position)

    def nested(self) -> _Depth:
        return _Depth(self)


class _Depth:
    """Bounds nesting so that a hostile condition cannot exhaust the stack."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            self.parser.fail(f"the condition nests deeper than {MAX_DEPTH} levels", code="too_deep")

    def __exit__(self, *exc_info: object) -> None:
        self.parser.depth -= 1
