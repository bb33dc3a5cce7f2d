"""ISO 2859-1 single sampling, normal inspection, checked against worked examples read off the
published Table I and Table II-A."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from manufacturing.sampling import (
    AQLS,
    INSPECTION_LEVELS,
    SamplePlan,
    code_letter,
    iso_2859_1_plan,
    sample_plan,
)
from manufacturing.spec import CheckpointSpec, SamplingPlanKind


def iso(level: str, aql: str) -> CheckpointSpec:
    return CheckpointSpec(
        inspects="finish", plan=SamplingPlanKind.ISO_2859_1, inspection_level=level, aql=Decimal(aql)
    )


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (2, "II", "A"),
        (8, "III", "B"),
        (9, "II", "B"),
        (50, "S-2", "B"),
        (51, "S-2", "B"),
        (91, "S-4", "D"),
        (280, "I", "E"),
        (500, "II", "H"),
        (501, "II", "J"),
        (1200, "II", "J"),
        (1201, "II", "K"),
        (1200, "S-3", "E"),
        (3200, "III", "L"),
        (10000, "I", "J"),
        (35000, "S-4", "H"),
        (150000, "S-1", "D"),
        (500000, "II", "P"),
        (500001, "III", "R"),
        (10_000_000, "S-3", "H"),
    ],
)
def test_table_i_gives_the_code_letter(lot_size, level, letter):
    assert code_letter(lot_size, level) == letter


@pytest.mark.parametrize(
    ("lot_size", "level", "aql", "expected"),
    [
        # Level II, lot 281-500 -> H, 50 units; AQL 1.0 -> Ac 1 Re 2.
        (500, "II", "1.0", SamplePlan(50, 1, 2, "H")),
        # Lot 501-1200 -> J, 80 units; AQL 2.5 -> Ac 5 Re 6.
        (1200, "II", "2.5", SamplePlan(80, 5, 6, "J")),
        # Lot 1201-3200 -> K, 125 units; AQL 0.65 -> Ac 2 Re 3, AQL 4.0 -> Ac 10 Re 11.
        (3000, "II", "0.65", SamplePlan(125, 2, 3, "K")),
        (3000, "II", "4.0", SamplePlan(125, 10, 11, "K")),
        # Lot 3201-10000 -> L, 200 units; AQL 2.5 -> Ac 10 Re 11, AQL 6.5 -> Ac 21 Re 22.
        (5000, "II", "2.5", SamplePlan(200, 10, 11, "L")),
        (5000, "II", "6.5", SamplePlan(200, 21, 22, "L")),
        # Lot 151-280 -> G, 32 units; AQL 4.0 -> Ac 3 Re 4.
        (200, "II", "4.0", SamplePlan(32, 3, 4, "G")),
        # Lot 91-150 -> F, 20 units; AQL 0.65 -> Ac 0 Re 1.
        (100, "II", "0.65", SamplePlan(20, 0, 1, "F")),
        # Level III, lot 281-500 -> J, 80 units; AQL 1.5 -> Ac 3 Re 4.
        (400, "III", "1.5", SamplePlan(80, 3, 4, "J")),
        # Level I, lot 501-1200 -> G, 32 units; AQL 6.5 -> Ac 5 Re 6.
        (1000, "I", "6.5", SamplePlan(32, 5, 6, "G")),
        # Level II, lot 500001 and over -> Q, 1250 units; AQL 0.010 -> Ac 0 Re 1.
        (600000, "II", "0.010", SamplePlan(1250, 0, 1, "Q")),
    ],
)
def test_table_ii_a_worked_examples(lot_size, level, aql, expected):
    assert sample_plan(iso(level, aql), lot_size) == expected


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [
        # Down arrows: the first plan below, with that letter's sample size.
        ("A", "1.0", SamplePlan(13, 0, 1, "E")),
        ("H", "0.065", SamplePlan(200, 0, 1, "L")),
        ("J", "0.40", SamplePlan(125, 1, 2, "K")),
        ("D", "4.0", SamplePlan(13, 1, 2, "E")),
        ("B", "10", SamplePlan(5, 1, 2, "C")),
        # Up arrows: the first plan above.
        ("G", "0.65", SamplePlan(20, 0, 1, "F")),
        ("B", "6.5", SamplePlan(2, 0, 1, "A")),
        ("N", "4.0", SamplePlan(315, 21, 22, "M")),
        ("L", "10", SamplePlan(125, 21, 22, "K")),
        ("R", "1.5", SamplePlan(800, 21, 22, "P")),  # through Q, itself an up arrow
        ("R", "0.015", SamplePlan(800, 0, 1, "P")),
        ("R", "0.010", SamplePlan(1250, 0, 1, "Q")),
    ],
)
def test_arrows_lead_to_the_plan_they_point_at(letter, aql, expected):
    assert iso_2859_1_plan(letter, aql) == expected


def test_a_sample_as_large_as_the_lot_inspects_every_unit():
    # Lot 10, level II -> B; at AQL 1.0 the arrow leads to E (13 units) > 10: all 10 are inspected.
    assert sample_plan(iso("II", "1.0"), 10) == SamplePlan(10, 0, 1, "E")


def test_the_aql_may_be_written_with_any_number_of_decimals():
    assert sample_plan(iso("II", "1"), 500) == sample_plan(iso("II", "1.00"), 500)


@pytest.mark.parametrize("aql", ["0.5", "15", "0", "abc"])
def test_an_aql_outside_the_table_is_refused(aql):
    checkpoint = CheckpointSpec(
        inspects="x", plan=SamplingPlanKind.ISO_2859_1, inspection_level="II", aql=aql
    )
    with pytest.raises(ValueError, match="not in the ISO 2859-1 table"):
        sample_plan(checkpoint, 100)


@pytest.mark.parametrize("level", ["IV", "S-5", "ii", ""])
def test_an_inspection_level_outside_the_table_is_refused(level):
    with pytest.raises(ValueError, match="not in the ISO 2859-1 table"):
        sample_plan(iso(level, "1.0"), 100)


def test_every_unit_inspects_the_whole_lot():
    checkpoint = CheckpointSpec(inspects="x", plan=SamplingPlanKind.EVERY_UNIT)
    assert sample_plan(checkpoint, 7) == SamplePlan(7, 0, 1, None)


def test_first_article_inspects_one_unit():
    checkpoint = CheckpointSpec(inspects="x", plan=SamplingPlanKind.FIRST_ARTICLE)
    assert sample_plan(checkpoint, 40) == SamplePlan(1, 0, 1, None)


@pytest.mark.parametrize(("lot_size", "sample"), [(1, 1), (5, 1), (6, 2), (10, 2), (11, 3)])
def test_every_nth_inspects_one_unit_in_n_rounded_up(lot_size, sample):
    checkpoint = CheckpointSpec(inspects="x", plan=SamplingPlanKind.EVERY_NTH, every_n=5)
    assert sample_plan(checkpoint, lot_size) == SamplePlan(sample, 0, 1, None)


def test_every_nth_without_n_is_refused():
    checkpoint = CheckpointSpec(inspects="x", plan=SamplingPlanKind.EVERY_NTH)
    with pytest.raises(ValueError, match="every_n"):
        sample_plan(checkpoint, 10)


def test_full_inspection_after_a_failed_sample_inspects_every_unit():
    assert sample_plan(iso("II", "2.5"), 1200, full_inspection=True) == SamplePlan(1200, 0, 1, None)


def test_an_empty_lot_is_refused():
    with pytest.raises(ValueError, match="at least one unit"):
        sample_plan(iso("II", "2.5"), 0)


_checkpoints = st.one_of(
    st.builds(
        CheckpointSpec,
        inspects=st.just("x"),
        plan=st.just(SamplingPlanKind.ISO_2859_1),
        inspection_level=st.sampled_from(INSPECTION_LEVELS),
        aql=st.sampled_from(AQLS),
    ),
    st.builds(
        CheckpointSpec,
        inspects=st.just("x"),
        plan=st.just(SamplingPlanKind.EVERY_NTH),
        every_n=st.integers(min_value=1, max_value=50),
    ),
    st.builds(
        CheckpointSpec,
        inspects=st.just("x"),
        plan=st.sampled_from([SamplingPlanKind.EVERY_UNIT, SamplingPlanKind.FIRST_ARTICLE]),
    ),
)


@given(checkpoint=_checkpoints, lot_size=st.integers(min_value=1, max_value=2_000_000), full=st.booleans())
def test_every_plan_is_a_well_formed_plan(checkpoint, lot_size, full):
    plan = sample_plan(checkpoint, lot_size, full_inspection=full)
    assert 0 <= plan.accept < plan.reject
    assert plan.reject == plan.accept + 1
    assert 1 <= plan.sample_size <= lot_size
    if full:
        assert plan.sample_size == lot_size


@given(
    level=st.sampled_from(INSPECTION_LEVELS),
    aql=st.sampled_from(AQLS),
    small=st.integers(min_value=2, max_value=100_000),
    extra=st.integers(min_value=0, max_value=1_000_000),
)
def test_a_larger_lot_never_gets_a_smaller_code_letter(level, aql, small, extra):
    letters = "ABCDEFGHJKLMNPQR"
    assert letters.index(code_letter(small, level)) <= letters.index(code_letter(small + extra, level))


@pytest.mark.parametrize("aql", AQLS)
def test_down_a_column_plans_never_get_smaller_or_stricter(aql):
    """Table II-A's shape: for one AQL, a larger code letter leads to a sample at least as large,
    accepting at least as many defects."""
    plans = [iso_2859_1_plan(letter, aql) for letter in "ABCDEFGHJKLMNPQR"]
    for smaller, larger in itertools.pairwise(plans):
        assert smaller.sample_size <= larger.sample_size
        assert smaller.accept <= larger.accept


@pytest.mark.parametrize("letter", list("ABCDEFGHJKLMNPQR"))
def test_along_a_row_a_looser_aql_never_accepts_fewer_defects_per_unit(letter):
    plans = [iso_2859_1_plan(letter, aql) for aql in AQLS]
    for stricter, looser in itertools.pairwise(plans):
        assert stricter.accept / stricter.sample_size <= looser.accept / looser.sample_size
