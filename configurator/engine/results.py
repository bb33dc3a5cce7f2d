"""What the engine answers. Plain frozen values; the API layer turns them into JSON."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import Kind, Value


@dataclass(frozen=True, slots=True)
class Choice:
    """One of the customer's decisions: an option set and the value chosen for it."""

    option_set: str
    value: Value


@dataclass(frozen=True, slots=True)
class ConstraintRef:
    """A rule, a table or an option set's own limit (``kind`` ``"count"``: a multiple choice's
    minimum/maximum, code ``"<set>.count"``)."""

    code: str
    kind: str
    message: str
    option_sets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """A minimal set of choices that, with these constraints, rules a value or a selection out:
    drop any one of the choices and the value (or the selection) is possible again."""

    choices: tuple[Choice, ...]
    constraints: tuple[ConstraintRef, ...]


@dataclass(frozen=True, slots=True)
class ValueGuidance:
    """One value of a single, multi or boolean set. ``value`` is an option code, or True/False."""

    value: str | bool
    selectable: bool
    selected: bool
    implied: bool
    reason: Explanation | None = None


@dataclass(frozen=True, slots=True)
class OptionSetGuidance:
    code: str
    kind: Kind
    decided: bool
    selection: Value
    #: What the choices force on this set: an option code / bool / Decimal, a frozenset of codes
    #: that must be in a multiple choice, or None when nothing is forced.
    implied: Value
    values: tuple[ValueGuidance, ...] = ()
    #: Optional single sets: whether leaving the set empty still extends to a valid configuration.
    none_selectable: bool | None = None
    #: Number sets: the feasible range (None, None when nothing is feasible).
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    #: Text sets: the feasible length range (0..0: must stay empty; None, None when nothing is feasible).
    min_length: int | None = None
    max_length: int | None = None
    #: Decided number sets, with explanations: the feasible range with this set's own choice left out
    #: (where a slider may move to); None otherwise.
    switch_minimum: Decimal | None = None
    switch_maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """Part of a repair: ``option_set`` goes from ``before`` to ``after``, the value it takes in a
    valid configuration that keeps every other choice."""

    option_set: str
    before: Value
    after: Value


@dataclass(frozen=True, slots=True)
class Repair:
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Conflict:
    explanation: Explanation
    repairs: tuple[Repair, ...]


@dataclass(frozen=True, slots=True)
class Validation:
    #: Some complete valid configuration extends the choices.
    consistent: bool
    #: Every option set that needs a decision has one (open sets with a default or an empty
    #: value count as decided by it).
    complete: bool
    #: Complete, and the configuration as it stands satisfies every constraint.
    valid: bool
    missing: tuple[str, ...]
    errors: tuple[ConstraintRef, ...]


@dataclass(frozen=True, slots=True)
class Guidance:
    validation: Validation
    option_sets: tuple[OptionSetGuidance, ...]
    conflict: Conflict | None
    solver_calls: int
    #: every blocked value carries its reasons (or the choices conflict, and ``conflict`` says why);
    #: False when explanations were off or their time budget ran out
    explained: bool = True


@dataclass(frozen=True, slots=True)
class Completion:
    """A complete, valid configuration extending the choices: every option set decided."""

    selections: dict[str, Value]
    defaults_used: tuple[str, ...]
    #: Text sets that must be filled in and that the engine cannot invent (left out of
    #: ``selections``): any text of an allowed length matching the pattern completes the configuration.
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Count:
    value: int
    exact: bool
    method: str


@dataclass(frozen=True, slots=True)
class Analysis:
    satisfiable: bool
    dead: tuple[Choice, ...]
    core: tuple[Choice, ...]
    rules_never_firing: tuple[str, ...]
    rules_contradicting: tuple[str, ...]
    rules_redundant: tuple[str, ...]
    count: Count
    conflict: Explanation | None
