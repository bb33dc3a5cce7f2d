"""What can be known about a compiled model ahead of any customer: which values are dead, which
values each single choice blocks on its own and by which minimal constraints, which values two
choices block together (where neither alone does), and a diverse pool of complete valid
configurations. Computed once per published version (a background task), kept beside the compiled
model, and used by every configurator of that version: almost every blocked value on real models is
blocked by one choice alone or by two together, so its reason and its classification then cost no
solver call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from .compile import CompiledModel
from .model import Kind
from .solver import DEFAULT_SOLVER
from .witnesses import ChoiceLits, Config, Target

if TYPE_CHECKING:
    from .explanations import Explainer
    from .session import Session

#: A value's key: ``(code, tag, value)`` with tag "value" (single, boolean), "in" or "out" (multi)
TargetKey = tuple[str, str, Any]
#: A single or boolean choice: ``(code, value)``; None stands for no choice at all
ChoiceKey = tuple[str, Any] | None
#: A value that two choices rule out together: those choices and the minimal constraints (indices)
Together = tuple[ChoiceLits, ChoiceLits, tuple[int, ...]]

_NOTHING: dict[int, tuple[int, ...]] = {}


@dataclass(frozen=True, slots=True)
class Precomputed:
    """Answers about one compiled model that hold whatever the selections. Plain data; pickles.

    For every choice in ``choices`` (each possible value of a single or boolean set, and None for
    no choice), ``blocks[choice]`` maps every value that this choice alone rules out to a minimal
    set of constraints doing it (indices into ``compiled.constraints``); a value absent from it is
    possible with that choice. ``together`` answers the same for two such choices of different sets
    that fit together, for the values of a third set that neither rules out alone (a minimal blocking
    triple of values, kept under each of its three pairs: whichever value is the question, the same
    constraints rule the three out together). Choices of other kinds (multiple choices, numbers,
    texts) are left to request time."""

    #: the keys of the values some complete valid configuration has (the others are dead)
    possible: frozenset[TargetKey]
    choices: frozenset[ChoiceKey]
    blocks: dict[ChoiceKey, dict[TargetKey, tuple[int, ...]]]
    #: the possible single and boolean values, ``(code, value)``, in the model's order of the sets;
    #: ``together`` names them by their position here
    values: tuple[tuple[str, Any], ...]
    #: the position of each of ``values``
    positions: dict[tuple[str, Any], int]
    #: ``first * len(values) + second`` (``first < second``) -> ``{third: constraint indices}`` for
    #: every third value that the first two rule out together and neither alone
    together: dict[int, dict[int, tuple[int, ...]]]
    #: complete valid configurations, at least one with each possible value
    witnesses: tuple[Config, ...]
    #: seconds spent, solver calls made
    seconds: float
    calls: int

    def pairs(self) -> int:
        """The (choice, value) pairs answered "blocked", with their constraints."""
        return sum(len(blocked) for blocked in self.blocks.values())

    def triples(self) -> int:
        """The minimal blocking triples of values (see ``together``)."""
        return sum(len(blocked) for blocked in self.together.values()) // 3

    def answers(self, choice: ChoiceLits | None, target: Target) -> bool:
        """Whether ``blocks`` answers "does this choice alone (None: no choice) rule the target
        out?": a single or boolean choice and a value of another single, boolean or multiple set."""
        if target.conjunction:  # a number's value
            return False
        if choice is None:
            return None in self.choices  # not for a model without any valid configuration
        return (
            choice.kind in (Kind.SINGLE, Kind.BOOLEAN)
            and choice.code != target.code
            and choice.key in self.choices
        )

    def blocked_by(self, choices: Iterable[ChoiceLits]) -> set[TargetKey]:
        """The values that one of these choices alone rules out, or no choice (dead values)."""
        blocked = set(self.blocks.get(None, ()))
        for choice in choices:
            if choice.kind in (Kind.SINGLE, Kind.BOOLEAN):
                blocked.update(self.blocks.get(choice.key, ()))
        return blocked

    def blocked_together(self, choices: Sequence[ChoiceLits]) -> dict[TargetKey, Together]:
        """The values that two of these choices rule out together while neither does alone, each
        with the first such two choices (in the order given) and the constraints doing it. A value
        that one of the choices rules out alone may be among them too (the two are still a minimal
        reason)."""
        position = self.positions
        indexed = [
            (position[choice.key], choice)
            for choice in choices
            if choice.kind in (Kind.SINGLE, Kind.BOOLEAN) and choice.key in position
        ]
        width = len(self.values)
        values = self.values
        found: dict[TargetKey, Together] = {}
        for rank, (first, one) in enumerate(indexed):
            for second, other in indexed[rank + 1 :]:
                low, high = (first, second) if first < second else (second, first)
                for third, constraints in self.together.get(low * width + high, _NOTHING).items():
                    code, value = values[third]
                    found.setdefault((code, "value", value), (one, other, constraints))
        return found


def precompute(
    compiled: CompiledModel,
    *,
    solver: str = DEFAULT_SOLVER,
    progress: Callable[[float], None] | None = None,
) -> Precomputed:
    """Everything :class:`Precomputed` holds for ``compiled``, on one solver session: one guidance
    step per single or boolean value (what it blocks alone), then, for every two such values of
    different sets that fit together, which values of later sets they rule out together (known
    configurations and covering rounds, as guidance does, on those sets only); a minimal set of
    constraints for each blocked pair and triple. ``progress`` is called with the fraction done."""
    from .explanations import Explainer
    from .guidance import Guide
    from .session import Request, Session

    started = perf_counter()
    session = Session(compiled, solver)
    explainer = Explainer(session)
    guide = Guide(session, explainer)
    request = Request(session, [])
    if not session.consistent(request):  # no valid configuration: nothing is worth keeping
        return Precomputed(
            frozenset(), frozenset(), {}, (), {}, {}, (), perf_counter() - started, session.calls
        )
    witnesses: dict[int, Config] = {id(request.witnesses[0]): request.witnesses[0]}
    covered, blocked = guide.cover(request)
    possible = frozenset(key for key in covered if key[1] != "out")
    explainer.possible = possible
    blocks: dict[ChoiceKey, dict[TargetKey, tuple[int, ...]]] = {
        None: {target.key: explainer.pair_indices(request, None, target) for target in blocked.values()}
    }
    values = [
        (encoding.code, value)
        for encoding in compiled.sets
        if encoding.kind in (Kind.SINGLE, Kind.BOOLEAN)
        for value in encoding.domain.values
        if (encoding.code, "value", value) in possible
    ]
    # progress counts single values and pairs of values of different sets alike
    per_set = Counter(code for code, _ in values)
    work = len(values) + (len(values) ** 2 - sum(count**2 for count in per_set.values())) // 2
    done = 0
    for code, value in values:
        choice = session.choice(code, value, 0)
        request = Request(session, [choice])
        session.consistent(request)
        _, blocked = guide.cover(request)
        blocks[choice.key] = {
            target.key: explainer.pair_indices(request, choice, target) for target in blocked.values()
        }
        for witness in request.witnesses:
            witnesses.setdefault(id(witness), witness)
        done += 1
        if progress is not None:
            progress(done / work)
    positions = {value: index for index, value in enumerate(values)}
    together: dict[int, dict[int, tuple[int, ...]]] = {}
    for first, (code, value) in enumerate(values):
        one = session.choice(code, value, 0)
        later = [second for second in range(first + 1, len(values)) if values[second][0] != code]
        for second in later:
            other = session.choice(*values[second], 1)
            if (other.code, "value", other.value) not in blocks[one.key]:
                for third, constraints in _blocked_together(session, explainer, values, blocks, one, other):
                    low, middle, high = sorted((first, second, third))
                    width = len(values)
                    together.setdefault(low * width + middle, {})[high] = constraints
                    together.setdefault(low * width + high, {})[middle] = constraints
                    together.setdefault(middle * width + high, {})[low] = constraints
            session.maybe_rebuild()
        done += len(later)
        if progress is not None:
            progress(done / work)
    return Precomputed(
        possible,
        frozenset([None, *values]),
        blocks,
        tuple(values),
        positions,
        together,
        tuple(witnesses.values()),
        perf_counter() - started,
        session.calls,
    )


def _blocked_together(
    session: Session,
    explainer: Explainer,
    values: Sequence[tuple[str, Any]],
    blocks: dict[ChoiceKey, dict[TargetKey, tuple[int, ...]]],
    one: ChoiceLits,
    other: ChoiceLits,
) -> list[tuple[int, tuple[int, ...]]]:
    """The values of the sets after ``other``'s (``one``'s set comes before it), by position in
    ``values``, that ``one`` and ``other`` (which fit together) rule out together while neither
    does alone, each with a minimal set of constraints: known configurations first, then covering
    rounds on the guidance solver (one activatable clause "one of the values still unknown"),
    checking each configuration's neighbours."""
    from .session import Request

    encodings = session.compiled.set_index
    later = session.compiled.sets.index(encodings[other.code]) + 1
    later_codes = {encoding.code for encoding in session.compiled.sets[later:]}
    alone = blocks[one.key].keys() | blocks[other.key].keys()
    unknown: dict[int, tuple[int, Target]] = {}
    for position, (code, value) in enumerate(values):
        if code not in later_codes or (code, "value", value) in alone:
            continue
        encoding = encodings[code]
        target = Target(code, "value", value, encoding.direct.lits[encoding.value_index[value]])
        unknown[target.lit] = (position, target)
    request = Request(session, [one, other])
    for pool in (session.pool, session.pinned):
        matching = pool.matching(request.choices) if unknown else 0
        if matching:
            for lit, (_, target) in list(unknown.items()):
                if pool.having(target) & matching:
                    del unknown[lit]
    backend = session.backend
    while unknown:
        if session.tuning.prefer_uncovered:
            backend.prefer(list(unknown))
        activation = backend.new_var()
        backend.add_clause([-activation, *unknown])
        found = session.solve(request, [activation])
        backend.add_clause([-activation])
        if not found:
            break
        witness = session.last_witness()
        for lit, (_, target) in list(unknown.items()):
            if target.holds(witness) or session.is_valid_change(target.neighbour(witness), target.code):
                del unknown[lit]
    return [
        (position, explainer.blocking_indices(request, [one, other], target))
        for position, target in unknown.values()
    ]
