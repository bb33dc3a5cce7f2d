from __future__ import annotations

import pytest

from products.importers import ModelFileError
from products.importers.formula import TRUE
from products.importers.sxfm import load_sxfm, parse_sxfm

from .helpers import brute_force_count, count

MODEL = """<!-- made with SPLOT -->
<feature_model name="Printer">
<meta>
<data name="description">A small printer line</data>
</meta>
<feature_tree>
:r Printer(_r)
\t:m Printed Sides(sides)
\t\t:g (_g1) [1,1]
\t\t\t: Duplex(duplex)
\t:o Finishing(finishing)
\t\t:g (_g2) [1,*]
\t\t\t: Stapler(stapler)
\t\t\t: Hole punch(punch)
\t\t\t\t:o Four holes(four)
\t:m Colour(colour)
\t\t:g (_g3) [1,1]
\t\t\t: Mono(mono)
\t\t\t: Colour(color)
</feature_tree>
<constraints>
c1:~mono or ~four
c2:~punch or finishing
</constraints>
</feature_model>
"""


def test_a_small_model():
    imported = load_sxfm(MODEL, filename="printer.sxfm")
    document = imported.document
    assert document["name"] == "Printer" and document["description"] == "A small printer line"
    # The single-member group [1,1] makes Duplex required with its parent (README note P1).
    assert imported.features["duplex"] == TRUE
    sets = {s["code"]: s for s in document["option_sets"]}
    assert sets["Colour"]["options"] == [
        {"code": "Mono", "name": "Mono"},
        {"code": "Colour_2", "name": "Colour"},
    ]
    assert sets["Finishing_group"]["kind"] == "multi"
    rules = {rule["code"]: rule for rule in document["rules"]}
    assert rules["c1"]["require"] == "not (Colour == 'Mono' and Four_holes)"
    assert rules["c1"]["message"] == '"Mono" and "Four holes" cannot be combined'
    assert (
        count(imported) == brute_force_count(parse_sxfm(MODEL)) == 4 + 6
    )  # mono: finishing without four holes; colour: any


@pytest.mark.parametrize(
    ("tree", "line", "message"),
    [
        (":r A(a)\n\t\t:m B(b)", 8, "indented 2 levels below the line above it"),
        (":r A(a)\n\t: B(b)", 8, r"a group member \(': '\) must be under a group"),
        (":r A(a)\n\t:g (g) [1,1]\n\t\t:m B(b)", 9, "a group holds members"),
        (":r A(a)\n\t:x B(b)", 8, "not a feature line"),
        (":r A(a)\n\t:g (g) [2,1]\n\t\t: B(b)", 8, "the group's upper bound is below"),
        (":r A(a)\n:r B(b)", 8, "a second root"),
    ],
)
def test_malformed_trees_are_refused_with_the_line(tree, line, message):
    head = '<feature_model name="m">\n<meta>\n</meta>\n\n\n<feature_tree>\n'
    text = f"{head}{tree}\n</feature_tree>\n</feature_model>"
    with pytest.raises(ModelFileError, match=rf"m\.sxfm:{line}: {message}"):
        load_sxfm(text, filename="m.sxfm")


def test_malformed_constraints_are_refused_with_the_line():
    text = (
        '<feature_model name="m"><feature_tree>\n:r A(a)\n\t:o B(b)\n</feature_tree>\n<constraints>\n'
        "c1:~a or b\nc2:a and b\n</constraints></feature_model>"
    )
    with pytest.raises(ModelFileError, match=r"m\.sxfm:7: constraint c2: 'a and b' is not a literal"):
        load_sxfm(text, filename="m.sxfm")
    with pytest.raises(ModelFileError, match=r"m\.sxfm:6: unknown feature 'x'"):
        load_sxfm(text.replace("c2:a and b", "").replace("c1:~a or b", "c1:~a or x"), filename="m.sxfm")
