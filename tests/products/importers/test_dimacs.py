from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from products.importers import ModelFileError, ModelTooLargeError, load_model
from products.importers.dimacs import load_dimacs
from products.importers.formula import FALSE, TRUE, Lit
from tests.requirements import shared_benchmark

from .helpers import count, engine_dead_core, sat_dead_core

MODEL = """c 1 Root
c 2 Engine
c 3 Petrol
c 4 Diesel
c 5 Electric
c 6 Tow bar
c 7 Sunroof
c a comment that names nothing
p cnf 8 14
1 0
-2 1 0
-1 2 0
-2 3 4 5 0
-3 2 0
-4 2 0
-5 2 0
-3 -4 0
-3 -5 0
-4 -5 0
-6 1 0
-5 -6 0
-7 1 0
-5 -6 0
"""


def brute_force(text: str) -> int:
    from itertools import product

    lines = [line for line in text.splitlines() if line and line[0] not in "cp"]
    clauses = [[int(x) for x in line.split()[:-1]] for line in lines]
    nvars = int(next(line for line in text.splitlines() if line.startswith("p")).split()[2])
    return sum(
        all(any((lit > 0) == values[abs(lit) - 1] for lit in clause) for clause in clauses)
        for values in product((False, True), repeat=nvars)
    )


def test_groups_are_recovered_without_changing_the_configurations():
    imported = load_dimacs(MODEL, filename="car.dimacs")
    document = imported.document
    assert imported.features["Root"] == TRUE and imported.features["Engine"] != TRUE
    assert imported.features["Petrol"] == Lit("single", "Engine_group", "Petrol")
    assert imported.features["x8"] == Lit("bool", "x8")  # unnamed and in no clause: free
    sets = {s["code"]: s for s in document["option_sets"]}
    assert sets["Engine_group"]["required"] is False
    assert document["tables"][0]["option_sets"] == ["Engine", "Engine_group"]
    assert [rule["code"] for rule in document["rules"]] == ["clause_3", "clause_12"]
    assert document["rules"][1]["message"] == '"Electric" and "Tow bar" cannot be combined'
    flat = load_dimacs(MODEL, filename="car.dimacs", groups=False)
    assert len(flat.document["rules"]) == 13  # one per distinct clause
    assert count(imported) == count(flat) == brute_force(MODEL)


def test_unit_clauses_fix_variables_and_contradictions_stay():
    imported = load_dimacs("p cnf 3 3\n-1 0\n2 0\n1 3 0\n")
    assert imported.features["x1"] == FALSE and imported.features["x2"] == TRUE
    assert count(imported) == 1
    contradiction = load_dimacs("p cnf 2 2\n1 0\n-1 0\n")
    assert contradiction.document["rules"][0]["require"] == "False"


@pytest.mark.parametrize("name", ["pc/pc_richmond_Sprey2020.dimacs", "printer/printers_Mendonca2009.dimacs"])
def test_flat_and_grouped_forms_agree_on_shared_models(name):
    path = shared_benchmark(name)
    grouped, flat = load_model(path), load_model(path, groups=False)
    assert engine_dead_core(grouped) == engine_dead_core(flat)
    if "printer" in name:  # the pc's counts are compared with the README in test_benchmarks.py
        assert count(grouped) == count(flat)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("p cnf 2 1\n1 3 0\n", ModelFileError, r"m\.cnf:2: literal 3: there are only 2 variables"),
        ("1 2 0\n", ModelFileError, r"m\.cnf:1: a clause before the 'p cnf' line"),
        (
            "p cnf 2 2\n1 2 0\n",
            ModelFileError,
            r"m\.cnf: the 'p cnf' line announces 2 clauses, the file has 1",
        ),
        ("p cnf 2 1\n1 x 0\n", ModelFileError, r"m\.cnf:2: 'x' is not a literal"),
        ("p cnf 2 1\n1 2\n", ModelFileError, r"m\.cnf:2: the last clause does not end with 0"),
        ("p dnf 2 1\n", ModelFileError, r"m\.cnf:1: expected 'p cnf <variables> <clauses>'"),
        (
            "c 1 A\nc 1 B\np cnf 1 0\n",
            ModelFileError,
            r"m\.cnf:2: variable 1 is named twice \(first at line 1\)",
        ),
        (
            "c 9 A\np cnf 1 0\n",
            ModelFileError,
            r"m\.cnf:1: variable 9 is named but there are only 1 variables",
        ),
        ("p cnf 1000000000 1\n1 0\n", ModelTooLargeError, r"m\.cnf:1: 1,000,000,000 variables"),
        ("c only comments\n", ModelFileError, r"m\.cnf: no 'p cnf"),
    ],
)
def test_malformed_files_are_refused_with_the_line(text, error, message):
    with pytest.raises(error, match=message):
        load_dimacs(text, filename="m.cnf")


def test_dead_and_core_variables_agree_with_sat():
    imported = load_dimacs(MODEL)
    lines = [line for line in MODEL.splitlines() if line and line[0] not in "cp"]
    clauses = [[int(x) for x in line.split()[:-1]] for line in lines]
    assert engine_dead_core(imported) == sat_dead_core(
        8,
        clauses,
        {
            i: name
            for name, i in zip(
                ["Root", "Engine", "Petrol", "Diesel", "Electric", "Tow bar", "Sunroof", "x8"],
                range(1, 9),
                strict=True,
            )
        },
    )


@st.composite
def cnf_texts(draw) -> str:
    nvars = draw(st.integers(3, 8))
    variables = st.integers(1, nvars)
    clauses: list[list[int]] = []
    for _ in range(draw(st.integers(0, 2))):  # planted alternative groups
        members = draw(st.lists(variables, min_size=2, max_size=4, unique=True))
        parent = draw(st.one_of(st.none(), variables.filter(lambda v, members=members: v not in members)))
        clauses.append(([-parent] if parent else []) + members)
        clauses += [[-a, -b] for i, a in enumerate(members) for b in members[i + 1 :]]
        if parent and draw(st.booleans()):
            clauses += [[-member, parent] for member in members]
    literals = st.builds(lambda v, sign: v if sign else -v, variables, st.booleans())
    clauses += draw(st.lists(st.lists(literals, min_size=1, max_size=3), max_size=6))
    clauses = draw(st.permutations(clauses))
    return f"p cnf {nvars} {len(clauses)}\n" + "".join(" ".join(map(str, c)) + " 0\n" for c in clauses)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(cnf_texts())
def test_group_recovery_keeps_the_assignments(text):
    expected = brute_force(text)
    assert count(load_dimacs(text)) == expected
    assert count(load_dimacs(text, groups=False)) == expected
