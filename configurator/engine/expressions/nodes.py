"""The expression tree. Nodes are small ``__slots__`` classes; ``evaluate`` works on a complete
assignment (option set code -> engine value) and never calls ``eval``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Type(StrEnum):
    """What a node stands for, filled in by :func:`check`."""

    BOOL = "condition"
    NUMBER = "number"
    STRING = "string"
    SYMBOL = "single choice"
    SET = "multiple choice"
    TEXT = "text"
    TUPLE = "tuple"


class Node:
    __slots__ = ("position", "type")

    def __init__(self, position: int) -> None:
        self.position = position
        self.type: Type | None = None

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()

    def names(self) -> frozenset[str]:
        """The option set codes the expression reads."""
        return frozenset(node.code for node in self.walk() if isinstance(node, Name))

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        raise NotImplementedError


class Literal(Node):
    __slots__ = ("value",)

    def __init__(self, value: Decimal | str | bool, position: int) -> None:
        super().__init__(position)
        self.value = value

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


class Name(Node):
    __slots__ = ("code",)

    def __init__(self, code: str, position: int) -> None:
        super().__init__(position)
        self.code = code

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return env[self.code]

    def __repr__(self) -> str:
        return f"Name({self.code!r})"


def code_of(node: Node) -> str:
    """The option set a name node reads (the checker puts names where codes are needed)."""
    assert isinstance(node, Name), node
    return node.code


def value_of(node: Node) -> Any:
    """The value of a literal node."""
    assert isinstance(node, Literal), node
    return node.value


class TupleLiteral(Node):
    __slots__ = ("items",)

    def __init__(self, items: tuple[Node, ...], position: int) -> None:
        super().__init__(position)
        self.items = items

    def children(self) -> tuple[Node, ...]:
        return self.items

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return tuple(item.evaluate(env) for item in self.items)

    def __repr__(self) -> str:
        return f"TupleLiteral({list(self.items)!r})"


def _count(*chosen: frozenset | str | None) -> Decimal:
    """The options chosen across single and multiple choices: a single choice counts one when it
    has an option, none when it is none."""
    return Decimal(sum(len(value) if isinstance(value, frozenset) else value is not None for value in chosen))


def _length(value: str) -> Decimal:
    return Decimal(len(value))


#: name -> (implementation, minimum arguments, maximum arguments or None)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "count": (_count, 1, None),
    "len": (_length, 1, 1),
    "min": (min, 2, None),
    "max": (max, 2, None),
    "abs": (abs, 1, 1),
}


class Call(Node):
    __slots__ = ("args", "function")

    def __init__(self, function: str, args: tuple[Node, ...], position: int) -> None:
        super().__init__(position)
        self.function = function
        self.args = args

    def children(self) -> tuple[Node, ...]:
        return self.args

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        implementation = FUNCTIONS[self.function][0]
        return implementation(*(arg.evaluate(env) for arg in self.args))

    def __repr__(self) -> str:
        return f"Call({self.function!r}, {list(self.args)!r})"


class Not(Node):
    __slots__ = ("operand",)

    def __init__(self, operand: Node, position: int) -> None:
        super().__init__(position)
        self.operand = operand

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return not self.operand.evaluate(env)

    def __repr__(self) -> str:
        return f"Not({self.operand!r})"


class Negate(Node):
    __slots__ = ("operand",)

    def __init__(self, operand: Node, position: int) -> None:
        super().__init__(position)
        self.operand = operand

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return -self.operand.evaluate(env)

    def __repr__(self) -> str:
        return f"Negate({self.operand!r})"


class BoolOp(Node):
    """``and`` / ``or`` over two or more operands."""

    __slots__ = ("op", "operands")

    def __init__(self, op: str, operands: tuple[Node, ...], position: int) -> None:
        super().__init__(position)
        self.op = op
        self.operands = operands

    def children(self) -> tuple[Node, ...]:
        return self.operands

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        if self.op == "and":
            return all(operand.evaluate(env) for operand in self.operands)
        return any(operand.evaluate(env) for operand in self.operands)

    def __repr__(self) -> str:
        return f"BoolOp({self.op!r}, {list(self.operands)!r})"


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


class _Binary(Node):
    """``left op right`` with ``op`` one of the class's ``OPERATORS``."""

    __slots__ = ("left", "op", "right")
    OPERATORS: dict[str, Callable[[Any, Any], Any]] = {}

    def __init__(self, op: str, left: Node, right: Node, position: int) -> None:
        super().__init__(position)
        self.op = op
        self.left = left
        self.right = right

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return self.OPERATORS[self.op](self.left.evaluate(env), self.right.evaluate(env))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.op!r}, {self.left!r}, {self.right!r})"


class Arithmetic(_Binary):
    __slots__ = ()
    OPERATORS = ARITHMETIC


class Compare(_Binary):
    """One binary comparison; chains such as ``1 <= x <= 5`` parse into ``and`` of two."""

    __slots__ = ()
    OPERATORS = COMPARISONS
