"""Filters shared by every list endpoint: a malformed filter value is a 400, never ignored."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.views import APIView

#: The spellings of yes and no in a query.
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


def query_flag(request: Request, name: str) -> bool:
    """A yes/no query parameter outside a filter set: false when left out; empty or any other
    spelling is a 400, never false."""
    raw = request.query_params.get(name)
    if raw is None:
        return False
    try:
        return _FLAGS[raw.lower()]
    except KeyError:
        raise ValidationError({name: ["Use true or false, or leave the parameter out."]}) from None


class StrictBooleanField(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return _FLAGS[str(value).lower()]
        except KeyError:
            raise forms.ValidationError("Use true or false.", code="invalid") from None


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 instant, converted to UTC before it reaches the database.

    Python accepts offsets up to ±23:59 but PostgreSQL only up to ±15:59, and an instant near year 1
    or 9999 may not exist in UTC: both are the client's mistake, so a 400, not a database error."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(datetime.UTC) if timezone.is_aware(instant) else instant
        except OverflowError:
            raise forms.ValidationError(
                "This instant is outside the supported range.", code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StrictSearchFilter(SearchFilter):
    """DRF's search, with a term it refuses (a null character) named by its parameter instead of
    as an error of no field."""

    def get_search_terms(self, request: Request) -> list[str]:
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from None


class StrictOrderingFilter(OrderingFilter):
    """Unknown ordering fields are a 400 naming the allowed ones, not silently dropped.

    A view's ``ordering_aliases`` maps a public field name to the expression it orders by (e.g.
    ``{"name": "listed_name"}``, an annotation), so that the parameter keeps its name."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        aliases = getattr(view, "ordering_aliases", {})
        expressions = []
        for field in ordering:
            name = field.lstrip("-")
            expressions.append(field[: len(field) - len(name)] + aliases.get(name, name))
        return queryset.order_by(*expressions)

    def get_ordering(self, request: Request, queryset: QuerySet, view: APIView) -> list[str] | None:
        params = request.query_params.get(self.ordering_param)
        if params:
            # Exactly as the schema's pattern says: no spaces, no empty items, one "-" at most (a
            # control character that str.strip() would drop is an unknown field, not nothing).
            fields = params.split(",")
            allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [field for field in fields if field.removeprefix("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown)}; use {', '.join(sorted(allowed))} "
                            "(prefix - to reverse)."
                        ]
                    }
                )
        ordering = super().get_ordering(request, queryset, view)
        return None if ordering is None else list(ordering)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        queryset = view.get_queryset()  # type: ignore[attr-defined]  # list views only
        fields = [name for name, _ in self.get_valid_fields(queryset, view, {"request": None})]
        choices = sorted(fields + [f"-{name}" for name in fields])
        for parameter in parameters:
            parameter["description"] = (
                f"{parameter['description']} One or more of {', '.join(choices)}, comma-separated."
            )
            parameter["schema"] = {
                "type": "string",
                "pattern": rf"^(-?({'|'.join(fields)})(,-?({'|'.join(fields)}))*)?$",
            }
        return parameters


class StrictFilterSet(django_filters.FilterSet):
    """Typed filters (dates, choices, yes/no) refuse an empty value instead of ignoring it."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if self.data.get(name) == "" and not isinstance(filter_, django_filters.CharFilter):
                self.form.add_error(name, "Leave the parameter out rather than sending it empty.")
                valid = False
        return valid
