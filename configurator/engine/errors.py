"""Errors raised by the engine. Each carries a stable ``code``; expression errors carry a position."""

from __future__ import annotations


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ExpressionError(EngineError):
    """A condition that cannot be parsed or does not fit the model.

    ``position`` is a 0-based offset into ``source``; ``str()`` shows a caret under it.
    """

    code = "invalid_expression"

    def __init__(self, reason: str, *, source: str, position: int, code: str | None = None) -> None:
        super().__init__(reason, code=code)
        self.reason = reason
        self.source = source
        self.position = position

    @property
    def column(self) -> int:
        return self.position + 1

    def __str__(self) -> str:
        return f"{self.reason} at column {self.column}\n    {self.source}\n    {' ' * self.position}^"


class ModelError(EngineError):
    """A product model that cannot be compiled; ``issues`` lists every problem found."""

    code = "invalid_model"

    def __init__(self, issues: list) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{issue.path}: {issue.message}" for issue in issues))


class SelectionError(EngineError):
    """A selection that does not fit its option set (unknown set or value, wrong type, out of range)."""

    code = "invalid_selection"

    def __init__(self, errors: dict[str, list[tuple[str, str]]]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(f"{field}: {message}" for field, items in errors.items() for _, message in items)
        )


class NotBlockedError(EngineError):
    """Asked why a value is blocked when it is not: it can be chosen (or is chosen already)."""

    code = "not_blocked"
