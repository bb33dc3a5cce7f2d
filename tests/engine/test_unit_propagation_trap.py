"""A configurator that only propagates unit clauses (flamapy's interactive configurator does) offers
values that can never be completed. Ours blocks them, with a minimal reason.

The model: four yes/no extras and four rules that together say "not Sport and Towbar", written so that
no rule becomes a unit clause when Sport and Towbar are chosen (each rule still has two literals
over RoofRack and Spoiler). After choosing Sport, unit propagation leaves Towbar open, so it is
offered; choosing it then leads to a dead end (every value of RoofRack fails).
"""

from __future__ import annotations

import itertools

from configurator.engine import Configurator, compile_model
from configurator.engine.model import Kind, OptionSet, ProductModel, Rule

EXTRAS = ("Sport", "Towbar", "RoofRack", "Spoiler")
#: (literals of each clause) with ("Sport", True) meaning Sport chosen; a clause is their disjunction.
CLAUSES = [
    (("Sport", False), ("Towbar", False), ("RoofRack", True), ("Spoiler", True)),
    (("Sport", False), ("Towbar", False), ("RoofRack", True), ("Spoiler", False)),
    (("Sport", False), ("Towbar", False), ("RoofRack", False), ("Spoiler", True)),
    (("Sport", False), ("Towbar", False), ("RoofRack", False), ("Spoiler", False)),
]


def model() -> ProductModel:
    sets = tuple(OptionSet(code, code, Kind.BOOLEAN, required=False) for code in EXTRAS)
    rules = (
        Rule("r1", "RoofRack or Spoiler", when="Sport and Towbar"),
        Rule("r2", "RoofRack or not Spoiler", when="Sport and Towbar"),
        Rule("r3", "not RoofRack or Spoiler", when="Sport and Towbar"),
        Rule("r4", "not RoofRack or not Spoiler", when="Sport and Towbar"),
    )
    return ProductModel("trap", sets, rules)


def unit_propagation(decisions: dict[str, bool]) -> dict[str, bool] | None:
    """What a propagation-only configurator knows: the decisions and every literal that unit
    propagation on the clauses derives from them; None on a conflict."""
    known = dict(decisions)
    changed = True
    while changed:
        changed = False
        for clause in CLAUSES:
            open_literals = []
            satisfied = False
            for name, value in clause:
                if name not in known:
                    open_literals.append((name, value))
                elif known[name] == value:
                    satisfied = True
                    break
            if satisfied:
                continue
            if not open_literals:
                return None
            if len(open_literals) == 1:
                name, value = open_literals[0]
                known[name] = value
                changed = True
    return known


def valid_configurations() -> list[dict[str, bool]]:
    """Brute force over the 16 assignments."""
    assignments = itertools.product((False, True), repeat=len(EXTRAS))
    configs = [dict(zip(EXTRAS, values, strict=True)) for values in assignments]
    return [
        config
        for config in configs
        if all(any(config[name] == value for name, value in clause) for clause in CLAUSES)
    ]


def test_unit_propagation_offers_towbar_after_sport_but_no_configuration_has_both():
    after_sport = unit_propagation({"Sport": True})
    assert after_sport is not None
    assert "Towbar" not in after_sport  # left open: a propagation-only configurator offers it
    # choosing it is not refused by propagation either ...
    after_towbar = unit_propagation({"Sport": True, "Towbar": True})
    assert after_towbar is not None
    assert "RoofRack" not in after_towbar and "Spoiler" not in after_towbar
    # ... but it is a dead end: every answer for RoofRack now fails
    assert unit_propagation({"Sport": True, "Towbar": True, "RoofRack": True}) is None
    assert unit_propagation({"Sport": True, "Towbar": True, "RoofRack": False}) is None
    # and indeed no valid configuration has Sport and Towbar
    configurations = valid_configurations()
    assert configurations
    assert not any(config["Sport"] and config["Towbar"] for config in configurations)


def test_exact_guidance_blocks_towbar_after_sport_with_a_minimal_reason():
    configurator = Configurator(compile_model(model()))
    guidance = configurator.guide({"Sport": True}, explain=True)
    assert guidance.validation.consistent
    towbar = next(option_set for option_set in guidance.option_sets if option_set.code == "Towbar")
    true = next(value for value in towbar.values if value.value is True)
    assert not true.selectable
    assert towbar.implied is False  # Towbar must stay off
    reason = true.reason
    assert reason is not None
    assert [(choice.option_set, choice.value) for choice in reason.choices] == [("Sport", True)]
    # the four rules are all needed: any three of them allow Sport and Towbar together
    assert sorted(constraint.code for constraint in reason.constraints) == ["r1", "r2", "r3", "r4"]
    # minimal: without the choice, Towbar is possible again
    assert configurator.guide({}, explain=False).option_sets[1].values[0].selectable
    # every value the guidance offers after Sport extends to a complete valid configuration
    for option_set in guidance.option_sets:
        for value in option_set.values:
            if value.selectable:
                assert any(
                    config["Sport"] and config[option_set.code] == value.value
                    for config in valid_configurations()
                )
