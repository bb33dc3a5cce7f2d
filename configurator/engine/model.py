"""The engine's input: a product's configuration model as frozen, hashable values.

The catalogue builds one of these from a published version's document; importers build one
from third-party formats. Nothing here knows about Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Kind(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"


class Level(StrEnum):
    """How far from the mass-produced standard a choice takes the product."""

    STANDARD = "standard"
    BATCHABLE = "batchable"
    BESPOKE = "bespoke"


#: A decided value of one option set, as the engine sees it:
#: single -> option code or None (explicitly none), multi -> frozenset of codes,
#: number -> Decimal, text -> str, boolean -> bool.
Value = str | None | frozenset | Decimal | bool


@dataclass(frozen=True, slots=True)
class Option:
    """One value of a single or multi option set."""

    code: str
    name: str
    price_delta: Decimal = ZERO
    cost_delta: Decimal = ZERO
    labour_minutes: int = 0
    material: str = ""
    level: Level = Level.STANDARD


@dataclass(frozen=True, slots=True)
class OptionSet:
    """One decision of the customer.

    Kind-specific fields are ignored for the other kinds:

    * ``single``: ``options``; ``required`` False allows choosing none; ``default`` is a code or None.
    * ``multi``: ``options``, ``min_count``, ``max_count`` (None: no upper limit);
      ``default`` is a tuple of codes.
    * ``number``: ``minimum``, ``maximum``, ``step`` (the domain is minimum, minimum+step, ... <= maximum;
      a step of 1 makes integers), ``unit``; ``default`` is a Decimal. A value other than the default
      (any value, without a default) is "used" and carries ``price_delta``/``cost_delta``/
      ``labour_minutes``/``level``.
    * ``text``: ``max_length``, ``pattern`` (a regular expression a non-empty text must fully match);
      ``required`` True forbids the empty text. Non-empty text is "used".
    * ``boolean``: ``default`` is a bool; True is "used".
    """

    code: str
    name: str
    kind: Kind
    help_text: str = ""
    required: bool = True
    default: object = None
    options: tuple[Option, ...] = ()
    min_count: int = 0
    max_count: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    step: Decimal = Decimal(1)
    unit: str = ""
    max_length: int = 0
    pattern: str = ""
    price_delta: Decimal = ZERO
    cost_delta: Decimal = ZERO
    labour_minutes: int = 0
    level: Level = Level.STANDARD


@dataclass(frozen=True, slots=True)
class Rule:
    """``when`` (empty: always) implies ``require``; both are condition expressions."""

    code: str
    require: str
    when: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A compatibility table: the allowed rows of values over ``option_sets`` (single, boolean or
    number sets). Cells are option codes, booleans or Decimals, in column order. With ``forbidden``
    the rows are the combinations that are *not* allowed (every other combination is)."""

    code: str
    option_sets: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    message: str = ""
    forbidden: bool = False


@dataclass(frozen=True, slots=True)
class ProductModel:
    code: str
    option_sets: tuple[OptionSet, ...]
    rules: tuple[Rule, ...] = ()
    tables: tuple[Table, ...] = ()
    option_set_index: dict[str, OptionSet] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_set_index", {s.code: s for s in self.option_sets})

    def option_set(self, code: str) -> OptionSet:
        return self.option_set_index[code]
