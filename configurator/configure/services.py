"""The one path from a customer's selections to an answer: parse, validate or guide, then price,
decide the production mode and the lead time, all on the effective configuration.

The configure endpoint, quotes and orders all go through :func:`configuration_evaluate`, so what a
customer is shown while configuring is what a quote holds and an order is made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from configurator.engine import Configurator
from configurator.engine.errors import EngineError, NotBlockedError, SelectionError
from configurator.engine.model import ProductModel, Value
from configurator.engine.pricing import LeadTime, PriceBreakdown, Pricer, ProductionDecision
from configurator.engine.results import Completion, EffectiveConfiguration, Explanation, Guidance, Validation
from configurator.plumbing.errors import (
    ErrorCode,
    FieldErrorCode,
    FieldErrors,
    InvalidInputError,
    field_error,
)
from manufacturing.footprint import FootprintComparison, footprint_estimate
from manufacturing.load import queue_days
from manufacturing.spec import FactorySpec
from products.models import Product
from products.runtime import configurator_get, runtime_get
from products.selectors import ModelSource, product_get, product_model_source

from .documents import price_document, production_document, selections_document


@dataclass(frozen=True)
class Priced:
    """A configuration priced against the baseline, with how and when it would be made."""

    config: dict[str, Value]
    breakdown: PriceBreakdown
    decision: ProductionDecision
    lead_time: LeadTime
    start: date

    @property
    def ship_date(self) -> date:
        return self.lead_time.ship_date(self.start)


@dataclass(frozen=True)
class Evaluation:
    """Everything known about one (partial) configuration of one version of a product."""

    product: Product
    source: ModelSource
    model: ProductModel
    selections: dict[str, Value]
    quantity: int
    validation: Validation
    #: Per-value guidance; None when only validation was asked for (quotes and orders).
    guidance: Guidance | None
    #: The effective configuration: choices, what they imply, defaults that fit; the rest missing.
    effective: EffectiveConfiguration
    #: The effective configuration, priced.
    priced: Priced
    #: A complete valid configuration extending the choices, priced; when asked for and consistent.
    completion: Completion | None = None
    completion_priced: Priced | None = None

    def selections_document(self) -> dict[str, Any]:
        return selections_document(self.model, self.priced.config)

    def price_document(self) -> dict[str, Any]:
        return price_document(self.priced.breakdown)

    def production_document(self) -> dict[str, Any]:
        return production_document(self.model, self.priced.decision, self.priced.lead_time, self.priced.start)


def quantity_check(quantity: int) -> int:
    if not 1 <= quantity <= settings.ATELIER_MAX_QUANTITY:
        raise InvalidInputError.for_field(
            "quantity",
            f"Use 1 to {settings.ATELIER_MAX_QUANTITY} units.",
            field_code=FieldErrorCode.MAX_VALUE,
        )
    return quantity


def _price(pricer: Pricer, product: Product, config: dict[str, Value], quantity: int) -> Priced:
    """Price the configuration and date it: the lead time counts the live queue ahead on the work
    centres of the route it would take (docs/factory.md, "How the ship date is computed")."""
    breakdown, decision = pricer.price(config, quantity)
    now = timezone.now()
    waiting = queue_days(product=product, mode=decision.mode.value, now=now)
    lead_time = pricer.lead_time(decision, quantity, queue_days=waiting)
    return Priced(config, breakdown, decision, lead_time, timezone.localdate(now))


def configuration_evaluate(
    *,
    product: Product,
    source: ModelSource,
    selections: dict[str, Any],
    quantity: int,
    guide: bool = True,
    explain: bool = True,
    complete: bool = False,
) -> Evaluation:
    """Evaluate raw selections (JSON values) of the version ``source`` names.

    ``guide`` adds per-value guidance (with reasons for every blocked value when ``explain``: within
    ``ATELIER_EXPLAIN_SAFETY_MS`` once the version's explanations are precomputed, else within
    ``ATELIER_EXPLAIN_BUDGET_MS``); ``complete`` adds a complete valid configuration extending the
    choices, priced on its own. Raises :class:`SelectionError` for selections that do not fit
    their option sets."""
    quantity_check(quantity)
    runtime = runtime_get(
        checksum=source.checksum,
        load_document=source.load_document,
        compile_elsewhere=source.compile_elsewhere,
    )
    configurator = configurator_get(
        checksum=source.checksum,
        load_document=source.load_document,
        compile_elsewhere=source.compile_elsewhere,
    )
    parsed = configurator.parse_selections(selections)
    guidance: Guidance | None = None
    if guide:
        precomputed = configurator.precomputed is not None
        budget_ms = settings.ATELIER_EXPLAIN_SAFETY_MS if precomputed else settings.ATELIER_EXPLAIN_BUDGET_MS
        budget = budget_ms / 1000 or None
        guidance = configurator.guide(parsed, explain=explain, explain_budget=budget)
        effective = guidance.effective
        validation = guidance.validation
    else:
        effective = configurator.effective(parsed)
        validation = configurator.validation(effective)
    pricer = runtime.pricer
    completion = configurator.complete(parsed) if complete and validation.consistent else None
    return Evaluation(
        product=product,
        source=source,
        model=configurator.compiled.model,
        selections=parsed,
        quantity=quantity,
        validation=validation,
        guidance=guidance,
        effective=effective,
        priced=_price(pricer, product, dict(effective.values), quantity),
        completion=completion,
        completion_priced=None
        if completion is None
        else _price(pricer, product, dict(completion.selections), quantity),
    )


def configuration_footprint(*, evaluation: Evaluation, spec: FactorySpec) -> FootprintComparison | None:
    """The expected footprint per unit of the configuration as it stands, made in its production
    mode, against the standard product; None when the factory has no route for it."""
    try:
        return footprint_estimate(
            spec=spec,
            model=evaluation.model,
            mode=evaluation.priced.decision.mode.value,
            config=evaluation.priced.config,
            quantity=evaluation.quantity,
        )
    except LookupError:
        return None


@dataclass(frozen=True)
class PricedConfiguration:
    """A complete, valid configuration of a product's current version, priced on the server: the
    snapshot that quotes and orders freeze."""

    product: Product
    version_pk: int
    selections: dict[str, Any]
    quantity: int
    currency: str
    unit_price: Any
    total: Any
    price: dict[str, Any]
    production_mode: str
    production: dict[str, Any]
    ship_date: date


def _invalid_configuration(model: ProductModel, validation: Validation) -> InvalidInputError:
    """The engine's verdict as a 400: each missing option set and each violated rule or table,
    under the option sets it involves."""
    fields: FieldErrors = {}
    for code in validation.missing:
        name = model.option_set(code).name
        fields.setdefault(f"selections.{code}", []).append(
            field_error(FieldErrorCode.NOT_CHOSEN, f"Choose a value for {name}.")
        )
    for error in validation.errors:
        for code in error.option_sets or ("",):
            path = f"selections.{code}" if code else "selections"
            fields.setdefault(path, []).append(
                field_error(FieldErrorCode.CONSTRAINT_VIOLATED, error.message, constraint=error.code)
            )
    if not fields:
        fields["selections"] = [
            field_error(FieldErrorCode.INCONSISTENT, "These choices cannot all be made together.")
        ]
    messages = [item["message"] for items in fields.values() for item in items]
    state = "incomplete" if validation.missing and not validation.errors else "not valid"
    return InvalidInputError(
        f"The configuration is {state}: {' '.join(dict.fromkeys(messages))}",
        code=ErrorCode.INVALID_CONFIGURATION,
        fields=fields,
    )


def configuration_price(
    *, staff: bool, product_code: str, selections: dict[str, Any], quantity: int
) -> PricedConfiguration:
    """Validate a complete configuration of the product's current version and price it; an
    incomplete or invalid one is a 400 naming each option set at fault."""
    product = product_get(code=product_code, staff=staff)
    source = product_model_source(product=product, version=None, staff=False)
    evaluation = configuration_evaluate(
        product=product, source=source, selections=selections, quantity=quantity, guide=False
    )
    if not evaluation.validation.valid:
        raise _invalid_configuration(evaluation.model, evaluation.validation)
    assert source.version_pk is not None, "the current version is always a published one"
    breakdown = evaluation.priced.breakdown
    return PricedConfiguration(
        product=product,
        version_pk=source.version_pk,
        selections=evaluation.selections_document(),
        quantity=quantity,
        currency=breakdown.currency,
        unit_price=breakdown.unit_price,
        total=breakdown.total,
        price=evaluation.price_document(),
        production_mode=evaluation.priced.decision.mode.value,
        production=evaluation.production_document(),
        ship_date=evaluation.priced.ship_date,
    )


def value_explanation(
    configurator: Configurator, selections: dict[str, Any], *, option_set: str, value: Any
) -> Explanation | None:
    """Why ``value`` cannot be chosen for ``option_set`` with these (parsed) selections; None when it
    can. Raises InvalidInputError naming ``option_set``, ``value`` or ``selections``."""
    model = configurator.compiled.model
    if option_set not in model.option_set_index:
        raise InvalidInputError.for_field(
            "option_set", f"unknown option set {option_set!r}", field_code=FieldErrorCode.UNKNOWN_OPTION_SET
        )
    if not configurator.validate(selections).consistent:
        raise InvalidInputError.for_field(
            "selections",
            "these choices conflict with each other; the configure endpoint names the conflict and "
            "how to repair it",
            code=ErrorCode.INCONSISTENT_SELECTIONS,
            field_code=FieldErrorCode.INCONSISTENT,
        )
    try:
        return configurator.explain(selections, option_set, value)
    except SelectionError as error:
        messages = [message for items in error.errors.values() for _, message in items]
        raise InvalidInputError.for_field(
            "value", "; ".join(messages), field_code=FieldErrorCode.INVALID_VALUE
        ) from None
    except NotBlockedError:
        return None
    except EngineError as error:
        raise InvalidInputError.for_field(
            "option_set", error.message, field_code=FieldErrorCode.NOT_SUPPORTED
        ) from None
