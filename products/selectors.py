"""Reads from the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Prefetch, QuerySet

from configurator.plumbing.errors import ErrorCode, FieldErrorCode, InvalidInputError, NotFoundError
from configurator.plumbing.memo import SizedLru

from .compilation import compiles_inline, version_compile_request
from .documents import (
    COST_MODEL_FIELDS,
    canonical_cost_model,
    canonical_document,
    checksum,
    validate_document,
)
from .models import (
    OPTION_SET_SETTINGS,
    Option,
    OptionSet,
    Product,
    ProductCostModel,
    ProductVersion,
    SiteCostModel,
)

_OPTION_SET_FIELDS = ("code", "name", "kind", "help_text", *OPTION_SET_SETTINGS)
_OPTION_FIELDS = ("code", "name", "price_delta", "cost_delta", "labour_minutes", "material", "level")


def _visible_products(*, staff: bool) -> QuerySet[Product]:
    """Products a caller may see: active published ones, or every product for staff. The version's
    document is deferred: it can be large, and most reads need only its summary columns."""
    products = Product.objects.select_related("current_version").defer("current_version__document")
    return products if staff else products.filter(is_active=True, current_version__isnull=False)


def product_list(*, staff: bool) -> QuerySet[Product]:
    """The products a caller may see, for a list. What a list shows, searches, filters and orders by
    is annotated as ``listed_*``: for customers the published version's values, never the draft's;
    for staff the draft's."""
    products = _visible_products(staff=staff)
    if staff:
        return products.annotate(
            listed_name=F("name"), listed_description=F("description"), listed_currency=F("currency")
        ).order_by("name", "code")
    return products.annotate(
        listed_name=F("current_version__name"),
        listed_description=F("current_version__description"),
        listed_currency=F("current_version__currency"),
    ).order_by("listed_name", "code")


def product_get(*, code: str, staff: bool) -> Product:
    """One product a caller may see (configure, quotes and orders look it up on every request:
    no list annotations, no ordering)."""
    try:
        return _visible_products(staff=staff).get(code=code)
    except Product.DoesNotExist:
        raise NotFoundError(f"No product with code {code!r}.", code=ErrorCode.PRODUCT_NOT_FOUND) from None


@dataclass(frozen=True)
class PublishedVersion:
    """The current published version of an active product: what a customer's configure request is
    answered from."""

    product_id: int
    product_code: str
    version: int
    checksum: str
    version_pk: int


def published_version_get(*, code: str) -> PublishedVersion | None:
    """The current version of the active product ``code``, or None (not found, inactive, never
    published). Written as SQL: it runs before every customer's configure answer, even one served
    from memory, and building the query through the ORM costs ten times running it."""
    product, version = Product._meta.db_table, ProductVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.code, v.number, v.checksum, v.id FROM {product} p "
            f"JOIN {version} v ON v.id = p.current_version_id WHERE p.code = %s AND p.is_active",
            [code],
        )
        row = cursor.fetchone()
    return None if row is None else PublishedVersion(*row)


#: Product id -> (its published version as read, the product, its model source): see
#: :func:`published_model_source`.
_published_sources: dict[int, tuple[PublishedVersion, Product, ModelSource]] = {}


def published_sources_clear() -> None:
    """Forget the products, model sources and product pages this process keeps (tests: SQLite gives
    the ids of rows rolled back to the rows of the next test)."""
    _published_sources.clear()
    _storefront_pages.clear()


#: Published version id -> a customer's product page of it, rendered (see :func:`storefront_page`).
_storefront_pages = SizedLru[bytes]()


def storefront_page(*, published: PublishedVersion, render: Callable[[ProductVersion], bytes]) -> bytes:
    """A customer's product page of the version :func:`published_version_get` just read, rendered
    by ``render`` once per process (within ``ATELIER_PRODUCT_PAGES_MB``): a published version never
    changes, and whether it is still the one on sale is what ``published`` was just read for."""
    page = _storefront_pages.get(published.version_pk)
    if page is None:
        page = render(ProductVersion.objects.get(pk=published.version_pk))
        capacity = settings.ATELIER_PRODUCT_PAGES_MB * 1024 * 1024
        _storefront_pages.put(published.version_pk, page, size=len(page), capacity=capacity)
    return page


def published_model_source(published: PublishedVersion) -> tuple[Product, ModelSource]:
    """The product and the model source of the version :func:`published_version_get` just read, as
    :func:`product_get` and :func:`product_model_source` give them to a customer, kept by this
    process until the product's published version changes: what a configure answer reads of them
    (the product's id and code, the version's number, checksum and document) is fixed by the
    version, and whether it is still on sale is what ``published`` was just read for."""
    kept = _published_sources.get(published.product_id)
    if kept is None or kept[0] != published:
        product = product_get(code=published.product_code, staff=False)
        source = product_model_source(product=product, version=None, staff=False)
        kept = (published, product, source)
        # A version published between the two reads is answered, not kept under the older one.
        if (product.pk, source.version, source.checksum, source.version_pk) == (
            published.product_id,
            published.version,
            published.checksum,
            published.version_pk,
        ):
            _published_sources[published.product_id] = kept
    return kept[1], kept[2]


def product_version_get(*, product: Product, version: str | None, staff: bool) -> ProductVersion | None:
    """The version a request names (``?version=``): the current one when it names none; staff may
    name a number or ``draft``. An empty ``?version=`` is a 400, never silently the current one."""
    if version == "":
        raise InvalidInputError.for_field(
            "version",
            "Use a version number, `draft` or `current`, or leave the parameter out.",
            field_code=FieldErrorCode.BLANK,
        )
    if version in (None, "current"):
        if product.current_version is None:
            raise NotFoundError(f"{product.code} has no published version yet.", code=ErrorCode.NOT_PUBLISHED)
        return product.current_version
    if not staff:
        raise NotFoundError("Only the current version is available.", code=ErrorCode.VERSION_NOT_FOUND)
    if version == "draft":
        return None
    try:
        return product.versions.get(number=int(version))
    except (ValueError, ProductVersion.DoesNotExist):
        raise NotFoundError(
            f"{product.code} has no version {version!r}.", code=ErrorCode.VERSION_NOT_FOUND
        ) from None


@dataclass(frozen=True)
class ModelSource:
    """Where the engine model of a request comes from: a published version or the draft."""

    version: int | None
    version_pk: int | None
    checksum: str
    load_document: Callable[[], dict[str, Any]]
    #: For a version too large to compile in a request: asks a worker to compile it (the request
    #: then answers 503 until this host has it). ``None``: compiled where needed.
    compile_elsewhere: Callable[[], None] | None = None


def product_model_source(*, product: Product, version: str | None, staff: bool) -> ModelSource:
    chosen = product_version_get(product=product, version=version, staff=staff)
    if chosen is not None:
        return ModelSource(
            version=chosen.number,
            version_pk=chosen.pk,
            checksum=chosen.checksum,
            load_document=lambda: ProductVersion.objects.values_list("document", flat=True).get(pk=chosen.pk),
            compile_elsewhere=None
            if compiles_inline(chosen.document_bytes)
            else partial(version_compile_request, version_id=chosen.pk),
        )
    document, _ = validate_document(resolved_document(canonical_document(product_draft_data(product))))
    return ModelSource(
        version=None, version_pk=None, checksum=checksum(document), load_document=lambda: document
    )


def product_draft_data(product: Product) -> dict[str, Any]:
    """The draft rows as a (non-canonical) document; ``canonical_document`` normalizes it."""
    product = (
        Product.objects.filter(pk=product.pk)
        .prefetch_related(
            Prefetch(
                "option_sets",
                queryset=OptionSet.objects.order_by("position", "id").prefetch_related(
                    Prefetch("options", queryset=Option.objects.order_by("position", "id"))
                ),
            ),
            "rules",
            "tables",
            "price_rules",
            "quantity_breaks",
        )
        .select_related("cost_model")
        .get()
    )
    option_sets = []
    for option_set in product.option_sets.all():
        data = {field: getattr(option_set, field) for field in _OPTION_SET_FIELDS}
        data["options"] = [
            {field: getattr(option, field) for field in _OPTION_FIELDS} for option in option_set.options.all()
        ]
        option_sets.append(data)
    return {
        "code": product.code,
        "name": product.name,
        "description": product.description,
        "currency": product.currency,
        "active": product.is_active,
        "baseline": {
            "price": product.baseline_price,
            "unit_cost": product.baseline_unit_cost,
            "lead_time_days": product.baseline_lead_time_days,
        },
        "option_sets": option_sets,
        "rules": [
            {"code": rule.code, "when": rule.when, "require": rule.require, "message": rule.message}
            for rule in sorted(product.rules.all(), key=lambda rule: (rule.position, rule.id))
        ],
        "tables": [
            {"code": table.code, "message": table.message, "option_sets": table.columns, "rows": table.rows}
            for table in sorted(product.tables.all(), key=lambda table: (table.position, table.id))
        ],
        "pricing": {
            "cost_model": _cost_model_data(getattr(product, "cost_model", None)),
            "price_rules": [
                {
                    "code": rule.code,
                    "label": rule.label,
                    "when": rule.when,
                    "amount": rule.amount,
                    "percent": rule.percent,
                }
                for rule in sorted(product.price_rules.all(), key=lambda rule: (rule.position, rule.id))
            ],
            "quantity_breaks": {
                "mode": product.quantity_break_mode,
                "tiers": [
                    {"min_quantity": tier.min_quantity, "percent": tier.percent}
                    for tier in product.quantity_breaks.all()
                ],
            },
        },
    }


def _cost_model_data(cost_model: ProductCostModel | SiteCostModel | None) -> dict[str, Any] | None:
    if cost_model is None:
        return None
    return {field: getattr(cost_model, field) for field in COST_MODEL_FIELDS}


def resolved_document(document: dict[str, Any]) -> dict[str, Any]:
    """A document whose pricing names its cost model: the product's own, else the site-wide one.
    Published versions are resolved, so that later changes to the site-wide model never reprice them."""
    if document["pricing"]["cost_model"] is not None:
        return document
    site = canonical_cost_model(_cost_model_data(SiteCostModel.current()))
    return {**document, "pricing": {**document["pricing"], "cost_model": site}}


def product_document(*, product: Product, version: ProductVersion | None = None) -> dict[str, Any]:
    """The canonical document of a version, or of the draft when no version is given."""
    if version is not None:
        return version.document
    return canonical_document(product_draft_data(product))
