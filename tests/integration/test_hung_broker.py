"""A hung or dead broker never stalls the web tier: real gunicorn, worker and beat processes on a
private redis-server that the test stops with SIGSTOP (hung: connections open, nothing answers) and
terminates (dead). The broker's socket timeout is set to ten minutes, so a placement that waited on
the broker would not answer within the client's minute; every order is routed once it is back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from orders.models import Order
from products.demo import demo_documents
from products.services import product_import
from tests.factories import UserFactory
from tests.integration.conftest import (
    PrivateRedis,
    free_port,
    read_log,
    start_beat,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from tests.orders.conftest import SHIPPING

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT_TIMEOUT = 60


def start_web(env: dict[str, str], tmp_path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (tmp_path / "web.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "configurator.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    process.log_path = str(tmp_path / "web.log")
    wait_for(lambda: _answers(port), timeout=60, what="gunicorn to answer")
    return process, port


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/products/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def place(port: int, token: str) -> tuple[int, dict]:
    body = {"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/orders/",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read()[:500].decode(errors="replace")}


def routed_exactly_once(order_ids: list[str]) -> bool:
    orders = Order.objects.filter(pk__in=order_ids, status="queued").prefetch_related("events")
    return len(orders) == len(order_ids)


def test_placements_answer_while_the_broker_hangs_or_is_dead_and_every_order_is_routed_after(tmp_path):
    for document in demo_documents():
        product_import(document=document, publish=True)
    token = Token.objects.create(user=UserFactory()).key
    redis = PrivateRedis(tmp_path)
    redis.start()
    env = {
        **worker_env(redis.url, tmp_path),
        "CELERY_BROKER_SOCKET_TIMEOUT": "600",
        "ATELIER_OUTBOX_RETRY_SECONDS": "1",
        # A broker that dies keeps nothing (no persistence here): what it held is sent again after this.
        "ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS": "15",
        "ATELIER_ORDER_RATE": "1000/min",
    }
    web, port = start_web(env, tmp_path)
    worker = start_worker(queues=["default"], env=env)
    beat = start_beat(env=env, folder=tmp_path)
    placed: list[str] = []
    try:
        for _ in range(3):
            status, body = place(port, token)
            assert status == 201, body
            placed.append(body["id"])

        os.kill(redis.process.pid, signal.SIGSTOP)
        try:
            for _ in range(10):
                status, body = place(port, token)
                assert status == 201, body
                placed.append(body["id"])
        finally:
            os.kill(redis.process.pid, signal.SIGCONT)

        redis.stop()  # dead: connections refused
        for _ in range(5):
            status, body = place(port, token)
            assert status == 201, body
            placed.append(body["id"])
        redis.start()  # the same port again

        wait_for(
            lambda: routed_exactly_once(placed), timeout=180, interval=1, what="every order to be routed"
        )
    finally:
        web.terminate()
        web.wait(timeout=30)
        web_log = read_log(web)
        stop_worker(beat)
        stop_worker(worker)
        redis.stop()
    assert "Traceback" not in web_log, web_log
    for order in Order.objects.filter(pk__in=placed).prefetch_related("events"):
        assert [event.type for event in order.events.all()] == ["placed", "routed", "queued"]
