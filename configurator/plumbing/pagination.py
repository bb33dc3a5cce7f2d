"""Pagination for every list: a malformed page or page size is a 400, never silently replaced."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rest_framework import exceptions, pagination
from rest_framework.request import Request
from rest_framework.response import Response

_NEXT_LINK = {
    "type": ["string", "null"],
    "format": "uri",
    "description": "The next page's URL; null on the last page.",
}
_PREVIOUS_LINK = {
    "type": ["string", "null"],
    "format": "uri",
    "description": "The previous page's URL; null on the first page.",
}


PAGE_SIZE_PARAMETER = "page_size"
MAX_PAGE_SIZE = 100


def strict_page_size(request: Request, default: int) -> int:
    """A page size outside 1..max is a 400, never silently replaced by the default."""
    raw = request.query_params.get(PAGE_SIZE_PARAMETER)
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError(
            {PAGE_SIZE_PARAMETER: [f"Use a whole number from 1 to {MAX_PAGE_SIZE}."]}
        )
    return size


def with_limits(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limits = {"page": {"minimum": 1}, PAGE_SIZE_PARAMETER: {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
    for parameter in parameters:
        parameter["schema"].update(limits.get(parameter["name"], {}))
    return parameters


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = PAGE_SIZE_PARAMETER
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size or MAX_PAGE_SIZE)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        """``?page=`` is a whole number from 1: a malformed one (empty too) is a 400, never page 1;
        a page past the end stays a 404."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_query_param: ["Use a whole number from 1, or leave the parameter out."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return with_limits(super().get_schema_operation_parameters(view))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "additionalProperties": False,
            "properties": {
                "count": {"type": "integer", "minimum": 0, "description": "Items on all pages."},
                "next": _NEXT_LINK,
                "previous": _PREVIOUS_LINK,
                "results": schema,
            },
        }


_NO_CURSOR = pagination.Cursor(offset=0, reverse=False, position=None)


class CursorPagination(pagination.CursorPagination):
    """Stable pages over large, growing lists: newest first."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = PAGE_SIZE_PARAMETER
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return strict_page_size(request, self.page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return with_limits(super().get_schema_operation_parameters(view))

    def decode_cursor(self, request: Request) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._foreign_cursor() from None
        if cursor == _NO_CURSOR:
            # What an empty ``?cursor=`` (or text that decodes to nothing) reads as: DRF would serve
            # the first page; no link this list gives out is empty (each turns back or has a position).
            raise self._foreign_cursor()
        if cursor is None or cursor.position is None:
            return cursor
        # The position is an instant this list wrote in UTC; a crafted one may carry any text or an
        # offset the database refuses (PostgreSQL: at most ±15:59), so it is read and written again.
        try:
            instant = datetime.datetime.fromisoformat(str(cursor.position))
            position = (
                instant.astimezone(datetime.UTC) if instant.tzinfo else instant.replace(tzinfo=datetime.UTC)
            ).isoformat()
        except (ValueError, OverflowError):
            raise self._foreign_cursor() from None
        # The stubs type a position as an int; ordered by a time, DRF keeps its text.
        return pagination.Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)  # type: ignore[arg-type]

    def _foreign_cursor(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: ["Not a cursor this list gave out; start again without it."]}
        )

    def _cursor_of(self, link: str | None) -> str | None:
        if link is None:
            return None
        return parse_qs(urlsplit(link).query).get(self.cursor_query_param, [None])[0]

    def get_paginated_response(self, data: list[Any]) -> Response:
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "next": next_link,
                "previous": previous_link,
                "next_cursor": self._cursor_of(next_link),
                "previous_cursor": self._cursor_of(previous_link),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        cursor = "Pass it as `?cursor=` to get the {} page; null when there is none."
        return {
            "type": "object",
            "required": ["next", "previous", "next_cursor", "previous_cursor", "results"],
            "additionalProperties": False,
            "properties": {
                "next": _NEXT_LINK,
                "previous": _PREVIOUS_LINK,
                "next_cursor": {"type": ["string", "null"], "description": cursor.format("next")},
                "previous_cursor": {"type": ["string", "null"], "description": cursor.format("previous")},
                "results": schema,
            },
        }
