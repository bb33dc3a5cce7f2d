from __future__ import annotations

import copy
from typing import Any

import factory
from django.contrib.auth import get_user_model

from products.demo import demo_documents


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-password")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


def demo_document(code: str) -> dict[str, Any]:
    """A fresh, mutable copy of a demo product document."""
    return copy.deepcopy(next(document for document in demo_documents() if document["code"] == code))


def small_document(**overrides: Any) -> dict[str, Any]:
    """A minimal valid product document with one option set of each kind."""
    document = {
        "code": "mug",
        "name": "Mug",
        "currency": "EUR",
        "baseline": {"price": "12.00", "unit_cost": "3.00", "lead_time_days": 2},
        "option_sets": [
            {
                "code": "colour",
                "name": "Colour",
                "kind": "single",
                "default": "white",
                "options": [
                    {"code": "white", "name": "White"},
                    {"code": "blue", "name": "Blue", "price_delta": "2.00", "level": "batchable"},
                ],
            },
            {
                "code": "extras",
                "name": "Extras",
                "kind": "multi",
                "max_count": 1,
                "options": [
                    {"code": "lid", "name": "Lid", "price_delta": "3.50"},
                    {"code": "box", "name": "Gift box", "price_delta": "1.00"},
                ],
            },
            {
                "code": "volume",
                "name": "Volume",
                "kind": "number",
                "minimum": "250",
                "maximum": "500",
                "step": "50",
                "unit": "ml",
                "default": "300",
            },
            {
                "code": "text",
                "name": "Print",
                "kind": "text",
                "max_length": 12,
                "required": False,
                "default": "",
            },
            {"code": "dishwasher_safe", "name": "Dishwasher safe", "kind": "boolean", "default": True},
        ],
        "rules": [
            {
                "code": "blue_lid",
                "when": "colour == 'blue'",
                "require": "'lid' not in extras",
                "message": "Blue mugs come without a lid.",
            }
        ],
        "tables": [
            {
                "code": "colour_volume",
                "option_sets": ["colour", "volume"],
                "rows": [["white", "250"], ["white", "300"], ["blue", "300"]],
            }
        ],
    }
    document.update(overrides)
    return document
