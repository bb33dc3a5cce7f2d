"""What can be known about a compiled model ahead of any customer: which values are dead, which
values each single choice blocks on its own and by which minimal constraints, and a diverse pool
of complete valid configurations. Computed once per published version (a background task), kept
beside the compiled model, and used by every configurator of that version: most blocked values on
real models are blocked by one choice alone, so their reasons and their classification then cost
no solver call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from .compile import CompiledModel
from .model import Kind
from .solver import DEFAULT_SOLVER
from .witnesses import ChoiceLits, Config, Target

#: A value's key: ``(code, tag, value)`` with tag "value" (single, boolean), "in" or "out" (multi)
TargetKey = tuple[str, str, Any]
#: A single or boolean choice: ``(code, value)``; None stands for no choice at all
ChoiceKey = tuple[str, Any] | None


@dataclass(frozen=True, slots=True)
class Precomputed:
    """Answers about one compiled model that hold whatever the selections. Plain data; pickles.

    For every choice in ``choices`` (each possible value of a single or boolean set, and None for
    no choice), ``blocks[choice]`` maps every value that this choice alone rules out to a minimal
    set of constraints doing it (indices into ``compiled.constraints``); a value absent from it is
    possible with that choice. Choices of other kinds (multiple choices, numbers, texts) are left to
    request time."""

    #: the keys of the values some complete valid configuration has (the others are dead)
    possible: frozenset[TargetKey]
    choices: frozenset[ChoiceKey]
    blocks: dict[ChoiceKey, dict[TargetKey, tuple[int, ...]]]
    #: complete valid configurations, at least one with each possible value
    witnesses: tuple[Config, ...]
    #: seconds spent, solver calls made
    seconds: float
    calls: int

    def pairs(self) -> int:
        """The (choice, value) pairs answered "blocked", with their constraints."""
        return sum(len(blocked) for blocked in self.blocks.values())

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


def precompute(
    compiled: CompiledModel,
    *,
    solver: str = DEFAULT_SOLVER,
    progress: Callable[[float], None] | None = None,
) -> Precomputed:
    """Everything :class:`Precomputed` holds for ``compiled``, by one guidance step per single or
    boolean value (what it blocks alone) and a minimal explanation per blocked pair, on one
    solver session. ``progress`` is called with the fraction done after each value."""
    from .explanations import Explainer
    from .guidance import Guide
    from .session import Request, Session

    started = perf_counter()
    session = Session(compiled, solver)
    explainer = Explainer(session)
    guide = Guide(session, explainer)
    request = Request(session, [])
    if not session.consistent(request):  # no valid configuration: nothing is worth keeping
        return Precomputed(frozenset(), frozenset(), {}, (), perf_counter() - started, session.calls)
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
    for done, (code, value) in enumerate(values, start=1):
        choice = session.choice(code, value, 0)
        request = Request(session, [choice])
        session.consistent(request)
        _, blocked = guide.cover(request)
        blocks[choice.key] = {
            target.key: explainer.pair_indices(request, choice, target) for target in blocked.values()
        }
        for witness in request.witnesses:
            witnesses.setdefault(id(witness), witness)
        if progress is not None:
            progress(done / len(values))
    return Precomputed(
        possible,
        frozenset([None, *values]),
        blocks,
        tuple(witnesses.values()),
        perf_counter() - started,
        session.calls,
    )
