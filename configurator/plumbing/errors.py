"""One tree of application errors. The API renders every one of them, and DRF's own, as
``{"code", "message", "fields"}`` where ``fields`` maps a field path to ``[{"code", "message"}]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

FieldErrors = dict[str, list[dict[str, str]]]


class AtelierError(Exception):
    status_code = 400
    default_code = "invalid"
    default_message = "The request is not valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[dict[str, str] | str]] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.fields: FieldErrors = {
            path: [item if isinstance(item, dict) else {"code": self.code, "message": item} for item in items]
            for path, items in (fields or {}).items()
        }
        super().__init__(self.message)

    @classmethod
    def for_field(cls, path: str, message: str, *, code: str | None = None) -> AtelierError:
        error_code = code or cls.default_code
        return cls(
            f"{path}: {message}", code=error_code, fields={path: [{"code": error_code, "message": message}]}
        )


class ValidationFailed(AtelierError):
    status_code = 400
    default_code = "invalid"


class NotFound(AtelierError):
    status_code = 404
    default_code = "not_found"
    default_message = "Not found."


class PermissionDenied(AtelierError):
    status_code = 403
    default_code = "permission_denied"
    default_message = "You do not have permission to do this."


class Conflict(AtelierError):
    status_code = 409
    default_code = "conflict"
    default_message = "The request conflicts with the current state."


class QuoteExpired(Conflict):
    default_code = "quote_expired"
    default_message = "This quote has expired; ask for a new one."


class InvalidTransition(Conflict):
    default_code = "invalid_transition"


class IdempotencyKeyReused(AtelierError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request."


class PayloadTooLargeError(AtelierError):
    status_code = 413
    default_code = "payload_too_large"
    default_message = "The request body is too large."


class ServiceUnavailable(AtelierError):
    status_code = 503
    default_code = "unavailable"
    default_message = "The service is temporarily unavailable; try again shortly."
