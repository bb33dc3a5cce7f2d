"""Issue 14: a large version is compiled by a real worker after publishing, and becomes the
product's current version then; customers are never made to wait on a compilation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from products.models import CompileState, Product, ProductVersion
from products.runtime import compiled_cache_clear
from products.services import product_import
from tests.factories import small_document
from tests.integration.conftest import (
    celery_broker,
    start_worker,
    stop_worker,
    wait_for,
    wait_until_ready,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_compiles_a_large_version_and_customers_then_configure_it(broker_url, tmp_path, settings):
    settings.ATELIER_COMPILE_INLINE_BYTES = 0  # every document counts as large here
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path / "models")  # the worker's folder: one host
    compiled_cache_clear()
    worker = start_worker(queues=["default"], env=worker_env(broker_url, tmp_path))
    try:
        with celery_broker(broker_url):
            wait_until_ready(worker)
            product_import(document=small_document(), publish=True)
            version = ProductVersion.objects.get()
            wait_for(
                lambda: ProductVersion.objects.get(pk=version.pk).compile_state == CompileState.READY,
                what="the worker to compile the version",
            )
    finally:
        log = stop_worker(worker)
    assert Product.objects.get(code="mug").current_version_id == version.pk, log
    response = APIClient().post("/api/products/mug/configure", {"selections": {}}, format="json")
    assert response.status_code == 200, response.json()
