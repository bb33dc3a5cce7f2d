"""Errors of the importers: every one names the file and the line or element at fault."""

from __future__ import annotations

from configurator.plumbing.errors import ErrorCode, FieldErrorCode, InvalidInputError, field_error


class ModelFileError(InvalidInputError):
    """A model file that cannot be imported: malformed, unsupported or too large.

    ``str()`` reads ``megane.xml:12: <relation name="R3">: tuple 4 has 3 values, the arity is 2``:
    the source, the line and column (when known), the element (when known) and the reason."""

    default_code = ErrorCode.INVALID_MODEL_FILE

    def __init__(
        self,
        reason: str,
        *,
        source: str,
        line: int | None = None,
        column: int | None = None,
        element: str | None = None,
        code: FieldErrorCode | str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.element = element
        where = source if line is None else f"{source}:{line}"
        if line is not None and column is not None:
            where += f":{column}"
        message = f"{where}: {element}: {reason}" if element else f"{where}: {reason}"
        path = "file" if line is None else f"file:{line}"
        super().__init__(message, fields={path: [field_error(code or self.default_code.value, message)]})


class UnsupportedModelError(ModelFileError):
    """Valid in its format, but uses something that has no exact product-document equivalent."""

    default_code = ErrorCode.UNSUPPORTED_MODEL


class ModelTooLargeError(ModelFileError):
    """Larger than a documented importer limit (see docs/importers.md)."""

    default_code = ErrorCode.MODEL_TOO_LARGE


class MissingDependencyError(ModelFileError):
    """An optional package the format needs is not installed."""

    default_code = ErrorCode.MISSING_DEPENDENCY
