from __future__ import annotations

import pytest

from configurator.celery import app

pytestmark = pytest.mark.integration


def test_a_real_worker_starts_and_answers_on_the_broker(worker):
    replies = app.control.ping(destination=[worker.hostname], timeout=2)
    assert replies == [{worker.hostname: {"ok": "pong"}}]
    active = app.control.inspect(destination=[worker.hostname], timeout=2).active_queues()
    assert [queue["name"] for queue in active[worker.hostname]] == ["default"]
