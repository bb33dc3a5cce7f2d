"""Load benchmark: the API under gunicorn, next to the framework's ceiling measured in the same run.

    .venv/bin/python benchmarks/bench_load.py [--requests 400] [--concurrency 8] [--web-workers 4]
        [--database-url postgres://postgres@127.0.0.1:5432/atelier_bench]

The system runs as the README's production section says: gunicorn with ``--web-workers`` sync
workers (DEBUG off), a Celery worker on the default queue and beat, the shared cache (throttling) on
a redis-server of the run's own, and the outbox relay publishing to another one (so that one
scenario can hang the broker with SIGSTOP: order placement while it does not answer, after which
every order must still be routed). The database (``--database-url``, default ``DATABASE_URL``, else
a throw-away SQLite file) is migrated and given the demo catalogue, Renault
(``../shared/benchmarks/renault/megane.xml``, when present) and one user per client; the scenarios
start once the worker has precomputed every published version's explanations, as in a shop that
has been open a while.

The ceiling is a bare Django view returning a small JSON document, served by the same gunicorn and
middleware (``bench_urls.py``, a benchmark-only URLconf). It is measured first and last; ratios use
the mean of both. ``--concurrency`` clients send ``--requests`` requests per scenario from one
asyncio loop over raw sockets (one connection per request, as gunicorn's sync workers close them):
the same cheap client for the bare view and every scenario, its own CPU printed per request.

Configure on the demo product is sent as storefront traffic: simulated customers open the city
bike (the empty selection), then choose frame, size, colour, brakes and gears in that order (each
with probability 0.8, values by popularity 1/rank), accessories (half of them, one to three),
a saddle height (a quarter, any of its 71 steps), an engraving (a tenth, a text of their own) and
gift wrap (a fifth); each step is one configure request with the choices so far. The timed sessions
follow a warm-up of twice as many other sessions from the same mix (a shop that has been open a
while); the share answered from remembered answers (each process's own, and those the others
shared through the cache) is printed. "every request new" sends choices never asked before (a
unique engraving), so every request is evaluated: the cost of a miss. A PostgreSQL database
(``--database-url``) is made afresh for each run: no earlier run's orders weigh on it.

Each scenario prints requests per second, p50/p95/p99 latency, the ratio to the bare view, and the
CPU it took per request: gunicorn's processes (web), the PostgreSQL backends of the run's database
(db), the load generator (client) and the Celery worker, beat and redis-servers (bg). The order rate
limit is raised for the run (each client is one customer).

Beside the placements, the floor of any write: an authenticated DRF view (``bench_urls.py``) that
inserts one row in a transaction and answers 201; the most an order placement can reach here.

Targets: configure on a demo product >= 50 % of the bare view's throughput; order placement >= 25 %
of it and >= 50 % of configure's; placement with the broker hung: p99 < 200 ms; zero errors; every
placed order routed; web and worker memory flat (RSS of each process after the warm-up and at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_databases import postgres_database_recreate

ROOT = Path(__file__).resolve().parent.parent
RENAULT = ROOT.parent / "shared" / "benchmarks" / "renault" / "megane.xml"
CITY_BIKE = ROOT / "products" / "demo" / "city-bike.json"
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
#: What each client sends, in order.
Plan = list[list[Request]]
ONE = "order placement, 1 client"
HUNG = "order placement, 1 client, broker hung"
HUNG_LOADED = "order placement, broker hung"
CONFIGURE = "configure, demo product (storefront mix)"
CONFIGURE_NEW = "configure, demo product, every request new"
FLOOR_WRITE = "floor: authenticated write of one row"
RENAULT_CONFIGURE = "configure, Renault (half empty, half one choice)"
#: Scenarios run by one client: latency without queueing behind other requests.
SINGLE_CLIENT = (ONE, HUNG)
#: Scenarios run with the broker stopped by SIGSTOP.
BROKER_HUNG = (HUNG, HUNG_LOADED)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    label: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    #: CPU seconds per group of processes (web, db, client, bg) over the scenario.
    cpu: dict[str, float] = field(default_factory=dict)
    #: Configure answers served from the cache, of those asked (None: not a configure scenario).
    hit_rate: float | None = None

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000

    def cpu_ms(self, group: str) -> float:
        return self.cpu.get(group, 0.0) / len(self.latencies) * 1000


def redis_server(port: int, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def postgres_name(database_url: str) -> str:
    """The database name of a PostgreSQL URL; empty for anything else."""
    if not database_url.startswith("postgres"):
        return ""
    return database_url.rsplit("/", 1)[-1].split("?")[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def send(port: int, request: Request) -> tuple[int, bytes]:
    """One request on a connection of its own, read to the end (gunicorn's sync workers close it)."""
    method, path, body, headers = request
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + payload)
        response = await asyncio.wait_for(reader.read(), timeout=60)
    finally:
        writer.close()
    head, _, content = response.partition(b"\r\n\r\n")
    return int(head[9:12]), content


def send_one(port: int, request: Request) -> tuple[int, bytes]:
    return asyncio.run(send(port, request))


def run_scenario(label: str, port: int, plan: Plan, *, ok: int) -> Result:
    """Each client of ``plan`` sends its requests one after the other, all clients at once."""
    return asyncio.run(_run_scenario(label, port, plan, ok=ok))


async def _run_scenario(label: str, port: int, plan: Plan, *, ok: int) -> Result:
    result = Result(label, 0.0)

    async def client(requests: list[Request]) -> None:
        for request in requests:
            started = time.perf_counter()
            try:
                status, content = await send(port, request)
            except (OSError, TimeoutError, ValueError) as error:
                status, content = 0, str(error).encode()
            result.latencies.append(time.perf_counter() - started)
            if status != ok:
                key = f"{status} {content[:120].decode(errors='replace')}"
                result.errors[key] = result.errors.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client(requests) for requests in plan))
    result.seconds = time.perf_counter() - started
    return result


def spread(count: int, clients: int, make: Callable[[int, int], Request]) -> Plan:
    """``count`` requests over ``clients``; ``make(client, index)`` builds each."""
    return [[make(client, index) for index in range(count // clients + (client < count % clients))]
            for client in range(clients)]  # fmt: skip


def _zipf_choice(rng: random.Random, values: list) -> object:
    """A value by popularity 1/rank: the first is chosen most often."""
    return rng.choices(values, weights=[1 / rank for rank in range(1, len(values) + 1)])[0]


def customer_session(rng: random.Random, document: dict, *, unique: bool = False) -> list[dict]:
    """The selections of each configure request of one simulated customer (see the module's
    docstring); ``unique``: with an engraving never sent before, from the first request on."""
    option_sets = {option_set["code"]: option_set for option_set in document["option_sets"]}
    selections: dict = {}
    if unique:
        selections["engraving"] = "".join(rng.choices(string.ascii_letters, k=12))
    steps = [dict(selections)]
    for code in ("frame", "size", "colour", "brakes", "gears"):
        if rng.random() < 0.8:
            selections[code] = _zipf_choice(rng, [option["code"] for option in option_sets[code]["options"]])
            steps.append(dict(selections))
    if rng.random() < 0.5:
        options = [option["code"] for option in option_sets["accessories"]["options"]]
        selections["accessories"] = sorted({_zipf_choice(rng, options) for _ in range(rng.randint(1, 3))})
        steps.append(dict(selections))
    if rng.random() < 0.25:
        selections["saddle_height"] = 60 + 0.5 * rng.randrange(71)
        steps.append(dict(selections))
    if rng.random() < 0.1 and not unique:
        selections["engraving"] = "".join(rng.choices(string.ascii_letters, k=8))
        steps.append(dict(selections))
    if rng.random() < 0.2:
        selections["gift_wrap"] = True
        steps.append(dict(selections))
    return steps


def storefront_plan(seed: int, count: int, clients: int, *, unique: bool = False) -> Plan:
    """About ``count`` configure requests of whole customer sessions, dealt out to ``clients``."""
    rng = random.Random(seed)
    document = json.loads(CITY_BIKE.read_text())
    plan: Plan = [[] for _ in range(clients)]
    sent = 0
    while sent < count:
        client = min(range(clients), key=lambda number: len(plan[number]))
        for selections in customer_session(rng, document, unique=unique):
            plan[client].append(("POST", "/api/products/city-bike/configure", {"selections": selections}, {}))
            sent += 1
    return plan


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def database_backends(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (none for SQLite)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if command.startswith("postgres: ") and f" {database} " in command:
                found.append(int(entry.name))
    return found


def cache_stats(port: int, workers: int) -> dict[int, dict[str, int]]:
    """Each web worker's configure-cache counters (hits, misses, bytes held), by process id: asked
    until every worker has answered once."""
    seen: dict[int, dict[str, int]] = {}
    for _ in range(50 * workers):
        status, content = send_one(port, ("GET", "/bench/cache", None, {}))
        if status == 200:
            stats = json.loads(content)
            seen[stats.pop("pid")] = stats
        if len(seen) == workers:
            break
    return seen


def cache_counts(port: int, workers: int) -> tuple[int, int]:
    """Configure answers served from the cache and evaluated, summed over every web worker."""
    seen = cache_stats(port, workers).values()
    return sum(stats["hits"] for stats in seen), sum(stats["misses"] for stats in seen)


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

#: Versions whose explanations a worker still precomputes (Renault's take about two minutes).
PRECOMPUTING = """
from products.models import ProductVersion
print(ProductVersion.objects.filter(precompute_state__in=["pending", "running"]).count())
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
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="atelier-load-"))
    broker_port, cache_port = free_port(), free_port()
    redis_servers = [redis_server(redis_port, folder) for redis_port in (broker_port, cache_port)]
    broker = redis_servers[0]
    broker_url = f"redis://127.0.0.1:{broker_port}/0"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")]),
        "DATABASE_URL": options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": f"redis://127.0.0.1:{cache_port}/0",
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
        f"Database {database}, broker {broker_url}, cache {env['CACHE_URL']}, {options.web_workers} gunicorn "
        f"workers, {options.concurrency} clients, {options.requests} requests per scenario; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    if options.database_url.startswith("postgres"):
        postgres_database_recreate(options.database_url)
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
    logs = {name: (folder / f"{name}.log").open("w") for name in ("web", "worker", "beat")}
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
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "configurator", "beat", "--loglevel", "WARNING",
         "--schedule", str(folder / "beat-schedule")],
        cwd=ROOT, env={**env, "ATELIER_OUTBOX_SWEEP_SECONDS": "2"},
        stdout=logs["beat"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if send_one(port, ("GET", "/bench/bare", None, {}))[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{(folder / 'web.log').read_text()}")
            time.sleep(0.2)
        # A shop is measured as it runs once published: the worker's precomputation (Renault's
        # takes a core for about two minutes) would otherwise run beside the first scenarios.
        started = time.monotonic()
        while int(manage(env, "shell", "--no-imports", "-c", PRECOMPUTING).strip()):
            if time.monotonic() - started > 900:
                raise SystemExit("the precomputation did not finish within 15 minutes")
            time.sleep(5)
        print(f"Precomputation finished {time.monotonic() - started:.0f} s after the worker started")
        run = Run(
            options=options,
            port=port,
            tokens=tokens,
            renault=renault,
            env=env,
            web=web,
            worker=worker,
            background=[worker, beat, *redis_servers],
            broker=broker,
            database=postgres_name(options.database_url),
        )
        measure(run)
    finally:
        os.kill(broker.pid, signal.SIGCONT)
        for process in (web, worker, beat):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker, beat, *redis_servers):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Run:
    options: argparse.Namespace
    port: int
    tokens: list[str]
    renault: bool
    env: dict[str, str]
    web: subprocess.Popen
    worker: subprocess.Popen
    background: list[subprocess.Popen]
    broker: subprocess.Popen
    #: The PostgreSQL database's name (empty for SQLite).
    database: str

    def web_pids(self) -> list[int]:
        return [self.web.pid, *children(self.web.pid)]

    def cpu(self) -> dict[str, float]:
        background = [pid for process in self.background for pid in (process.pid, *children(process.pid))]
        return {
            "web": cpu_seconds(self.web_pids()),
            "client": time.process_time(),
            "bg": cpu_seconds(background),
        }


def measured(run: Run, label: str, plan: Plan, ok: int) -> Result:
    """Run a scenario and charge it the CPU each group of processes spent meanwhile."""
    backends = {pid: cpu_seconds([pid]) for pid in database_backends(run.database)} if run.database else {}
    before = run.cpu()
    result = run_scenario(label, run.port, plan, ok=ok)
    after = run.cpu()
    result.cpu = {group: after[group] - before[group] for group in before}
    # Backends come and go (the outbox relay gives its connection back when idle): each counts
    # from its start or the scenario's, and one that closed meanwhile is lost.
    if run.database:
        current = database_backends(run.database)
        result.cpu["db"] = sum(cpu_seconds([pid]) - backends.get(pid, 0.0) for pid in current)
    return result


def measure(run: Run) -> None:
    options = run.options
    clients = options.concurrency
    rng = random.Random(7)

    def auth(client: int) -> dict[str, str]:
        return {"Authorization": f"Token {run.tokens[client]}"}

    def place_order(client: int, index: int) -> Request:
        body = {"product": "city-bike", "selections": rng.choice(BIKE_SELECTIONS), "shipping": SHIPPING}
        return ("POST", "/api/orders/", body, {**auth(client), "Idempotency-Key": str(uuid.uuid4())})

    def floor_write(client: int, index: int) -> Request:
        return ("POST", "/bench/floor-write", {}, auth(client))

    def quote(client: int, index: int) -> Request:
        body = {"product": "city-bike", "selections": rng.choice(BIKE_SELECTIONS)}
        return ("POST", "/api/quotes/", body, auth(client))

    def renault_configure(client: int, index: int) -> Request:
        # Half open the page; half make a first choice, the first value of a random option set.
        selections = {}
        if index % 2 and renault_choices:
            selections = dict([rng.choice(renault_choices)])
        return ("POST", "/api/products/megane/configure", {"selections": selections}, {})

    renault_choices: list[tuple[str, object]] = []
    if run.renault:
        detail = json.loads(send_one(run.port, ("GET", "/api/products/megane/", None, {}))[1])
        renault_choices = [
            (option_set["code"], option_set["options"][0]["code"])
            for option_set in detail["option_sets"]
            if option_set["kind"] == "single" and option_set["options"]
        ]

    def get(path: str, *, authenticated: bool = False) -> Callable[[], Plan]:
        return lambda: spread(
            requests, clients, lambda c, i: ("GET", path, None, auth(c) if authenticated else {})
        )

    requests = options.requests
    single = min(requests, 100)
    scenarios: list[tuple[str, Callable[[], Plan], int]] = [
        ("bare Django view (ceiling)", get("/bench/bare"), 200),
        ("product list", get("/api/products/"), 200),
        ("product detail", get("/api/products/city-bike/"), 200),
        (CONFIGURE, lambda: storefront_plan(1, requests, clients), 200),
        (CONFIGURE_NEW, lambda: storefront_plan(2, requests, clients, unique=True), 200),
        *([(RENAULT_CONFIGURE, lambda: spread(requests, clients, renault_configure), 200)]
          if run.renault else []),
        ("quote", lambda: spread(requests, clients, quote), 201),
        ("order placement", lambda: spread(requests, clients, place_order), 201),
        (FLOOR_WRITE, lambda: spread(requests, clients, floor_write), 201),
        (ONE, lambda: spread(single, 1, place_order), 201),
        (HUNG, lambda: spread(single, 1, place_order), 201),
        (HUNG_LOADED, lambda: spread(requests, clients, place_order), 201),
        ("order list", get("/api/orders/", authenticated=True), 200),
        ("OpenAPI schema", get("/api/schema/"), 200),
        ("bare Django view (again)", get("/bench/bare"), 200),
    ]  # fmt: skip

    # Warm-up: every process loads its models and connections before anything is timed; the
    # storefront has served twice as many other customers as the timed run will.
    workers = options.web_workers
    for label, plan, ok in scenarios:
        if label in BROKER_HUNG:
            continue
        first = [request for requests in plan() for request in requests][: 4 * workers]
        warm = run_scenario(label, run.port, [first[number::workers] for number in range(workers)], ok=ok)
        if warm.errors:
            raise SystemExit(f"{label} fails before the run: {warm.errors}")
    warm = run_scenario(CONFIGURE, run.port, storefront_plan(100, 2 * requests, clients), ok=200)
    if warm.errors:
        raise SystemExit(f"configure fails before the run: {warm.errors}")
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    web_pids, worker_pids = children(run.web.pid), [run.worker.pid, *children(run.worker.pid)]
    memory_start = {pid: rss_mb([pid]) for pid in web_pids + worker_pids}

    results = []
    for label, plan, ok in scenarios:
        counted = label in (CONFIGURE, CONFIGURE_NEW, RENAULT_CONFIGURE)
        counts_before = cache_counts(run.port, workers) if counted else (0, 0)
        if label in BROKER_HUNG:
            os.kill(run.broker.pid, signal.SIGSTOP)
        try:
            result = measured(run, label, plan(), ok)
        finally:
            if label in BROKER_HUNG:
                os.kill(run.broker.pid, signal.SIGCONT)
        if counted:
            hits_after, misses_after = cache_counts(run.port, workers)
            hits, misses = hits_after - counts_before[0], misses_after - counts_before[1]
            result.hit_rate = hits / (hits + misses) if hits + misses else None
        results.append(result)
    memory_end = {pid: rss_mb([pid]) for pid in web_pids + worker_pids}
    ceiling = statistics.mean([results[0].throughput, results[-1].throughput])

    print(
        f"\n{'scenario':48} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'vs bare':>7}"
        f"  {'CPU ms/request: web':>19} {'db':>5} {'client':>6} {'bg':>5}  errors"
    )
    for result in results:
        errors = sum(result.errors.values())
        hit = "" if result.hit_rate is None else f"  (cache hits {result.hit_rate:.0%})"
        print(
            f"{result.label:48} {result.throughput:7.1f} {result.percentile(0.5):7.1f} "
            f"{result.percentile(0.95):7.1f} {result.percentile(0.99):7.1f} "
            f"{result.throughput / ceiling:7.0%}  "
            f"{result.cpu_ms('web'):19.2f} {result.cpu_ms('db'):5.2f} {result.cpu_ms('client'):6.2f} "
            f"{result.cpu_ms('bg'):5.2f}  {errors}{hit}"
        )
        for message, count in sorted(result.errors.items(), key=lambda item: -item[1])[:3]:
            print(f"{'':50}{count} x {message}")

    by_label = {result.label: result for result in results}
    placed_total = sum(len(by_label[label].latencies) for label in ("order placement", ONE, *BROKER_HUNG))
    deadline = time.monotonic() + 300
    while True:
        routed, placed = map(
            int, manage(run.env, "shell", "--no-imports", "-c", ROUTED.format(since=since)).split()
        )
        if routed >= placed or time.monotonic() > deadline:
            break
        time.sleep(2)

    def target(label: str, met: bool, detail: str) -> None:
        print(f"  {label:58} {detail:34} [{'met' if met else 'MISSED'}]")

    configure = by_label[CONFIGURE].throughput
    placement = by_label["order placement"].throughput
    bare_cpu = statistics.mean([results[0].cpu_ms("web"), results[-1].cpu_ms("web")])
    print(
        f"\nCeiling (bare view, mean of first and last): {ceiling:.1f} req/s, {bare_cpu:.2f} ms web CPU each"
    )
    for label in (CONFIGURE, CONFIGURE_NEW, "order placement", FLOOR_WRITE):
        print(f"  {label}: {by_label[label].cpu_ms('web') / bare_cpu:.1f}x the bare view's web CPU")
    floor = by_label[FLOOR_WRITE].throughput
    print(f"The floor of a write: {floor / ceiling:.0%} of the bare view, the most a placement can reach")
    print("Targets:")
    target(
        "configure (demo) >= 50 % of the bare view", configure >= 0.5 * ceiling, f"{configure / ceiling:.0%}"
    )
    target(
        "order placement >= 25 % of the bare view", placement >= 0.25 * ceiling, f"{placement / ceiling:.0%}"
    )
    target("order placement >= 50 % of configure (issue 14, item 5)", placement >= 0.5 * configure,
           f"{placement / configure:.0%}")  # fmt: skip
    hung = by_label[HUNG]
    target(
        "placement with the broker hung: p99 < 200 ms",
        hung.percentile(0.99) < 200,
        f"{hung.percentile(0.99):.0f} ms",
    )
    total_errors = sum(sum(result.errors.values()) for result in results)
    target("zero errors", total_errors == 0, f"{total_errors}")
    target("every placed order routed", routed == placed, f"{routed} of {placed} (expected {placed_total})")
    held = {pid: stats["bytes"] / 2**20 for pid, stats in cache_stats(run.port, workers).items()}
    print("Memory (RSS after the warm-up -> at the end; web workers: configure answers held at the end):")
    for pid in web_pids:
        print(
            f"  web worker {pid}: {memory_start[pid]:.0f} -> {memory_end[pid]:.0f} MB, "
            f"{held.get(pid, 0):.1f} MB"
        )
    for pid in worker_pids:
        print(f"  celery {pid}: {memory_start[pid]:.0f} -> {memory_end[pid]:.0f} MB")
    for group, pids in (("web", web_pids), ("worker", worker_pids)):
        start, end = sum(memory_start[pid] for pid in pids), sum(memory_end[pid] for pid in pids)
        # The answer cache fills up to its bound (ATELIER_CONFIGURE_CACHE_MB): growth, not a leak.
        bounded = sum(held.get(pid, 0) for pid in pids)
        flat = end - start - bounded < 0.1 * start
        detail = f"{start:.0f} -> {end:.0f} MB" + (f" ({bounded:.0f} MB answers)" if bounded else "")
        target(f"{group} memory flat (< 10 % growth beyond the answer cache)", flat, detail)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
