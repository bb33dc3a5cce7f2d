"""Text patterns, run with RE2 (``google-re2``): matching takes time linear in the text whatever
the pattern, so a staff-written ``(a|aa)+b`` cannot make a customer's request hang the way Python's
backtracking ``re`` does (17 s on a 30-character text).

RE2 has no look-arounds and no back references; such patterns are refused when a model is checked
(:func:`pattern_error`). ``\\d``, ``\\w`` and ``\\s`` match ASCII only, as a pattern for codes and
engravings usually means. The lengths a pattern allows are still read from its syntax tree
(:func:`.domains.text_lengths`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

#: Longest pattern accepted in a model.
MAX_PATTERN_LENGTH = 1_000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported to staff by pattern_error, not printed


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (None: it can)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is limited to {MAX_PATTERN_LENGTH} characters"
    try:
        _compiled(pattern)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode(errors="replace")
        return (
            f"not a regular expression the linear-time matcher accepts ({reason}); look-arounds "
            "and back references are not supported"
        )
    return None


def full_match(pattern: str, text: str) -> bool:
    """Whether all of ``text`` matches ``pattern`` (a pattern :func:`pattern_error` accepts)."""
    return _compiled(pattern).fullmatch(text) is not None
