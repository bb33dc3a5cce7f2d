"""Codes for option sets, options, rules and tables, made from third-party names.

Option set codes must be identifiers of the condition language (letters, digits and ``_``, not
starting with a digit, not a keyword). :func:`identifier` makes one from any name, deterministically:
accents are dropped (``für`` -> ``fur``, ``Größe`` -> ``Grosse``), every other run of characters that
is not a letter, a digit or ``_`` becomes one ``_``, a leading digit gets an ``f_`` prefix, a keyword
gets a ``_`` suffix, and long names are cut. :class:`Codes` hands out codes that never collide, in
the order the names are met: ``Front light``, ``Front_light``, ``Front-light`` become
``Front_light``, ``Front_light_2``, ``Front_light_3``.
"""

from __future__ import annotations

import re
import unicodedata

from configurator.engine.expressions.tokenizer import KEYWORDS

#: Option set codes are limited to 64 characters by the product document.
MAX_CODE = 64
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]+")
#: Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Ø": "O",
        "ø": "o",
        "Œ": "OE",
        "œ": "oe",
        "Đ": "D",
        "đ": "d",
        "Ł": "L",
        "ł": "l",
        "Þ": "Th",
        "þ": "th",
    }
)


def identifier(name: str, *, prefix: str = "f_") -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", name.translate(_LETTERS)).encode("ascii", "ignore").decode("ascii")
    )
    code = _NOT_WORD.sub("_", ascii_name).strip("_")
    if not code:
        code = prefix.rstrip("_") or "x"
    if code[0].isdigit():
        code = prefix + code
    if code in KEYWORDS:
        code += "_"
    return code[:MAX_CODE]


class Codes:
    """Unique codes in one namespace, handed out in a deterministic order."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self.used: set[str] = set(reserved)

    def take(self, base: str) -> str:
        base = base[:MAX_CODE]
        code, number = base, 1
        while code in self.used:
            number += 1
            suffix = f"_{number}"
            code = base[: MAX_CODE - len(suffix)] + suffix
        self.used.add(code)
        return code

    def identifier(self, name: str, *, prefix: str = "f_") -> str:
        return self.take(identifier(name, prefix=prefix))


def display_name(name: str, limit: int = 200) -> str:
    """A name as the product document takes it: stripped, one line, at most ``limit`` characters."""
    text = " ".join(name.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clause_text(negative: list[str], positive: list[str]) -> str:
    """A clause (``not a or not b or c or d``) as a message: ``"a" and "b" need "c" or "d"``."""
    needs = " or ".join(f'"{name}"' for name in positive)
    given = " and ".join(f'"{name}"' for name in negative)
    if not negative:
        return f"Choose {needs}" if len(positive) > 1 else f"{needs} is required"
    if not positive:
        return f"{given} cannot be combined" if len(negative) > 1 else f"{given} is not available"
    return f"{given} {'need' if len(negative) > 1 else 'needs'} {needs}"
