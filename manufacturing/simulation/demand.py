"""The demand a simulation runs: which products in which production mode, how many, how fast, and
which of their route's conditional stages each order takes.

Stage conditions are not evaluated against sampled selections: each conditional stage (a bespoke
engraving, a hand-painted colour) applies to an order with a configurable probability
(``conditional_share``), drawn independently per stage. A demand trace of real orders carries the
operations each order really took instead."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from ..spec import FactorySpec

MODES = ("standard", "batch", "custom")

#: Every demo product in each production mode it has a route for, the standard line heaviest.
DEFAULT_MIX = (
    "city-bike:standard=0.30,city-bike:batch=0.15,office-chair:batch=0.15,custom-shirt:batch=0.15,"
    "city-bike:custom=0.10,office-chair:custom=0.08,custom-shirt:custom=0.07"
)


class DemandError(ValueError):
    """Demand that cannot be simulated: ``field`` names the option at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class MixEntry:
    product: str
    mode: str
    share: float


@dataclass(frozen=True, slots=True)
class SimOrder:
    """One order as the simulation sees it; times in simulated minutes from the start."""

    number: int
    arrival: float
    product: str
    mode: str
    quantity: int
    #: Orders sharing a setup key share a batch and need no changeover between them.
    setup_key: str
    #: The route's operations this order goes through (conditional stages resolved).
    operations: frozenset[str]


def mix_parse(*, text: str, factory: FactorySpec) -> tuple[MixEntry, ...]:
    """``product:mode=share,...``: shares are normalised to sum to 1; every product and mode must
    have a route (its own or the mode's default)."""
    entries = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        target, separator, share_text = item.partition("=")
        product, colon, mode = target.strip().partition(":")
        if not separator or not colon or not product or not mode:
            raise DemandError("mix", f"{item!r} is not product:mode=share.")
        if mode not in MODES:
            raise DemandError("mix", f"{item!r}: the mode is one of {', '.join(MODES)}.")
        try:
            share = float(share_text)
        except ValueError:
            raise DemandError("mix", f"{item!r}: the share {share_text!r} is not a number.") from None
        if not share > 0 or share == float("inf"):
            raise DemandError("mix", f"{item!r}: the share must be a positive number.")
        try:
            factory.route_for(product, mode)
        except LookupError as error:
            raise DemandError("mix", str(error)) from None
        entries.append(MixEntry(product=product, mode=mode, share=share))
    if not entries:
        raise DemandError("mix", "Name at least one product:mode=share.")
    total = sum(entry.share for entry in entries)
    return tuple(MixEntry(entry.product, entry.mode, entry.share / total) for entry in entries)


def quantity_parse(*, text: str) -> tuple[int, int]:
    """``3`` or ``1-3`` (uniform between the two, both included)."""
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise DemandError("quantity", f"{text!r} is not a number or a range like 1-3.") from None
    if low < 1 or high < low:
        raise DemandError("quantity", f"{text!r}: quantities are at least 1, the range low to high.")
    return low, high


def expected_minutes_per_order(
    *, factory: FactorySpec, mix: Iterable[MixEntry], mean_quantity: float, conditional_share: float
) -> dict[str, float]:
    """Mean minutes one order brings to each work centre, setups included and, at the worst, a
    changeover for every batch and custom order (each may follow another setup key); rework left
    out. What the default arrival rate is sized from."""
    load = dict.fromkeys(factory.work_centres, 0.0)
    for entry in mix:
        for stage in factory.route_for(entry.product, entry.mode).stages:
            applies = conditional_share if stage.condition else 1.0
            changeover = float(factory.work_centres[stage.work_centre].changeover_minutes)
            minutes = float(stage.setup_minutes) + float(stage.minutes_per_unit) * mean_quantity
            if entry.mode != "standard":
                minutes += changeover
            load[stage.work_centre] += entry.share * applies * minutes
    return load


def poisson_orders(
    *,
    factory: FactorySpec,
    mix: tuple[MixEntry, ...],
    count: int,
    rate_per_minute: float,
    quantity: tuple[int, int],
    conditional_share: float,
    setup_keys: int,
    rng: random.Random,
) -> list[SimOrder]:
    """``count`` orders arriving as a Poisson process. Batch orders draw one of ``setup_keys`` setup
    keys per product (a colour, a fabric); standard and custom orders have none (as pricing decides:
    only batchable choices make a setup key)."""
    products = [(entry.product, entry.mode) for entry in mix]
    weights = [entry.share for entry in mix]
    low, high = quantity
    orders = []
    now = 0.0
    for number in range(count):
        now += rng.expovariate(rate_per_minute)
        product, mode = rng.choices(products, weights)[0]
        route = factory.route_for(product, mode)
        operations = frozenset(
            stage.operation
            for stage in route.stages
            if not stage.condition or rng.random() < conditional_share
        )
        setup_key = f"{product}:{rng.randrange(setup_keys)}" if mode == "batch" else ""
        orders.append(
            SimOrder(
                number=number,
                arrival=now,
                product=product,
                mode=mode,
                quantity=rng.randint(low, high),
                setup_key=setup_key,
                operations=operations,
            )
        )
    return orders
