"""Reads for the storefront's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import SavedConfiguration


def saved_configuration_list(*, actor: User) -> QuerySet[SavedConfiguration]:
    return SavedConfiguration.objects.filter(customer=actor).select_related("product")
