"""Follow an order to completed on its page, with a real Celery worker running the demo factory at
a time scale where its stages take seconds, on Redis and on RabbitMQ."""

from __future__ import annotations

import json
import os
import re

import pytest
from django.contrib.auth import get_user_model

from manufacturing.documents import DEMO_FACTORY
from manufacturing.loading import factory_import
from orders.services import OrderRequest, order_place
from tests.integration.conftest import (
    broker_url,  # noqa: F401  (a fixture)
    celery_broker,
    database_url,
    start_beat,
    start_worker,
    stop_worker,
    wait_until_ready,
)
from tests.orders.conftest import SHIPPING

from .conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

#: Every queue the project's tasks use: routing on default, production on the mode's queue.
QUEUES = ["default", "standard", "batch", "custom"]


@pytest.fixture
def factory(broker_url, tmp_path):  # noqa: F811
    env = {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        # Five simulated minutes a real second: the bespoke bike's hours of work take long enough
        # for the page to be seen following it (at scale 0 it is made before the page opens).
        "ATELIER_SIM_TIME_SCALE": "300",
        "ATELIER_MODEL_CACHE_DIR": os.environ.get("ATELIER_MODEL_CACHE_DIR", str(tmp_path / "models")),
    }
    worker = start_worker(queues=QUEUES, env=env)
    beat = start_beat(env=env, folder=tmp_path)
    try:
        # This process pings the worker and its outbox relay sends the order on the same broker.
        with celery_broker(broker_url):
            wait_until_ready(worker)
            yield worker
    finally:
        stop_worker(beat)
        stop_worker(worker)


def test_follow_the_order_to_completed(page, demo_catalogue, factory):
    factory_import(document=json.loads(DEMO_FACTORY.read_text()))
    customer = get_user_model().objects.create_user("hana", "hana@example.com", "a-long-pass-phrase")
    order = order_place(
        actor=customer,
        request=OrderRequest(
            shipping=SHIPPING,
            product_code="city-bike",
            selections={"colour": "racing_green", "saddle_height": 82},
        ),
    )
    log_in(page, "hana", "a-long-pass-phrase")
    page.goto(f"{page.base}/orders/{order.id}/")
    view = page.locator("#order-view")
    assert view.get_attribute("data-live") == "true"
    # The page refreshes by itself: no reload from here on.
    page.wait_for_function(
        "() => document.getElementById('order-view').dataset.status === 'completed'", timeout=90_000
    )
    assert view.get_attribute("data-live") == "false"
    assert page.locator("#order-status").inner_text() == "Completed"
    stages = page.locator("#stage-list li")
    assert stages.count() >= 1
    assert all(state == "done" for state in page.locator("#stage-list .stage-state").all_text_contents())
    assert page.locator("#inspection-list li").count() >= 1
    assert re.search(r"passed|sent to rework|scrapped", page.locator("#inspection-list").inner_text())
    assert_accessible(page, what="a completed order")
