"""Real worker processes against real brokers. Every test that asks for ``broker_url`` (directly or
through the ``worker`` fixture) runs twice: on Redis and on RabbitMQ, each a broker of this run's
own (Redis: the database of ``CELERY_BROKER_URL``, or one after it for each further test process;
RabbitMQ: a virtual host made for the run under ``ATELIER_TEST_RABBITMQ_URL``). Outside CI a
broker that is not reachable skips its tests; in CI (``CI=true``) it fails them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings

from configurator.celery import app
from configurator.plumbing.broker import broker_problem
from orders.outbox import background_relay
from tests.requirements import unavailable

#: Where RabbitMQ is when the environment does not say (the Debian package's defaults).
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@contextmanager
def rabbitmq_private_vhost(url: str) -> Iterator[str]:
    """A virtual host of this run's own on the RabbitMQ at ``url``, deleted afterwards, so that
    the run never sees another run's queues. Without ``rabbitmqctl`` (RabbitMQ on another host),
    the URL's own virtual host is used as it is."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        yield url
        return
    vhost = f"atelier-test-{uuid.uuid4().hex[:12]}"
    user = urlsplit(url).username or "guest"

    def run(*arguments: str) -> None:
        subprocess.run([rabbitmqctl, *arguments], check=True, capture_output=True, timeout=60)

    run("add_vhost", vhost)
    try:
        run("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield _with_path(url, "/" + quote(vhost, safe=""))
    finally:
        run("delete_vhost", vhost)


def redis_database_of_this_process(url: str) -> str:
    """The Redis URL's database under a single test process; under pytest-xdist, the n-th test
    process (``gw<n>``) takes the n-th database after it, so that no two share their queues."""
    process = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    database = int(urlsplit(url).path.lstrip("/") or 0)
    return _with_path(url, f"/{database + int(process)}")


@pytest.fixture(scope="session", params=["redis", "rabbitmq"])
def broker_url(request) -> Iterator[str]:
    """The URL of a broker of this run's own, once Redis and once RabbitMQ."""
    if request.param == "redis":
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")):
            unavailable(f"CELERY_BROKER_URL is not a Redis URL: {url}")
        url = redis_database_of_this_process(url)
        problem = broker_problem(url)
        if problem:
            unavailable(f"the Redis broker at {url} is not reachable: {problem}")
        yield url
        return
    url = os.environ.get("ATELIER_TEST_RABBITMQ_URL") or DEFAULT_RABBITMQ_URL
    problem = broker_problem(url)
    if problem:
        unavailable(f"RabbitMQ at {url} is not reachable: {problem}")
    with rabbitmq_private_vhost(url) as private_url:
        yield private_url


def unreachable_url(url: str) -> str:
    """The same broker URL on a port where nothing listens: a broker that is down."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{free_port()}" if credentials else f"127.0.0.1:{free_port()}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _log_file(prefix: str):
    """Worker and beat output goes to a file, never to a pipe nobody reads (a full pipe blocks the
    process that writes to it)."""
    return tempfile.NamedTemporaryFile(mode="w+", prefix=prefix, suffix=".log", delete=False)


def read_log(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text(errors="replace")


def start_worker(*, queues: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    hostname = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "configurator",
        "worker",
        "--loglevel",
        "INFO",
        "--queues",
        ",".join(queues),
        "--concurrency",
        "1",
        "--hostname",
        hostname,
        "--without-gossip",
        "--without-mingle",
    ]
    log = _log_file("worker-")
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    process.hostname = hostname
    process.log_path = log.name
    return process


def wait_until_ready(process: subprocess.Popen, timeout: float = 60) -> str:
    """Wait for the worker to answer a broadcast ping; returns its node name."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited early:\n{read_log(process)}")
        replies = app.control.ping(destination=[process.hostname], timeout=0.5) or []
        if any(process.hostname in reply for reply in replies):
            return process.hostname
    raise AssertionError("the worker did not answer a ping in time")


def stop_worker(process: subprocess.Popen) -> str:
    """Stop a worker (or beat) and return everything it wrote."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    output = read_log(process)
    Path(process.log_path).unlink(missing_ok=True)
    return output


@pytest.fixture
def worker(broker_url) -> Iterator[subprocess.Popen]:
    """A worker on the default queue of this run's broker; the test process publishes there too."""
    with celery_broker(broker_url):
        process = start_worker(queues=["default"], env={"CELERY_BROKER_URL": broker_url})
        try:
            wait_until_ready(process)
            yield process
        finally:
            stop_worker(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test can stop and start."""

    def __init__(self, folder) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while broker_problem(self.url, timeout=0.5):
            if time.monotonic() > deadline:
                raise AssertionError("the private redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    try:
        yield redis
    finally:
        redis.stop()


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker for the duration.

    Celery reads the ``CELERY_BROKER_URL`` environment variable ahead of its configuration
    (``Settings.broker_url``), so both are switched; CI exports that variable."""
    previous_setting = app.conf.broker_url
    previous_environment = os.environ.get("CELERY_BROKER_URL")
    app.conf.broker_url = url
    os.environ["CELERY_BROKER_URL"] = url
    app._after_fork()  # drop pooled connections and producers made for the previous broker
    background_relay.resume()  # a failure on the previous broker says nothing about this one
    try:
        yield
    finally:
        app.conf.broker_url = previous_setting
        if previous_environment is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_environment
        app._after_fork()


def database_url() -> str:
    """The URL of the test database, for worker processes."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}"
    )


def worker_env(broker_url: str, folder) -> dict[str, str]:
    """The environment of a worker or beat process of this test: its database and broker, a sweep
    every second, compiled models in the test's folder."""
    return {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "ATELIER_OUTBOX_SWEEP_SECONDS": "1",
        "ATELIER_MODEL_CACHE_DIR": str(Path(folder) / "models"),
    }


def start_beat(*, env: dict[str, str], folder) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "configurator",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(folder / "beat-schedule"),
    ]
    log = _log_file("beat-")
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    process.log_path = log.name
    return process


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


# -- the Celery factory (tests/integration/test_factory*.py) ----------------------------------------

#: Every queue the factory's tasks run on.
FACTORY_QUEUES = ["default", "standard", "batch", "custom"]


@pytest.fixture
def factory_client():
    """A customer's API client, with the demo catalogue published and the demo factory in rows,
    making no defects unless a test says otherwise (a run's order ids seed its inspections)."""
    from rest_framework.test import APIClient

    from manufacturing.documents import DEMO_FACTORY
    from manufacturing.loading import factory_import
    from manufacturing.models import BatchPolicy, RouteStage
    from products.demo import demo_documents
    from products.services import product_import
    from tests.factories import UserFactory

    for document in demo_documents():
        product_import(document=document, publish=True)
    factory_import(document=json.loads(DEMO_FACTORY.read_text()))
    RouteStage.objects.update(defect_probability=0)
    # Batches that only a closing window releases, unless a test says otherwise.
    BatchPolicy.objects.update(size_limit=100)
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def factory_env(broker_url: str, folder, **overrides: str) -> dict[str, str]:
    """A factory worker's environment: scale 0 (as fast as the workers go), a wake every half
    second."""
    return {
        **worker_env(broker_url, folder),
        "ATELIER_SIM_TIME_SCALE": "0",
        "ATELIER_FACTORY_WAKE_SECONDS": "0.5",
        **overrides,
    }


class Factory:
    """The workers (and beat) of one test; stopped at the end, their logs kept for messages."""

    def __init__(self, broker_url: str, folder, env: dict[str, str]) -> None:
        self.broker_url, self.folder, self.env = broker_url, folder, env
        self.processes: list[subprocess.Popen] = []
        self.logs: list[str] = []

    def worker(self, queues: list[str] = FACTORY_QUEUES) -> subprocess.Popen:
        process = start_worker(queues=queues, env=self.env)
        self.processes.append(process)
        with celery_broker(self.broker_url):
            wait_until_ready(process)
        return process

    def beat(self) -> subprocess.Popen:
        process = start_beat(env=self.env, folder=self.folder)
        self.processes.append(process)
        return process

    def log_so_far(self) -> str:
        return "\n".join(read_log(process) for process in self.processes)

    def stop(self) -> str:
        self.logs += [stop_worker(process) for process in self.processes]
        self.processes = []
        return "\n".join(self.logs)


@pytest.fixture
def factory(broker_url, tmp_path):
    """Makes a :class:`Factory` on this run's broker: ``factory(ATELIER_...="...")``."""
    made: list[Factory] = []

    def make(**overrides: str) -> Factory:
        made.append(Factory(broker_url, tmp_path, factory_env(broker_url, tmp_path, **overrides)))
        return made[-1]

    yield make
    for each in made:
        print(each.stop())  # pytest shows it when the test failed
