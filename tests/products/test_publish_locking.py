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
