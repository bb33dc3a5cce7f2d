"""Staff-facing analysis of a product model, rendered as plain text lines."""

from __future__ import annotations

from configurator.engine import analyse
from configurator.engine.results import Analysis, Choice
from configurator.engine.values import describe_value

from .runtime import runtime_get


def analysis_for(
    *, checksum: str, load_document, count_timeout: float | None = None
) -> tuple[Analysis, list[str]]:
    """Analyse a model; exact counting stops after ``count_timeout`` seconds with an upper bound."""
    compiled = runtime_get(checksum=checksum, load_document=load_document).compiled
    analysis = analyse(compiled, count_timeout=count_timeout)
    model = compiled.model

    def choices(items: tuple[Choice, ...]) -> str:
        if not items:
            return "none"
        described = []
        for choice in items:
            option_set = model.option_set(choice.option_set)
            shown = describe_value(option_set, choice.value)
            described.append(f"{option_set.name} = {shown} ({choice.option_set}={choice.value!r})")
        return "; ".join(described)

    count = analysis.count
    count_text = f"{count.value:,}" if count.exact else f"at most {count.value:,} (an upper bound)"
    lines = [
        "Satisfiable: "
        + ("yes" if analysis.satisfiable else "NO: no configuration satisfies every rule and table"),
        f"Valid configurations: {count_text} [{count.method}]",
        f"Dead options (never possible): {choices(analysis.dead)}",
        f"Core options (always forced): {choices(analysis.core)}",
        f"Rules that can never fire: {', '.join(analysis.rules_never_firing) or 'none'}",
        f"Rules that contradict the rest: {', '.join(analysis.rules_contradicting) or 'none'}",
        f"Redundant rules (implied by the others): {', '.join(analysis.rules_redundant) or 'none'}",
    ]
    if analysis.conflict is not None:
        lines.append(
            "Conflict: " + "; ".join(f"{ref.code} ({ref.message})" for ref in analysis.conflict.constraints)
        )
    return analysis, lines
