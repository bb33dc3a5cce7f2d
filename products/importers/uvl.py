"""UVL (Universal Variability Language) models, read with the maintained ``uvlparser`` package.

``uvlparser`` is GPLv3, so it is an optional extra (``pip install -e '.[uvl]'``) imported only when
a UVL model is read. Its ANTLR lexer re-computes its start state for every token (a semantic
predicate on NEWLINE keeps the runtime from caching it), which makes it about 25 times slower than
it needs to be on large models; :func:`_lexer_class` caches the start state once the lexer has left
the beginning of the input, where the predicate can no longer hold. The tokens are the same (a
test compares them).

Supported: Boolean feature models (``mandatory``, ``optional``, ``alternative``, ``or``,
``[n..m]`` groups, attributes, constraints with ``! & | => <=>``), a ``Price`` attribute as the
feature's price, ``String`` features as text sets. Refused with the line: imports, feature
cardinalities (clones), ``Integer``/``Real`` features, and equations or aggregates (``sum``,
``avg``, ``len``, comparisons) in constraints, which have no exact product-document equivalent.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from .base import ImportedModel, ProductInfo, read_source
from .errors import MissingDependencyError, ModelFileError, ModelTooLargeError, UnsupportedModelError
from .featuremodel import Constraint, Feature, FeatureModel, Group, feature_model_document
from .formula import And, Formula, Iff, Implies, Not, Or, Var

INSTALL_HINT = "pip install -e '.[uvl]'"


def read_uvl(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> dict:
    """A product document from a UVL model (``Path``: a file; ``str``/``bytes``: the model's text)."""
    return load_uvl(source, filename=filename, info=info).document


def load_uvl(
    source: str | bytes | Path, *, filename: str | None = None, info: ProductInfo | None = None
) -> ImportedModel:
    text, name = read_source(source, filename=filename)
    return feature_model_document(parse_uvl(text, name), info or ProductInfo())


#: Deepest nesting of parentheses (and attribute braces) read; deeper models are refused before
#: parsing (the parser's time grows steeply with depth: 1,000 levels took 6.6 s, 20,000 minutes).
MAX_NESTING = 100
_NESTING_MARKS = re.compile(r"[(){}\"'\n]")


def parse_uvl(text: str, source: str = "<model>") -> FeatureModel:
    check_nesting(text, source)
    tree = _parse_tree(text, source)
    return _Reader(source).model(tree)


def check_nesting(text: str, source: str = "<model>") -> None:
    """Refuse a model whose parentheses or braces nest deeper than :data:`MAX_NESTING`, naming the
    line where it goes too deep; quoted names and strings are skipped."""
    depth = 0
    line = 1
    quote = ""
    for match in _NESTING_MARKS.finditer(text):
        character = match.group()
        if character == "\n":
            line += 1
        elif quote:
            if character == quote:
                quote = ""
        elif character in "\"'":
            quote = character
        elif character in "({":
            depth += 1
            if depth > MAX_NESTING:
                raise ModelTooLargeError(
                    f"parentheses or braces nest deeper than {MAX_NESTING} levels",
                    source=source,
                    line=line,
                )
        elif depth:
            depth -= 1


# -- uvlparser ---------------------------------------------------------------------------------


@cache
def _runtime() -> dict[str, Any]:
    try:
        from antlr4 import CommonTokenStream, InputStream
        from antlr4.atn.LexerATNSimulator import LexerATNSimulator
        from antlr4.dfa.DFA import DFA
        from antlr4.error.ErrorListener import ErrorListener
        from antlr4.PredictionContext import PredictionContextCache
        from uvl.UVLCustomLexer import UVLCustomLexer
        from uvl.UVLPythonParser import UVLPythonParser
    except ImportError as error:
        raise MissingDependencyError(
            f"reading UVL needs the optional package uvlparser (GPLv3), which is not installed "
            f"({error}); install it with: {INSTALL_HINT}",
            source="uvl",
        ) from None

    class CachingSimulator(LexerATNSimulator):
        """Caches the lexer's start state once past the start of the input (see the module doc)."""

        def matchATN(self, input):
            at_start = self.line == 1 and self.column == 0
            closure = self.computeStartState(input, self.atn.modeToStartState[self.mode])
            suppress = closure.hasSemanticContext and at_start
            closure.hasSemanticContext = False
            state = self.addDFAState(closure)
            if not suppress:
                self.decisionToDFA[self.mode].s0 = state
            return self.execATN(input, state)

    class FastLexer(UVLCustomLexer):
        def __init__(self, stream) -> None:
            super().__init__(stream)
            # A DFA of its own: the cached start state must not reach another lexer's first token.
            dfas = [DFA(state, index) for index, state in enumerate(self.atn.decisionToState)]
            self._interp = CachingSimulator(self, self.atn, dfas, PredictionContextCache())

    class QuietParser(UVLPythonParser):
        def checkVersion(self, toolVersion):
            """The generated code says 4.13.2 and the pinned runtime is 4.13.1: the parser would
            print a version notice on stdout for every model."""

    class RaisingListener(ErrorListener):
        def __init__(self, source: str) -> None:
            self.source = source

        def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
            raise ModelFileError(
                f"syntax error: {msg}", source=self.source, line=line, column=column + 1, code="syntax_error"
            )

    return {
        "InputStream": InputStream,
        "CommonTokenStream": CommonTokenStream,
        "FastLexer": FastLexer,
        "Lexer": UVLCustomLexer,
        "Parser": QuietParser,
        "Listener": RaisingListener,
    }


def _parse_tree(text: str, source: str, *, fast: bool = True):
    runtime = _runtime()
    lexer = (runtime["FastLexer"] if fast else runtime["Lexer"])(runtime["InputStream"](text))
    listener = runtime["Listener"](source)
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = runtime["Parser"](runtime["CommonTokenStream"](lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    return parser.featureModel()


def tokens(text: str, *, fast: bool = True) -> list[tuple[int, str, int, int]]:
    """The token stream (type, text, line, column): lets a test compare the fast lexer with the stock one."""
    runtime = _runtime()
    lexer = (runtime["FastLexer"] if fast else runtime["Lexer"])(runtime["InputStream"](text))
    stream = runtime["CommonTokenStream"](lexer)
    stream.fill()
    return [(token.type, token.text, token.line, token.column) for token in stream.tokens]


# -- the parse tree ----------------------------------------------------------------------------

_GROUP_KINDS = {
    "MandatoryGroupContext": "mandatory",
    "OptionalGroupContext": "optional",
    "AlternativeGroupContext": "alternative",
    "OrGroupContext": "or",
    "CardinalityGroupContext": "cardinality",
}
_BINARY = {
    "AndConstraintContext": And,
    "OrConstraintContext": Or,
}


def _name(ctx) -> str:
    """A reference's name: ids joined by dots, quotes removed."""
    parts = []
    for ident in ctx.id_():
        text = ident.getText()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        parts.append(text)
    return ".".join(parts)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.constraints: list[Constraint] = []
        self.lines: list[str] = []

    def fail(self, ctx, reason: str, *, error: type[ModelFileError] = ModelFileError) -> ModelFileError:
        return error(reason, source=self.source, line=ctx.start.line if ctx is not None else None)

    def model(self, tree) -> FeatureModel:
        imports = tree.imports()
        if imports is not None and imports.importLine():
            raise self.fail(
                imports,
                "imports of other models are not supported; merge them into one file",
                error=UnsupportedModelError,
            )
        features = tree.features()
        if features is None:
            raise self.fail(tree, "the model has no features section")
        root = self.feature(features.feature())
        section = tree.constraints()
        if section is not None:
            for line in section.constraintLine():
                self.add_constraint(line.constraint())
        namespace = tree.namespace()
        name = _name(namespace.reference()) if namespace is not None else None
        return FeatureModel(root=root, constraints=self.constraints, source=self.source, name=name)

    def feature(self, ctx) -> Feature:
        # Iterative (deep trees must not exhaust the stack): build parents first, attach children.
        root = self.make_feature(ctx)
        stack = [(ctx, root)]
        while stack:
            node, feature = stack.pop()
            for group_ctx in node.group():
                kind = _GROUP_KINDS[type(group_ctx).__name__]
                group = Group(kind=kind, children=[], line=group_ctx.start.line)
                if kind == "cardinality":
                    group.low, group.high = self.cardinality(group_ctx, group_ctx.CARDINALITY().getText())
                for child_ctx in group_ctx.groupSpec().feature():
                    child = self.make_feature(child_ctx)
                    group.children.append(child)
                    stack.append((child_ctx, child))
                feature.groups.append(group)
        return root

    def make_feature(self, ctx) -> Feature:
        name = _name(ctx.reference())
        feature = Feature(name=name, line=ctx.start.line)
        if ctx.featureCardinality() is not None:
            raise self.fail(
                ctx,
                f"feature {name!r}: feature cardinalities (clones) are not supported",
                error=UnsupportedModelError,
            )
        type_ctx = ctx.featureType()
        if type_ctx is not None:
            type_name = type_ctx.getText()
            if type_name == "String":
                feature.type = "string"
            elif type_name != "Boolean":
                raise self.fail(
                    ctx,
                    f"feature {name!r}: {type_name} features are not supported (a number "
                    "needs bounds the model does not give)",
                    error=UnsupportedModelError,
                )
        attributes = ctx.attributes()
        if attributes is not None:
            self.attributes(feature, attributes)
        return feature

    def attributes(self, feature: Feature, ctx) -> None:
        for attribute in ctx.attribute():
            value_ctx = attribute.valueAttribute()
            if value_ctx is None:
                constraint_ctx = attribute.constraintAttribute()
                if hasattr(constraint_ctx, "constraint") and callable(constraint_ctx.constraint):
                    self.add_constraint(constraint_ctx.constraint())
                else:
                    for item in constraint_ctx.constraintList().constraint():
                        self.add_constraint(item)
                continue
            key = value_ctx.key().getText().strip('"')
            value = value_ctx.value()
            text = value.getText() if value is not None else None
            if key == "abstract":
                feature.abstract = text in (None, "true")
            elif key.lower() == "price":
                if value is None or (value.FLOAT() is None and value.INTEGER() is None):
                    raise self.fail(
                        value_ctx, f"feature {feature.name!r}: Price must be a number, not {text}"
                    )
                try:
                    feature.price = Decimal(value.getText())
                except InvalidOperation:
                    raise self.fail(
                        value_ctx, f"feature {feature.name!r}: Price {text} is not a number"
                    ) from None
            elif key.lower() == "description" and value is not None and value.STRING() is not None:
                feature.description = value.getText()[1:-1]

    def cardinality(self, ctx, text: str) -> tuple[int, int | None]:
        inner = text.strip()[1:-1]
        low_text, _, high_text = inner.partition("..")
        if not _:
            high_text = low_text
        try:
            low = 0 if low_text.strip() == "*" else int(low_text)
            high = None if high_text.strip() == "*" else int(high_text)
        except ValueError:
            raise self.fail(ctx, f"group cardinality {text} is not [n..m]") from None
        if high is not None and high < low:
            raise self.fail(ctx, f"group cardinality {text}: the upper bound is below the lower one")
        return low, high

    def add_constraint(self, ctx) -> None:
        line = ctx.start.line
        text = ctx.start.getInputStream().getText(ctx.start.start, ctx.stop.stop)
        self.constraints.append(Constraint(self.formula(ctx), text, line=line))

    def formula(self, ctx) -> Formula:
        kind = type(ctx).__name__
        if kind == "LiteralConstraintContext":
            return Var(_name(ctx.reference()))
        if kind == "ParenthesisConstraintContext":
            return self.formula(ctx.constraint())
        if kind == "NotConstraintContext":
            return Not(self.formula(ctx.constraint()))
        if kind in _BINARY:
            operator = _BINARY[kind]
            operands: list[Formula] = []
            pending = [ctx]
            while pending:  # a flat chain a | b | c | ... without deep recursion
                node = pending.pop()
                if type(node).__name__ == kind:
                    pending.extend(reversed(node.constraint()))
                elif type(node).__name__ == "ParenthesisConstraintContext" and (
                    type(node.constraint()).__name__ == kind
                ):
                    pending.append(node.constraint())
                else:
                    operands.append(self.formula(node))
            return operator(tuple(operands))
        if kind == "ImplicationConstraintContext":
            return Implies(self.formula(ctx.constraint(0)), self.formula(ctx.constraint(1)))
        if kind == "EquivalenceConstraintContext":
            return Iff(self.formula(ctx.constraint(0)), self.formula(ctx.constraint(1)))
        if kind == "EquationConstraintContext":
            raise self.fail(
                ctx,
                f"{ctx.getText()!r}: equations and aggregate functions (sum, avg, len, "
                "attribute comparisons) are not supported",
                error=UnsupportedModelError,
            )
        raise self.fail(ctx, f"unsupported constraint {ctx.getText()!r}", error=UnsupportedModelError)
