"""Run a what-if simulation: one demand (seeded), each policy on the same orders."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..spec import FactorySpec
from .demand import (
    DEFAULT_MIX,
    DemandError,
    SimOrder,
    expected_minutes_per_order,
    mix_parse,
    poisson_orders,
    quantity_parse,
)
from .model import MAX_REMAKES, FactoryModel
from .policy import policy_parse
from .report import Report, report_build


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    orders: int = 1000
    mix: str = DEFAULT_MIX
    seed: int = 0
    #: Each is run on the same orders (``configured``: the factory's own batch policy).
    policies: tuple[str, ...] = ("configured",)
    #: Orders per hour; None: sized so that the busiest work centre is ``load`` busy.
    rate_per_hour: float | None = None
    load: float = 0.9
    quantity: str = "1"
    #: Probability that an order takes each conditional stage of its route.
    conditional_share: float = 0.3
    #: Setup keys (colours, fabrics) per product among batch-mode orders.
    setup_keys: int = 3
    exponential_service: bool = False
    #: Remakes before a lot stops for staff (the live factory's ``ATELIER_FACTORY_MAX_REMAKES``).
    max_remakes: int = MAX_REMAKES


def arrival_rate_per_hour(*, factory: FactorySpec, settings: SimulationSettings) -> float:
    """The given rate, or the rate at which the busiest work centre would be ``load`` busy at the
    worst (a changeover for every batch and custom order), without rework."""
    if settings.rate_per_hour is not None:
        return settings.rate_per_hour
    low, high = quantity_parse(text=settings.quantity)
    minutes = expected_minutes_per_order(
        factory=factory,
        mix=mix_parse(text=settings.mix, factory=factory),
        mean_quantity=(low + high) / 2,
        conditional_share=settings.conditional_share,
    )
    busiest = max((load / factory.work_centres[code].capacity for code, load in minutes.items()), default=0.0)
    if not busiest:
        raise DemandError("rate", "The mix's routes take no time anywhere: give the orders per hour.")
    return settings.load / busiest * 60


def settings_check(*, settings: SimulationSettings) -> None:
    if settings.orders < 1:
        raise DemandError("orders", "Simulate at least one order.")
    if settings.rate_per_hour is not None and not 0 < settings.rate_per_hour < float("inf"):
        raise DemandError("rate", "Orders per hour must be a positive number.")
    if not 0 < settings.load < float("inf"):
        raise DemandError("load", "The load of the busiest work centre must be positive (e.g. 0.8).")
    if not 0 <= settings.conditional_share <= 1:
        raise DemandError("conditional_share", "A share between 0 and 1.")
    if settings.setup_keys < 1:
        raise DemandError("setup_keys", "At least one setup key per product.")
    if settings.max_remakes < 0:
        raise DemandError("max_remakes", "Zero or more remakes.")


def demand_generate(*, factory: FactorySpec, settings: SimulationSettings) -> list[SimOrder]:
    settings_check(settings=settings)
    return poisson_orders(
        factory=factory,
        mix=mix_parse(text=settings.mix, factory=factory),
        count=settings.orders,
        rate_per_minute=arrival_rate_per_hour(factory=factory, settings=settings) / 60,
        quantity=quantity_parse(text=settings.quantity),
        conditional_share=settings.conditional_share,
        setup_keys=settings.setup_keys,
        rng=random.Random(f"{settings.seed}/demand"),
    )


def simulation_run(
    *,
    factory: FactorySpec,
    settings: SimulationSettings,
    orders: list[SimOrder] | None = None,
    on_complete: Callable[[int], None] | None = None,
) -> list[Report]:
    """One report per policy, every policy on the same orders (``orders``, e.g. a demand trace,
    or Poisson arrivals drawn from the settings). Same settings, same reports."""
    policies = [policy_parse(text=text, factory=factory) for text in settings.policies]
    if orders is None:
        orders = demand_generate(factory=factory, settings=settings)
        rate = arrival_rate_per_hour(factory=factory, settings=settings)
    else:
        span = max((order.arrival for order in orders), default=0.0)
        rate = len(orders) / span * 60 if span else 0.0
    reports = []
    for policy in policies:
        model = FactoryModel(
            factory=factory,
            policy=policy,
            seed=settings.seed,
            exponential_service=settings.exponential_service,
            max_remakes=settings.max_remakes,
            on_complete=on_complete,
        )
        reports.append(
            report_build(
                result=model.run(orders),
                factory=factory,
                policy=policy,
                seed=settings.seed,
                arrival_rate_per_hour=rate,
            )
        )
    return reports
