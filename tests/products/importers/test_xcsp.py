from __future__ import annotations

from itertools import product

import pytest

from products.importers import ModelFileError, UnsupportedModelError, load_model
from products.importers.xcsp import load_xcsp

from .helpers import count

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<instance>
<presentation format="XCSP 2.1" type="CSP" maxConstraintArity="2"/>
<domains nbDomains="2">
<domain name="D0" nbValues="3">0..2</domain>
<domain name="D1" nbValues="2">0 1</domain>
</domains>
<variables nbVariables="3">
<variable name="1" domain="D0"/>
<variable name="2" domain="D1"/>
<variable name="3" domain="D0"/>
</variables>
<relations nbRelations="2">
<relation name="R0" arity="2" nbTuples="3" semantics="supports">0 0|1 1|2 1</relation>
<relation name="R1" arity="2" nbTuples="2" semantics="conflicts">0 0|2 2</relation>
</relations>
<constraints nbConstraints="2">
<constraint name="C0" arity="2" scope="1 2" reference="R0"/>
<constraint name="C1" arity="2" scope="1 3" reference="R1"/>
</constraints>
</instance>
"""


def brute_force() -> int:
    return sum(
        (a, b) in {(0, 0), (1, 1), (2, 1)} and (a, c) not in {(0, 0), (2, 2)}
        for a, b, c in product(range(3), range(2), range(3))
    )


def test_tables_from_supports_and_conflicts(tmp_path):
    imported = load_xcsp(MODEL, filename="m.xml")
    document = imported.document
    assert [s["code"] for s in document["option_sets"]] == ["Var1", "Var2", "Var3"]
    assert all(s["required"] for s in document["option_sets"])
    assert document["tables"][0] == {
        "code": "C0",
        "message": "",
        "option_sets": ["Var1", "Var2"],
        "rows": [["0", "0"], ["1", "1"], ["2", "1"]],
    }
    assert len(document["tables"][1]["rows"]) == 9 - 2  # the complement of the forbidden tuples
    assert count(imported) == brute_force() == 2 + 3 + 2  # Var1 = 0, 1, 2


def test_value_names_are_joined_from_rule_files(tmp_path):
    (tmp_path / "pm").mkdir()
    (tmp_path / "pm" / "rule001.pm").write_text(
        "or(\nVar1 = ZED  and Var2 = NO\nVar1 = ALPHA  and Var2 = YES\nVar1 = BETA  and Var2 = YES\nor)\n"
    )
    (tmp_path / "pm" / "rule002.pm").write_text(
        "or(\nVar3 = b  and Var1 = ALPHA\nVar3 = a  and Var1 = ALPHA\nVar3 = c  and Var1 = BETA\nor)\n"
    )
    (tmp_path / "m.xml").write_text(MODEL)
    imported = load_model(tmp_path / "m.xml")
    # byte order: upper case before lower case; position = value index
    assert imported.variables == {
        "1": ("Var1", ("ALPHA", "BETA", "ZED")),
        "2": ("Var2", ("NO", "YES")),
        "3": ("Var3", ("a", "b", "c")),
    }
    assert imported.document["tables"][0]["rows"] == [["ALPHA", "NO"], ["BETA", "YES"], ["ZED", "YES"]]
    assert count(imported) == brute_force()
    assert load_model(tmp_path / "m.xml", find_names=False).variables["1"] == ("Var1", ("0", "1", "2"))


def test_names_that_do_not_fit_the_domain_are_refused(tmp_path):
    (tmp_path / "pm").mkdir()
    (tmp_path / "pm" / "rule001.pm").write_text(
        "or(\nVar1 = A  and Var2 = NO\nVar1 = B  and Var2 = YES\nor)\n"
    )
    (tmp_path / "m.xml").write_text(MODEL)
    with pytest.raises(
        ModelFileError, match=r"m\.xml:9: <variable name=\"1\">: variable 1 has 3 values but 2"
    ):
        load_model(tmp_path / "m.xml")


def test_large_conflict_relations_become_rules(monkeypatch):
    monkeypatch.setattr("products.importers.xcsp.MAX_COMPLEMENT_ROWS", 4)
    imported = load_xcsp(MODEL)
    assert [rule["require"] for rule in imported.document["rules"]] == [
        "not (Var1 == '0' and Var3 == '0')",
        "not (Var1 == '2' and Var3 == '2')",
    ]
    assert count(imported) == brute_force()


@pytest.mark.parametrize(
    ("old", "new", "error", "message"),
    [
        (
            'nbTuples="3" semantics="supports">0 0|1 1|2 1',
            'nbTuples="3" semantics="supports">0 0|1 1 1|2 1',
            ModelFileError,
            r"m\.xml:14: <relation name=\"R0\">: tuple 2 has 3 values, the arity is 2",
        ),
        (
            'reference="R1"',
            'reference="R9"',
            ModelFileError,
            r"m\.xml:19: <constraint name=\"C1\">: unknown relation 'R9'",
        ),
        ('scope="1 3"', 'scope="1 7"', ModelFileError, r"m\.xml:19: .*unknown variable '7' in the scope"),
        (
            'domain="D1"/>',
            'domain="D7"/>',
            ModelFileError,
            r"m\.xml:10: <variable name=\"2\">: unknown domain 'D7'",
        ),
        (
            "0..2</domain>",
            "0..x</domain>",
            ModelFileError,
            r"m\.xml:5: <domain name=\"D0\">: '0\.\.x' is not an integer",
        ),
        ('type="CSP"', 'type="WCSP"', UnsupportedModelError, r"m\.xml:3: <presentation>: type 'WCSP'"),
        ('nbConstraints="2"', 'nbConstraints="3"', ModelFileError, r"m\.xml:17: <constraints>: announces 3"),
        (
            'semantics="conflicts"',
            'semantics="soft"',
            UnsupportedModelError,
            r"m\.xml:15: .*semantics 'soft'",
        ),
        ("</instance>", "", ModelFileError, r"m\.xml:\d+:\d+: not well-formed XML"),
    ],
)
def test_malformed_instances_are_refused_with_the_line_and_element(old, new, error, message):
    assert old in MODEL
    with pytest.raises(error, match=message):
        load_xcsp(MODEL.replace(old, new), filename="m.xml")
