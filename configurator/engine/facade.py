"""Answer questions about a customer's selections with a SAT solver: validate, guide, explain,
repair and complete. One :class:`Configurator` per compiled model and thread.

The work is done by parts that share one solver session (:mod:`.session`): the witness pool
(:mod:`.witnesses`), guidance (:mod:`.guidance`), explanations (:mod:`.explanations`), repairs
(:mod:`.repairs`), the effective configuration and validation (:mod:`.effective`) and completion
(:mod:`.completion`); this class only puts them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from typing import Any

from .compile import CompiledModel
from .completion import Completer
from .effective import Effective, Hints
from .explanations import Explainer
from .guidance import Guide
from .model import Value
from .precomputed import Precomputed
from .repairs import Repairer
from .results import (
    Completion,
    Conflict,
    EffectiveConfiguration,
    Explanation,
    Guidance,
    Repair,
    Validation,
)
from .selections import parse_selections
from .session import Session
from .solver import DEFAULT_SOLVER, SatBackend
from .tuning import DEFAULT_TUNING, Tuning


class Configurator:
    """Validate, guide, explain, repair and complete selections for one compiled model.

    Holds an incremental solver; not thread-safe. Every answer depends only on the selections
    passed in: what is kept between calls (the solver's learnt clauses, known valid
    configurations, known minimal explanations) is true of the model whatever the selections.
    ``tuning`` sets the speed switches (none changes an answer).
    """

    def __init__(
        self,
        compiled: CompiledModel,
        solver: str = DEFAULT_SOLVER,
        *,
        tuning: Tuning = DEFAULT_TUNING,
        precomputed: Precomputed | None = None,
    ) -> None:
        self.compiled = compiled
        self.model = compiled.model
        self.session = Session(compiled, solver, tuning)
        self.explainer = Explainer(self.session)
        self.guidance = Guide(self.session, self.explainer)
        self.repairer = Repairer(self.session)
        self.meaning = Effective(self.session)
        self.completer = Completer(self.session, self.meaning, self.explainer)
        if precomputed is not None:
            self.use_precomputed(precomputed)

    @property
    def precomputed(self) -> Precomputed | None:
        """The answers computed ahead for this model that this configurator uses, if any."""
        return self.session.precomputed

    def use_precomputed(self, precomputed: Precomputed) -> None:
        """From now on, answer from ``precomputed`` (:func:`.precomputed.precompute` of this same
        compiled model) where it can: no answer changes, fewer solver calls are needed."""
        self.session.use_precomputed(precomputed)
        self.explainer.possible = precomputed.possible

    @property
    def selectors(self) -> list[int]:
        return self.session.selectors

    @property
    def core_backend(self) -> SatBackend:
        return self.session.core_backend

    @property
    def calls(self) -> int:
        """Solver calls made so far."""
        return self.session.calls

    def parse_selections(self, raw: Mapping[str, Any]) -> dict[str, Value]:
        return parse_selections(self.model, raw)

    def effective(self, selections: Mapping[str, Any]) -> EffectiveConfiguration:
        """The one effective configuration of these selections (docs/engine.md, "One meaning"):
        what validation reads, and what price, production mode and lead time are computed from."""
        request = self.session.request(selections)
        consistent = self.session.consistent(request)
        return self.meaning.configuration(request, consistent)

    def validate(self, selections: Mapping[str, Any]) -> Validation:
        return self.meaning.validation(self.effective(selections))

    def validation(self, effective: EffectiveConfiguration) -> Validation:
        """The verdict on an effective configuration (what :meth:`validate` answers)."""
        return self.meaning.validation(effective)

    def guide(
        self, selections: Mapping[str, Any], explain: bool = True, explain_budget: float | None = None
    ) -> Guidance:
        """Classify every value exactly. ``explain``: give each blocked value its reasons;
        ``explain_budget``: seconds to spend on those reasons, after which the remaining blocked
        values are left without (``Guidance.explained`` is then False; ask :meth:`explain`). The
        work done within the budget is kept, so later calls explain more in the same time."""
        request = self.session.request(selections)
        started = perf_counter()
        choices = request.choices
        consistent = self.session.consistent(request)
        if not consistent:
            effective = self.meaning.configuration(request, consistent)
            explanation = self.explainer.conflict(request, choices)
            conflict = Conflict(explanation, self.repairer.find(request, choices, 3))
            option_sets = tuple(
                self.guidance.blocked_set(encoding, choices) for encoding in self.compiled.sets
            )
            validation = self.meaning.validation(effective)
            calls = self.calls - request.start_calls
            return Guidance(validation, effective, option_sets, conflict, calls)
        if explain and self.explainer.possible is None:
            self.explainer.possible = self.guidance.possible_values()
        if explain_budget is not None:
            request.explain_until = started + explain_budget
        option_sets = self.guidance.classify(request, explain)
        effective = self.meaning.configuration(request, consistent, Hints.from_guidance(option_sets))
        validation = self.meaning.validation(effective)
        explained = explain and request.unexplained == 0
        calls = self.calls - request.start_calls
        return Guidance(
            validation, effective, option_sets, None, calls, explained, request.precomputed_reasons
        )

    def explain(self, selections: Mapping[str, Any], option_set: str, value: Any) -> Explanation:
        """Why ``value`` cannot be chosen for ``option_set`` (a multi: why it cannot be added).

        Raises :class:`NotBlockedError` when the value is available."""
        return self.explainer.explain(selections, option_set, value)

    def repairs(self, selections: Mapping[str, Any], limit: int = 3) -> tuple[Repair, ...]:
        """Up to ``limit`` minimal sets of changes that make inconsistent selections consistent
        (none when they are consistent), fewest changes first, then keeping the most recent."""
        request = self.session.request(selections)
        if self.session.solve(request):
            return ()
        return self.repairer.find(request, request.choices, limit)

    def complete(self, selections: Mapping[str, Any]) -> Completion:
        """A complete valid configuration extending the selections: defaults where they still fit
        (in option-set order), then the cheapest completion of the rest."""
        return self.completer.complete(selections)
