"""The configure answer's fast rendering (PresentedOutput) is DRF's field-by-field rendering of the
same serializers, byte for byte, on real answers: guidance with reasons, conflicts with repairs,
completions, numbers and texts."""

from __future__ import annotations

import json
import random

import pytest
from rest_framework import serializers

from configurator.configure.presenters import Presenter
from configurator.configure.serializers import ConfigureOutput, PresentedOutput, configure_output_data
from configurator.configure.services import configuration_evaluate
from products.selectors import product_model_source

pytestmark = pytest.mark.django_db

CASES = [
    ("city-bike", {}),
    ("city-bike", {"frame": "carbon", "colour": "racing_green"}),
    ("city-bike", {"frame": "carbon", "brakes": "rim"}),
    ("city-bike", {"accessories": ["child_seat_mount"], "saddle_height": 70}),
    ("custom-shirt", {"size": "made_to_measure", "neck": 40}),
    ("custom-shirt", {"monogram": "AB", "extras": ["gusset"]}),
    ("office-chair", {"seat_width": 500, "headrest": True}),
]


def answer(product, selections: dict, complete: bool) -> dict:
    source = product_model_source(product=product, version=None, staff=False)
    evaluation = configuration_evaluate(
        product=product, source=source, selections=selections, quantity=2, complete=complete
    )
    return Presenter(evaluation.model).configure(evaluation, None)


def rendered(data: dict, staff: bool) -> str:
    return json.dumps(ConfigureOutput(data, context={"staff": staff}).data)


def field_by_field(monkeypatch, data: dict, staff: bool) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(PresentedOutput, "to_representation", serializers.Serializer.to_representation)
        return rendered(data, staff)


@pytest.mark.parametrize(("code", "selections"), CASES)
def test_the_fast_rendering_is_drfs_rendering(monkeypatch, demo_catalogue, code, selections):
    for complete in (False, True):
        data = answer(demo_catalogue[code], selections, complete)
        for staff in (False, True):
            assert rendered(data, staff) == field_by_field(monkeypatch, data, staff)


def test_the_fast_rendering_is_drfs_rendering_along_random_walks(monkeypatch, demo_catalogue):
    rng = random.Random(11)
    for product in demo_catalogue.values():
        selections: dict = {}
        for _ in range(8):
            data = answer(product, selections, complete=False)
            assert rendered(data, False) == field_by_field(monkeypatch, data, False)
            open_values = [
                (item["code"], item["kind"], value["code"])
                for item in data["option_sets"]
                for value in item["values"] or []
                if not item["decided"] and not value["selected"]
            ]
            if not open_values:
                break
            set_code, kind, value = rng.choice(open_values)
            selections = {**selections, set_code: [value] if kind == "multi" else value}


def test_a_presented_answer_missing_a_field_is_an_error(demo_catalogue):
    data = answer(demo_catalogue["city-bike"], {}, complete=False)
    del data["option_sets"][0]["values"][0]["implied"]
    with pytest.raises(KeyError, match="implied"):
        rendered(data, staff=False)


@pytest.mark.parametrize(("code", "selections"), CASES)
def test_the_serializer_bound_once_renders_what_a_new_one_renders(demo_catalogue, code, selections):
    # Alternating audiences: the bound serializers must not share what staff may see.
    for complete in (False, True):
        data = answer(demo_catalogue[code], selections, complete)
        for staff in (True, False, True):
            assert json.dumps(configure_output_data(data, staff=staff)) == rendered(data, staff)
    assert "margin" in configure_output_data(data, staff=True)["price"]
    assert "margin" not in configure_output_data(data, staff=False)["price"]
