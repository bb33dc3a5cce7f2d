"""Writes of the storefront: saved configurations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import User
from configurator.plumbing.errors import ErrorCode, FieldErrorCode, InvalidInputError, NotFoundError
from products.runtime import configurator_get
from products.selectors import product_get, product_model_source

from .models import SavedConfiguration


@transaction.atomic
def saved_configuration_save(
    *, actor: User, product_code: str, name: str, selections: dict[str, Any], quantity: int
) -> tuple[SavedConfiguration, bool]:
    """Save the selections under ``name`` for the product's current version, replacing a saved
    configuration of that name; returns it and whether it is new. Partial and even conflicting
    selections may be saved (a customer keeps work in progress); values the version does not know
    are refused, naming the option set."""
    name = name.strip()
    if not name:
        raise InvalidInputError.for_field(
            "name", "Give the configuration a name.", field_code=FieldErrorCode.REQUIRED
        )
    if not 1 <= quantity <= settings.ATELIER_MAX_QUANTITY:
        raise InvalidInputError.for_field(
            "quantity",
            f"Use 1 to {settings.ATELIER_MAX_QUANTITY} units.",
            field_code=FieldErrorCode.MAX_VALUE,
        )
    product = product_get(code=product_code, staff=False)
    source = product_model_source(product=product, version=None, staff=False)
    configurator_get(
        checksum=source.checksum,
        load_document=source.load_document,
        compile_elsewhere=source.compile_elsewhere,
    ).parse_selections(selections)
    saved, created = SavedConfiguration.objects.update_or_create(
        customer=actor,
        product=product,
        name=name,
        defaults={"version": source.version, "selections": selections, "quantity": quantity},
    )
    return saved, created


@transaction.atomic
def saved_configuration_delete(*, actor: User, saved_id: int) -> None:
    deleted, _ = SavedConfiguration.objects.filter(customer=actor, pk=saved_id).delete()
    if not deleted:
        raise NotFoundError("No such saved configuration.", code=ErrorCode.SAVED_CONFIGURATION_NOT_FOUND)
