"""Load benchmark: the API under gunicorn, next to the framework's ceiling measured in the same run.

    .venv/bin/python benchmarks/bench_load.py [--requests 400] [--concurrency 8] [--web-workers 4]
        [--database-url postgres://postgres@127.0.0.1:5432/atelier_bench] [--broker-url redis://...]

The system runs as the README's production section says: gunicorn with ``--web-workers`` sync
workers (DEBUG off), a Celery worker on the default queue, the outbox relay publishing to the broker
(``--broker-url``, default ``CELERY_BROKER_URL``). The database (``--database-url``, default
``DATABASE_URL``, else a throw-away SQLite file) is migrated and given the demo catalogue, Renault
(``../shared/benchmarks/renault/megane.xml``, when present) and one user per client.

The ceiling is a bare Django view returning a small JSON document, served by the same gunicorn and
middleware (``bench_urls.py``, a benchmark-only URLconf). It is measured first and last; ratios use
the mean of both. ``--concurrency`` clients (threads, one connection per request as gunicorn's sync
workers close them) send ``--requests`` requests per scenario and print requests per second and
p50/p95/p99 latency. The order rate limit is raised for the run (each client is one customer).

Targets: configure on a demo product >= 50 % of the bare view's throughput; order placement >= 25 %
of it and >= 50 % of configure's; zero errors; every placed order routed; web and worker memory flat
(RSS printed after the warm-up and at the end).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENAULT = ROOT.parent / "shared" / "benchmarks" / "renault" / "megane.xml"
SHIPPING = {
    "name": "Bench",
    "line1": "1 Main Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}
BIKE_SELECTIONS = [
    {"frame": "steel"},
    {"frame": "carbon", "brakes": "disc"},
    {"colour": "racing_green", "accessories": ["lights", "mudguards"]},
    {"saddle_height": 81.5, "gears": "hub3"},
    {},
]

Request = tuple[str, str, dict | None, dict[str, str]]


@dataclass
class Result:
    label: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(port: int, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Host": "127.0.0.1", **headers}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_scenario(
    label: str, port: int, make: Callable[[int, int], Request], *, requests: int, concurrency: int, ok: int
) -> Result:
    """``requests`` requests from ``concurrency`` clients; ``make(client, index)`` builds each."""
    per_client = [
        requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)
    ]
    result = Result(label, 0.0)
    lock = threading.Lock()

    def client(number: int) -> None:
        for index in range(per_client[number]):
            request = make(number, index)
            started = time.perf_counter()
            try:
                status, content = send(port, request)
            except OSError as error:
                status, content = 0, str(error).encode()
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                if status != ok:
                    key = f"{status} {content[:120].decode(errors='replace')}"
                    result.errors[key] = result.errors.get(key, 0) + 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


SETUP = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
users = get_user_model()
tokens = []
for number in range({clients}):
    user, _ = users.objects.get_or_create(username=f"bench{{number}}")
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
print(json.dumps(tokens))
"""

#: Compiled models on disk before the run, as a deployed shop has them (a model compiled inside a
#: request of a loaded machine can pass gunicorn's 30 s timeout: issue 14, item 2).
COMPILE = """
from products.runtime import runtime_get
from products.selectors import product_get, product_model_source
for code in {codes!r}:
    source = product_model_source(product=product_get(code=code, staff=False), version=None, staff=False)
    runtime_get(checksum=source.checksum, load_document=source.load_document)
"""

ROUTED = """
from orders.models import Order
orders = Order.objects.filter(customer__username__startswith="bench", created_at__gte="{since}")
print(orders.exclude(status="placed").count(), orders.count())
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    )
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="atelier-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")]),
        "DATABASE_URL": options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": options.broker_url,
        "DEBUG": "false",
        "SECRET_KEY": "load-benchmark-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ATELIER_ORDER_RATE": "100000/min",
        "ATELIER_MODEL_CACHE_DIR": str(folder / "models"),
        "LOG_LEVEL": "WARNING",
    }
    database = env["DATABASE_URL"].split("@")[-1]
    print(
        f"Database {database}, broker {options.broker_url}, {options.web_workers} gunicorn workers, "
        f"{options.concurrency} clients, {options.requests} requests per scenario; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "load_demo", "--verbosity", "0")
    renault = RENAULT.exists()
    if renault:
        manage(env, "import_product", str(RENAULT), "--code", "megane", "--publish")
    codes = ["city-bike", "office-chair", "custom-shirt", *(["megane"] if renault else [])]
    manage(env, "shell", "--no-imports", "-c", COMPILE.format(codes=codes))
    tokens = json.loads(
        manage(env, "shell", "--no-imports", "-c", SETUP.format(clients=options.concurrency)).strip()
    )

    port = free_port()
    logs = {name: (folder / f"{name}.log").open("w") for name in ("web", "worker")}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "configurator.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(options.web_workers), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=logs["web"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "configurator", "worker", "--queues", "default",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if send(port, ("GET", "/bench/bare", None, {}))[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{(folder / 'web.log').read_text()}")
            time.sleep(0.2)
        measure(options, port, tokens, renault, web, worker, env)
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def measure(options, port, tokens, renault, web, worker, env) -> None:
    rng = random.Random(7)

    def auth(client: int) -> dict[str, str]:
        return {"Authorization": f"Token {tokens[client]}"}

    scenarios: list[tuple[str, Callable[[int, int], Request], int]] = [
        ("bare Django view (ceiling)", lambda c, i: ("GET", "/bench/bare", None, {}), 200),
        ("product list", lambda c, i: ("GET", "/api/products/", None, {}), 200),
        ("product detail", lambda c, i: ("GET", "/api/products/city-bike/", None, {}), 200),
        (
            "configure, demo product",
            lambda c, i: (
                "POST",
                "/api/products/city-bike/configure",
                {"selections": rng.choice(BIKE_SELECTIONS)},
                {},
            ),
            200,
        ),
    ]  # fmt: skip
    if renault:
        scenarios.append(
            (
                "configure, Renault",
                lambda c, i: ("POST", "/api/products/megane/configure", {"selections": {}}, {}),
                200,
            )
        )
    scenarios += [
        (
            "quote",
            lambda c, i: (
                "POST", "/api/quotes/",
                {"product": "city-bike", "selections": rng.choice(BIKE_SELECTIONS)}, auth(c),
            ),
            201,
        ),
        (
            "order placement",
            lambda c, i: (
                "POST", "/api/orders/",
                {"product": "city-bike", "selections": rng.choice(BIKE_SELECTIONS), "shipping": SHIPPING},
                {**auth(c), "Idempotency-Key": str(uuid.uuid4())},
            ),
            201,
        ),
        ("order list", lambda c, i: ("GET", "/api/orders/", None, auth(c)), 200),
        ("OpenAPI schema", lambda c, i: ("GET", "/api/schema/", None, {}), 200),
        ("bare Django view (again)", lambda c, i: ("GET", "/bench/bare", None, {}), 200),
    ]  # fmt: skip

    # Warm-up: every process loads its models and connections before anything is timed.
    for label, make, ok in scenarios:
        warm = run_scenario(
            label, port, make, requests=4 * options.web_workers, concurrency=options.web_workers, ok=ok
        )
        if warm.errors:
            raise SystemExit(f"{label} fails before the run: {warm.errors}")
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    web_pids, worker_pids = children(web.pid), [worker.pid, *children(worker.pid)]
    memory_start = (rss_mb(web_pids), rss_mb(worker_pids))

    results = [
        run_scenario(label, port, make, requests=options.requests, concurrency=options.concurrency, ok=ok)
        for label, make, ok in scenarios
    ]
    memory_end = (rss_mb(web_pids), rss_mb(worker_pids))
    ceiling = statistics.mean([results[0].throughput, results[-1].throughput])

    print(f"\n{'scenario':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'vs bare':>8}  errors")
    for result in results:
        errors = sum(result.errors.values())
        print(
            f"{result.label:32} {result.throughput:8.1f} {result.percentile(0.5):8.1f} "
            f"{result.percentile(0.95):8.1f} {result.percentile(0.99):8.1f} "
            f"{result.throughput / ceiling:7.0%}  {errors}"
        )
        for message, count in sorted(result.errors.items(), key=lambda item: -item[1])[:3]:
            print(f"{'':34}{count} x {message}")

    by_label = {result.label: result for result in results}
    placed_total = len(by_label["order placement"].latencies)
    deadline = time.monotonic() + 120
    while True:
        routed, placed = map(
            int, manage(env, "shell", "--no-imports", "-c", ROUTED.format(since=since)).split()
        )
        if routed >= placed or time.monotonic() > deadline:
            break
        time.sleep(2)

    def target(label: str, met: bool, detail: str) -> None:
        print(f"  {label:58} {detail:34} [{'met' if met else 'MISSED'}]")

    configure = by_label["configure, demo product"].throughput
    placement = by_label["order placement"].throughput
    print(f"\nCeiling (bare view, mean of first and last): {ceiling:.1f} req/s")
    print("Targets:")
    target(
        "configure (demo) >= 50 % of the bare view", configure >= 0.5 * ceiling, f"{configure / ceiling:.0%}"
    )
    target(
        "order placement >= 25 % of the bare view", placement >= 0.25 * ceiling, f"{placement / ceiling:.0%}"
    )
    target("order placement >= 50 % of configure (issue 14, item 5)", placement >= 0.5 * configure,
           f"{placement / configure:.0%}")  # fmt: skip
    total_errors = sum(sum(result.errors.values()) for result in results)
    target("zero errors", total_errors == 0, f"{total_errors}")
    target("every placed order routed", routed == placed, f"{routed} of {placed} (expected {placed_total})")
    web_growth = memory_end[0] - memory_start[0]
    worker_growth = memory_end[1] - memory_start[1]
    target(
        "web memory flat (< 10 % growth)",
        web_growth < 0.1 * memory_start[0],
        f"{memory_start[0]:.0f} -> {memory_end[0]:.0f} MB",
    )
    target(
        "worker memory flat (< 10 % growth)",
        worker_growth < 0.1 * memory_start[1],
        f"{memory_start[1]:.0f} -> {memory_end[1]:.0f} MB",
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
