"""Price a configuration against the mass-production baseline; decide its production mode and
its lead time. Pure Python: the catalogue supplies a :class:`PriceModel`, frozen per version.

The breakdown of one unit, in this order (see docs/pricing.md for a worked example):

1. ``baseline``: the standard variant's unit price;
2. ``option``: one line per chosen option, and per number, text or yes/no set when used, with
   its price delta (may be negative);
3. customization costs derived from the cost model, each priced at its gross margin
   (price = cost / (1 - margin / 100)): ``setup`` (batch mode: the changeovers of the batchable choices,
   amortised over the expected batch size), ``labour`` (the chosen hand-work minutes at the labour
   rate), ``inspection`` (custom mode: the extra inspection per unit);
4. ``rule``: staff price rules whose condition holds, a fixed amount or a percent of the sum of
   lines 1-3;
5. ``floor``: only if discounts would take the unit price below zero, the amount that brings it to 0.

Every line is rounded when made (money.round_money), the unit price is their sum, and quantity
breaks apply per unit: ``whole`` (the tier the quantity reaches discounts every unit) or
``graduated`` (each tier discounts the units that fall in it). The total is the sum of the tiers'
``quantity x unit price``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .errors import ExpressionError
from .evaluate import kleene
from .expressions import condition
from .expressions.nodes import Node
from .model import Kind, Level, OptionSet, ProductModel
from .money import round_money
from .validation import ModelIssue

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class Mode(StrEnum):
    STANDARD = "standard"
    BATCH = "batch"
    CUSTOM = "custom"


class BreakMode(StrEnum):
    WHOLE = "whole"
    GRADUATED = "graduated"


@dataclass(frozen=True, slots=True)
class CostModel:
    """What customization really costs, and how long it takes. One per product, or site-wide."""

    setup_cost: Decimal = Decimal("150.00")
    expected_batch_size: int = 20
    labour_rate_per_hour: Decimal = Decimal("45.00")
    inspection_cost_per_unit: Decimal = Decimal("8.00")
    setup_margin_percent: Decimal = Decimal("25")
    labour_margin_percent: Decimal = Decimal("30")
    inspection_margin_percent: Decimal = Decimal("20")
    batch_wait_days: int = 5
    setup_days: int = 1
    custom_queue_days: int = 3
    hand_work_minutes_per_day: int = 420
    inspection_days: int = 1


@dataclass(frozen=True, slots=True)
class PriceRule:
    """A conditional surcharge (positive) or discount (negative): a fixed ``amount`` per unit, or a
    ``percent`` of the unit price before price rules."""

    code: str
    label: str
    when: str = ""
    amount: Decimal | None = None
    percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class QuantityBreak:
    min_quantity: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class PriceModel:
    currency: str
    baseline_price: Decimal
    baseline_unit_cost: Decimal
    baseline_lead_time_days: int
    cost_model: CostModel = CostModel()
    price_rules: tuple[PriceRule, ...] = ()
    break_mode: BreakMode = BreakMode.WHOLE
    quantity_breaks: tuple[QuantityBreak, ...] = ()


@dataclass(frozen=True, slots=True)
class Charge:
    """One chosen option, or a used number/text/yes-no set, and what it adds."""

    option_set: str
    value: Any
    label: str
    price_delta: Decimal
    cost_delta: Decimal
    labour_minutes: int
    level: Level


@dataclass(frozen=True, slots=True)
class ProductionDecision:
    mode: Mode
    #: The choices that made it this mode (bespoke ones for custom, batchable ones for batch).
    reasons: tuple[Charge, ...]
    #: Batch mode: what orders must share to be made in one batch: the batchable choices.
    setup_key: str | None
    setups: int
    labour_minutes: int


@dataclass(frozen=True, slots=True)
class LeadTime:
    business_days: int
    #: How the days add up: (what, days), starting with the baseline.
    components: tuple[tuple[str, int], ...]

    def ship_date(self, start: date) -> date:
        return add_business_days(start, self.business_days)


@dataclass(frozen=True, slots=True)
class PriceLine:
    kind: str  # baseline, option, setup, labour, inspection, rule, floor
    code: str
    label: str
    amount: Decimal
    cost: Decimal = ZERO
    option_set: str | None = None
    value: Any = None


@dataclass(frozen=True, slots=True)
class QuantityTier:
    quantity: int
    percent: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    currency: str
    quantity: int
    lines: tuple[PriceLine, ...]
    unit_price: Decimal
    break_mode: BreakMode
    tiers: tuple[QuantityTier, ...]
    total: Decimal
    baseline_price: Decimal
    premium: Decimal
    premium_percent: Decimal | None
    unit_cost: Decimal
    total_cost: Decimal
    margin: Decimal
    margin_percent: Decimal | None


class Pricer:
    """Prices configurations of one product version; build once, reuse (it parses the rules)."""

    def __init__(self, model: ProductModel, price_model: PriceModel) -> None:
        self.model = model
        self.price_model = price_model
        self._conditions: list[Node | None] = [
            condition(rule.when, model.option_set_index) if rule.when.strip() else None
            for rule in price_model.price_rules
        ]

    # -- configurations ------------------------------------------------------------------------
    # A configuration to price is the engine's effective configuration
    # (``Configurator.effective(selections).values``): the one meaning validation reads too.

    def charges(self, config: Mapping[str, Any]) -> list[Charge]:
        charges: list[Charge] = []
        for option_set in self.model.option_sets:
            if option_set.code in config:
                charges.extend(_charges(option_set, config[option_set.code]))
        return charges

    # -- production ------------------------------------------------------------------------------

    def production(
        self, config: Mapping[str, Any], charges: list[Charge] | None = None
    ) -> ProductionDecision:
        charges = self.charges(config) if charges is None else charges
        bespoke = tuple(charge for charge in charges if charge.level is Level.BESPOKE)
        batchable = tuple(charge for charge in charges if charge.level is Level.BATCHABLE)
        labour = sum(charge.labour_minutes for charge in charges)
        if bespoke:
            return ProductionDecision(Mode.CUSTOM, bespoke, None, len(batchable), labour)
        if batchable:
            key = "|".join(sorted(f"{charge.option_set}={_key_value(charge.value)}" for charge in batchable))
            return ProductionDecision(Mode.BATCH, batchable, key, len(batchable), labour)
        return ProductionDecision(Mode.STANDARD, (), None, 0, labour)

    def lead_time(self, decision: ProductionDecision, quantity: int, queue_days: int = 0) -> LeadTime:
        """The documented formula (docs/pricing.md): the baseline lead time, plus for batch mode the
        wait for the batch to fill and the setup, for custom mode the job-shop queue and the
        inspection; plus hand-work days (labour minutes x quantity over a day's hand-work
        minutes) and ``queue_days`` of live queue load when known."""
        costs = self.price_model.cost_model
        components: list[tuple[str, int]] = [("baseline", self.price_model.baseline_lead_time_days)]
        if decision.mode is Mode.BATCH:
            components += [("batch wait", costs.batch_wait_days), ("setup", costs.setup_days)]
        if decision.mode is Mode.CUSTOM:
            components.append(("custom queue", costs.custom_queue_days))
        if decision.labour_minutes:
            hand_work = math.ceil(
                decision.labour_minutes * quantity / max(costs.hand_work_minutes_per_day, 1)
            )
            components.append(("hand work", hand_work))
        if decision.mode is Mode.CUSTOM:
            components.append(("inspection", costs.inspection_days))
        if queue_days:
            components.append(("queue load", queue_days))
        return LeadTime(sum(days for _, days in components), tuple(components))

    # -- price -----------------------------------------------------------------------------------

    def price(self, config: Mapping[str, Any], quantity: int) -> tuple[PriceBreakdown, ProductionDecision]:
        model = self.price_model
        currency = model.currency
        costs = model.cost_model
        charges = self.charges(config)
        decision = self.production(config, charges)

        def money(amount: Decimal) -> Decimal:
            return round_money(amount, currency)

        lines = [
            PriceLine(
                "baseline",
                "baseline",
                "Standard product",
                money(model.baseline_price),
                money(model.baseline_unit_cost),
            )
        ]
        for charge in charges:
            lines.append(
                PriceLine(
                    "option",
                    f"{charge.option_set}.{_key_value(charge.value)}",
                    charge.label,
                    money(charge.price_delta),
                    money(charge.cost_delta),
                    charge.option_set,
                    charge.value,
                )
            )
        if decision.mode is Mode.BATCH:
            cost = money(costs.setup_cost * decision.setups / max(costs.expected_batch_size, 1))
            label = (
                f"Setup: {decision.setups} changeover{'s' if decision.setups != 1 else ''} shared by a "
                f"batch of {costs.expected_batch_size}"
            )
            lines.append(
                PriceLine("setup", "setup", label, money(_at_margin(cost, costs.setup_margin_percent)), cost)
            )
        if decision.labour_minutes:
            cost = money(costs.labour_rate_per_hour * decision.labour_minutes / 60)
            lines.append(
                PriceLine(
                    "labour",
                    "labour",
                    f"Hand work: {decision.labour_minutes} min",
                    money(_at_margin(cost, costs.labour_margin_percent)),
                    cost,
                )
            )
        if decision.mode is Mode.CUSTOM:
            cost = money(costs.inspection_cost_per_unit)
            lines.append(
                PriceLine(
                    "inspection",
                    "inspection",
                    "Extra inspection of a custom piece",
                    money(_at_margin(cost, costs.inspection_margin_percent)),
                    cost,
                )
            )
        before_rules = sum((line.amount for line in lines), ZERO)
        for rule, node in zip(model.price_rules, self._conditions, strict=True):
            if node is not None and kleene(node, config) is not True:
                continue
            if rule.amount is not None:
                amount = rule.amount
            else:
                assert rule.percent is not None, "a price rule has an amount or a percent"
                amount = before_rules * rule.percent / HUNDRED
            lines.append(PriceLine("rule", rule.code, rule.label, money(amount)))
        unit_price = sum((line.amount for line in lines), ZERO)
        if unit_price < 0:
            lines.append(
                PriceLine("floor", "floor", "Discounts cannot take the price below zero", -unit_price)
            )
            unit_price = ZERO
        tiers = self._tiers(unit_price, quantity)
        total = sum((tier.amount for tier in tiers), ZERO)
        unit_cost = sum((line.cost for line in lines), ZERO)
        total_cost = unit_cost * quantity
        premium = unit_price - money(model.baseline_price)
        breakdown = PriceBreakdown(
            currency=currency,
            quantity=quantity,
            lines=tuple(lines),
            unit_price=unit_price,
            break_mode=model.break_mode,
            tiers=tiers,
            total=total,
            baseline_price=money(model.baseline_price),
            premium=premium,
            premium_percent=_percent(premium, model.baseline_price),
            unit_cost=unit_cost,
            total_cost=total_cost,
            margin=total - total_cost,
            margin_percent=_percent(total - total_cost, total),
        )
        return breakdown, decision

    def _tiers(self, unit_price: Decimal, quantity: int) -> tuple[QuantityTier, ...]:
        currency = self.price_model.currency
        breaks = sorted(self.price_model.quantity_breaks, key=lambda item: item.min_quantity)
        steps = [QuantityBreak(1, ZERO), *breaks]

        def tier(units: int, percent: Decimal) -> QuantityTier:
            unit = unit_price - round_money(unit_price * percent / HUNDRED, currency)
            return QuantityTier(units, percent, unit, unit * units)

        if self.price_model.break_mode is BreakMode.WHOLE:
            reached = [step for step in steps if step.min_quantity <= quantity][-1]
            return (tier(quantity, reached.percent),)
        tiers = []
        for index, step in enumerate(steps):
            if step.min_quantity > quantity:
                break
            upper = steps[index + 1].min_quantity - 1 if index + 1 < len(steps) else quantity
            tiers.append(tier(min(upper, quantity) - step.min_quantity + 1, step.percent))
        return tuple(tiers)


def _at_margin(cost: Decimal, margin_percent: Decimal) -> Decimal:
    return cost / (1 - margin_percent / HUNDRED)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.1"))


def _key_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _charges(option_set: OptionSet, value: Any) -> list[Charge]:
    kind = option_set.kind
    if kind in (Kind.SINGLE, Kind.MULTI):
        chosen = value if isinstance(value, frozenset) else {value}
        return [
            Charge(
                option_set.code,
                option.code,
                f"{option_set.name}: {option.name}",
                option.price_delta,
                option.cost_delta,
                option.labour_minutes,
                option.level,
            )
            for option in option_set.options
            if option.code in chosen
        ]
    if kind is Kind.NUMBER:
        used = option_set.default is None or value != option_set.default
        label = f"{option_set.name}: {format(value.normalize(), 'f')} {option_set.unit}".strip()
    elif kind is Kind.TEXT:
        used = value != ""
        label = f"{option_set.name}: “{value}”"
    else:
        used = value is True
        label = option_set.name
    if not used:
        return []
    return [
        Charge(
            option_set.code,
            value,
            label,
            option_set.price_delta,
            option_set.cost_delta,
            option_set.labour_minutes,
            option_set.level,
        )
    ]


def add_business_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def validate_price_model(model: ProductModel, price_model: PriceModel) -> list[ModelIssue]:
    """Problems of a price model, by document path (``pricing.price_rules[0].when``)."""
    issues: list[ModelIssue] = []
    seen: set[str] = set()
    for index, rule in enumerate(price_model.price_rules):
        path = f"pricing.price_rules[{index}]"
        if rule.code in seen:
            issues.append(ModelIssue(f"{path}.code", "duplicate_code", f"{rule.code!r} appears twice"))
        seen.add(rule.code)
        if (rule.amount is None) == (rule.percent is None):
            issues.append(ModelIssue(path, "amount_or_percent", "give either an amount or a percent"))
        if rule.when.strip():
            try:
                condition(rule.when, model.option_set_index)
            except ExpressionError as error:
                issues.append(
                    ModelIssue(
                        f"{path}.when", error.code, f"column {error.column}: {error.reason}", error.position
                    )
                )
    minimums: set[int] = set()
    for index, step in enumerate(price_model.quantity_breaks):
        path = f"pricing.quantity_breaks.tiers[{index}]"
        if step.min_quantity < 2:
            issues.append(
                ModelIssue(f"{path}.min_quantity", "too_small", "a break starts at 2 units or more")
            )
        if step.min_quantity in minimums:
            issues.append(
                ModelIssue(f"{path}.min_quantity", "duplicate", "two breaks start at this quantity")
            )
        minimums.add(step.min_quantity)
        if not ZERO < step.percent < HUNDRED:
            issues.append(
                ModelIssue(f"{path}.percent", "out_of_range", "a discount between 0 and 100 percent")
            )
    costs = price_model.cost_model
    for name in ("setup_margin_percent", "labour_margin_percent", "inspection_margin_percent"):
        if not ZERO <= getattr(costs, name) < HUNDRED:
            issues.append(
                ModelIssue(
                    f"pricing.cost_model.{name}",
                    "out_of_range",
                    "a gross margin from 0 up to (not including) 100 percent",
                )
            )
    if costs.expected_batch_size < 1:
        issues.append(ModelIssue("pricing.cost_model.expected_batch_size", "too_small", "at least 1"))
    if costs.hand_work_minutes_per_day < 1:
        issues.append(ModelIssue("pricing.cost_model.hand_work_minutes_per_day", "too_small", "at least 1"))
    return issues
