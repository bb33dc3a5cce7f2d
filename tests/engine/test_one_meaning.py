"""One meaning (issue 11): a customer who only picks selectable values never meets an answer that is
complete, consistent and invalid, and deciding what is missing with selectable values always ends
valid. Random walks on random small models (checked by the brute-force oracle), on the demo products
and on every real model in ../shared/benchmarks (checked by the model's rules and tables evaluated
in Python, and for DIMACS files by the file's own clauses); and the examples of the issue."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import Configurator, compile_model
from configurator.engine.document import model_from_document
from configurator.engine.evaluate import holds
from configurator.engine.results import Origin

from .reference import Reference
from .strategies import models
from .test_real_models import dimacs_reference, feature_assumptions, imported_model
from .walks import walk

ROOT = Path(__file__).resolve().parents[2]
DEMO = sorted((ROOT / "products" / "demo").glob("*.json"))


def evaluates_valid(compiled):
    """Every rule, table and count limit of the model holds, evaluated in Python on the values."""

    def valid(values: dict) -> bool:
        return len(values) == len(compiled.sets) and all(
            holds(constraint, values) for constraint in compiled.constraints
        )

    return valid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.randoms(use_true_random=False), st.integers(0, 8))
def test_walks_on_random_models_agree_with_the_oracle(model, rng, steps):
    ref = Reference(model)
    if not ref.configs:
        return
    configurator = Configurator(compile_model(model))

    def valid(values: dict) -> bool:
        return ref.valid(ref.as_domain(values))

    final = walk(configurator, rng, valid, steps)
    assert configurator.validate(final).valid


@pytest.mark.parametrize("path", DEMO, ids=lambda path: path.stem)
def test_walks_on_the_demo_products(path):
    compiled = compile_model(model_from_document(json.loads(path.read_text())))
    configurator = Configurator(compiled)
    valid = evaluates_valid(compiled)
    rng = random.Random(path.stem)
    for index in range(25):
        walk(configurator, rng, valid, steps=index % 9)


def city_bike() -> Configurator:
    document = json.loads((ROOT / "products" / "demo" / "city-bike.json").read_text())
    return Configurator(compile_model(model_from_document(document)))


def test_a_default_that_no_longer_fits_is_not_filled_in():
    """Issue 11: carbon with racing green was complete and invalid, the default rim brakes filled
    in although guidance blocks them after carbon. Now the brakes are missing (disc or hydraulic)."""
    configurator = city_bike()
    validation = configurator.validate({"frame": "carbon", "colour": "racing_green"})
    assert (validation.consistent, validation.complete, validation.valid) == (True, False, False)
    assert validation.missing == ("brakes",) and validation.errors == ()
    effective = configurator.effective({"frame": "carbon", "colour": "racing_green"})
    assert "brakes" not in effective.values
    assert effective.origins["size"] is Origin.DEFAULT


def test_what_the_choices_force_is_part_of_the_configuration():
    """Issue 11: the child seat mount alone (the rack implied, not ticked) was complete and invalid."""
    configurator = city_bike()
    effective = configurator.effective({"accessories": ["child_seat_mount"]})
    assert effective.values["accessories"] == {"rack", "child_seat_mount"}
    assert effective.added == {"accessories": {"rack"}}
    assert configurator.validate({"accessories": ["child_seat_mount"]}).valid


def test_the_completion_keeps_a_decided_multiple_choice_unless_a_rule_forces_more():
    configurator = city_bike()
    completion = configurator.complete({"accessories": ["mudguards"]})
    assert completion.selections["accessories"] == {"mudguards"}
    assert completion.additions == ()
    completion = configurator.complete({"accessories": ["child_seat_mount"]})
    assert completion.selections["accessories"] == {"rack", "child_seat_mount"}
    (addition,) = completion.additions
    assert addition.added == {"rack"}
    assert [constraint.code for constraint in addition.reason.constraints] == ["child_seat_needs_rack"]


# -- real models ------------------------------------------------------------------------------------

REAL = [
    "renault/megane.xml",
    "printer/printers.sxfm",
    "printer/printers_Mendonca2009.dimacs",
    "pc/pc_richmond_Sprey2020.xml",
    "pc/pc_richmond_Sprey2020.dimacs",
    "laptop/DELL.splx",
    "uvl_small/ecommerce.uvl",
    "uvl_small/xiaomi-band-8.uvl",
    "uvl_small/smart-watch.uvl",
    "uvl_small/dm_mobile_phone.csv.uvl",
    "uvl_small/berkeleydb.uvl",
]
#: walks to the end take a few hundred guidance steps on these (minutes each)
SLOW = [
    "automotive/automotive01.uvl",
    "automotive/automotive01_Kowal2016.dimacs",
    "automotive/automotive02_v4.uvl",
    "automotive/automotive02_v1_Knueppel2017-2_1.dimacs",
]


def model_check(relative: str, imported, compiled):
    """An independent check that a complete configuration of a shared model is valid: the model's
    rules and tables evaluated in Python and, for a DIMACS file, the file's own clauses."""
    valid = evaluates_valid(compiled)
    if not relative.endswith(".dimacs"):
        return valid
    from pysat.solvers import Solver

    _, cnf, features = dimacs_reference(relative, imported=(imported, compiled))
    solver = Solver(name="cadical153", bootstrap_with=cnf.clauses)

    def valid_by_the_file(values: dict) -> bool:
        return valid(values) and solver.solve(assumptions=feature_assumptions(values, features))

    return valid_by_the_file


def walk_real_model(relative: str, walks: int) -> None:
    imported, compiled = imported_model(relative)
    valid = model_check(relative, imported, compiled)
    configurator = Configurator(compiled)
    rng = random.Random(relative)
    for index in range(walks):
        walk(configurator, rng, valid, steps=[0, 3, 12][index % 3])


@pytest.mark.parametrize("relative", REAL)
def test_walks_on_the_real_models(relative):
    walk_real_model(relative, walks=6)


@pytest.mark.slow
@pytest.mark.parametrize("relative", SLOW)
def test_walks_on_the_largest_real_models(relative):
    walk_real_model(relative, walks=1)


def test_an_open_yes_no_set_reads_no_where_that_fits_and_yes_where_forced():
    """Issue 11: a DIMACS model's empty selection answered complete and invalid with nothing missing:
    open yes/no sets read as "no" in validation while guidance showed them implied "yes". Read flat
    (every variable a yes/no set), the empty selection is now complete and valid by the file's own
    clauses; with its groups recovered, the groups that still need a choice are named missing."""
    from pysat.solvers import Solver

    compiled, cnf, features = dimacs_reference("printer/printers_Mendonca2009.dimacs", groups=False)
    configurator = Configurator(compiled)
    guidance = configurator.guide({}, explain=False)
    effective = guidance.effective
    assert guidance.validation.complete and guidance.validation.valid and guidance.validation.errors == ()
    forced_yes = [s.code for s in guidance.option_sets if s.kind == "boolean" and s.implied is True]
    assert forced_yes
    for code in forced_yes:
        assert effective.values[code] is True and effective.origins[code] is Origin.IMPLIED
    with Solver(name="cadical153", bootstrap_with=cnf.clauses) as solver:
        assert solver.solve(assumptions=feature_assumptions(effective.values, features))

    compiled, _, _ = dimacs_reference("printer/printers_Mendonca2009.dimacs")
    validation = Configurator(compiled).validate({})
    assert validation.consistent and not validation.complete and validation.missing
    assert validation.errors == ()
