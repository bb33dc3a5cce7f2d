"""Writes to the catalogue: import a document as a product's draft, publish a draft."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from configurator.engine.errors import ModelError
from configurator.plumbing.errors import ErrorCode, InvalidInputError

from .compilation import (
    compiles_inline,
    precomputes_inline,
    product_locked,
    version_compile_request,
    version_precompute,
    version_precompute_request,
)
from .documents import canonical_document, checksum, document_bytes, validate_document
from .models import (
    COMPILE_WAITING,
    OPTION_SET_SETTINGS,
    CompatibilityTable,
    CompileState,
    Option,
    OptionSet,
    PriceRule,
    Product,
    ProductCostModel,
    ProductVersion,
    QuantityBreak,
    Rule,
)
from .runtime import runtime_compile
from .selectors import product_draft_data, resolved_document


@transaction.atomic
def product_import(*, document: Any, actor: User | None = None, publish: bool = False) -> Product:
    """Create a product, or replace an existing product's draft, from a document. All or nothing."""
    canonical, _ = validate_document(document)
    product, _ = Product.objects.select_for_update(no_key=True).get_or_create(
        code=canonical["code"],
        defaults=_product_fields(canonical),
    )
    for field, value in _product_fields(canonical).items():
        setattr(product, field, value)
    product.save()
    product.option_sets.all().delete()
    product.rules.all().delete()
    product.tables.all().delete()
    product.price_rules.all().delete()
    product.quantity_breaks.all().delete()
    ProductCostModel.objects.filter(product=product).delete()
    _create_draft_rows(product, canonical)
    _create_pricing_rows(product, canonical["pricing"])
    if publish:
        product_publish(product=product, actor=actor)
        product.refresh_from_db(fields=["current_version"])
    return product


def _product_fields(document: dict[str, Any]) -> dict[str, Any]:
    baseline = document["baseline"]
    return {
        "name": document["name"],
        "description": document["description"],
        "currency": document["currency"],
        "is_active": document["active"],
        "baseline_price": baseline["price"],
        "baseline_unit_cost": baseline["unit_cost"],
        "baseline_lead_time_days": baseline["lead_time_days"],
        "quantity_break_mode": document["pricing"]["quantity_breaks"]["mode"],
    }


def _create_draft_rows(product: Product, document: dict[str, Any]) -> None:
    options: list[Option] = []
    for position, data in enumerate(document["option_sets"]):
        fields = {key: data[key] for key in OPTION_SET_SETTINGS if key in data}
        option_set = OptionSet.objects.create(
            product=product,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            help_text=data["help_text"],
            position=position,
            **fields,
        )
        options.extend(
            Option(option_set=option_set, position=index, **option)
            for index, option in enumerate(data.get("options", ()))
        )
    Option.objects.bulk_create(options, batch_size=1000)
    Rule.objects.bulk_create(
        [Rule(product=product, position=index, **rule) for index, rule in enumerate(document["rules"])],
        batch_size=1000,
    )
    CompatibilityTable.objects.bulk_create(
        [
            CompatibilityTable(
                product=product,
                position=index,
                code=table["code"],
                message=table["message"],
                columns=table["option_sets"],
                rows=table["rows"],
            )
            for index, table in enumerate(document["tables"])
        ],
        batch_size=100,
    )


def _create_pricing_rows(product: Product, pricing: dict[str, Any]) -> None:
    if pricing["cost_model"] is not None:
        ProductCostModel.objects.create(product=product, **pricing["cost_model"])
    PriceRule.objects.bulk_create(
        [
            PriceRule(product=product, position=index, **rule)
            for index, rule in enumerate(pricing["price_rules"])
        ]
    )
    QuantityBreak.objects.bulk_create(
        [QuantityBreak(product=product, **tier) for tier in pricing["quantity_breaks"]["tiers"]]
    )


@transaction.atomic
def product_publish(*, product: Product, actor: User | None = None) -> ProductVersion:
    """Freeze the draft into a new immutable version; publishing an unchanged draft is a no-op."""
    product = product_locked(product_id=product.pk)
    draft = resolved_document(canonical_document(product_draft_data(product)))
    try:
        document, _ = validate_document(draft)
    except InvalidInputError as error:
        raise InvalidInputError(
            f"The draft cannot be published: {error.message}",
            code=ErrorCode.INVALID_DRAFT,
            fields=error.fields,
        ) from None
    digest = checksum(document)
    current = product.current_version
    if current is not None and current.checksum == digest:
        return current
    pending = product.versions.filter(checksum=digest, compile_state__in=COMPILE_WAITING).first()
    if pending is not None:
        return pending
    latest = product.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ProductVersion.objects.create(
        product=product,
        number=latest + 1,
        document=document,
        checksum=digest,
        name=document["name"],
        description=document["description"],
        currency=document["currency"],
        baseline_price=document["baseline"]["price"],
        baseline_lead_time_days=document["baseline"]["lead_time_days"],
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "pk", None) else None,
        document_bytes=document_bytes(document),
    )
    if not compiles_inline(version.document_bytes):
        version_compile_request(version_id=version.pk)
        return version
    try:
        stats = runtime_compile(checksum=digest, document=document)
    except ModelError as error:
        too_large = any(issue.code == "model_too_large" for issue in error.issues)
        raise InvalidInputError(
            f"The draft cannot be published: {error}",
            code=ErrorCode.MODEL_TOO_LARGE if too_large else ErrorCode.INVALID_DRAFT,
        ) from None
    version.compile_state = CompileState.READY
    version.compiled_at = timezone.now()
    version.compile_stats = asdict(stats)
    version.save(update_fields=["compile_state", "compiled_at", "compile_stats"])
    product.current_version = version
    product.save(update_fields=["current_version", "updated_at"])
    if precomputes_inline(version.document_bytes):
        return version_precompute(version_id=version.pk)
    version_precompute_request(version_id=version.pk)
    return version
