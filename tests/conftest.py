from __future__ import annotations

from collections import Counter

import pytest
from rest_framework.test import APIClient

from products.demo import demo_documents
from products.services import product_import
from tests.factories import StaffFactory, UserFactory


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    """The tests that start worker processes first: they take longest, so that pytest-xdist
    (``-n``, ``--dist loadfile``: each module whole in one process) starts them early. Two tests
    with one id stop the run: pytest-xdist would run neither and say nothing (schemathesis's tests
    under pytest 9.2 have the id of their function, not of their API operation)."""
    shared = sorted(nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"Tests share an id, so pytest-xdist would skip them: {shared}")
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def customer_client(customer) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer)
    return client


@pytest.fixture
def staff_client(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.fixture
def demo_catalogue(db) -> dict:
    """The demo products, imported and published."""
    return {
        document["code"]: product_import(document=document, publish=True) for document in demo_documents()
    }


@pytest.fixture(autouse=True)
def _model_cache_dir(settings, tmp_path_factory):
    """Compiled models go to a temporary folder, never the developer's cache. Tests change factory
    rows directly, so the factory and its queues are read afresh on every use (their caches are
    tested on their own)."""
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path_factory.getbasetemp() / "models")
    settings.ATELIER_FACTORY_SPEC_SECONDS = 0
    settings.ATELIER_QUEUE_DAYS_SECONDS = 0


@pytest.fixture
def not_precomputed(settings, tmp_path):
    """Products published in the test have no precomputed explanations, so the request-time
    explanation budget applies: none are made while publishing, and none made by an earlier test
    for a model with the same checksum are found in the shared model cache."""
    settings.ATELIER_PRECOMPUTE_INLINE_BYTES = 0
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path / "models")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters, cached analyses, configure answers and the published versions' sources
    never leak from one test into the next."""
    from django.core.cache import cache

    from configurator.configure.services import configure_answers
    from products.selectors import published_sources_clear

    cache.clear()
    configure_answers.clear()
    published_sources_clear()
    yield
    cache.clear()
    configure_answers.clear()
    published_sources_clear()


@pytest.fixture(autouse=True)
def _no_real_broker(request, monkeypatch, settings):
    """Outside integration tests the outbox relay never reaches a real broker: messages are
    recorded, so that test runs leave nothing behind in a developer's Redis; and it publishes in
    the committing thread, so that a test sees what it sent."""
    if request.node.get_closest_marker("integration"):
        return
    settings.ATELIER_OUTBOX_RELAY = "inline"
    monkeypatch.setattr("orders.outbox._publish", lambda message: None)


@pytest.fixture(autouse=True)
def _responses_follow_the_contract(monkeypatch):
    """Check every API response a test makes against the published schema (tests/contract/checks.py)."""
    from django.test import Client

    from tests.contract.checks import check_response

    send = Client.request

    def request(self, **kwargs):
        response = send(self, **kwargs)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", request)
