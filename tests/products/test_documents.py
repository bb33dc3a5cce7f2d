from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.plumbing.errors import InvalidInputError
from products.demo import demo_documents
from products.documents import canonical_document, checksum, validate_document
from products.selectors import product_document
from products.services import product_import
from tests.factories import small_document


def problems(document) -> dict[str, list[str]]:
    with pytest.raises(InvalidInputError) as caught:
        validate_document(document)
    return {path: [item["message"] for item in items] for path, items in caught.value.fields.items()}


def test_small_document_is_valid_and_canonical_form_is_stable():
    canonical, model = validate_document(small_document())
    assert [option_set.code for option_set in model.option_sets] == [
        "colour",
        "extras",
        "volume",
        "text",
        "dishwasher_safe",
    ]
    assert canonical["option_sets"][2]["default"] == "300"
    assert canonical["option_sets"][0]["options"][1]["price_delta"] == "2.00"
    assert canonical["tables"][0]["rows"] == [["white", "250"], ["white", "300"], ["blue", "300"]]
    assert validate_document(canonical)[0] == canonical


@pytest.mark.parametrize("document", demo_documents(), ids=lambda document: document["code"])
def test_demo_documents_are_canonical(document):
    assert validate_document(document)[0] == document


def test_a_number_given_as_json_number_is_normalized():
    document = small_document()
    document["option_sets"][2].update(minimum=250, maximum=500.0, step=50, default=300)
    canonical, _ = validate_document(document)
    assert {key: canonical["option_sets"][2][key] for key in ("minimum", "maximum", "step", "default")} == {
        "minimum": "250",
        "maximum": "500",
        "step": "50",
        "default": "300",
    }


def test_duplicate_codes_are_named_by_path():
    document = small_document()
    document["option_sets"][1]["options"][1]["code"] = "lid"
    document["option_sets"][3]["code"] = "colour"
    assert problems(document) == {
        "option_sets[1].options[1].code": ["'lid' appears twice in extras"],
        "option_sets[3].code": ["'colour' is already used by option_sets[0]"],
    }


def test_a_rule_naming_a_missing_option_set_gives_path_and_column():
    document = small_document()
    document["rules"][0]["require"] = "'lid' not in extra"
    assert problems(document) == {
        "rules[0].require": ["column 14: unknown option set 'extra'; did you mean 'extras'?"]
    }


def test_structural_errors_name_the_field():
    document = small_document()
    document["baseline"]["price"] = "-1"
    document["option_sets"][0]["kind"] = "several"
    document["option_sets"][1]["min_cout"] = 1
    document["option_sets"][2]["step"] = "0.00001"
    document["option_sets"][3]["help_text"] = "lone \ud800 surrogate"
    found = problems(document)
    assert found == {
        "baseline.price": ["Ensure this value is greater than or equal to 0."],
        "option_sets[0].kind": ['"several" is not a valid choice.'],
        "option_sets[1].min_cout": ["Unknown field."],
        "option_sets[2].step": ["Ensure that there are no more than 4 decimal places."],
        "option_sets[3].help_text": ["Surrogate characters are not allowed: U+D800."],
    }


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["option_sets"][2].update(default="275"),
            "option_sets[2].default",
            "275 is not one of 250, 300, ... 500",
        ),
        (
            lambda d: d["option_sets"][2].update(minimum="600"),
            "option_sets[2].maximum",
            "must not be below the minimum",
        ),
        (
            lambda d: d["option_sets"][3].update(pattern="[a-"),
            "option_sets[3].pattern",
            "not a regular expression the linear-time matcher accepts (missing ]: [a-); look-arounds "
            "and back references are not supported",
        ),
        (
            lambda d: d["option_sets"][0].update(default="green"),
            "option_sets[0].default",
            "'green' is not an option",
        ),
        (
            lambda d: d["option_sets"][1].update(default="lid"),
            "option_sets[1].default",
            "A multi default is a list of option codes.",
        ),
        (
            lambda d: d["option_sets"][4].update(default="yes"),
            "option_sets[4].default",
            "A boolean default is true or false.",
        ),
        (
            lambda d: d["tables"][0]["rows"].append(["blue", "350", "x"]),
            "tables[0].rows[3]",
            "has 3 values for 2 option sets",
        ),
        (
            lambda d: d["tables"][0]["rows"].append(["red", "350"]),
            "tables[0].rows[3][0]",
            "'red' is not a value of colour",
        ),
        (
            lambda d: d["tables"][0]["option_sets"].__setitem__(1, "extras"),
            "tables[0].option_sets[1]",
            "extras is a multi set; tables take single, boolean and number sets",
        ),
        (
            lambda d: d["rules"].append({"code": "blue_lid", "require": "dishwasher_safe"}),
            "rules[1].code",
            "'blue_lid' is already used by rules[0].code",
        ),
        (
            lambda d: d["rules"][0].update(when="colour = 'blue'"),
            "rules[0].when",
            "column 8: use '==' to compare",
        ),
    ],
)
def test_semantic_errors_name_the_element(change, path, message):
    document = small_document()
    change(document)
    assert problems(document) == {path: [message]}


def test_a_document_must_be_an_object():
    with pytest.raises(InvalidInputError, match=r"A product document is a JSON object\."):
        validate_document(["not", "an", "object"])


@pytest.mark.django_db
@pytest.mark.parametrize("document", demo_documents(), ids=lambda document: document["code"])
def test_export_of_import_is_identity(document):
    product = product_import(document=copy.deepcopy(document))
    assert product_document(product=product) == document


_codes = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda code: code not in {"and", "or", "not", "in"}
)
_money = st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def documents(draw) -> dict:
    """Random valid documents of every option-set kind, with a table and a rule."""
    set_codes = draw(st.lists(_codes, min_size=2, max_size=5, unique=True))
    option_sets = []
    for code in set_codes:
        kind = draw(st.sampled_from(["single", "multi", "number", "text", "boolean"]))
        base = {
            "code": code,
            "name": code.title(),
            "kind": kind,
            "help_text": draw(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10)),
        }
        if kind in ("single", "multi"):
            option_codes = draw(st.lists(_codes, min_size=1, max_size=4, unique=True))
            base["options"] = [
                {
                    "code": option,
                    "name": option.upper(),
                    "price_delta": str(draw(_money)),
                    "level": draw(st.sampled_from(["standard", "batchable", "bespoke"])),
                }
                for option in option_codes
            ]
            if kind == "single":
                base["required"] = draw(st.booleans())
                base["default"] = draw(st.sampled_from([None, *option_codes]))
            else:
                base["max_count"] = draw(st.integers(min_value=0, max_value=len(option_codes)))
                base["default"] = option_codes[: min(1, base["max_count"])]
        elif kind == "number":
            step = draw(st.sampled_from(["1", "0.5", "0.25", "10"]))
            base.update(
                minimum="0",
                maximum=str(int(draw(st.integers(1, 20))) * 10),
                step=step,
                price_delta=str(draw(_money)),
                unit="mm",
            )
        elif kind == "text":
            base.update(
                max_length=draw(st.integers(1, 30)),
                pattern=draw(st.sampled_from(["", "[A-Z]+"])),
                required=draw(st.booleans()),
            )
        else:
            base.update(default=draw(st.sampled_from([None, True, False])))
        option_sets.append(base)
    first = option_sets[0]
    rules = []
    if first["kind"] == "boolean":
        rules.append({"code": "r1", "require": f"not {first['code']}", "message": "no"})
    return {
        "code": draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        "name": "Product",
        "currency": draw(st.sampled_from(["EUR", "USD", "JPY"])),
        "baseline": {
            "price": str(draw(st.decimals(0, 5000, places=2))),
            "unit_cost": "1.5",
            "lead_time_days": draw(st.integers(0, 60)),
        },
        "option_sets": option_sets,
        "rules": rules,
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_round_trip_through_the_database_for_random_documents(document):
    canonical, _ = validate_document(document)
    product = product_import(document=document)
    exported = product_document(product=product)
    assert exported == canonical
    assert checksum(canonical_document(validate_document(exported)[0])) == checksum(canonical)


def test_pricing_errors_name_the_path():
    document = small_document(
        pricing={
            "cost_model": {
                "setup_cost": "10",
                "expected_batch_size": 0,
                "labour_rate_per_hour": "40",
                "inspection_cost_per_unit": "5",
                "setup_margin_percent": "20",
                "labour_margin_percent": "20",
                "inspection_margin_percent": "20",
                "batch_wait_days": 1,
                "setup_days": 1,
                "custom_queue_days": 1,
                "hand_work_minutes_per_day": 400,
                "inspection_days": 1,
            },
            "price_rules": [{"code": "blue_tax", "label": "Blue", "when": "colour == 'bleu'", "amount": "2"}],
            "quantity_breaks": {"mode": "stepwise", "tiers": [{"min_quantity": 1, "percent": "5"}]},
        }
    )
    assert problems(document) == {
        "pricing.cost_model.expected_batch_size": ["Ensure this value is greater than or equal to 1."],
        "pricing.quantity_breaks.mode": ['"stepwise" is not a valid choice.'],
        "pricing.quantity_breaks.tiers[0].min_quantity": ["Ensure this value is greater than or equal to 2."],
    }
    document["pricing"]["cost_model"]["expected_batch_size"] = 10
    document["pricing"]["quantity_breaks"] = {
        "mode": "graduated",
        "tiers": [{"min_quantity": 5, "percent": "5"}],
    }
    assert problems(document) == {
        "pricing.price_rules[0].when": ["column 11: 'bleu' is not a value of colour (did you mean 'blue'?)"]
    }
    document["pricing"]["price_rules"][0].update(when="colour == 'blue'", percent="3")
    assert problems(document) == {"pricing.price_rules[0]": ["give either an amount or a percent"]}


def test_pricing_defaults_when_left_out():
    canonical, _ = validate_document(small_document())
    assert canonical["pricing"] == {
        "cost_model": None,
        "price_rules": [],
        "quantity_breaks": {"mode": "whole", "tiers": []},
    }
