"""Reads for the storefront's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import SavedConfiguration


def saved_configuration_list(*, actor) -> QuerySet[SavedConfiguration]:
    return SavedConfiguration.objects.filter(customer=actor).select_related("product")
