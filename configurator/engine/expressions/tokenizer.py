"""Split a condition into tokens with a small table of named regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ExpressionError

KEYWORDS = frozenset({"and", "or", "not", "in", "True", "False"})

_TOKEN_PATTERNS: tuple[tuple[str, str], ...] = (
    ("WS", r"\s+"),
    ("NUMBER", r"\d+(?:\.\d+)?|\.\d+"),
    ("STRING", r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""),
    ("OP", r"==|!=|<=|>=|<|>|\+|-|\*|\(|\)|,"),
    ("NAME", r"[A-Za-z_][A-Za-z0-9_]*"),
)
_TOKEN_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKEN_PATTERNS))
_ESCAPE_RE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NUMBER, STRING, OP, NAME, KEYWORD or END
    text: str
    position: int

    @property
    def value(self) -> str:
        """The text of a STRING token without quotes and escapes."""
        return _ESCAPE_RE.sub(r"\1", self.text[1:-1])


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN_RE.match(source, position)
        if match is None:
            raise ExpressionError(
                _unexpected(source, position), source=source, position=position, code="unexpected_character"
            )
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "NAME" and text in KEYWORDS:
            kind = "KEYWORD"
        if kind != "WS":
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("END", "", len(source)))
    return tokens


def _unexpected(source: str, position: int) -> str:
    char = source[position]
    if char == "=":
        return "use '==' to compare"
    if char in "'\"":
        return "string is not closed"
    return f"unexpected character {char!r}"
