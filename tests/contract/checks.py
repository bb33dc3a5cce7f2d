"""Every API response the test suite produces is checked against the published OpenAPI document
by a strict OpenAPI 3.1 validator (openapi-core, JSON Schema 2020-12): a field the schema does not
declare, a missing required field, a wrong type or a value outside an enum fails the test that
made the response."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.http.request import RawPostDataException
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

#: Paths that serve the contract itself rather than follow it.
UNCHECKED_PREFIXES = ("/api/schema/", "/api/docs/")


@cache
def published_schema() -> dict[str, Any]:
    """The document ``/api/schema/`` serves, generated the same way."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(published_schema())


class ContractViolation(AssertionError):
    pass


def check_response(response: HttpResponse) -> None:
    """Raise :class:`ContractViolation` when an API response does not match the schema."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith("/api/") or request.path.startswith(UNCHECKED_PREFIXES):
        return
    if response.content and not response.get("Content-Type", "").startswith("application/json"):
        raise ContractViolation(
            f"{request.method} {request.path} answered {response.status_code} with "
            f"{response.get('Content-Type')!r}: the API answers JSON only"
        )
    try:
        request.body  # noqa: B018  (openapi-core reads it)
    except (RequestDataTooBig, RawPostDataException):
        request._body = b""  # a body the server refused unread (413): only the response is checked
    errors = list(
        _openapi().iter_response_errors(DjangoOpenAPIRequest(request), DjangoOpenAPIResponse(response))
    )
    if any(isinstance(error, (PathNotFound, OperationNotFound)) for error in errors):
        return  # not an operation of the API (e.g. the JSON 404 for an unknown path)
    if errors:
        details = "; ".join(_describe(error) for error in errors)
        raise ContractViolation(
            f"{request.method} {request.path} answered {response.status_code} outside the schema: {details}\n"
            f"body: {response.content[:2000]!r}"
        )


def _describe(error: Exception) -> str:
    causes = [error, *getattr(error, "schema_errors", ())]
    cause = error.__cause__
    while cause is not None:
        causes.extend([cause, *getattr(cause, "schema_errors", ())])
        cause = cause.__cause__
    return " / ".join(str(item) for item in causes if str(item))
