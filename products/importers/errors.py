"""Errors of the importers: every one names the file and the line or element at fault."""

from __future__ import annotations

from configurator.plumbing.errors import ValidationFailed


class ModelFileError(ValidationFailed):
    """A model file that cannot be imported: malformed, unsupported or too large.

    ``str()`` reads ``megane.xml:12: <relation name="R3">: tuple 4 has 3 values, the arity is 2``:
    the source, the line and column (when known), the element (when known) and the reason."""

    default_code = "invalid_model_file"

    def __init__(
        self,
        reason: str,
        *,
        source: str,
        line: int | None = None,
        column: int | None = None,
        element: str | None = None,
        code: str | None = None,
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
        super().__init__(
            message, code=code, fields={path: [{"code": code or self.default_code, "message": message}]}
        )


class UnsupportedModelError(ModelFileError):
    """Valid in its format, but uses something that has no exact product-document equivalent."""

    default_code = "unsupported_model"


class ModelTooLargeError(ModelFileError):
    """Larger than a documented importer limit (see docs/importers.md)."""

    default_code = "model_too_large"


class MissingDependencyError(ModelFileError):
    """An optional package the format needs is not installed."""

    default_code = "missing_dependency"
