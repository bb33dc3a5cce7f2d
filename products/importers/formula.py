"""Propositional formulas over features, and their translation into product-document rules.

Readers build :class:`Formula` trees over feature names (``Var``); the mapping replaces each name
by the :class:`Lit` that stands for "this feature is selected" in the product (a yes/no set, an
option of a single or multiple choice, a non-empty text, or the constant true for the root and the
features that come with it), folds constants, and renders rules in the condition language of
docs/product-format.md. Rendering merges literals over one single choice (``frame in ('a', 'b')``),
flattens ``and``/``or`` chains, and splits a rule that would exceed the condition language's length
limit into several equivalent rules where that is possible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from configurator.engine.expressions.parser import MAX_DEPTH, MAX_SOURCE_LENGTH


class Formula:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Const(Formula):
    value: bool


TRUE = Const(True)
FALSE = Const(False)


@dataclass(frozen=True, slots=True)
class Var(Formula):
    name: str


@dataclass(frozen=True, slots=True)
class Not(Formula):
    operand: Formula


@dataclass(frozen=True, slots=True)
class And(Formula):
    operands: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Or(Formula):
    operands: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Implies(Formula):
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Iff(Formula):
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Lit(Formula):
    """What "feature selected" (or, negated, "not selected") is in the product.

    ``kind``: ``bool`` (a yes/no set), ``single`` / ``multi`` (``option`` of a single or multiple
    choice), ``text`` (a text set, selected when not empty), ``count`` (a multiple choice with at
    least one option, ``option`` unused)."""

    kind: str
    set_code: str
    option: str | None = None
    positive: bool = True

    def negate(self) -> Lit:
        return Lit(self.kind, self.set_code, self.option, not self.positive)

    @property
    def bare(self) -> bool:
        """A plain name, usable on either side of ``==`` without parentheses."""
        return self.kind == "bool" and self.positive

    def render(self) -> str:
        code, option, positive = self.set_code, self.option, self.positive
        if self.kind == "bool":
            return code if positive else f"not {code}"
        if self.kind == "single":
            return f"{code} {'==' if positive else '!='} {quote(option)}"
        if self.kind == "multi":
            return f"{quote(option)} {'in' if positive else 'not in'} {code}"
        if self.kind == "text":
            return f"{code} {'!=' if positive else '=='} ''"
        if self.kind == "count":
            return f"count({code}) {'>' if positive else '=='} 0"
        raise AssertionError(self.kind)


def quote(text: str | None) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def conjunction(items: Iterable[Formula]) -> Formula:
    items = tuple(items)
    return items[0] if len(items) == 1 else And(items)


def disjunction(items: Iterable[Formula]) -> Formula:
    items = tuple(items)
    return items[0] if len(items) == 1 else Or(items)


def variables(formula: Formula) -> Iterator[Var]:
    if isinstance(formula, Var):
        yield formula
    elif isinstance(formula, Not):
        yield from variables(formula.operand)
    elif isinstance(formula, (And, Or)):
        for operand in formula.operands:
            yield from variables(operand)
    elif isinstance(formula, (Implies, Iff)):
        yield from variables(formula.left)
        yield from variables(formula.right)


# -- substitution and folding ------------------------------------------------------------------


def substitute(formula: Formula, literal: Callable[[str], Formula]) -> Formula:
    """Replace every ``Var`` by ``literal(name)`` (a ``Lit`` or a ``Const``) and simplify: constants
    folded, ``and``/``or`` flattened, double negations and negated literals resolved, implications
    turned into disjunctions."""
    if isinstance(formula, Var):
        return literal(formula.name)
    if isinstance(formula, (Const, Lit)):
        return formula
    if isinstance(formula, Not):
        return negate(substitute(formula.operand, literal))
    if isinstance(formula, Implies):
        return substitute(Or((Not(formula.left), formula.right)), literal)
    if isinstance(formula, Iff):
        left, right = substitute(formula.left, literal), substitute(formula.right, literal)
        if isinstance(left, Const):
            return right if left.value else negate(right)
        if isinstance(right, Const):
            return left if right.value else negate(left)
        if left == right:
            return TRUE
        if left == negate(right):
            return FALSE
        return Iff(left, right)
    if isinstance(formula, (And, Or)):
        is_and = isinstance(formula, And)
        absorbing, neutral = (FALSE, TRUE) if is_and else (TRUE, FALSE)
        items: list[Formula] = []
        seen: set[Formula] = set()
        for operand in formula.operands:
            operand = substitute(operand, literal)
            parts = operand.operands if isinstance(operand, type(formula)) else (operand,)
            for part in parts:
                if part == absorbing:
                    return absorbing
                if part == neutral or part in seen:
                    continue
                if negate(part) in seen:
                    return absorbing
                seen.add(part)
                items.append(part)
        if not items:
            return neutral
        return items[0] if len(items) == 1 else type(formula)(tuple(items))
    raise TypeError(f"not a formula: {formula!r}")


def negate(formula: Formula) -> Formula:
    if isinstance(formula, Const):
        return Const(not formula.value)
    if isinstance(formula, Lit):
        return formula.negate()
    if isinstance(formula, Not):
        return formula.operand
    return Not(formula)


# -- rendering ---------------------------------------------------------------------------------

_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Text:
    """A rendered condition and its nesting depth as the condition parser counts it."""

    text: str
    depth: int


def render(formula: Formula) -> Text:
    return _render(formula, 0)


def _group(text: Text, parenthesise: bool) -> Text:
    return Text(f"({text.text})", text.depth + 1) if parenthesise else text


def _render(formula: Formula, context: int) -> Text:
    if isinstance(formula, Const):
        return Text("True" if formula.value else "False", 0)
    if isinstance(formula, Lit):
        return Text(formula.render(), 1 if formula.kind == "bool" and not formula.positive else 0)
    if isinstance(formula, Not):
        inner = _render(formula.operand, _NOT)
        return _group(Text(f"not {inner.text}", inner.depth + 1), context > _NOT)
    if isinstance(formula, Iff):
        sides = []
        for side in (formula.left, formula.right):
            if isinstance(side, Lit) and side.bare:
                sides.append(Text(side.render(), 0))
            else:
                sides.append(_group(_render(side, 0), True))
        return Text(f"{sides[0].text} == {sides[1].text}", max(side.depth for side in sides))
    if isinstance(formula, (And, Or)):
        is_and = isinstance(formula, And)
        level = _AND if is_and else _OR
        parts = [_render(part, level) for part in _merge(formula.operands, is_and)]
        joined = Text(
            (" and " if is_and else " or ").join(part.text for part in parts),
            max(part.depth for part in parts),
        )
        return _group(joined, context > level)
    if isinstance(formula, _Membership):
        return Text(formula.render(), 1)
    raise TypeError(f"cannot render {formula!r}")


@dataclass(frozen=True, slots=True)
class _Membership(Formula):
    """``code in ('a', 'b')`` (or ``not in``): several literals of one single choice, merged."""

    set_code: str
    options: tuple[str | None, ...]
    positive: bool

    def render(self) -> str:
        items = ", ".join(quote(option) for option in self.options)
        if len(self.options) == 1:
            items += ","
        return f"{self.set_code} {'in' if self.positive else 'not in'} ({items})"


def _merge(operands: tuple[Formula, ...], is_and: bool) -> list[Formula]:
    """In an ``or``, literals ``S == 'a'``, ``S == 'b'`` become ``S in ('a', 'b')``; in an ``and``,
    ``S != 'a'``, ``S != 'b'`` become ``S not in ('a', 'b')``."""
    wanted = not is_and
    groups: dict[str, list[str | None]] = {}
    for operand in operands:
        if isinstance(operand, Lit) and operand.kind == "single" and operand.positive is wanted:
            groups.setdefault(operand.set_code, []).append(operand.option)
    out: list[Formula] = []
    done: set[str] = set()
    for operand in operands:
        if isinstance(operand, Lit) and operand.kind == "single" and operand.positive is wanted:
            options = groups[operand.set_code]
            if len(options) == 1:
                out.append(operand)
            elif operand.set_code not in done:
                done.add(operand.set_code)
                out.append(_Membership(operand.set_code, tuple(options), wanted))
            continue
        out.append(operand)
    return out


# -- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleText:
    when: str
    require: str


class TooLong(Exception):
    """A constraint that cannot be written within the condition language's limits."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def no_variable(name: str) -> Formula:
    """The ``literal`` of :func:`rules_for` for a formula built from literals: it has no ``Var``."""
    raise TypeError(f"a formula of literals has a variable {name!r}")


def rules_for(formula: Formula, literal: Callable[[str], Formula]) -> list[RuleText]:
    """Equivalent rules (their conjunction is the formula), each within the condition language's
    length and nesting limits. An empty list: the formula always holds. Raises :class:`TooLong`."""
    if isinstance(formula, Implies):
        when, require = substitute(formula.left, literal), substitute(formula.right, literal)
    else:
        when, require = TRUE, substitute(formula, literal)
        literals = _or_of_literals(require)
        if literals:
            negative = [part.negate() for part in literals if not part.positive]
            positive = [part for part in literals if part.positive]
            if negative and positive:
                when, require = conjunction(negative), disjunction(positive)
            elif not positive:
                require = Not(conjunction(negative))  # not (a and b) reads better than not a or not b
    if when == FALSE or require == TRUE:
        return []
    out: list[RuleText] = []
    for when_part in _split(when, Or):
        for require_part in _split(require, And):
            out.append(_rule(when_part, require_part))
    return out


def _or_of_literals(formula: Formula) -> list[Lit]:
    """The operands of an ``or`` made of literals only; empty for any other formula."""
    if not isinstance(formula, Or):
        return []
    literals = [part for part in formula.operands if isinstance(part, Lit)]
    return literals if len(literals) == len(formula.operands) else []


def _split(formula: Formula, kind: type[And] | type[Or]) -> list[Formula]:
    """Parts whose disjunction (kind Or, for ``when``) or conjunction (kind And, for ``require``)
    is the formula, packed greedily so that each renders within the limits."""
    if not isinstance(formula, kind) or _fits(render(formula)):
        return [formula]
    parts: list[Formula] = []
    current: list[Formula] = []
    for operand in formula.operands:
        candidate = [*current, operand]
        if current and not _fits(render(kind(tuple(candidate)))):
            parts.append(current[0] if len(current) == 1 else kind(tuple(current)))
            current = [operand]
        else:
            current = candidate
    parts.append(current[0] if len(current) == 1 else kind(tuple(current)))
    return parts


def _fits(text: Text) -> bool:
    return len(text.text) <= MAX_SOURCE_LENGTH and text.depth < MAX_DEPTH


def _rule(when: Formula, require: Formula) -> RuleText:
    when_text = render(when) if when != TRUE else Text("", 0)
    require_text = render(require)
    for part, text in (("condition", when_text), ("requirement", require_text)):
        if len(text.text) > MAX_SOURCE_LENGTH:
            raise TooLong(
                f"its {part} needs {len(text.text):,} characters in the condition language, "
                f"whose limit is {MAX_SOURCE_LENGTH:,}"
            )
        if text.depth >= MAX_DEPTH:
            raise TooLong(
                f"its {part} nests {text.depth} levels deep; the condition language allows {MAX_DEPTH - 1}"
            )
    return RuleText(when_text.text, require_text.text)
