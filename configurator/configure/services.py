"""The one path from a customer's selections to an answer: parse, validate or guide, then price,
decide the production mode and the lead time, all on the effective configuration.

The configure endpoint, quotes and orders all go through :func:`configuration_evaluate`, so what a
customer is shown while configuring is what a quote holds and an order is made of."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from configurator.engine import Configurator
from configurator.engine.errors import EngineError, NotBlockedError, SelectionError
from configurator.engine.model import ProductModel, Value
from configurator.engine.pricing import LeadTime, PriceBreakdown, Pricer, ProductionDecision
from configurator.engine.results import Completion, EffectiveConfiguration, Explanation, Guidance, Validation
from configurator.plumbing.breaker import Breaker
from configurator.plumbing.errors import (
    ErrorCode,
    FieldErrorCode,
    FieldErrors,
    InvalidInputError,
    field_error,
)
from configurator.plumbing.memo import SizedLru, TtlMemo
from manufacturing.footprint import FootprintComparison, footprint_estimate
from manufacturing.load import queue_days, work_centre_backlog_forget
from manufacturing.spec import FactorySpec
from products.models import Product
from products.runtime import configurator_get, runtime_get
from products.selectors import (
    ModelSource,
    PublishedVersion,
    product_get,
    product_model_source,
    published_model_source,
    published_version_get,
)

from .documents import price_document, production_document, selections_document


@dataclass(frozen=True)
class Priced:
    """A configuration priced against the baseline, with how and when it would be made."""

    config: dict[str, Value]
    breakdown: PriceBreakdown
    decision: ProductionDecision
    lead_time: LeadTime
    start: date
    #: Business days of work queued ahead on its route when it was priced (in ``lead_time``).
    queue_days: int

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


#: Queue days per (product, production mode), read at most once per ATELIER_QUEUE_DAYS_SECONDS.
_queue_days = TtlMemo[int]()


def queue_days_current(*, product: Product, mode: str, now: datetime) -> int:
    """The business days of work queued ahead of a new order of ``product`` in ``mode``, as read
    from the factory at most ``ATELIER_QUEUE_DAYS_SECONDS`` ago by this process: five queries
    that configure, quote and order requests would otherwise each repeat, for a figure that moves
    with the factory's work, not with every request."""
    return _queue_days.get(
        (product.pk, mode),
        lambda: queue_days(product=product, mode=mode, now=now),
        seconds=settings.ATELIER_QUEUE_DAYS_SECONDS,
    )


def queue_days_forget() -> None:
    """Read every product's queue afresh on next use."""
    _queue_days.clear()
    work_centre_backlog_forget()


def _price(pricer: Pricer, product: Product, config: dict[str, Value], quantity: int) -> Priced:
    """Price the configuration and date it: the lead time counts the live queue ahead on the work
    centres of the route it would take (docs/factory.md, "How the ship date is computed")."""
    breakdown, decision = pricer.price(config, quantity)
    now = timezone.now()
    waiting = queue_days_current(product=product, mode=decision.mode.value, now=now)
    lead_time = pricer.lead_time(decision, quantity, queue_days=waiting)
    return Priced(config, breakdown, decision, lead_time, timezone.localdate(now), waiting)


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
class _CachedAnswer:
    """A rendered configure answer and the time-varying inputs it was computed from."""

    body: bytes
    day: date
    #: (production mode, queue days) of each price in it.
    queues: tuple[tuple[str, int], ...]
    #: The factory's digest (:func:`_factory_digest`).
    factory: str


#: Rendered configure answers of this process (ATELIER_CONFIGURE_CACHE_MB).
configure_answers = SizedLru[_CachedAnswer]()

#: The last factory seen and its digest: one object per ATELIER_FACTORY_SPEC_SECONDS.
_factory_seen: tuple[FactorySpec, str] | None = None


def _factory_digest(spec: FactorySpec) -> str:
    """A digest of the factory's content, the same in every process for the same factory (a
    process's own answers could compare the object; answers shared between processes cannot)."""
    global _factory_seen
    seen = _factory_seen
    if seen is None or seen[0] is not spec:
        seen = _factory_seen = (spec, hashlib.sha256(pickle.dumps(spec)).hexdigest())
    return seen[1]


def _answer_key(
    *, product_id: int, product_code: str, version: int | None, checksum: str, staff: bool, body: bytes
) -> bytes:
    """A digest of every input of an answer but the time-varying ones: the version's model (its
    checksum), the product, who asks, the explanation bounds, and the request body as sent."""
    inputs = [
        product_id,
        product_code,
        version,
        checksum,
        staff,
        settings.ATELIER_EXPLAIN_BUDGET_MS,
        settings.ATELIER_EXPLAIN_SAFETY_MS,
    ]
    return hashlib.sha256(json.dumps(inputs).encode() + b"\n" + body).digest()


def _unchanged(
    cached: _CachedAnswer, *, spec: FactorySpec, queue_days_of: Callable[[str], int | None]
) -> bool:
    """Whether the time-varying inputs of ``cached`` are what they are now: the date (the ship
    date), the factory (the footprint) and the queue days of each production mode it priced."""
    return (
        cached.day == timezone.localdate()
        and cached.factory == _factory_digest(spec)
        and all(queue_days_of(mode) == days for mode, days in cached.queues)
    )


#: Skips the shared cache for ATELIER_CONFIGURE_SHARED_RETRY_SECONDS after it failed.
shared_answers_breaker = Breaker(
    what="Shared configure answers",
    instead="answering from each process's own",
    retry_setting="ATELIER_CONFIGURE_SHARED_RETRY_SECONDS",
)


def _shared_key(key: bytes) -> str:
    return f"configure:2:{key.hex()}"


def _shared_answer_get(key: bytes) -> _CachedAnswer | None:
    """A customer's answer another web process computed, from the shared cache (``CACHE_URL``);
    None when there is none, or the cache is off or failing."""
    if not settings.ATELIER_CONFIGURE_SHARED or not shared_answers_breaker.closed():
        return None
    try:
        found = cache.get(_shared_key(key))
    except Exception as error:  # any cache failure: the cache backends raise their client's errors
        shared_answers_breaker.trip(error)
        return None
    if found is None:
        return None
    body, day, queues, factory = found
    return _CachedAnswer(
        body=body, day=date.fromisoformat(day), queues=tuple(map(tuple, queues)), factory=factory
    )


def _shared_answer_put(key: bytes, answer: _CachedAnswer) -> None:
    """Offer a customer's answer to the other web processes, as plain data (a deploy that changes
    :class:`_CachedAnswer` still reads what the one before wrote)."""
    if not settings.ATELIER_CONFIGURE_SHARED or not shared_answers_breaker.closed():
        return
    value = (answer.body, answer.day.isoformat(), answer.queues, answer.factory)
    try:
        cache.set(_shared_key(key), value, timeout=settings.ATELIER_CONFIGURE_SHARED_SECONDS)
    except Exception as error:  # as in _shared_answer_get
        shared_answers_breaker.trip(error)


def configuration_answer_remembered(
    *, published: PublishedVersion, body: bytes, spec: FactorySpec
) -> bytes | None:
    """A customer's answer to this request body from this process's cache, else from the shared
    cache (``ATELIER_CONFIGURE_SHARED``: kept here from then on), when it can be trusted without
    reading anything but the product's current version: its queue days were read within
    ``ATELIER_QUEUE_DAYS_SECONDS`` by this process. None: let :func:`configuration_answer` decide
    (with a shared answer kept here, checked against the queue days it reads)."""
    if not settings.ATELIER_CONFIGURE_CACHE_MB:
        return None
    key = _answer_key(
        product_id=published.product_id,
        product_code=published.product_code,
        version=published.version,
        checksum=published.checksum,
        staff=False,
        body=body,
    )

    def fresh(entry: _CachedAnswer) -> bool:
        return _unchanged(
            entry, spec=spec, queue_days_of=lambda mode: _queue_days.peek((published.product_id, mode))
        )

    cached = configure_answers.get(key, fresh=fresh, count_miss=False)
    if cached is None:
        shared = _shared_answer_get(key)
        if shared is not None:
            capacity = settings.ATELIER_CONFIGURE_CACHE_MB * 1024 * 1024
            configure_answers.put(key, shared, size=len(shared.body), capacity=capacity)
            cached = configure_answers.get(key, fresh=fresh, count_miss=False)
    return None if cached is None else cached.body


def configuration_answer(
    *,
    product: Product,
    source: ModelSource,
    body: bytes,
    parse: Callable[[], dict[str, Any]],
    staff: bool,
    spec: FactorySpec,
    render: Callable[[Evaluation, FootprintComparison | None], bytes],
) -> bytes:
    """The configure answer to a request ``body``, rendered by ``render``: from this process's cache
    when every input it was computed from is unchanged, else parsed (``parse`` gives
    ``selections``, ``quantity``, ``explain`` and ``complete``, or raises), evaluated and kept.

    An answer is a pure function of the version's model, the request and who asks (staff see
    costs), plus three inputs that change over time and are checked on every hit: today's date (the
    ship date), the queue days of the production modes it priced (read at most
    ``ATELIER_QUEUE_DAYS_SECONDS`` ago) and the factory (the footprint). A new published version has
    a new checksum, hence new answers. An answer whose explanations the time budget cut short is
    not kept. ``ATELIER_CONFIGURE_CACHE_MB`` at 0 turns the cache off."""
    capacity = settings.ATELIER_CONFIGURE_CACHE_MB * 1024 * 1024
    key = _answer_key(
        product_id=product.pk,
        product_code=product.code,
        version=source.version,
        checksum=source.checksum,
        staff=staff,
        body=body,
    )
    if capacity:
        now = timezone.now()
        cached = configure_answers.get(
            key,
            fresh=lambda entry: _unchanged(
                entry,
                spec=spec,
                queue_days_of=lambda mode: queue_days_current(product=product, mode=mode, now=now),
            ),
        )
        if cached is not None:
            return cached.body
    request = parse()
    evaluation = configuration_evaluate(
        product=product,
        source=source,
        selections=request["selections"],
        quantity=request["quantity"],
        explain=request["explain"],
        complete=request["complete"],
    )
    answer = render(evaluation, configuration_footprint(evaluation=evaluation, spec=spec))
    assert evaluation.guidance is not None, "configure always guides"
    # An answer the explanation budget cut short is not kept: the process learns as it explains,
    # so the same request may be answered with more reasons next time.
    if capacity and (evaluation.guidance.explained or not request["explain"]):
        prices = [evaluation.priced, evaluation.completion_priced]
        cached = _CachedAnswer(
            body=answer,
            day=evaluation.priced.start,
            queues=tuple((priced.decision.mode.value, priced.queue_days) for priced in prices if priced),
            factory=_factory_digest(spec),
        )
        configure_answers.put(key, cached, size=len(answer), capacity=capacity)
        if not staff:
            _shared_answer_put(key, cached)
    return answer


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
    incomplete or invalid one is a 400 naming each option set at fault. A customer's product and
    version are read as configure reads them (:func:`products.selectors.published_model_source`)."""
    published = None if staff else published_version_get(code=product_code)
    if published is not None:
        product, source = published_model_source(published)
    else:
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
