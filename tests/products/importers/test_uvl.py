from __future__ import annotations

import sys
import textwrap
from decimal import Decimal

import pytest

from products.importers import ModelFileError, UnsupportedModelError, load_model
from products.importers.errors import MissingDependencyError
from products.importers.formula import TRUE, Lit
from products.importers.uvl import _runtime, load_uvl, parse_uvl, tokens
from tests.requirements import BENCHMARKS, shared_benchmark

from .helpers import brute_force_count, count, engine_dead_core

pytestmark = pytest.mark.usefixtures("uvlparser")


def uvl(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


def same_count(text: str) -> int:
    """The imported product's count equals the feature model's by brute force; returns it."""
    model = uvl(text)
    expected = brute_force_count(parse_uvl(model, "m.uvl"))
    assert count(load_uvl(model, filename="m.uvl")) == expected
    return expected


def test_groups_map_to_option_sets():
    imported = load_uvl(
        uvl("""
        features
            Bike {abstract}
                mandatory
                    Frame
                        alternative
                            Steel
                            Carbon
                optional
                    Lights
                        or
                            Front
                            Back
                    Bell
        constraints
            Carbon => !Bell
        """),
        filename="bike.uvl",
    )
    document = imported.document
    sets = {s["code"]: s for s in document["option_sets"]}
    assert sets["Frame"]["kind"] == "single" and sets["Frame"]["required"] is True
    assert [o["code"] for o in sets["Frame"]["options"]] == ["Steel", "Carbon"]
    assert sets["Lights"]["kind"] == "boolean" and sets["Bell"]["kind"] == "boolean"
    assert sets["Lights_group"]["kind"] == "multi" and sets["Lights_group"]["min_count"] == 0
    assert imported.features["Bike"] == TRUE and imported.features["Frame"] == TRUE  # root, mandatory
    assert imported.features["Carbon"] == Lit("single", "Frame", "Carbon")
    rules = {rule["code"]: rule for rule in document["rules"]}
    assert rules["constraint_15"] == {
        "code": "constraint_15",
        "when": "Frame == 'Carbon'",
        "require": "not Bell",
        "message": "Carbon => !Bell",
    }
    assert rules["Lights_link"]["require"] == "Lights == (count(Lights_group) > 0)"
    assert document["code"] == "bike" and document["name"] == "Bike"
    assert (
        count(imported) == 2 * 4 * 2 - 4
    )  # frames x lights (none, front, back, both) x bell - carbon with bell


@pytest.mark.parametrize(
    "group",
    ["alternative", "or", "[1..1]", "[1..*]", "[2..2]"],
)
def test_a_single_child_group_makes_the_child_required(group):
    """The trap of README notes A1/P1: a one-child group with a lower bound of 1 forces the child."""
    text = f"""
    features
        Printer
            mandatory
                Sides
                    {group}
                        Duplex
            optional
                Stapler
    """
    expected = same_count(text) if group != "[2..2]" else 0
    if group == "[2..2]":
        assert count(load_uvl(uvl(text))) == 0 == brute_force_count(parse_uvl(uvl(text)))
        return
    assert expected == 2  # Duplex is always selected; only the stapler varies
    assert load_uvl(uvl(text)).features["Duplex"] == TRUE


@pytest.mark.parametrize(
    "text",
    [
        # an alternative group under an or-group member (a multiple-choice option as parent)
        """
        features
            R
                optional
                    P
                        or
                            A
                                alternative
                                    A1
                                    A2
                                    A3
                            B
                                [0..1]
                                    B1
                                    B2
                            C
        """,
        # cardinality groups under optional parents, and constraints over them
        """
        features
            R
                optional
                    P
                        [2..3]
                            A
                            B
                            C
                            D
                    Q
                        [0..2]
                            E
                            F
                            G
                    S
                        [1..1]
                            H
                            I
        constraints
            A <=> E
            !(B & H) | (G => C)
        """,
        # nested alternatives under an optional parent (tables over yes/no and single sets)
        """
        features
            R
                optional
                    P
                        alternative
                            A
                                alternative
                                    A1
                                    A2
                            B
                                optional
                                    B1
                                mandatory
                                    B2
                                        alternative
                                            X
                                            Y
        constraints
            X => A1 | B1
        """,
    ],
)
def test_the_mapping_keeps_the_valid_configurations(text):
    assert same_count(text) > 0


def test_prices_become_price_deltas_and_the_root_price_the_baseline():
    imported = load_uvl(
        uvl("""
        features
            Pizza {Price 8.5}
                mandatory
                    Dough {Price 0.5}
                        alternative
                            Thin {Price 1}
                            Thick
                optional
                    Cheese {Price 1.25}
                    Extras
                        or
                            Olives {Price 0.4}
                            Ham {Price 2}
        """)
    )
    document = imported.document
    assert document["baseline"]["price"] == "9.00"  # the root and its mandatory child
    sets = {s["code"]: s for s in document["option_sets"]}
    assert sets["Cheese"]["price_delta"] == "1.25"
    assert {o["code"]: o.get("price_delta") for o in sets["Dough"]["options"]} == {
        "Thin": "1.00",
        "Thick": None,
    }
    assert {o["code"]: o["price_delta"] for o in sets["Extras_group"]["options"]} == {
        "Olives": "0.40",
        "Ham": "2.00",
    }


def test_string_features_are_text_sets_selected_when_not_empty():
    imported = load_uvl(
        uvl("""
        features
            Mug
                optional
                    String Engraving
                    Gift
        constraints
            Engraving => Gift
        """)
    )
    sets = {s["code"]: s for s in imported.document["option_sets"]}
    assert sets["Engraving"]["kind"] == "text"
    assert imported.document["rules"][0]["when"] == "Engraving != ''"


def test_names_become_distinct_identifiers():
    imported = load_uvl(
        uvl("""
        features
            "My Root"
                optional
                    "front light"
                    front_light
                    "and"
                    "2,1MP"
                    "Größe"
        """)
    )
    codes = [s["code"] for s in imported.document["option_sets"]]
    assert codes == ["front_light", "front_light_2", "and_", "f_2_1MP", "Grosse"]
    assert [s["name"] for s in imported.document["option_sets"]][:2] == ["front light", "front_light"]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (
            "features\n    A\n        optional\n            B C\n",
            ModelFileError,
            r"m\.uvl:4:\d+: syntax error",
        ),
        (
            "features\n    A\n        optional\n            B\n            B\n",
            ModelFileError,
            r"m\.uvl:5: feature 'B': declared twice \(first at line 4\)",
        ),
        (
            "features\n    A\n        optional\n            B\nconstraints\n    B => C\n",
            ModelFileError,
            r"m\.uvl:6: unknown feature 'C'",
        ),
        (
            "features\n    A\n        optional\n            Integer Size\n",
            UnsupportedModelError,
            r"m\.uvl:4: feature 'Size': Integer features are not supported",
        ),
        (
            "features\n    A\n        optional\n            B cardinality [1..3]\n",
            UnsupportedModelError,
            r"m\.uvl:4: feature 'B': feature cardinalities",
        ),
        (
            "features\n    A\n        optional\n            B {Price 2}\nconstraints\n    sum(Price) < 3\n",
            UnsupportedModelError,
            r"m\.uvl:6: 'sum\(Price\)<3': equations and aggregate functions",
        ),
        (
            "imports\n    other as o\nfeatures\n    A\n",
            UnsupportedModelError,
            r"m\.uvl:1: imports of other models",
        ),
        (
            "features\n    A\n        alternative\n            String S\n            B\n",
            UnsupportedModelError,
            r"m\.uvl:4: feature 'S': a string feature in an alternative group",
        ),
    ],
)
def test_malformed_or_unsupported_models_are_refused_with_the_line(text, error, message):
    with pytest.raises(error, match=message):
        load_uvl(text, filename="m.uvl")


def test_the_shared_numeric_models_are_refused_with_the_line_of_the_first_unsupported_thing():
    for name, line in (("bike.uvl", 6), ("icecream-shared.uvl", 11), ("pizza.uvl", 5)):
        with pytest.raises(UnsupportedModelError) as caught:
            load_model(shared_benchmark(f"uvl_small/{name}"))
        assert caught.value.line == line, str(caught.value)


@pytest.mark.parametrize(
    "name",
    sorted(path.name for path in (BENCHMARKS / "uvl_small").glob("*.uvl")) or ["berkeleydb.uvl"],
)
def test_the_fast_lexer_gives_the_stock_lexers_tokens(name):
    text = shared_benchmark(f"uvl_small/{name}").read_text()
    assert tokens(text) == tokens(text, fast=False)


def test_the_fast_lexer_handles_leading_blank_lines_and_comments():
    for text in ("\n\n  \nfeatures\n\tA\n", "// c\nfeatures\n    A\n", "namespace N\nfeatures\n  A\n"):
        assert tokens(text) == tokens(text, fast=False)


@pytest.mark.slow
def test_the_fast_lexer_gives_the_stock_lexers_tokens_on_automotive01():
    text = shared_benchmark("automotive/automotive01.uvl").read_text()
    assert tokens(text) == tokens(text, fast=False)


def test_a_missing_uvlparser_names_the_extra_to_install(monkeypatch):
    _runtime.cache_clear()
    monkeypatch.setitem(sys.modules, "uvl.UVLCustomLexer", None)
    try:
        with pytest.raises(MissingDependencyError, match=r"pip install -e '\.\[uvl\]'"):
            load_uvl("features\n    A\n")
    finally:
        _runtime.cache_clear()


def test_dead_and_core_features_of_a_small_model():
    imported = load_uvl(
        uvl("""
        features
            R
                optional
                    A
                    B
                    C
        constraints
            A
            B => !A
        """)
    )
    core, dead = engine_dead_core(imported)
    assert (core, dead) == ({"R", "A"}, {"B"})


def test_prices_with_more_than_cents_are_rounded_with_a_warning():
    imported = load_uvl("features\n    R\n        optional\n            A {Price 0.125}\n")
    assert imported.document["option_sets"][0]["price_delta"] == "0.12"
    assert imported.warnings == ["feature 'A': price 0.125 rounded to 0.12"]


def test_a_model_as_text_and_as_a_file_give_the_same_document(tmp_path):
    text = "features\n    R\n        optional\n            A\n"
    path = tmp_path / "m.uvl"
    path.write_text(text)
    assert load_model(path).document == load_uvl(text, filename="m.uvl").document
    assert Decimal(load_uvl(text).document["baseline"]["price"]) == 0


def test_constraint_attributes_are_constraints():
    imported = load_uvl(
        "features\n    R\n        optional\n            A {constraint B, abstract}\n            B\n"
        "            C {constraints [A | B, !C]}\n"
    )
    assert [(rule["code"], rule["require"]) for rule in imported.document["rules"]] == [
        ("constraint_4", "B"),
        ("constraint_6", "A or B"),
        ("constraint_6_2", "not C"),
    ]


def test_deeply_nested_constraints_are_refused_before_parsing_with_the_line():
    """Issue 14: 20,000 nested parentheses tied a worker for minutes (1,000 levels: 6.6 s)."""
    from products.importers.errors import ModelTooLargeError
    from products.importers.uvl import MAX_NESTING, check_nesting

    deep = "(" * 20_000 + "A" + ")" * 20_000
    text = f"features\n    Root\n        optional\n            A\nconstraints\n    {deep} => A\n"
    with pytest.raises(ModelTooLargeError) as caught:
        load_uvl(text, filename="deep.uvl")
    assert caught.value.line == 6 and caught.value.code == "model_too_large"
    assert str(caught.value) == f"deep.uvl:6: parentheses or braces nest deeper than {MAX_NESTING} levels"
    check_nesting(
        "features\n    \"A (((\" {Name '(((('}\nconstraints\n    "
        + "(" * MAX_NESTING
        + "A"
        + ")" * MAX_NESTING
    )
