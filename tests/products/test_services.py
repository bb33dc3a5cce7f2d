from __future__ import annotations

import pytest

from configurator.plumbing.errors import InvalidInputError
from products.models import Option, OptionSet, Product, ProductVersion, Rule
from products.selectors import product_document
from products.services import product_import, product_publish
from tests.factories import small_document

pytestmark = pytest.mark.django_db


def test_import_creates_a_draft_without_publishing():
    product = product_import(document=small_document())
    assert product.current_version is None
    assert list(product.option_sets.values_list("code", flat=True)) == [
        "colour",
        "extras",
        "volume",
        "text",
        "dishwasher_safe",
    ]
    assert Option.objects.filter(option_set__product=product).count() == 4
    assert ProductVersion.objects.count() == 0


def test_import_again_replaces_the_draft_and_keeps_versions():
    product = product_import(document=small_document(), publish=True)
    changed = small_document(name="Big mug", rules=[])
    product_import(document=changed)
    product.refresh_from_db()
    assert product.name == "Big mug"
    assert not Rule.objects.filter(product=product).exists()
    assert product.current_version.number == 1
    assert product.current_version.document["name"] == "Mug"


def test_failed_import_changes_nothing():
    product = product_import(document=small_document())
    broken = small_document(name="Changed")
    broken["option_sets"][0]["options"].append({"code": "white", "name": "Again"})
    with pytest.raises(InvalidInputError) as caught:
        product_import(document=broken)
    assert list(caught.value.fields) == ["option_sets[0].options[2].code"]
    product.refresh_from_db()
    assert product.name == "Mug"
    assert OptionSet.objects.filter(product=product).count() == 5


def test_failed_import_of_a_new_product_creates_nothing():
    broken = small_document(code="new-one")
    broken["rules"][0]["require"] = "nonsense =="
    with pytest.raises(InvalidInputError):
        product_import(document=broken)
    assert not Product.objects.filter(code="new-one").exists()


def test_publish_freezes_a_version_and_an_unchanged_draft_is_a_noop():
    product = product_import(document=small_document())
    first = product_publish(product=product)
    assert first.number == 1
    assert product_publish(product=product) == first
    OptionSet.objects.filter(product=product, code="colour").update(name="Mug colour")
    second = product_publish(product=product)
    assert second.number == 2
    first.refresh_from_db()
    assert first.document["option_sets"][0]["name"] == "Colour"
    assert second.document["option_sets"][0]["name"] == "Mug colour"
    assert product_document(product=product, version=first) == first.document
    product.refresh_from_db()
    assert product.current_version == second
    assert (second.name, second.currency, str(second.baseline_price), second.baseline_lead_time_days) == (
        "Mug",
        "EUR",
        "12.00",
        2,
    )


def test_publishing_an_invalid_draft_is_refused_with_the_paths():
    product = product_import(document=small_document())
    Rule.objects.filter(product=product).update(require="'lid' in colour")
    with pytest.raises(InvalidInputError) as caught:
        product_publish(product=product)
    assert caught.value.code == "invalid_draft"
    assert caught.value.fields == {
        "rules[0].require": [
            {
                "code": "wrong_type",
                "message": "column 10: 'in' needs a multiple choice or a tuple on its right, "
                "not a single choice",
                "constraint": None,
            }
        ]
    }
    assert not ProductVersion.objects.exists()


def test_versions_are_protected_from_deletion():
    from django.db.models import ProtectedError

    product = product_import(document=small_document(), publish=True)
    with pytest.raises(ProtectedError):
        product.delete()
