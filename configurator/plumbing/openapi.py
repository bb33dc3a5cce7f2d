"""The OpenAPI contract's shared parts: the error body and its codes, error responses with their
headers, and a post-processing hook that makes the generated document strict OpenAPI 3.1.

Strict means: response objects forbid properties they do not declare (``additionalProperties:
false``), "nothing" is ``type: [X, "null"]`` (never 3.0's ``nullable``), every operation has a
``default`` error response, the headers the server reads or sends are declared, and operations
open to anonymous callers have no security requirement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .errors import ErrorCode, FieldErrorCode

ERROR_REF = {"$ref": "#/components/schemas/Error"}


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=FieldErrorCode.choices, help_text="Why it is wrong.")
    message = serializers.CharField(help_text="What is wrong, for people.")
    constraint = serializers.CharField(
        allow_null=True, help_text="The rule or table the configuration breaks, when that is why."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.ChoiceField(choices=ErrorCode.choices, help_text="What went wrong.")
    message = serializers.CharField(help_text="What went wrong, for people.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "fields" is the API's name; on a serializer it would shadow Serializer.fields.
        fields["fields"] = serializers.DictField(
            child=FieldErrorSerializer(many=True),
            help_text='Field path → errors, e.g. {"selections.frame": [{"code": ..., "message": ...}]}.',
        )
        return fields


_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each bad field by its path.",
    401: "Not authenticated.",
    403: "Not allowed.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "The body is larger than the server accepts; the message says the limit.",
    422: "Idempotency key reused with another request.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "Temporarily unavailable; retry after `Retry-After` seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI declarations of error responses, for ``@extend_schema(responses=...)``."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses
    }


RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "string", "pattern": r"^\d+$"},
}
#: Headers the server sends, by operation id and status.
RESPONSE_HEADERS: dict[tuple[str, str], dict[str, Any]] = {
    ("orders_create", "201"): {
        "Idempotent-Replayed": {
            "description": "`true` when this is the stored answer to an earlier request with the same key.",
            "schema": {"type": "string", "enum": ["true"]},
        }
    },
}


def _nullable_to_type_list(schema: Any) -> None:
    """Rewrite OpenAPI 3.0's ``nullable: true`` (ignored by 3.1) as a type list, everywhere."""
    if isinstance(schema, dict):
        if schema.pop("nullable", False):
            kind = schema.get("type")
            if isinstance(kind, str):
                schema["type"] = [kind, "null"]
            elif isinstance(kind, list) and "null" not in kind:
                kind.append("null")
            elif "enum" in schema and None not in schema["enum"]:
                schema["enum"].append(None)
            elif "$ref" in schema or "allOf" in schema or "oneOf" in schema:
                branch = {key: schema.pop(key) for key in ("$ref", "allOf", "oneOf") if key in schema}
                schema["oneOf"] = [branch, {"type": "null"}]
        one_of = schema.get("oneOf")
        if one_of == [{}, {"type": "null"}]:
            del schema["oneOf"]  # "anything or null" is simply "anything"
        elif isinstance(one_of, list) and len(one_of) == 2 and {"type": "null"} in one_of:
            # "X or null": with oneOf, a null that X also admits would match twice and fail.
            schema["anyOf"] = schema.pop("oneOf")
        for value in schema.values():
            _nullable_to_type_list(value)
    elif isinstance(schema, list):
        for item in schema:
            _nullable_to_type_list(item)


#: drf-spectacular's pattern for a decimal field with ``max_digits``, which also admits "", "-" and
#: "." (the field refuses them).
_LAX_DECIMAL = re.compile(r"\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$")


def _decimal_pattern(pattern: str, *, nullable: bool) -> str:
    r"""A decimal field's pattern that needs a digit, as the field does: ``^-?\d{0,10}(?:\.\d{0,2})?$``
    becomes ``^-?(?:\d{1,10}(?:\.\d{0,2})?|\.\d{1,2})$``; a nullable field also reads "" (as null),
    so its pattern admits it too. Any other pattern is kept."""
    lax = _LAX_DECIMAL.fullmatch(pattern)
    if lax is None:
        return pattern
    whole, places = lax.groups()
    if places == "0":
        number = rf"-?\d{{1,{whole}}}"
    else:
        number = rf"-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})"
    return f"^(?:{number})?$" if nullable else f"^{number}$"


def _strict_decimal_patterns(schema: Any) -> None:
    """Runs after :func:`_nullable_to_type_list`: a nullable field's type lists "null"."""
    for node in _nodes(schema):
        if isinstance(node.get("pattern"), str):
            kind = node.get("type")
            nullable = isinstance(kind, list) and "null" in kind
            node["pattern"] = _decimal_pattern(node["pattern"], nullable=nullable)


def _decimal_inputs_take_numbers(schema: Any) -> None:
    """A decimal the server reads (DRF's field) may also be sent as a JSON number, as
    docs/product-format.md says: its type admits one (the pattern constrains strings only)."""
    for node in _nodes(schema):
        kind = node.get("type")
        if node.get("format") == "decimal" and kind in ("string", ["string", "null"]):
            node["type"] = ["string", "number", *(["null"] if isinstance(kind, list) else [])]


def _nodes(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _nodes(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _nodes(item)


def _is_response_object(name: str, schema: dict[str, Any]) -> bool:
    return "properties" in schema and not name.endswith("Request")


def strict_openapi_3_1(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook (``POSTPROCESSING_HOOKS``)."""
    _nullable_to_type_list(result)
    _strict_decimal_patterns(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if _is_response_object(name, schema):
            schema.setdefault("additionalProperties", False)
        if name.endswith("Request"):
            _decimal_inputs_take_numbers(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if {} in operation.get("security", [{}]):
                # Open to anyone: no requirement. A token or a session still identifies staff.
                operation["security"] = []
            body = operation.get("requestBody")
            if body is not None and _has_required_fields(result, body):
                body["required"] = True
            responses = operation["responses"]
            responses.setdefault(
                "default",
                {"description": "Any other error.", "content": {"application/json": {"schema": ERROR_REF}}},
            )
            for status in ("429", "503"):
                if status in responses:
                    responses[status].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
            for (operation_id, status), headers in RESPONSE_HEADERS.items():
                if operation.get("operationId") == operation_id and status in responses:
                    responses[status].setdefault("headers", {}).update(headers)
    return result


def _has_required_fields(result: dict[str, Any], body: dict[str, Any]) -> bool:
    """A request body whose schema requires a field must be sent."""
    schemas = result["components"]["schemas"]
    for media in body.get("content", {}).values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        branches = schema.get("oneOf", [schema])
        resolved = [
            schemas[branch["$ref"].rsplit("/", 1)[-1]] if "$ref" in branch else branch for branch in branches
        ]
        if all(branch.get("required") for branch in resolved):
            return True
    return False
