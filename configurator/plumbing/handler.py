"""The one exception handler: every error, ours and DRF's, as ``{"code", "message", "fields"}``."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from configurator.engine.errors import EngineError, SelectionError

from .errors import AtelierError, ErrorCode, FieldErrorCode, FieldErrors, field_error
from .parsers import body_too_large

logger = logging.getLogger(__name__)


def _flatten(detail: Any, path: str, out: FieldErrors) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = key if not path else (f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
            _flatten(value, child, out)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            for item in detail:
                _flatten(item, path, out)
        else:
            for index, item in enumerate(detail):
                if item:
                    _flatten(item, f"{path}[{index}]", out)
    else:
        code = str(getattr(detail, "code", None) or FieldErrorCode.INVALID)
        if code not in FieldErrorCode.values:
            logger.warning("Unknown field error code %r reported as invalid", code)
        out.setdefault(path or "non_field_errors", []).append(field_error(code, str(detail)))


def field_errors(detail: Any) -> FieldErrors:
    """Turn DRF's nested error detail into ``{"a.b[0].c": [{"code", "message", "constraint"}]}``."""
    out: FieldErrors = {}
    _flatten(detail, "", out)
    return out


def summary(fields: FieldErrors, fallback: str) -> str:
    if not fields:
        return fallback
    path, errors = next(iter(fields.items()))
    text = errors[0]["message"] if path == "non_field_errors" else f"{path}: {errors[0]['message']}"
    more = sum(len(items) for items in fields.values()) - 1
    return f"{text} (and {more} more)" if more else text


def error_body(code: ErrorCode, message: str, fields: FieldErrors | None = None) -> dict[str, Any]:
    return {"code": code.value, "message": message, "fields": fields or {}}


def _response(
    status: int,
    code: ErrorCode,
    message: str,
    fields: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(error_body(code, message, fields), status=status, headers=headers)


#: DRF's own exceptions, by their default code.
_DRF_CODES: dict[str, ErrorCode] = {
    "not_authenticated": ErrorCode.NOT_AUTHENTICATED,
    "authentication_failed": ErrorCode.AUTHENTICATION_FAILED,
    "permission_denied": ErrorCode.PERMISSION_DENIED,
    "not_found": ErrorCode.NOT_FOUND,
    "method_not_allowed": ErrorCode.METHOD_NOT_ALLOWED,
    "not_acceptable": ErrorCode.NOT_ACCEPTABLE,
    "unsupported_media_type": ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    "throttled": ErrorCode.THROTTLED,
    "parse_error": ErrorCode.MALFORMED_REQUEST,
}


def _selection_fields(error: SelectionError) -> FieldErrors:
    return {
        path: [field_error(code, message) for code, message in items] for path, items in error.errors.items()
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Render every error as ``{"code", "message", "fields"}``; an unknown one is a logged 500."""
    set_rollback()
    if isinstance(exc, RequestDataTooBig):  # form fields of a multipart body past Django's limit
        exc = body_too_large(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, AtelierError):
        return _response(exc.status_code, exc.code, exc.message, exc.fields, exc.headers)
    if isinstance(exc, SelectionError):
        fields = _selection_fields(exc)
        return _response(400, ErrorCode.INVALID_SELECTION, summary(fields, exc.message), fields)
    if isinstance(exc, EngineError):
        return _response(400, ErrorCode.INVALID, exc.message)
    if isinstance(exc, Http404):
        return _response(404, ErrorCode.NOT_FOUND, "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return _response(403, ErrorCode.PERMISSION_DENIED, "You do not have permission to do this.")
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        fields = field_errors(detail)
        return _response(400, ErrorCode.INVALID, summary(fields, "The request is not valid."), fields)
    if isinstance(exc, exceptions.ValidationError):
        fields = field_errors(exc.detail)
        return _response(400, ErrorCode.INVALID, summary(fields, "The request is not valid."), fields)
    if isinstance(exc, exceptions.ParseError):
        return _response(400, ErrorCode.MALFORMED_REQUEST, f"The body is not valid JSON: {exc.detail}")
    if isinstance(exc, exceptions.APIException):
        headers = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(int(wait))
        code = _DRF_CODES.get(str(exc.default_code))
        if code is None:
            logger.warning("Unknown DRF error code %r reported as invalid", exc.default_code)
            code = ErrorCode.INVALID
        return _response(exc.status_code, code, str(exc.detail), headers=headers)
    if isinstance(exc, OperationalError):
        logger.warning("Database unavailable, answered 503: %s", exc)
        return _response(
            503,
            ErrorCode.UNAVAILABLE,
            "The database is busy or unreachable; retry shortly.",
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered as 409: %s", exc)
        return _response(
            409, ErrorCode.CONFLICT, "The request conflicts with existing data; reload and try again."
        )
    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
    return _response(500, ErrorCode.SERVER_ERROR, "Something went wrong on our side; it has been logged.")
