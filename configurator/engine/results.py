"""What the engine answers. Plain frozen values; the API layer turns them into JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

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


class Origin(StrEnum):
    """Where a set's value in the effective configuration comes from (docs/engine.md, "One meaning")."""

    #: the customer's choice (a multiple choice: the ticked options, plus any the choices force in)
    CHOSEN = "chosen"
    #: the only value left: forced by the choices and the defaults taken before it
    IMPLIED = "implied"
    #: the set's default, or without one its empty value (none, no, nothing, an empty text)
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class EffectiveConfiguration:
    """The one configuration that validation, price, production mode and lead time all read:
    the customer's choices, what they force, then each open set's default where it still fits;
    a set with none of these is ``missing``. When the choices are consistent, a complete effective
    configuration is valid."""

    consistent: bool
    #: option-set code -> value, in model order, for every set that is not missing
    values: dict[str, Value]
    origins: dict[str, Origin]
    missing: tuple[str, ...]
    #: decided multiple choices: the options the choices force in beyond the ticked ones
    added: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class Validation:
    #: Some complete valid configuration extends the choices.
    consistent: bool
    #: The effective configuration has a value for every option set.
    complete: bool
    #: Complete, and the effective configuration satisfies every constraint (for consistent
    #: choices: exactly when complete).
    valid: bool
    missing: tuple[str, ...]
    errors: tuple[ConstraintRef, ...]


@dataclass(frozen=True, slots=True)
class Guidance:
    validation: Validation
    #: the effective configuration that ``validation`` reads, and price, mode and lead time too
    effective: EffectiveConfiguration
    option_sets: tuple[OptionSetGuidance, ...]
    conflict: Conflict | None
    solver_calls: int
    #: every blocked value carries its reasons (or the choices conflict, and ``conflict`` says why);
    #: False when explanations were off or their time budget ran out
    explained: bool = True
    #: blocked values whose reason (one choice alone, or none: dead) was read from the answers
    #: precomputed for the model (:mod:`.precomputed`) rather than found by the solver
    precomputed_reasons: int = 0


@dataclass(frozen=True, slots=True)
class Addition:
    """Options a completion adds to a multiple choice the customer decided, and why: a minimal set
    of choices and constraints under which the options ticked (plus any the choices force) cannot
    stand alone."""

    option_set: str
    added: frozenset[str]
    reason: Explanation


@dataclass(frozen=True, slots=True)
class Completion:
    """A complete, valid configuration extending the choices: every option set decided. It starts
    from the effective configuration and decides only what that leaves missing (the cheapest way)."""

    selections: dict[str, Value]
    #: the open sets whose default (or empty value) the completion took
    defaults_used: tuple[str, ...]
    #: Text sets that must be filled in and that the engine cannot invent (left out of
    #: ``selections``): any text of an allowed length matching the pattern completes the configuration.
    missing: tuple[str, ...] = ()
    #: decided multiple choices the completion had to add options to, with the reason
    additions: tuple[Addition, ...] = ()


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
