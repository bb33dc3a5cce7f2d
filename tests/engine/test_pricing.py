"""Pricing, production mode and lead time: worked examples and property tests of the invariants
(lines add up to the unit price, tiers to the total, to the minor unit of the currency)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.engine import Configurator, compile_model
from configurator.engine.model import Kind, Level, Option, OptionSet, ProductModel
from configurator.engine.money import quantum, round_money
from configurator.engine.pricing import (
    BreakMode,
    CostModel,
    Mode,
    PriceModel,
    Pricer,
    PriceRule,
    QuantityBreak,
    add_business_days,
    validate_price_model,
)

D = Decimal


def bike() -> ProductModel:
    return ProductModel(
        code="bike",
        option_sets=(
            OptionSet(
                "frame",
                "Frame",
                Kind.SINGLE,
                default="alu",
                options=(
                    Option("alu", "Aluminium"),
                    Option("steel", "Steel", D("120"), D("55"), 0, "", Level.BATCHABLE),
                    Option("carbon", "Carbon", D("650"), D("310"), 30, "", Level.BATCHABLE),
                ),
            ),
            OptionSet(
                "colour",
                "Colour",
                Kind.SINGLE,
                default="black",
                options=(
                    Option("black", "Black"),
                    Option("green", "Green", D("90"), D("22"), 0, "", Level.BATCHABLE),
                    Option("custom", "Custom paint", D("250"), D("80"), 90, "", Level.BESPOKE),
                ),
            ),
            OptionSet(
                "extras",
                "Extras",
                Kind.MULTI,
                max_count=2,
                options=(Option("rack", "Rack", D("45"), D("18")), Option("bell", "Bell", D("-5"), D("-2"))),
            ),
            OptionSet(
                "saddle",
                "Saddle",
                Kind.NUMBER,
                minimum=D(60),
                maximum=D(90),
                step=D("0.5"),
                default=D(78),
                unit="cm",
                price_delta=D("40"),
                cost_delta=D("8"),
                labour_minutes=20,
                level=Level.BESPOKE,
            ),
            OptionSet(
                "engraving",
                "Engraving",
                Kind.TEXT,
                required=False,
                max_length=10,
                default="",
                price_delta=D("25"),
                cost_delta=D("6"),
                labour_minutes=15,
                level=Level.BESPOKE,
            ),
            OptionSet(
                "wrap", "Gift wrap", Kind.BOOLEAN, default=False, price_delta=D("15"), cost_delta=D("4")
            ),
        ),
    )


COSTS = CostModel(
    setup_cost=D("180"),
    expected_batch_size=25,
    labour_rate_per_hour=D("48"),
    inspection_cost_per_unit=D("12"),
    setup_margin_percent=D("25"),
    labour_margin_percent=D("35"),
    inspection_margin_percent=D("20"),
    batch_wait_days=6,
    setup_days=1,
    custom_queue_days=4,
    hand_work_minutes_per_day=420,
    inspection_days=1,
)


_CONFIGURATOR = Configurator(compile_model(bike()))


def effective(selections: dict) -> dict:
    """The effective configuration the engine prices (docs/engine.md, "One meaning")."""
    return _CONFIGURATOR.effective(selections).values


def pricer(**overrides) -> Pricer:
    fields = {
        "currency": "EUR",
        "baseline_price": D("899"),
        "baseline_unit_cost": D("430"),
        "baseline_lead_time_days": 5,
        "cost_model": COSTS,
        **overrides,
    }
    return Pricer(bike(), PriceModel(**fields))


def test_the_standard_product_costs_its_baseline():
    price, decision = pricer().price(effective({}), 1)
    assert [line.kind for line in price.lines] == ["baseline", "option", "option"]
    assert (price.unit_price, price.total, price.premium, price.premium_percent) == (
        D("899.00"),
        D("899.00"),
        D("0.00"),
        D("0.0"),
    )
    assert decision.mode is Mode.STANDARD and decision.setup_key is None
    assert pricer().lead_time(decision, 1).business_days == 5


def test_batch_mode_amortises_the_setups_over_the_batch():
    p = pricer()
    price, decision = p.price(effective({"frame": "steel", "colour": "green"}), 1)
    assert decision.mode is Mode.BATCH
    assert decision.setup_key == "colour=green|frame=steel"
    setup = next(line for line in price.lines if line.kind == "setup")
    # 2 changeovers x 180 / 25 = 14.40 cost; at a 25 % gross margin 19.20
    assert (setup.cost, setup.amount) == (D("14.40"), D("19.20"))
    assert price.unit_price == D("899") + D("120") + D("90") + D("19.20")
    lead = p.lead_time(decision, 1)
    assert lead.components == (("baseline", 5), ("batch wait", 6), ("setup", 1))


def test_custom_mode_charges_hand_work_and_inspection():
    p = pricer()
    config = effective({"frame": "carbon", "colour": "custom", "saddle": D("81.5"), "engraving": "ANNA"})
    price, decision = p.price(config, 3)
    assert decision.mode is Mode.CUSTOM
    assert [charge.option_set for charge in decision.reasons] == ["colour", "saddle", "engraving"]
    labour = next(line for line in price.lines if line.kind == "labour")
    # 30 + 90 + 20 + 15 = 155 min at 48/h = 124.00; at 35 % margin 190.77
    assert (labour.label, labour.cost, labour.amount) == ("Hand work: 155 min", D("124.00"), D("190.77"))
    inspection = next(line for line in price.lines if line.kind == "inspection")
    assert (inspection.cost, inspection.amount) == (D("12.00"), D("15.00"))
    assert not any(line.kind == "setup" for line in price.lines)
    lead = p.lead_time(decision, 3)
    # hand work: 155 min x 3 / 420 min a day = 1.1 -> 2 days
    assert lead.components == (("baseline", 5), ("custom queue", 4), ("hand work", 2), ("inspection", 1))
    assert lead.business_days == 12


def test_number_text_and_boolean_charge_only_when_used():
    p = pricer()
    price, _ = p.price(effective({"saddle": D(78), "engraving": "", "wrap": False}), 1)
    assert [line.option_set for line in price.lines if line.kind == "option"] == ["frame", "colour"]
    price, _ = p.price(effective({"wrap": True}), 1)
    assert [line.label for line in price.lines if line.option_set == "wrap"] == ["Gift wrap"]


def test_price_rules_add_amounts_and_percents_of_the_lines_before_them():
    rules = (
        PriceRule("bundle", "Bundle", "'rack' in extras and 'bell' in extras", amount=D("-10")),
        PriceRule("carbon_care", "Care plan", "frame == 'carbon'", percent=D("2")),
        PriceRule("always", "Handling", "", amount=D("3.50")),
    )
    p = pricer(price_rules=rules)
    price, _ = p.price(effective({"frame": "carbon", "extras": frozenset({"rack", "bell"})}), 1)
    rule_lines = [(line.code, line.amount) for line in price.lines if line.kind == "rule"]
    before = sum(line.amount for line in price.lines if line.kind not in ("rule", "floor"))
    assert rule_lines == [
        ("bundle", D("-10.00")),
        ("carbon_care", round_money(before * D("0.02"), "EUR")),
        ("always", D("3.50")),
    ]
    price, _ = p.price(effective({}), 1)
    assert [line.code for line in price.lines if line.kind == "rule"] == ["always"]


def test_a_rule_on_an_open_set_without_default_does_not_apply_yet():
    p = pricer(price_rules=(PriceRule("green", "Green tax", "colour == 'green'", amount=D("1")),))
    config = effective({"colour": "green"})
    del config["frame"]
    price, _ = p.price(config, 1)
    assert [line.code for line in price.lines if line.kind == "rule"] == ["green"]


def test_quantity_breaks_whole_and_graduated():
    breaks = (QuantityBreak(10, D("6")), QuantityBreak(5, D("3")))
    whole = pricer(quantity_breaks=breaks, break_mode=BreakMode.WHOLE)
    price, _ = whole.price(effective({}), 12)
    assert [(tier.quantity, tier.percent, tier.unit_price) for tier in price.tiers] == [
        (12, D("6"), D("845.06"))
    ]
    assert price.total == D("845.06") * 12
    graduated = pricer(quantity_breaks=breaks, break_mode=BreakMode.GRADUATED)
    price, _ = graduated.price(effective({}), 12)
    assert [(tier.quantity, tier.unit_price) for tier in price.tiers] == [
        (4, D("899.00")),
        (5, D("872.03")),
        (3, D("845.06")),
    ]
    assert price.total == 4 * D("899.00") + 5 * D("872.03") + 3 * D("845.06")


def test_discounts_never_take_the_price_below_zero():
    p = pricer(price_rules=(PriceRule("give_away", "Give-away", "", amount=D("-5000")),))
    price, _ = p.price(effective({}), 2)
    assert price.lines[-1].kind == "floor"
    assert price.unit_price == 0 and price.total == 0
    assert sum(line.amount for line in price.lines) == 0


def test_yen_rounds_to_whole_units():
    p = pricer(currency="JPY", baseline_price=D("129999"))
    price, _ = p.price(effective({"frame": "steel"}), 1)
    assert all(line.amount == line.amount.quantize(D(1)) for line in price.lines)


def test_margin_against_unit_cost():
    p = pricer()
    price, _ = p.price(effective({"frame": "steel"}), 2)
    setup_cost = D("180") / 25
    assert price.unit_cost == D("430") + D("55") + setup_cost
    assert price.margin == price.total - price.unit_cost * 2
    assert price.margin_percent == (price.margin * 100 / price.total).quantize(D("0.1"))


def test_business_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert add_business_days(friday, 1) == date(2026, 11, 23)
    assert add_business_days(friday, 5) == date(2026, 11, 27)
    assert add_business_days(friday, 0) == friday


def test_price_model_validation_names_the_paths():
    model = bike()
    bad = PriceModel(
        "EUR",
        D(1),
        D(1),
        1,
        CostModel(setup_margin_percent=D(100), expected_batch_size=0),
        (PriceRule("a", "A", "frame == 'gold'", amount=D(1)), PriceRule("a", "B", "", None, None)),
        BreakMode.WHOLE,
        (QuantityBreak(1, D(5)), QuantityBreak(3, D(100))),
    )
    assert [(issue.path, issue.message) for issue in validate_price_model(model, bad)] == [
        (
            "pricing.price_rules[0].when",
            "column 10: 'gold' is not a value of frame (values: alu, steel, carbon)",
        ),
        ("pricing.price_rules[1].code", "'a' appears twice"),
        ("pricing.price_rules[1]", "give either an amount or a percent"),
        ("pricing.quantity_breaks.tiers[0].min_quantity", "a break starts at 2 units or more"),
        ("pricing.quantity_breaks.tiers[1].percent", "a discount between 0 and 100 percent"),
        (
            "pricing.cost_model.setup_margin_percent",
            "a gross margin from 0 up to (not including) 100 percent",
        ),
        ("pricing.cost_model.expected_batch_size", "at least 1"),
    ]


# -- properties -------------------------------------------------------------------------------

_money = st.decimals(min_value=-300, max_value=900, places=2, allow_nan=False, allow_infinity=False)
_levels = st.sampled_from(list(Level))


@st.composite
def priced_products(draw):
    sets = []
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from([Kind.SINGLE, Kind.MULTI, Kind.NUMBER, Kind.TEXT, Kind.BOOLEAN]))
        if kind in (Kind.SINGLE, Kind.MULTI):
            options = tuple(
                Option(
                    f"o{n}", f"O{n}", draw(_money), draw(_money), draw(st.integers(0, 120)), "", draw(_levels)
                )
                for n in range(draw(st.integers(1, 3)))
            )
            sets.append(
                OptionSet(f"s{index}", f"S{index}", kind, options=options, required=kind is Kind.SINGLE)
            )
        elif kind is Kind.NUMBER:
            sets.append(
                OptionSet(
                    f"s{index}",
                    f"S{index}",
                    kind,
                    minimum=D(0),
                    maximum=D(3),
                    step=D("0.5"),
                    default=draw(st.sampled_from([None, D(1)])),
                    price_delta=draw(_money),
                    labour_minutes=draw(st.integers(0, 60)),
                    level=draw(_levels),
                )
            )
        elif kind is Kind.TEXT:
            sets.append(
                OptionSet(
                    f"s{index}",
                    f"S{index}",
                    kind,
                    required=False,
                    max_length=3,
                    price_delta=draw(_money),
                    level=draw(_levels),
                )
            )
        else:
            sets.append(
                OptionSet(f"s{index}", f"S{index}", kind, price_delta=draw(_money), level=draw(_levels))
            )
    model = ProductModel("p", tuple(sets))
    first = sets[0].code
    rules = tuple(
        PriceRule(
            f"r{n}",
            f"R{n}",
            draw(
                st.sampled_from(
                    ["", f"{first} == {first}" if sets[0].kind in (Kind.NUMBER, Kind.BOOLEAN) else ""]
                )
            ),
            amount=amount,
            percent=None if amount is not None else percent,
        )
        for n, (amount, percent) in enumerate(
            draw(
                st.lists(st.tuples(st.one_of(st.none(), _money), st.decimals(-50, 50, places=2)), max_size=3)
            )
        )
    )
    breaks = tuple(
        QuantityBreak(q, p)
        for q, p in draw(
            st.lists(
                st.tuples(st.integers(2, 40), st.decimals(D("0.01"), D("60"), places=2)),
                max_size=3,
                unique_by=lambda item: item[0],
            )
        )
    )
    price_model = PriceModel(
        currency=draw(st.sampled_from(["EUR", "JPY", "KWD"])),
        baseline_price=draw(st.decimals(0, 5000, places=3)),
        baseline_unit_cost=draw(st.decimals(0, 2000, places=2)),
        baseline_lead_time_days=draw(st.integers(0, 20)),
        cost_model=CostModel(
            setup_cost=draw(st.decimals(0, 500, places=2)),
            expected_batch_size=draw(st.integers(1, 50)),
            labour_rate_per_hour=draw(st.decimals(0, 90, places=2)),
            setup_margin_percent=draw(st.decimals(0, 90, places=1)),
        ),
        price_rules=rules,
        break_mode=draw(st.sampled_from(list(BreakMode))),
        quantity_breaks=breaks,
    )
    return model, price_model


def _configurations(model: ProductModel):
    domains = []
    for option_set in model.option_sets:
        if option_set.kind is Kind.SINGLE:
            domains.append([option.code for option in option_set.options])
        elif option_set.kind is Kind.MULTI:
            codes = [option.code for option in option_set.options]
            domains.append(
                [frozenset(c) for n in range(len(codes) + 1) for c in itertools.combinations(codes, n)]
            )
        elif option_set.kind is Kind.NUMBER:
            domains.append([D(0), D(1), D("2.5")])
        elif option_set.kind is Kind.TEXT:
            domains.append(["", "AB"])
        else:
            domains.append([False, True])
    codes = [option_set.code for option_set in model.option_sets]
    return [dict(zip(codes, values, strict=True)) for values in itertools.product(*domains)]


@settings(max_examples=150, deadline=None)
@given(product=priced_products(), data=st.data())
def test_lines_and_tiers_always_add_up_to_the_minor_unit(product, data):
    model, price_model = product
    p = Pricer(model, price_model)
    assert validate_price_model(model, price_model) == []
    config = data.draw(st.sampled_from(_configurations(model)))
    quantity = data.draw(st.integers(1, 60))
    price, decision = p.price(config, quantity)
    step = quantum(price_model.currency)
    assert all(line.amount % step == 0 for line in price.lines)
    assert sum(line.amount for line in price.lines) == price.unit_price >= 0
    assert sum(tier.quantity for tier in price.tiers) == quantity
    assert all(tier.amount == tier.unit_price * tier.quantity for tier in price.tiers)
    assert sum(tier.amount for tier in price.tiers) == price.total
    if price_model.break_mode is BreakMode.WHOLE:
        assert price.total == price.tiers[0].unit_price * quantity
    assert price.premium == price.unit_price - round_money(price_model.baseline_price, price_model.currency)
    assert price.unit_cost == sum(line.cost for line in price.lines)
    assert price.margin == price.total - price.unit_cost * quantity
    levels = {charge.level for charge in p.charges(config)}
    expected = (
        Mode.CUSTOM if Level.BESPOKE in levels else Mode.BATCH if Level.BATCHABLE in levels else Mode.STANDARD
    )
    assert decision.mode is expected
    lead = p.lead_time(decision, quantity)
    assert (
        lead.business_days == sum(days for _, days in lead.components) >= price_model.baseline_lead_time_days
    )
