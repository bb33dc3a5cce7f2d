"""Hypothesis strategies: small random product models of every kind, rules, tables, selections."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import assume
from hypothesis import strategies as st

from configurator.engine.model import Kind, Option, OptionSet, ProductModel, Rule, Table

from .reference import domain

PATTERNS = ["", "[a-z]+", "[A-Z]{2}", r"\d{1,2}", "[a-z]{4}", "(a|Z0)+", "[a-z ]*[a-z]"]
MAX_CONFIGURATIONS = 1500


@st.composite
def option_sets(draw, index: int) -> OptionSet:
    kind = draw(st.sampled_from(list(Kind)))
    code = f"{kind.value[0]}{index}"
    name = f"Set {index}"
    if kind in (Kind.SINGLE, Kind.MULTI):
        count = draw(st.integers(2, 4 if kind is Kind.SINGLE else 3))
        options = tuple(
            Option(code=f"o{i}", name=f"Option {i}", price_delta=Decimal(draw(st.integers(-2, 9))))
            for i in range(count)
        )
        if kind is Kind.SINGLE:
            required = draw(st.booleans())
            default = draw(st.none() | st.sampled_from([option.code for option in options]))
            return OptionSet(code, name, kind, required=required, default=default, options=options)
        min_count = draw(st.integers(0, 1))
        max_count = draw(st.none() | st.integers(max(min_count, 1), count))
        high = count if max_count is None else max_count
        default = None
        if draw(st.booleans()):
            size = draw(st.integers(min_count, high))
            default = tuple(draw(st.permutations([option.code for option in options]))[:size])
        return OptionSet(
            code, name, kind, options=options, min_count=min_count, max_count=max_count, default=default
        )
    if kind is Kind.NUMBER:
        step = draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(2), Decimal("2.5")]))
        minimum = draw(st.sampled_from([Decimal(0), Decimal(1), Decimal("0.5"), Decimal(-2)]))
        size = draw(st.integers(1, 5))
        maximum = minimum + step * (size - 1) + draw(st.sampled_from([Decimal(0), step / 2]))
        values = [minimum + step * i for i in range(size)]
        default = draw(st.none() | st.sampled_from(values))
        return OptionSet(
            code,
            name,
            kind,
            minimum=minimum,
            maximum=maximum,
            step=step,
            default=default,
            price_delta=Decimal(draw(st.integers(0, 5))),
        )
    if kind is Kind.TEXT:
        max_length = draw(st.integers(1, 3))
        pattern = draw(st.sampled_from(PATTERNS))
        required = draw(st.booleans())
        option_set = OptionSet(
            code,
            name,
            kind,
            required=required,
            max_length=max_length,
            pattern=pattern,
            price_delta=Decimal(draw(st.integers(0, 5))),
        )
        choices = [text for text in domain(option_set) if text or not required]
        default = draw(st.none() | st.sampled_from(choices)) if choices else None
        return OptionSet(
            code,
            name,
            kind,
            required=required,
            max_length=max_length,
            pattern=pattern,
            default=default,
            price_delta=option_set.price_delta,
        )
    return OptionSet(
        code,
        name,
        kind,
        default=draw(st.none() | st.booleans()),
        price_delta=Decimal(draw(st.integers(0, 5))),
    )


def _number_literal(value: Decimal) -> str:
    return str(value) if value >= 0 else f"(0 - {-value})"


@st.composite
def counts(draw, sets: list[OptionSet], first: OptionSet) -> str:
    """``count(first, ...)`` over it and perhaps other single and multiple choices, compared with a
    number from 0 to the most it can count."""
    others = [s for s in sets if s.kind in (Kind.SINGLE, Kind.MULTI) and s is not first]
    named = [first]
    if others:
        named += draw(st.lists(st.sampled_from(others), max_size=2, unique_by=lambda s: s.code))
    most = sum(len(s.options) if s.kind is Kind.MULTI else 1 for s in named)
    op = draw(st.sampled_from([">=", "==", "<", "!=", "<=", ">"]))
    return f"count({', '.join(s.code for s in named)}) {op} {draw(st.integers(0, most))}"


@st.composite
def atoms(draw, sets: list[OptionSet]) -> str:
    option_set = draw(st.sampled_from(sets))
    code = option_set.code
    kind = option_set.kind
    if kind is Kind.SINGLE:
        codes = [option.code for option in option_set.options]
        shape = draw(st.integers(0, 4))
        if shape == 4:
            return draw(counts(sets, option_set))
        if shape < 2:
            return f"{code} {'==' if shape == 0 else '!='} '{draw(st.sampled_from(codes))}'"
        picked = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
        items = ", ".join(f"'{c}'" for c in picked) + ("," if len(picked) == 1 else "")
        return f"{code} {'in' if shape == 2 else 'not in'} ({items})"
    if kind is Kind.MULTI:
        codes = [option.code for option in option_set.options]
        shape = draw(st.integers(0, 3))
        if shape < 2:
            return f"'{draw(st.sampled_from(codes))}' {'in' if shape == 0 else 'not in'} {code}"
        return draw(counts(sets, option_set))
    if kind is Kind.NUMBER:
        numbers = [s for s in sets if s.kind is Kind.NUMBER]
        other = draw(st.sampled_from(numbers))
        values = domain(option_set)
        pivot = draw(st.sampled_from(values))
        op = draw(st.sampled_from(["<=", ">", "==", "!=", "<", ">="]))
        shape = draw(st.integers(0, 5))
        if shape == 0:
            return f"{code} {op} {_number_literal(pivot)}"
        if shape == 1:
            bound = draw(st.integers(-4, 30))
            return f"{code} * {other.code} {op} {_number_literal(Decimal(bound))}"
        if shape == 2:
            return (
                f"{code} + {other.code} {op} {_number_literal(pivot + draw(st.sampled_from(domain(other))))}"
            )
        if shape == 3:
            picked = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
            items = ", ".join(str(v) for v in picked if v >= 0) or "0"
            return f"{code} in ({items},)"
        if shape == 4:
            return f"min({code}, {other.code}) {op} {_number_literal(pivot)}"
        return f"abs({code} - {other.code}) {op} {_number_literal(abs(pivot))}"
    if kind is Kind.TEXT:
        shape = draw(st.integers(0, 2))
        if shape == 0:
            return f"{code} != ''"
        if shape == 1:
            return f"{code} == ''"
        return f"len({code}) {draw(st.sampled_from(['>=', '<', '==']))} {draw(st.integers(0, 3))}"
    booleans = [s for s in sets if s.kind is Kind.BOOLEAN]
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return code
    if shape == 1:
        return f"not {code}"
    if shape == 2:
        return f"{code} == {draw(st.sampled_from(['True', 'False']))}"
    return f"{code} != {draw(st.sampled_from(booleans)).code}"


@st.composite
def conditions(draw, sets: list[OptionSet], depth: int = 2) -> str:
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(atoms(sets))
    shape = draw(st.sampled_from(["and", "or", "not"]))
    if shape == "not":
        return f"not ({draw(conditions(sets, depth - 1))})"
    parts = draw(st.lists(conditions(sets, depth - 1), min_size=2, max_size=3))
    return f" {shape} ".join(f"({part})" for part in parts)


@st.composite
def tables(draw, sets: list[OptionSet], index: int) -> Table | None:
    columns = [s for s in sets if s.kind in (Kind.SINGLE, Kind.BOOLEAN, Kind.NUMBER)]
    if not columns:
        return None
    picked = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique_by=lambda s: s.code))
    product = list(itertools.product(*(domain(s) for s in picked)))
    forbidden = draw(st.integers(0, 2)) == 0
    if forbidden:  # a few forbidden rows
        size = draw(st.integers(1, min(len(product), 4)))
    else:  # at least half of the combinations allowed, at most 12 rows
        low = max(1, len(product) // 2)
        size = draw(st.integers(min(low, 12), min(len(product), 12)))
    rows = draw(st.lists(st.sampled_from(product), min_size=size, max_size=size, unique=True))
    return Table(f"t{index}", tuple(s.code for s in picked), tuple(rows), forbidden=forbidden)


@st.composite
def models(draw, min_sets: int = 1, max_sets: int = 6, max_rules: int = 4) -> ProductModel:
    count = draw(st.integers(min_sets, max_sets))
    count = max(count, draw(st.integers(min_sets, max_sets)))  # lean towards more sets
    sets = [draw(option_sets(i)) for i in range(count)]
    size = 1
    for option_set in sets:
        size *= len(domain(option_set))
    assume(size <= MAX_CONFIGURATIONS)
    rules = []
    for index in range(draw(st.integers(0, max_rules))):
        when = draw(st.sampled_from(["", "w", "w", "w"]))
        when = draw(conditions(sets, 1)) if when else ""
        rules.append(Rule(f"r{index}", draw(conditions(sets)), when))
    table_list = []
    for index in range(draw(st.integers(0, 2))):
        table = draw(tables(sets, index))
        if table is not None:
            table_list.append(table)
    return ProductModel("m", tuple(sets), tuple(rules), tuple(table_list))


@st.composite
def selections(draw, model: ProductModel, configs: list[dict] | None = None) -> dict:
    """Random partial selections (engine values) in a random order: half of them taken from a valid
    configuration (so consistent), some of those with one value changed, the rest at random."""
    order = draw(st.permutations(list(model.option_sets)))
    if configs and draw(st.booleans()):
        config = draw(st.sampled_from(configs))
        size = draw(st.integers(1, len(order)))
        result = {}
        for option_set in order[:size]:
            value = config[option_set.code]
            if option_set.kind is Kind.MULTI:
                value = (
                    frozenset(draw(st.lists(st.sampled_from(sorted(value)), unique=True))) if value else value
                )
            result[option_set.code] = value
        for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
            option_set = draw(st.sampled_from(order[:size]))
            values = _choosable(option_set)
            if values:
                result[option_set.code] = draw(st.sampled_from(values))
        return result
    size = draw(st.integers(0, len(order)))
    result = {}
    for option_set in order[:size]:
        values = _choosable(option_set)
        if values:
            result[option_set.code] = draw(st.sampled_from(values))
    return result


def _choosable(option_set: OptionSet) -> list:
    values = domain(option_set)
    if option_set.kind is Kind.TEXT and option_set.required:
        values = [value for value in values if value]
    return values


@st.composite
def models_counting_single_choices(draw) -> ProductModel:
    """A random model with one more rule: a ``count()`` that names a single choice."""
    model = draw(models(min_sets=2))
    singles = [s for s in model.option_sets if s.kind is Kind.SINGLE]
    assume(singles)
    counted = draw(counts(list(model.option_sets), draw(st.sampled_from(singles))))
    when = draw(st.sampled_from(["", draw(conditions(list(model.option_sets), 1))]))
    rule = Rule(f"r{len(model.rules)}", counted, when)
    return ProductModel(model.code, model.option_sets, (*model.rules, rule), model.tables)


@st.composite
def flat_models(draw) -> ProductModel:
    """A model shaped like a DIMACS file: many yes/no sets, most without a default (so "no" is
    proposed), perhaps single choices (a required one without a default is proposed nothing, so the
    solver must search it) and a multiple choice, and many clause rules over them: the effective
    configuration turns down many proposals in one greedy pass."""
    options = tuple(Option(f"o{i}", f"Option {i}") for i in range(3))
    others: list[OptionSet] = []
    literals: list[str] = []
    for code in ("s", "t")[: draw(st.integers(0, 2))]:
        required = draw(st.sampled_from([True, True, False]))
        default = draw(st.sampled_from([None, None, "o0"]))
        others.append(OptionSet(code, code, Kind.SINGLE, required=required, default=default, options=options))
        literals += [f"{code} == 'o0'", f"{code} != 'o1'", f"{code} in ('o1', 'o2')", f"{code} != 'o2'"]
    if draw(st.booleans()):
        others.append(OptionSet("m", "Multiple", Kind.MULTI, options=options[:2]))
        literals += ["'o0' in m", "'o1' not in m", "count(m) == 1"]
    size = 1
    for option_set in others:
        size *= len(domain(option_set))
    most = min(9, (MAX_CONFIGURATIONS // size).bit_length() - 1)
    defaults = [None, None, True, False]
    sets = [
        OptionSet(f"b{i}", f"Feature {i}", Kind.BOOLEAN, default=draw(st.sampled_from(defaults)))
        for i in range(draw(st.integers(min(4, most), most)))
    ]
    literals += [f"b{i}" for i in range(len(sets))] + [f"not b{i}" for i in range(len(sets))]
    for option_set in others:
        sets.insert(draw(st.integers(0, len(sets))), option_set)
    rules = []
    for index in range(draw(st.integers(3, 16))):
        clause = draw(st.lists(st.sampled_from(literals), min_size=1, max_size=3, unique=True))
        rules.append(Rule(f"c{index}", " or ".join(f"({literal})" for literal in clause), ""))
    return ProductModel("flat", tuple(sets), tuple(rules), ())
