from __future__ import annotations

import re
from decimal import Decimal

import pytest

from products.importers import ModelFileError, UnsupportedModelError, load_model
from products.importers.featureide import load_featureide, parse_featureide
from products.importers.formula import TRUE
from tests.requirements import shared_benchmark

from .helpers import brute_force_count, count

MODEL = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<extendedFeatureModel>
    <properties/>
    <struct>
        <and abstract="true" mandatory="true" name="Desk">
            <attribute name="Price" type="double" unit="€" value="199.0"/>
            <alt mandatory="true" name="Top">
                <feature name="Oak"><attribute name="Price" type="double" value="80"/></feature>
                <feature name="Birch"/>
            </alt>
            <or name="Extras">
                <attribute name="Price" type="double"/>
                <feature name="Drawer"><attribute name="Price" type="double" value="35.5"/></feature>
                <feature name="Cable tray"/>
            </or>
            <alt name="Legs">
                <feature name="Steel legs"/>
            </alt>
        </and>
    </struct>
    <constraints>
        <rule>
            <imp>
                <var>Oak</var>
                <not><var>Cable tray</var></not>
            </imp>
        </rule>
    </constraints>
</extendedFeatureModel>
"""


def test_an_extended_model_with_prices():
    imported = load_featureide(MODEL, filename="desk.xml")
    document = imported.document
    assert document["baseline"]["price"] == "199.00"
    sets = {s["code"]: s for s in document["option_sets"]}
    assert sets["Top"]["required"] is True
    assert {o["code"]: o.get("price_delta") for o in sets["Top"]["options"]} == {
        "Oak": "80.00",
        "Birch": None,
    }
    assert sets["Extras_group"]["kind"] == "multi"
    assert {o["code"]: o.get("price_delta") for o in sets["Extras_group"]["options"]} == {
        "Drawer": "35.50",
        "Cable_tray": None,
    }
    # Legs is an optional alternative with one child: the child comes with it (FeatureIDE semantics).
    assert imported.features["Steel legs"] == imported.features["Legs"]
    assert imported.features["Top"] == TRUE
    assert document["rules"][-1] == {
        "code": "rule_1",
        "when": "Top == 'Oak'",
        "require": "'Cable_tray' not in Extras_group",
        "message": "Oak => !Cable tray",
    }
    assert count(imported) == brute_force_count(parse_featureide(MODEL)) == 2 * 4 * 2 - 2 * 1 * 2


def test_the_pc_prices_are_the_models():
    imported = load_model(shared_benchmark("pc/pc_richmond_Sprey2020.xml"))
    document = imported.document
    assert document["baseline"]["price"] == "841.90"
    options = {o["code"]: o for s in document["option_sets"] for o in s.get("options", ())}
    assert options["i5_7400_Kaby_Lake"]["price_delta"] == "72.00"
    # Every price is somewhere: the total of all feature prices is the baseline plus all deltas.
    path = shared_benchmark("pc/pc_richmond_Sprey2020.xml")
    prices = [Decimal(value) for value in re.findall(r'name="Price"[^>]*value="([^"]+)"', path.read_text())]
    assert len(prices) == 282
    deltas = [
        Decimal(item.get("price_delta", "0"))
        for s in document["option_sets"]
        for item in [s, *s.get("options", ())]
    ]
    assert Decimal(document["baseline"]["price"]) + sum(deltas) == sum(prices)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("<featureModel><struct><and name='A'>", ModelFileError, r"m\.xml:1:\d+: not well-formed XML"),
        (
            "<featureModel>\n<struct>\n<and name='A'/>\n<and name='B'/>\n</struct>\n</featureModel>",
            ModelFileError,
            r"m\.xml:2: <struct>: <struct> must hold exactly one root feature, found 2",
        ),
        (
            "<featureModel><struct>\n<feature name='A'><feature name='B'/></feature></struct></featureModel>",
            ModelFileError,
            r"m\.xml:2: <feature name=\"A\">: a <feature> has no child features",
        ),
        (
            "<featureModel><struct><and name='A'><feature name='B'/></and></struct>\n<constraints>\n<rule>\n"
            "<atmost1><var>B</var></atmost1></rule></constraints></featureModel>",
            UnsupportedModelError,
            r"m\.xml:4: <atmost1>: <atmost1> is not a FeatureIDE constraint element",
        ),
        (
            "<featureModel><struct><and name='A'><feature name='B'/></and></struct>\n<constraints>\n<rule>\n"
            "<imp><var>B</var></imp></rule></constraints></featureModel>",
            ModelFileError,
            r"m\.xml:4: <imp>: <imp> needs 2 operands, found 1",
        ),
        (
            "<featureModel><struct><and name='A'><feature name='B'/></and></struct>\n<constraints>\n<rule>\n"
            "<var>C</var></rule></constraints></featureModel>",
            ModelFileError,
            r"m\.xml:3: <rule> 1: unknown feature 'C'",
        ),
        (
            '<!DOCTYPE f [<!ENTITY x "xx">]>\n<featureModel/>',
            ModelFileError,
            r"m\.xml:1: entity declarations",
        ),
        (
            "<featureModel><struct><and name='A'><feature name='B'>\n<attribute name='Price' value='cheap'/>"
            "</feature></and></struct></featureModel>",
            ModelFileError,
            r"m\.xml:2: .*price 'cheap' is not a number",
        ),
    ],
)
def test_malformed_models_are_refused_with_the_line_and_element(text, error, message):
    with pytest.raises(error, match=message):
        load_featureide(text, filename="m.xml")
