"""How many units a quality checkpoint inspects, and how many defects it accepts.

ISO 2859-1 single sampling for normal inspection is kept here as data, transcribed from the
published tables (identical to ANSI/ASQ Z1.4 and MIL-STD-105E for these parts):

* Table I: lot size range -> sample size code letter, per inspection level;
* the code letter -> sample size;
* Table II-A: per code letter and AQL, an acceptance/rejection pair or an arrow. An arrow means
  "use the first sampling plan below (``v``) or above (``^``) the arrow", and the sample size then
  comes from the code letter where the arrow leads, not the one Table I gave.

The AQL columns entered are the percent-nonconforming range 0.010 to 10. Pure Python, no Django,
so the simulation and the Celery factory draw the same plans."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .spec import CheckpointSpec, SamplingPlanKind

INSPECTION_LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

#: Table I. Each row: the largest lot size of the range (``None``: and over), then the code letter
#: for each of :data:`INSPECTION_LEVELS` in order.
_CODE_LETTER_ROWS: tuple[tuple[int | None, str], ...] = (
    (8, "A A A A A A B"),
    (15, "A A A A A B C"),
    (25, "A A B B B C D"),
    (50, "A B B C C D E"),
    (90, "B B C C C E F"),
    (150, "B B C D D F G"),
    (280, "B C D E E G H"),
    (500, "B C D E F H J"),
    (1200, "C C E F G J K"),
    (3200, "C D E G H K L"),
    (10000, "C D F G J L M"),
    (35000, "C D F H K M N"),
    (150000, "D E G J L N P"),
    (500000, "D E G J M P Q"),
    (None, "D E H K N Q R"),
)

SAMPLE_SIZES: dict[str, int] = {
    "A": 2,
    "B": 3,
    "C": 5,
    "D": 8,
    "E": 13,
    "F": 20,
    "G": 32,
    "H": 50,
    "J": 80,
    "K": 125,
    "L": 200,
    "M": 315,
    "N": 500,
    "P": 800,
    "Q": 1250,
    "R": 2000,
}
CODE_LETTERS: tuple[str, ...] = tuple(SAMPLE_SIZES)

AQLS: tuple[Decimal, ...] = tuple(
    Decimal(value)
    for value in (
        "0.010",
        "0.015",
        "0.025",
        "0.040",
        "0.065",
        "0.10",
        "0.15",
        "0.25",
        "0.40",
        "0.65",
        "1.0",
        "1.5",
        "2.5",
        "4.0",
        "6.5",
        "10",
    )
)

_DOWN = "v"
_UP = "^"

#: Table II-A, one row per code letter, one cell per AQL of :data:`AQLS` (columns separated by
#: ``|``): ``"Ac Re"``, or an arrow.
_MASTER_TABLE: dict[str, str] = {
    "A": "v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^",
    "B": "v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v",
    "C": "v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2",
    "D": "v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3",
    "E": "v   |v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4",
    "F": "v   |v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6",
    "G": "v   |v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8",
    "H": "v   |v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11",
    "J": "v   |v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15",
    "K": "v   |v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22",
    "L": "v   |v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^",
    "M": "v   |v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^   |^",
    "N": "v   |v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^   |^   |^",
    "P": "v   |0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^   |^   |^   |^",
    "Q": "0 1 |^   |v   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^   |^   |^   |^   |^",
    "R": "^   |^   |1 2 |2 3 |3 4 |5 6 |7 8 |10 11|14 15|21 22|^   |^   |^   |^   |^   |^",
}


@dataclass(frozen=True, slots=True)
class SamplePlan:
    """Inspect ``sample_size`` units; accept the lot with at most ``accept`` defects, reject it
    with ``reject`` or more. ``code_letter`` is the ISO 2859-1 letter whose plan is used (after
    following arrows), ``None`` for the other plan kinds."""

    sample_size: int
    accept: int
    reject: int
    code_letter: str | None


def _cells(letter: str) -> list[str]:
    return [cell.strip() for cell in _MASTER_TABLE[letter].split("|")]


def _aql_column(aql: Decimal | str | float) -> int:
    try:
        value = Decimal(str(aql))
    except InvalidOperation:
        value = None
    if value is None or value not in AQLS:
        raise ValueError(f"AQL {aql} is not in the ISO 2859-1 table; use one of {', '.join(map(str, AQLS))}.")
    return AQLS.index(value)


def code_letter(lot_size: int, inspection_level: str) -> str:
    """Table I: the sample size code letter for a lot. Lots below 2 read the first row."""
    if inspection_level not in INSPECTION_LEVELS:
        raise ValueError(
            f"Inspection level {inspection_level!r} is not in the ISO 2859-1 table; "
            f"use one of {', '.join(INSPECTION_LEVELS)}."
        )
    column = INSPECTION_LEVELS.index(inspection_level)
    for upper, letters in _CODE_LETTER_ROWS:
        if upper is None or lot_size <= upper:
            return letters.split()[column]
    raise AssertionError("Table I's last row is open-ended.")


def iso_2859_1_plan(letter: str, aql: Decimal | str | float) -> SamplePlan:
    """Table II-A for a code letter and an AQL, arrows followed to the plan they point to.

    Only one arrow in the table points off it: code letter A at AQL 10 points up. The plan it
    stands for is read as the smallest one of the table, letter A's own ``0 1`` with 2 units."""
    column = _aql_column(aql)
    row = CODE_LETTERS.index(letter)
    while True:
        cell = _cells(CODE_LETTERS[row])[column]
        if cell == _DOWN:
            row += 1
        elif cell == _UP and row > 0:
            row -= 1
        elif cell == _UP:
            return SamplePlan(sample_size=SAMPLE_SIZES["A"], accept=0, reject=1, code_letter="A")
        else:
            accept, reject = (int(number) for number in cell.split())
            used = CODE_LETTERS[row]
            return SamplePlan(sample_size=SAMPLE_SIZES[used], accept=accept, reject=reject, code_letter=used)


def sample_plan(checkpoint: CheckpointSpec, lot_size: int, *, full_inspection: bool = False) -> SamplePlan:
    """The plan a checkpoint applies to a lot of ``lot_size`` units.

    ``full_inspection`` (a batch whose sample failed, custom work) inspects every unit and accepts
    none defective. An ISO plan whose sample is as large as the lot inspects every unit, keeping
    the table's acceptance numbers."""
    if lot_size < 1:
        raise ValueError(f"A lot has at least one unit, not {lot_size}.")
    if full_inspection or checkpoint.plan == SamplingPlanKind.EVERY_UNIT:
        return SamplePlan(sample_size=lot_size, accept=0, reject=1, code_letter=None)
    if checkpoint.plan == SamplingPlanKind.FIRST_ARTICLE:
        return SamplePlan(sample_size=1, accept=0, reject=1, code_letter=None)
    if checkpoint.plan == SamplingPlanKind.EVERY_NTH:
        if not checkpoint.every_n or checkpoint.every_n < 1:
            raise ValueError("An every_nth checkpoint needs every_n of at least 1.")
        return SamplePlan(
            sample_size=math.ceil(lot_size / checkpoint.every_n), accept=0, reject=1, code_letter=None
        )
    if checkpoint.inspection_level is None or checkpoint.aql is None:
        raise ValueError("An iso_2859_1 checkpoint needs an inspection level and an AQL.")
    plan = iso_2859_1_plan(code_letter(lot_size, checkpoint.inspection_level), checkpoint.aql)
    if plan.sample_size >= lot_size:
        return SamplePlan(
            sample_size=lot_size, accept=plan.accept, reject=plan.reject, code_letter=plan.code_letter
        )
    return plan
