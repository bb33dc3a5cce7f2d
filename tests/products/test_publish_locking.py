"""Publishing under concurrency, on PostgreSQL: staff publishing one draft at the same moment get
one new version between them, and a version compiled late never replaces a newer current one."""

from __future__ import annotations

import pytest
from django.db import connection

from products.compilation import version_compile
from products.models import Product, ProductVersion
from products.services import product_import, product_publish
from tests.concurrency import run_together
from tests.factories import small_document

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


@pytest.mark.parametrize("publishers", [2, 6])
def test_one_draft_published_at_once_by_several_is_one_version(publishers):
    product = product_import(document=small_document(), publish=True)
    for round_number in range(3):
        product_import(document=small_document(description=f"Round {round_number}"))
        results = run_together(*[lambda: product_publish(product=product)] * publishers)
        assert [type(result) for result in results] == [ProductVersion] * publishers
        assert {result.number for result in results} == {round_number + 2}
    numbers = list(ProductVersion.objects.filter(product=product).values_list("number", flat=True))
    assert sorted(numbers) == [1, 2, 3, 4]
    assert Product.objects.get(pk=product.pk).current_version.number == 4


def test_a_version_compiled_late_never_replaces_a_newer_current_one(settings):
    product = product_import(document=small_document(), publish=True)
    settings.ATELIER_COMPILE_INLINE_BYTES = 0  # every version waits for a worker
    product_import(document=small_document(description="Second"))
    second = product_publish(product=product)
    product_import(document=small_document(description="Third"))
    third = product_publish(product=product)
    results = run_together(
        lambda: version_compile(version_id=third.pk), lambda: version_compile(version_id=second.pk)
    )
    assert not [result for result in results if isinstance(result, Exception)]
    assert Product.objects.get(pk=product.pk).current_version_id == third.pk


def test_a_publish_waits_for_an_option_set_saved_in_the_admin():
    """The admin saves an option set, then its options, in one transaction: a publish meanwhile
    waits for it and publishes both, never the option set alone."""
    import threading

    from django.contrib import admin
    from django.db import connections, transaction

    from products.admin import OptionSetAdmin
    from products.models import OptionSet

    product = product_import(document=small_document(), publish=True)
    option_set = OptionSet.objects.get(product=product, code="colour")
    saving, published = threading.Event(), []

    def publish() -> None:
        saving.wait()
        try:
            published.append(product_publish(product=product))
        finally:
            connections.close_all()

    publisher = threading.Thread(target=publish)
    publisher.start()
    with transaction.atomic():
        option_set.name = "Glaze"
        OptionSetAdmin(OptionSet, admin.site).save_model(None, option_set, None, True)
        saving.set()
        publisher.join(timeout=1)
        assert publisher.is_alive(), "the publish went ahead while the admin's save was open"
        option_set.options.filter(code="white").update(name="Snow white")
    publisher.join(timeout=30)
    colour = next(item for item in published[0].document["option_sets"] if item["code"] == "colour")
    assert colour["name"] == "Glaze"
    assert "Snow white" in [option["name"] for option in colour["options"]]
