"""What the configurator keeps about configurations: a customer's choices as solver literals
(:class:`ChoiceLits`), yes/no questions about one option set (:class:`Target`), the decoding of a
solver model into a configuration (:class:`Decoder`) and the pool of complete valid configurations
found so far, indexed by value (:class:`WitnessPool`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from typing import Any

from .cnf import OrderVar
from .compile import CompiledModel
from .model import Kind, Value

#: A witness: a complete valid configuration, option-set code -> engine value (a text as a
#: representative string of its length)
Config = dict[str, Any]


@dataclass(slots=True)
class ChoiceLits:
    """One of the customer's choices as the solver sees it: the literals whose conjunction means
    the choice (a multiple choice: its ticked options), and its rank in the order of the choices."""

    code: str
    value: Value
    lits: tuple[int, ...]
    #: the value as the solver sees it (text: a representative string of the same class)
    abstract: Value
    rank: int
    kind: Kind

    @property
    def key(self) -> tuple[str, Value]:
        return (self.code, self.value)

    def satisfied_by(self, config: Mapping[str, Any]) -> bool:
        """Whether ``config`` has this choice (a multiple choice: the ticked options, at least)."""
        if self.kind is Kind.MULTI:
            return self.abstract <= config[self.code]
        return config[self.code] == self.abstract

    def holds_in(self, config: Mapping[str, Any]) -> bool:
        """The same, with a multiple choice taken exactly (options out) read exactly."""
        if self.kind is Kind.MULTI and any(lit < 0 for lit in self.lits):
            return bool(config[self.code] == self.abstract)
        return self.satisfied_by(config)


@dataclass(slots=True)
class Target:
    """A yes/no question about one option set: "can it take this value?" as one literal (or, for
    a number value, the conjunction ``conjunction``)."""

    code: str
    tag: str  # "value" (single/boolean/number, incl. None), "in" / "out" (multi)
    value: Any
    lit: int
    conjunction: tuple[int, ...] = ()

    @property
    def lits(self) -> list[int]:
        return list(self.conjunction) if self.conjunction else [self.lit]

    def holds(self, config: Mapping[str, Any]) -> bool:
        current = config[self.code]
        if self.tag == "in":
            return self.value in current
        if self.tag == "out":
            return self.value not in current
        return current == self.value

    def neighbour_value(self, config: Mapping[str, Any]) -> Any:
        current = config[self.code]
        if self.tag == "in":
            return current | {self.value}
        if self.tag == "out":
            return current - {self.value}
        return self.value

    def neighbour(self, config: Mapping[str, Any]) -> dict[str, Any]:
        changed = dict(config)
        changed[self.code] = self.neighbour_value(config)
        return changed

    @property
    def key(self) -> tuple[str, str, Any]:
        return (self.code, self.tag, self.value)


def getter(indices: Sequence[int]) -> Callable[[Sequence[int]], tuple[int, ...]]:
    """``operator.itemgetter`` that always returns a tuple."""
    if not indices:
        return lambda model: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda model: (model[index],)
    return itemgetter(*indices)


class Decoder:
    """Reads the complete configuration off a solver model (a list with ``model[v - 1] = ±v``),
    with the loops over literals done by C code (``itemgetter``, ``compress``)."""

    __slots__ = (
        "bool_codes",
        "bool_get",
        "direct_get",
        "direct_pairs",
        "lit_of",
        "multi",
        "multi_get",
        "nvars",
        "order",
    )

    def __init__(self, compiled: CompiledModel) -> None:
        self.nvars = compiled.nvars
        direct: list[int] = []
        self.direct_pairs: list[tuple[str, Any]] = []
        booleans: list[int] = []
        self.bool_codes: list[str] = []
        self.multi: list[tuple[str, Callable[[Sequence[int]], tuple[int, ...]], tuple[str, ...]]] = []
        self.order: list[tuple[str, OrderVar, bool]] = []
        for encoding in compiled.sets:
            kind, code = encoding.kind, encoding.code
            if kind is Kind.SINGLE:
                for value, lit in zip(encoding.domain.values, encoding.direct.lits, strict=True):
                    direct.append(lit - 1)
                    self.direct_pairs.append((code, value))
            elif kind is Kind.BOOLEAN:
                booleans.append(encoding.direct.lits[1] - 1)
                self.bool_codes.append(code)
            elif kind is Kind.MULTI:
                read = getter([lit - 1 for lit in encoding.option_lits])
                self.multi.append((code, read, encoding.options))
            else:
                self.order.append((code, encoding.order, kind is Kind.TEXT))
        self.direct_get = getter(direct)
        self.bool_get = getter(booleans)
        self.multi_get = getter([lit - 1 for encoding in compiled.sets for lit in encoding.option_lits])
        #: single / boolean sets: value -> literal; multiple choices: option -> literal
        self.lit_of: dict[str, dict[Any, int]] = {}
        for encoding in compiled.sets:
            if encoding.kind is Kind.MULTI:
                self.lit_of[encoding.code] = dict(zip(encoding.options, encoding.option_lits, strict=True))
            elif encoding.kind in (Kind.SINGLE, Kind.BOOLEAN):
                self.lit_of[encoding.code] = dict(
                    zip(encoding.domain.values, encoding.direct.lits, strict=True)
                )

    def atoms(self, model: Sequence[int], config: Mapping[str, Any]) -> list[Any]:
        """The pool's atoms of a configuration read off the solver's model (``model[v - 1] = ±v``):
        the true value literals of single sets, each boolean's literal as it is, the options in."""
        positive = (0).__lt__
        atoms: list[Any] = list(filter(positive, self.direct_get(model)))
        atoms.extend(self.bool_get(model))
        atoms.extend(filter(positive, self.multi_get(model)))
        atoms.extend((code, config[code]) for code, _, _ in self.order)
        return atoms

    def atoms_of(self, config: Mapping[str, Any]) -> list[Any]:
        """The same from a configuration alone."""
        atoms: list[Any] = []
        for code, lits in self.lit_of.items():
            value = config[code]
            if isinstance(value, frozenset):
                atoms.extend(lits[option] for option in value)
            else:
                atoms.append(lits[value])
        atoms.extend((code, config[code]) for code, _, _ in self.order)
        return atoms

    def __call__(self, model: Sequence[int]) -> dict[str, Any]:
        if len(model) < self.nvars:  # variables in no clause: any value; read them as false
            model = [*model, *(-var for var in range(len(model) + 1, self.nvars + 1))]
        positive = (0).__lt__
        config = dict(compress(self.direct_pairs, map(positive, self.direct_get(model))))
        config.update(zip(self.bool_codes, map(positive, self.bool_get(model)), strict=True))
        for code, read, options in self.multi:
            config[code] = frozenset(compress(options, map(positive, read(model))))
        if self.order:

            def truth(lit: int) -> bool:
                return (model[abs(lit) - 1] > 0) == (lit > 0)

            for code, var, text in self.order:
                value = var.values[var.decode(truth)]
                config[code] = "x" * value if text else value
        return config


class WitnessPool:
    """Complete valid configurations found by earlier calls (a ring of ``size`` slots), indexed so
    that "which of them extend these choices (and have this value)?" is a few AND operations on bit
    masks over the slots. ``masks[atom]`` has bit ``i`` set when slot ``i`` has that atom: the
    literal of a single or boolean set's value, of an option in a multiple choice, or ``(code,
    value)`` for a number or text set (see :meth:`Decoder.atoms`)."""

    __slots__ = ("atoms", "configs", "last", "masks", "next", "occupied", "size")

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.configs: list[dict[str, Any] | None] = [None] * self.size
        self.atoms: list[list[Any]] = [[] for _ in range(self.size)]
        self.masks: dict[Any, int] = {}
        self.occupied = 0
        self.next = 0
        #: the configuration added last
        self.last: dict[str, Any] | None = None

    def add(self, config: dict[str, Any], atoms: list[Any]) -> None:
        slot = self.next
        self.next = (slot + 1) % self.size
        bit = 1 << slot
        masks = self.masks
        for atom in self.atoms[slot]:  # the configuration this slot held
            masks[atom] ^= bit
        get = masks.get
        for atom in atoms:
            masks[atom] = get(atom, 0) | bit
        self.atoms[slot] = atoms
        self.configs[slot] = config
        self.last = config
        self.occupied |= bit

    def matching(self, choices: Sequence[ChoiceLits]) -> int:
        """The slots whose configuration extends every choice."""
        found = self.occupied
        masks = self.masks
        for choice in choices:
            if not found:
                return 0
            if choice.kind in (Kind.NUMBER, Kind.TEXT):
                found &= masks.get((choice.code, choice.abstract), 0)
            elif choice.kind is Kind.MULTI:
                # the pool indexes the options in; an exact multiple choice also has options out
                for lit in choice.lits:
                    found &= masks.get(lit, 0) if lit > 0 else ~masks.get(-lit, 0)
            else:
                for lit in choice.lits:
                    found &= masks.get(lit, 0)
        return found

    def having(self, target: Target) -> int:
        """The slots whose configuration satisfies ``target``."""
        if target.conjunction:  # a number's value
            return self.masks.get((target.code, target.value), 0)
        if target.tag == "out":
            return self.occupied & ~self.masks.get(-target.lit, 0)
        return self.masks.get(target.lit, 0)

    def config(self, slots: int) -> dict[str, Any]:
        """The configuration of the most recently added of these (non-empty) slots."""
        below = slots & ((1 << self.next) - 1)
        pick = below if below else slots
        config = self.configs[pick.bit_length() - 1]
        assert config is not None, "an occupied slot"
        return config
