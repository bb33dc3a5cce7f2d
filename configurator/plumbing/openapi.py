"""OpenAPI declarations shared by every API: the error body and error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="A stable snake_case code.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(
        child=serializers.ListField(
            child=inline_serializer(
                "FieldError", {"code": serializers.CharField(), "message": serializers.CharField()}
            )
        ),
        help_text='Field path -> errors, e.g. {"selections.frame": [{"code": ..., "message": ...}]}.',
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI declarations of error responses, for ``@extend_schema(responses=...)``."""
    descriptions = {
        400: "Invalid input; `fields` names each bad field.",
        401: "Not authenticated.",
        403: "Not allowed.",
        404: "Not found.",
        409: "Conflicts with the current state.",
        413: "The request body is larger than the limit named in the message.",
        422: "Idempotency key reused with another request.",
        429: "Too many requests.",
    }
    return {status: OpenApiResponse(ErrorSerializer, description=descriptions[status]) for status in statuses}
