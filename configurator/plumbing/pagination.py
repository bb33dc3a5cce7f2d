"""Pagination for every list: a malformed page or page size is a 400, never silently replaced."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework import exceptions, pagination


class StrictPageSize:
    """A page size outside 1..max is a 400, never silently replaced by the default."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Use a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        limits = {
            "page": {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(limits.get(parameter["name"], {}))
        return parameters


class PageNumberPagination(StrictPageSize, pagination.PageNumberPagination):
    """``?page=`` is a whole number from 1 (a malformed one is a 400, never page 1); a page past
    the end is a 404."""

    def get_page_number(self, request, paginator) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_query_param: ["Use a whole number from 1, or leave the parameter out."]}
            )
        return int(raw)


class CursorPagination(StrictPageSize, pagination.CursorPagination):
    """Stable pages over large, growing lists: newest first."""

    ordering = ("-created_at", "-id")
    page_size = 20

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._foreign_cursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        # The position is an instant this list wrote in UTC; a crafted one may carry any text or an
        # offset the database refuses (PostgreSQL: at most ±15:59), so it is read and written again.
        try:
            instant = datetime.datetime.fromisoformat(cursor.position)
            position = (
                instant.astimezone(datetime.UTC) if instant.tzinfo else instant.replace(tzinfo=datetime.UTC)
            ).isoformat()
        except (ValueError, OverflowError):
            raise self._foreign_cursor() from None
        return pagination.Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)

    def _foreign_cursor(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: ["Not a cursor this list gave out; start again without it."]}
        )
