"""One tree of application errors and one list of their codes.

The API renders every error, ours and DRF's, as ``{"code", "message", "fields"}``: ``code`` is an
:class:`ErrorCode`, ``fields`` maps a field path to ``[{"code", "message", "constraint"}]`` where
``code`` is a :class:`FieldErrorCode` (why the field is wrong) and ``constraint`` names the rule or
table a configuration breaks, if that is why. Both code lists are published as enums in the
OpenAPI schema, so a client can switch on them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from django.db import models


class ErrorCode(models.TextChoices):
    """What went wrong, for programs: the ``code`` of every error response."""

    INVALID = "invalid"
    MALFORMED_REQUEST = "malformed_request"
    REQUEST_TOO_LARGE = "request_too_large"
    INVALID_DOCUMENT = "invalid_document"
    INVALID_DRAFT = "invalid_draft"
    INVALID_MODEL_FILE = "invalid_model_file"
    UNSUPPORTED_MODEL = "unsupported_model"
    MODEL_TOO_LARGE = "model_too_large"
    MODEL_NOT_READY = "model_not_ready"
    MISSING_DEPENDENCY = "missing_dependency"
    INVALID_SELECTION = "invalid_selection"
    INVALID_CONFIGURATION = "invalid_configuration"
    INCONSISTENT_SELECTIONS = "inconsistent_selections"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_LOGIN_ATTEMPTS = "too_many_login_attempts"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    CSRF_FAILED = "csrf_failed"
    NOT_FOUND = "not_found"
    PRODUCT_NOT_FOUND = "product_not_found"
    NOT_PUBLISHED = "not_published"
    VERSION_NOT_FOUND = "version_not_found"
    QUOTE_NOT_FOUND = "quote_not_found"
    ORDER_NOT_FOUND = "order_not_found"
    SAVED_CONFIGURATION_NOT_FOUND = "saved_configuration_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    CONFLICT = "conflict"
    QUOTE_EXPIRED = "quote_expired"
    QUOTE_ALREADY_ORDERED = "quote_already_ordered"
    INVALID_TRANSITION = "invalid_transition"
    PRODUCTION_STARTED = "production_started"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    SERVER_ERROR = "server_error"


class FieldErrorCode(models.TextChoices):
    """Why one field is wrong: the ``code`` of each entry under ``fields``."""

    # Input shape (DRF's and the documents' own)
    REQUIRED = "required"
    NULL = "null"
    BLANK = "blank"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    WRONG_TYPE = "wrong_type"
    NOT_A_LIST = "not_a_list"
    NOT_A_DICT = "not_a_dict"
    EMPTY = "empty"
    MAX_LENGTH = "max_length"
    MIN_LENGTH = "min_length"
    MAX_VALUE = "max_value"
    MIN_VALUE = "min_value"
    MAX_DIGITS = "max_digits"
    MAX_DECIMAL_PLACES = "max_decimal_places"
    MAX_WHOLE_DIGITS = "max_whole_digits"
    MAX_STRING_LENGTH = "max_string_length"
    DATE = "date"
    DATETIME = "datetime"
    MAKE_AWARE = "make_aware"
    OVERFLOW = "overflow"
    UNKNOWN_FIELD = "unknown_field"
    TOO_LONG = "too_long"
    TOO_SMALL = "too_small"
    TOO_MANY = "too_many"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE = "negative"
    NOT_POSITIVE = "not_positive"
    BELOW_MINIMUM = "below_minimum"
    INVALID_VALUE = "invalid_value"
    WRONG_KIND = "wrong_kind"
    UNEXPECTED = "unexpected"
    PATTERN = "pattern"
    COUNT = "count"
    DOMAIN_TOO_LARGE = "domain_too_large"
    # Codes and references inside a product document
    DUPLICATE = "duplicate"
    DUPLICATE_CODE = "duplicate_code"
    DUPLICATE_OPTION = "duplicate_option"
    DUPLICATE_OPTION_SET = "duplicate_option_set"
    INVALID_CODE = "invalid_code"
    INVALID_PATTERN = "invalid_pattern"
    NO_OPTIONS = "no_options"
    UNKNOWN_OPTION = "unknown_option"
    UNKNOWN_OPTION_SET = "unknown_option_set"
    AMOUNT_OR_PERCENT = "amount_or_percent"
    ROW_LENGTH = "row_length"
    MANDATORY = "mandatory"
    ARITY = "arity"
    # Conditions (the expression language)
    SYNTAX_ERROR = "syntax_error"
    UNEXPECTED_CHARACTER = "unexpected_character"
    EXPECTED_TOKEN = "expected_token"
    EXPECTED_VALUE = "expected_value"
    TRAILING_INPUT = "trailing_input"
    TOO_DEEP = "too_deep"
    UNKNOWN_FUNCTION = "unknown_function"
    WRONG_ARGUMENT_COUNT = "wrong_argument_count"
    NOT_A_CONDITION = "not_a_condition"
    NOT_TEXT = "not_text"
    TEXT_COMPARISON = "text_comparison"
    MISPLACED_TUPLE = "misplaced_tuple"
    RULE_TOO_LARGE = "rule_too_large"
    INVALID_EXPRESSION = "invalid_expression"
    # Model files
    INVALID_MODEL_FILE = "invalid_model_file"
    UNSUPPORTED_MODEL = "unsupported_model"
    MODEL_TOO_LARGE = "model_too_large"
    MISSING_DEPENDENCY = "missing_dependency"
    UNREADABLE = "unreadable"
    INVALID_JSON = "invalid_json"
    # Configurations
    NOT_CHOSEN = "not_chosen"
    CONSTRAINT_VIOLATED = "constraint_violated"
    INCONSISTENT = "inconsistent"
    NOT_SUPPORTED = "not_supported"
    DOES_NOT_EXIST = "does_not_exist"


class FieldError(TypedDict):
    code: str
    message: str
    constraint: str | None


FieldErrors = dict[str, list[FieldError]]

_FIELD_CODES = frozenset(FieldErrorCode.values)


def field_error(code: str, message: str, *, constraint: str | None = None) -> FieldError:
    """One field error; a code outside :class:`FieldErrorCode` is reported as ``invalid``."""
    return {
        "code": code if code in _FIELD_CODES else FieldErrorCode.INVALID,
        "message": message,
        "constraint": constraint,
    }


class AtelierError(Exception):
    """The base of every error the API renders; subclasses set the status and the default code."""

    status_code = 400
    default_code: ErrorCode = ErrorCode.INVALID
    default_message = "The request is not valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: ErrorCode | None = None,
        fields: Mapping[str, Sequence[FieldError | str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code: ErrorCode = code or self.default_code
        self.fields: FieldErrors = {
            path: [
                field_error(item["code"], item["message"], constraint=item.get("constraint"))
                if isinstance(item, dict)
                else field_error(FieldErrorCode.INVALID, item)
                for item in items
            ]
            for path, items in (fields or {}).items()
        }
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.message)

    @classmethod
    def for_field(
        cls,
        path: str,
        message: str,
        *,
        field_code: FieldErrorCode = FieldErrorCode.INVALID,
        code: ErrorCode | None = None,
    ) -> AtelierError:
        """An error about one field: ``path: message``."""
        return cls(f"{path}: {message}", code=code, fields={path: [field_error(field_code, message)]})


class InvalidInputError(AtelierError):
    status_code = 400
    default_code = ErrorCode.INVALID


class PermissionDeniedError(AtelierError):
    status_code = 403
    default_code = ErrorCode.PERMISSION_DENIED
    default_message = "You do not have permission to do this."


class NotFoundError(AtelierError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND
    default_message = "Not found."


class ConflictError(AtelierError):
    status_code = 409
    default_code = ErrorCode.CONFLICT
    default_message = "The request conflicts with the current state."


class QuoteExpiredError(ConflictError):
    default_code = ErrorCode.QUOTE_EXPIRED
    default_message = "This quote has expired; ask for a new one."


class InvalidTransitionError(ConflictError):
    default_code = ErrorCode.INVALID_TRANSITION


class IdempotencyKeyReusedError(AtelierError):
    status_code = 422
    default_code = ErrorCode.IDEMPOTENCY_KEY_REUSED
    default_message = "This Idempotency-Key was used with a different request."


class RequestTooLargeError(AtelierError):
    status_code = 413
    default_code = ErrorCode.REQUEST_TOO_LARGE
    default_message = "The request body is too large."


class TooManyRequestsError(AtelierError):
    """Throttled: ``Retry-After`` says when to try again."""

    status_code = 429
    default_code = ErrorCode.THROTTLED
    default_message = "Too many requests; try again later."


class ServiceUnavailableError(AtelierError):
    status_code = 503
    default_code = ErrorCode.UNAVAILABLE
    default_message = "The service is temporarily unavailable; try again shortly."


class ModelNotReadyError(ServiceUnavailableError):
    """A large product version whose compiled model this host does not have yet: a worker is
    compiling it. Never compiled in the request."""

    default_code = ErrorCode.MODEL_NOT_READY
    default_message = "This product is being prepared; try again in a few seconds."

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
