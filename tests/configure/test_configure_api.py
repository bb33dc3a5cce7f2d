from __future__ import annotations

import pytest

from products.runtime import compiled_cache_clear
from products.services import product_import
from tests.factories import demo_document, small_document

pytestmark = pytest.mark.django_db
URL = "/api/products/{}/configure"


def configure(client, code="city-bike", **body):
    response = client.post(URL.format(code), body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def option_set(body, code):
    return next(item for item in body["option_sets"] if item["code"] == code)


def values(body, code):
    return {value["code"]: value for value in option_set(body, code)["values"]}


def test_empty_selection_guides_every_option_set(api_client, demo_catalogue):
    body = configure(api_client)
    assert (body["product"], body["version"], body["quantity"]) == ("city-bike", 1, 1)
    assert [item["code"] for item in body["option_sets"]] == [
        "frame",
        "size",
        "colour",
        "brakes",
        "gears",
        "accessories",
        "saddle_height",
        "engraving",
        "gift_wrap",
    ]
    assert body["consistent"] and body["complete"] and body["valid"]
    assert body["errors"] == [] and body["conflict"] is None
    assert all(value["selectable"] for item in body["option_sets"] for value in item["values"] or [])
    saddle = option_set(body, "saddle_height")
    assert (saddle["min"], saddle["max"], saddle["decided"], saddle["selection"]) == (60, 95, False, None)
    assert [value["code"] for value in option_set(body, "gift_wrap")["values"]] == [True, False]


def test_a_choice_blocks_values_with_minimal_reasons(api_client, demo_catalogue):
    body = configure(api_client, selections={"frame": "carbon"})
    assert body["consistent"]
    sizes = values(body, "size")
    assert {code for code, value in sizes.items() if value["selectable"]} == {"m", "l"}
    assert sizes["s"]["reasons"] == [
        {
            "type": "choice",
            "message": "You chose Carbon fibre for Frame.",
            "option_set": "frame",
            "value": "carbon",
            "code": None,
            "option_sets": [],
        },
        {
            "type": "table",
            "message": "This frame is not made in this size.",
            "option_set": None,
            "value": None,
            "code": "frame_sizes",
            "option_sets": ["frame", "size"],
        },
    ]
    assert not values(body, "brakes")["rim"]["selectable"]
    assert [reason.get("code") for reason in values(body, "brakes")["rim"]["reasons"]] == [
        None,
        "carbon_disc_brakes",
    ]
    engraving = option_set(body, "engraving")
    assert (engraving["implied"], engraving["max_length"]) == ("", 0)
    frame = values(body, "frame")
    assert frame["carbon"]["selected"] and not frame["alu"]["selectable"]
    assert frame["alu"]["reasons"] == [
        {
            "type": "choice",
            "message": "You chose Carbon fibre for Frame.",
            "option_set": "frame",
            "value": "carbon",
            "code": None,
            "option_sets": [],
        }
    ]


def test_defaults_fill_in_only_where_they_still_fit(api_client, demo_catalogue):
    body = configure(api_client, selections={"frame": "carbon"})
    # rim brakes (the default) no longer fit a carbon frame, and two kinds still do: brakes are missing
    assert body["consistent"] and not body["complete"] and not body["valid"]
    assert body["missing"] == ["brakes"] and body["errors"] == []
    body = configure(api_client, selections={"frame": "carbon", "brakes": "disc"})
    assert body["valid"] and body["errors"] == []


def test_an_invalid_selection_gets_a_minimal_conflict_and_repairs(api_client, demo_catalogue):
    body = configure(api_client, selections={"frame": "carbon", "accessories": ["rack"]})
    assert not body["consistent"] and not body["valid"]
    reasons = body["conflict"]["reasons"]
    assert [reason.get("option_set") or reason["code"] for reason in reasons] == [
        "frame",
        "accessories",
        "carbon_no_rack",
    ]
    repairs = body["conflict"]["repairs"]
    assert [[change["option_set"] for change in repair["changes"]] for repair in repairs] == [
        ["frame"],
        ["accessories"],
    ]
    first = repairs[0]["changes"][0]
    assert first["from"] == "carbon" and first["to"] in ("alu", "steel")
    fixed = configure(api_client, selections={"frame": first["to"], "accessories": ["rack"]})
    assert fixed["consistent"]


def test_repairs_keep_the_most_recent_choice(api_client, demo_catalogue):
    newest_last = configure(api_client, selections={"accessories": ["rack"], "frame": "carbon"})
    assert newest_last["conflict"]["repairs"][0]["changes"][0]["option_set"] == "accessories"


def test_multi_lists_are_lower_bounds_for_guidance(api_client, demo_catalogue):
    body = configure(api_client, selections={"accessories": ["rack", "lights", "basket"]})
    accessories = values(body, "accessories")
    assert {code for code, value in accessories.items() if value["selectable"]} == {
        "rack",
        "lights",
        "basket",
    }
    assert [reason.get("code") for reason in accessories["mudguards"]["reasons"]] == [
        None,
        "accessories.count",
    ]
    body = configure(api_client, selections={"accessories": ["child_seat_mount"]})
    assert option_set(body, "accessories")["implied"] == ["rack", "child_seat_mount"]
    # what the choices force is part of the configuration: the rack, so it is complete and valid
    assert body["valid"] and body["errors"] == []


def test_arithmetic_rules_narrow_number_ranges(api_client, demo_catalogue):
    body = configure(api_client, "office-chair", selections={"seat_width": 560})
    depth = option_set(body, "seat_depth")
    assert (depth["min"], depth["max"]) == (400, 440)
    body = configure(api_client, "custom-shirt", selections={"size": "made_to_measure", "neck": 45})
    chest = option_set(body, "chest")
    assert (chest["min"], chest["max"]) == (100, 150)


def test_complete_proposes_a_full_valid_configuration(api_client, demo_catalogue):
    body = configure(api_client, selections={"frame": "carbon"}, complete=True)
    completion = body["completion"]
    assert completion["selections"]["frame"] == "carbon"
    assert completion["selections"]["brakes"] == "disc"
    assert "brakes" not in completion["defaults_used"] and "size" in completion["defaults_used"]
    assert configure(api_client, selections=completion["selections"])["valid"]


def test_explain_false_leaves_reasons_out(api_client, demo_catalogue):
    body = configure(api_client, selections={"frame": "carbon"}, explain=False)
    assert values(body, "size")["s"]["reasons"] == []
    assert not values(body, "size")["s"]["selectable"]
    assert body["explained"] is False
    assert configure(api_client, selections={"frame": "carbon"})["explained"] is True


def explain(client, code="city-bike", **body):
    return client.post(f"/api/products/{code}/explain", body, format="json")


def blocked_values(body):
    return [
        (item["code"], value["code"], value["reasons"])
        for item in body["option_sets"]
        for value in item["values"] or []
        if not value["selectable"]
    ]


def chain_product():
    """Choosing ``a = x`` blocks ``c = u`` only through ``b``: explaining it takes a solver call."""

    def single(code, *options):
        return {
            "code": code,
            "name": code.upper(),
            "kind": "single",
            "options": [{"code": option, "name": option.upper()} for option in options],
        }

    document = small_document(
        code="chain",
        option_sets=[single("a", "x", "y"), single("b", "p", "q"), single("c", "u", "v")],
        rules=[
            {"code": "x_needs_p", "when": "a == 'x'", "require": "b == 'p'", "message": "X needs P."},
            {"code": "u_needs_q", "when": "c == 'u'", "require": "b == 'q'", "message": "U needs Q."},
        ],
        tables=[],
    )
    return product_import(document=document, publish=True)


def test_past_the_explanation_budget_values_come_unexplained_and_explain_gives_each(
    api_client, db, settings, not_precomputed
):
    chain_product()
    selections = {"a": "x"}
    full = configure(api_client, "chain", selections=selections)
    expected = blocked_values(full)
    assert full["explained"] and all(reasons for _, _, reasons in expected)
    assert [(code, value) for code, value, _ in expected] == [("a", "y"), ("b", "q"), ("c", "u")]

    compiled_cache_clear()  # nothing learnt from the first answer
    settings.ATELIER_EXPLAIN_BUDGET_MS = 0.000001
    budgeted = configure(api_client, "chain", selections=selections)
    assert budgeted["explained"] is False
    # past the budget, what needs no solver call is still explained: the rule that forbids b = q
    assert [(code, value, bool(reasons)) for code, value, reasons in blocked_values(budgeted)] == [
        ("a", "y", True),
        ("b", "q", True),
        ("c", "u", False),
    ]
    for option_set_code, value, reasons in expected:
        response = explain(
            api_client, "chain", selections=selections, option_set=option_set_code, value=value
        )
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "option_set": option_set_code,
            "value": value,
            "selectable": False,
            "reasons": reasons,
        }


def test_once_explanations_are_precomputed_the_budget_no_longer_cuts_them_short(api_client, db, settings):
    chain_product()  # small: precomputed while publishing
    settings.ATELIER_EXPLAIN_BUDGET_MS = 0.000001
    compiled_cache_clear()  # nothing learnt in this process but the precomputed answers, from the disk
    answer = configure(api_client, "chain", selections={"a": "x"})
    assert answer["explained"] is True
    assert [(code, value) for code, value, reasons in blocked_values(answer) if reasons] == [
        ("a", "y"),
        ("b", "q"),
        ("c", "u"),
    ]


def test_explain_a_selectable_value(api_client, demo_catalogue):
    response = explain(api_client, selections={"frame": "carbon"}, option_set="size", value="m")
    assert response.json() == {"option_set": "size", "value": "m", "selectable": True, "reasons": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"option_set": "nope", "value": "x"}, "option_set"),
        ({"option_set": "size", "value": "xxl"}, "value"),
        ({"option_set": "saddle_height", "value": "tall"}, "value"),
        ({"option_set": "engraving", "value": "hello"}, "option_set"),
        ({"option_set": "size"}, "value"),
        ({"selections": {"frame": "carbn"}, "option_set": "size", "value": "s"}, "selections.frame"),
        (
            {"selections": {"frame": "carbon", "size": "s"}, "option_set": "colour", "value": "red"},
            "selections",
        ),
    ],
)
def test_explain_bad_input_is_a_400_naming_the_field(api_client, demo_catalogue, body, field):
    response = explain(api_client, **body)
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == [field]


def test_explain_an_unknown_product_is_404(api_client, db):
    assert explain(api_client, code="nope", option_set="size", value="s").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"selections": {"frame": "carbn"}}, "selections.frame", "'carbn' is not an option of frame"),
        ({"selections": {"nope": 1}}, "selections.nope", "unknown option set 'nope'"),
        (
            {"selections": {"saddle_height": 61.3}},
            "selections.saddle_height",
            "must be one of 60, 60.5, ... 95",
        ),
        ({"selections": {"saddle_height": "tall"}}, "selections.saddle_height", None),
        ({"selections": {"accessories": "rack"}}, "selections.accessories", None),
        ({"selections": {"engraving": "x" * 21}}, "selections.engraving", None),
        ({"selections": {"engraving": "Ünïcode!"}}, "selections.engraving", None),
        ({"selections": {"gift_wrap": "yes"}}, "selections.gift_wrap", None),
        ({"selections": {"frame": None}}, "selections.frame", None),
        ({"selections": []}, "selections", None),
        ({"quantity": 0}, "quantity", "Ensure this value is greater than or equal to 1."),
        ({"quantity": 10_001}, "quantity", "At most 10000 units."),
        ({"quantity": "many"}, "quantity", "Expected a whole number."),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_client, demo_catalogue, body, field, message):
    response = api_client.post(URL.format("city-bike"), body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == [field]
    if message is not None:
        assert fields[field][0]["message"] == message


def test_unknown_or_unpublished_product_is_404(api_client, staff_client, db):
    assert api_client.post(URL.format("nope"), {}, format="json").status_code == 404
    product_import(document=small_document())
    assert api_client.post(URL.format("mug"), {}, format="json").status_code == 404


def test_staff_may_configure_the_draft(api_client, staff_client, demo_catalogue):
    changed = demo_document("city-bike")
    changed["tables"][0]["rows"].append(["carbon", "s"])
    product_import(document=changed)
    published = configure(api_client, selections={"frame": "carbon"})
    assert not values(published, "size")["s"]["selectable"]
    response = staff_client.post(
        URL.format("city-bike") + "?version=draft", {"selections": {"frame": "carbon"}}, format="json"
    )
    draft = response.json()
    assert draft["version"] is None and values(draft, "size")["s"]["selectable"]
    assert api_client.post(URL.format("city-bike") + "?version=draft", {}, format="json").status_code == 404


def test_every_kind_in_one_small_product(staff_client, db):
    product_import(document=small_document(), publish=True)
    body = configure(staff_client, "mug", selections={"colour": "blue", "text": "Hi"})
    assert values(body, "extras")["lid"]["selectable"] is False
    volume = option_set(body, "volume")
    assert (volume["min"], volume["max"], volume["implied"]) == (300, 300, 300)
    assert option_set(body, "text")["selection"] == "Hi"


def test_a_chosen_number_says_where_it_may_move(api_client, demo_catalogue):
    body = configure(api_client, selections={"size": "s", "saddle_height": 70})
    saddle = option_set(body, "saddle_height")
    assert (saddle["selection"], saddle["min"], saddle["max"]) == (70, 70, 70)
    assert (saddle["switch_min"], saddle["switch_max"]) == (60, 80)
