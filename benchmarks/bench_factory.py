"""Benchmark the Celery factory: real workers on Redis and PostgreSQL, at ATELIER_SIM_TIME_SCALE=0.

    .venv/bin/python benchmarks/bench_factory.py [--orders 1000] [--round 1000] [--noop 2000]
        [--soak-minutes M] [--clients 6] [--web-workers 3]
        [--database postgres://postgres@127.0.0.1:5432/atelier_bench_factory]
        [--broker redis://127.0.0.1:6379/3]

In a fresh database with the demo catalogue and the demo factory (defect probabilities as in the
demo file, so some orders are reworked or remade), the web app under gunicorn:

1. the raw rate: ``--noop`` no-op tasks (Celery's built-in ``celery.accumulate``) through the same
   Redis with the same Celery settings (late acks, prefetch 1), drained by one worker; the floor of
   a stage task, as many tasks that lock a row, change it and insert one in a transaction through
   the ORM (``bench_floor_task.py``), drained the same way; and what a stage task pays PostgreSQL:
   a round trip, and a committed one-row update (waiting for the disk, as every commit does, and
   not);
2. the first ``--round`` mixed orders (standard, batch on three setup keys, custom) placed over HTTP
   (``POST /api/orders/`` by ``--clients`` threads) with the ``default`` worker stopped, then it and
   beat started beside one worker per factory queue (standard, batch, custom): orders per second
   and stage tasks per second from the moment the ``default`` worker answers until every order is
   completed, and the stage-task rate as a share of the raw rate (target: 25 % or more);
3. the soak: rounds of ``--round`` orders placed over HTTP while the factory runs, until
   ``--orders`` in all (``--orders 10000`` for issue 14's soak), one line per round; no round is
   started after ``--soak-minutes``;
4. after every round, a check that nothing was lost or done twice, which stops the run when it
   fails: every order completed (or scrapped and flagged for staff), one completed event per
   completed order, one started and one completed event per work item, one inspected event per
   inspection, no work left behind; and at the end every order's timeline in the order of the state
   machine;
5. memory: RSS of each worker (with its pool child) and of the web server (gunicorn's master and
   workers) once started, after the first round and at the end.

The broker's database is emptied first: give it one of its own.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_databases import postgres_database_recreate  # noqa: E402

QUEUES = ["default", "standard", "batch", "custom"]
#: (share, selections) of city-bike orders: half standard, batches on three setup keys, custom.
MIX = [
    (50, {}),
    (15, {"frame": "steel"}),
    (10, {"frame": "steel", "colour": "racing_green"}),
    (10, {"frame": "steel", "brakes": "disc"}),
    (10, {"colour": "custom_paint"}),
    (5, {"engraving": "Ada"}),
]
SHIPPING = {
    "name": "Bench",
    "line1": "1 Main Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


class BenchmarkFailed(SystemExit):
    """A check failed: the run stops with the reason (never ``assert``, which ``-O`` removes)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(queue: str, env: dict[str, str], folder: str, include: str = "") -> subprocess.Popen:
    log = open(Path(folder) / f"worker-{queue}.log", "w")  # noqa: SIM115 (the worker writes it)
    command = [sys.executable, "-m", "celery", "-A", "configurator", "worker", "--queues", queue]
    if include:
        command += ["--include", include]
        env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))}
    command += ["--concurrency", "1", "--hostname", f"bench-{queue}@%h", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_beat(env: dict[str, str], folder: str) -> subprocess.Popen:
    log = open(Path(folder) / "beat.log", "w")  # noqa: SIM115 (beat writes it)
    command = [sys.executable, "-m", "celery", "-A", "configurator", "beat", "--schedule"]
    command += [str(Path(folder) / "beat-schedule"), "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_web(env: dict[str, str], folder: str, port: int, workers: int) -> subprocess.Popen:
    log = open(Path(folder) / "web.log", "w")  # noqa: SIM115 (gunicorn writes it)
    command = [sys.executable, "-m", "gunicorn", "configurator.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--log-level", "warning"]
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/api/products/")[0] == 200:
                return web
        except OSError:
            time.sleep(0.2)
    raise BenchmarkFailed(f"gunicorn did not start: {Path(folder) / 'web.log'}")


def wait_ready(app, hostname: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(hostname in reply for reply in app.control.ping(destination=[hostname], timeout=0.5) or []):
            return
    raise BenchmarkFailed(f"worker {hostname} did not answer")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def rss_mb(process: subprocess.Popen) -> float:
    import psutil

    parent = psutil.Process(process.pid)
    return sum(each.memory_info().rss for each in [parent, *parent.children(recursive=True)]) / 2**20


def broker_idle(client) -> bool:
    """Nothing waits in a queue and nothing is taken but unacknowledged (kombu's Redis keys)."""
    return not any(client.llen(queue) for queue in [*QUEUES, "noop", "floor"]) and not client.hlen("unacked")


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def place(port: int, token: str, count: int, seed: int, clients: int) -> list[str]:
    """Place ``count`` mixed orders over HTTP, ``clients`` at a time; answers their ids."""
    generator = random.Random(seed)
    weights, choices = zip(*MIX, strict=True)
    chosen = generator.choices(choices, weights=weights, k=count)

    def one(selections: dict) -> str:
        body = {"product": "city-bike", "selections": selections, "shipping": SHIPPING}
        headers = {"Authorization": f"Token {token}", "Idempotency-Key": str(uuid.uuid4())}
        status, answer = request(port, "POST", "/api/orders/", body, headers)
        if status != 201:
            raise BenchmarkFailed(f"placing an order answered {status}: {answer[:500]!r}")
        return json.loads(answer)["id"]

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, chosen))


def wait_done(order_ids: list[str]) -> float:
    """Seconds until every order is completed or scrapped."""
    from orders.models import Order

    start = time.perf_counter()
    while Order.objects.filter(pk__in=order_ids).exclude(status__in=["completed", "scrapped"]).exists():
        time.sleep(0.1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1000, help="orders in all")
    parser.add_argument("--round", type=int, default=1000, help="orders per round (the first is timed)")
    parser.add_argument("--noop", type=int, default=2000)
    parser.add_argument(
        "--soak-minutes", type=float, default=None, help="start no round after this (the checks still run)"
    )
    parser.add_argument("--clients", type=int, default=6, help="threads placing orders over HTTP")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/atelier_bench_factory")
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3"))
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="atelier-factory-bench-")
    postgres_database_recreate(args.database)
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "CELERY_BROKER_URL": args.broker,
        "DJANGO_SETTINGS_MODULE": "configurator.settings",
        "ATELIER_MODEL_CACHE_DIR": f"{folder}/models",
        "ATELIER_SIM_TIME_SCALE": "0",
        "ATELIER_OUTBOX_RELAY": "inline",
        "ATELIER_FACTORY_WAKE_SECONDS": "0.5",
        "ATELIER_ORDER_RATE": "1000000/min",
        "DEBUG": "false",
        "SECRET_KEY": "factory-benchmark-only",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # Connections kept for the whole run, so that the CPU of PostgreSQL's backends is counted.
        "DATABASE_CONN_MAX_AGE": "3600",
    }
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from configurator.celery import app
    from manufacturing.documents import DEMO_FACTORY
    from manufacturing.loading import factory_import
    from manufacturing.models import WorkItem
    from products.demo import demo_documents
    from products.services import product_import
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    for document in demo_documents():
        product_import(document=document, publish=True)
    factory_import(document=json.loads(DEMO_FACTORY.read_text()))
    token = Token.objects.create(user=UserFactory()).key
    client = redis.Redis.from_url(args.broker)
    client.flushdb()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")

    # 1. The raw rate of a no-op task, one worker, the same broker and settings; then the floor.
    noop_rate = drained_rate(
        "noop", [("celery.accumulate", [1])] * args.noop, env=env, folder=folder, client=client
    )
    print(f"raw no-op tasks/s (one worker):       {noop_rate:9.1f}")
    floor_rate = floor_task_rate(args.noop, env, folder, client)
    share = 100 * floor_rate / noop_rate
    print(f"floor task/s (lock, update, insert):  {floor_rate:9.1f} ({share:.1f} % of the raw rate)")
    round_trip, commit, commit_unflushed = database_floor()
    print(f"PostgreSQL round trip (SELECT 1):     {round_trip:9.2f} ms")
    print(f"PostgreSQL one-row update, committed: {commit:9.2f} ms")
    print(f"  the same, not waiting for the disk: {commit_unflushed:9.2f} ms (synchronous_commit off)")

    port = free_port()
    web = start_web(env, folder, port, args.web_workers)
    processes = {name: start_worker(name, env, folder) for name in QUEUES[1:]}
    processes["web"] = web
    try:
        for name in QUEUES[1:]:
            wait_ready(app, f"bench-{name}@{os.uname().nodename}")
        rss = {"once started": rss_all(processes)}
        # 2. The first round, placed with the default worker stopped, then timed to the last order.
        count = min(args.round, args.orders)
        placing = time.perf_counter()
        all_ids = place(port, token, count, seed=1, clients=args.clients)
        placed_in = time.perf_counter() - placing
        processes["default"] = start_worker("default", env, folder)
        processes["beat"] = start_beat(env, folder)
        wait_ready(app, f"bench-default@{os.uname().nodename}")
        finishes_before = finish_tasks(folder)
        cpu_before, tasks_before = cpu_seconds(processes), tasks_succeeded(folder)
        elapsed = wait_done(all_ids)
        cpu_used = cpu_seconds(processes) - cpu_before
        stage_rate = (finish_tasks(folder) - finishes_before) / elapsed
        items = WorkItem.objects.filter(job__order__in=all_ids).count()
        print(f"orders placed over HTTP:              {count:9d} in {placed_in:.1f} s")
        print(f"orders placed -> completed:           {count:9d} in {elapsed:.1f} s")
        print(f"orders/s:                             {count / elapsed:9.1f}")
        print(f"stage tasks/s (finish_stage):         {stage_rate:9.1f}")
        print(f"stage passages/s (work items):        {items / elapsed:9.1f}")
        print(f"stage tasks/s as a share of raw rate: {100 * stage_rate / noop_rate:8.1f} %")
        tasks = {name: count - tasks_before.get(name, 0) for name, count in tasks_succeeded(folder).items()}
        print(cpu_used.report(elapsed=elapsed, finishes=round(stage_rate * elapsed), tasks=tasks))
        check(all_ids)
        rss["after the first round"] = rss_all(processes)
        # 3. The soak: the other rounds placed one after the other by a thread while the factory
        # makes them; each round checked once made.
        rounds: queue.Queue = queue.Queue()

        def placer() -> None:
            try:
                placed = len(all_ids)
                for number in itertools.count(2):
                    if placed >= args.orders or time.perf_counter() > soak_deadline:
                        break
                    size = min(args.round, args.orders - placed)
                    began = time.perf_counter()
                    ids = place(port, token, size, seed=number, clients=args.clients)
                    rounds.put((number, ids, size / (time.perf_counter() - began)))
                    placed += size
            except BaseException as error:  # handed to the main thread, which stops
                rounds.put(error)
            rounds.put(None)

        soak_start = time.perf_counter()
        soak_deadline = soak_start + 60 * (args.soak_minutes or float("inf"))
        threading.Thread(target=placer, daemon=True).start()
        while (placed_round := rounds.get()) is not None:
            if isinstance(placed_round, BaseException):
                raise placed_round
            number, ids, placing_rate = placed_round
            wait_done(ids)
            check(ids, quiet=True)
            all_ids += ids
            soak_rate = (len(all_ids) - count) / (time.perf_counter() - soak_start)
            print(
                f"round {number}: {len(all_ids)} orders made; soak {soak_rate:.1f} orders/s "
                f"(placed at {placing_rate:.1f}/s over HTTP); RSS MB " + _rss(rss_all(processes)),
                flush=True,
            )
        if len(all_ids) < args.orders:
            print(f"the soak stopped placing after {args.soak_minutes} minutes: {len(all_ids)} orders in all")
        rss["at the end"] = rss_all(processes)
        check_timelines(all_ids)
        if len(all_ids) > args.round:
            check(all_ids)
    finally:
        stop(list(processes.values()))
    for when, values in rss.items():
        print(f"RSS MB {when + ':':24s}" + _rss(values))
    print(f"logs: {folder}")


def drained_rate(
    queue: str, tasks: list[tuple[str, list]], *, env: dict[str, str], folder: str, client, include: str = ""
) -> float:
    """Tasks per second of one worker on ``queue`` draining ``tasks`` (name, arguments), all sent
    before it starts, through the run's broker and Celery settings."""
    from configurator.celery import app

    for name, arguments in tasks:
        app.send_task(name, args=arguments, queue=queue)
    worker = start_worker(queue, env, folder, include=include)
    wait_ready(app, f"bench-{queue}@{os.uname().nodename}")
    start = time.perf_counter()
    while not broker_idle(client):
        time.sleep(0.05)
    rate = len(tasks) / (time.perf_counter() - start)
    stop([worker])
    return rate


def floor_task_rate(count: int, env: dict[str, str], folder: str, client) -> float:
    """The :func:`drained_rate` of ``count`` floor tasks (``bench_floor_task.py``: lock a row,
    change it, insert a row, commit); the rows they inserted are deleted after."""
    from bench_floor_task import FLOOR_TASK
    from django.contrib.auth.models import Group

    from manufacturing.models import SimulationClock

    SimulationClock.objects.get_or_create(pk=1)
    tasks = [(FLOOR_TASK, [f"bench-floor-{number}"]) for number in range(count)]
    rate = drained_rate("floor", tasks, env=env, folder=folder, client=client, include="bench_floor_task")
    done = Group.objects.filter(name__startswith="bench-floor-").delete()[0]
    if done != count:
        raise BenchmarkFailed(f"{done} of {count} floor tasks ran")
    return rate


def database_floor(times: int = 300) -> tuple[float, float, float]:
    """Milliseconds of a query's round trip and of a one-row update's transaction through Django,
    as a stage task pays them (what bounds it: a task's queries and its commit), and of the same
    transaction when the commit does not wait for the write-ahead log to reach the disk."""
    from django.db import connection, transaction

    from manufacturing.models import SimulationClock

    SimulationClock.objects.get_or_create(pk=1)
    with connection.cursor() as cursor:
        start = time.perf_counter()
        for _ in range(times):
            cursor.execute("SELECT 1")
        round_trip = (time.perf_counter() - start) / times
    commits = []
    for wait_for_disk in ("on", "off"):
        start = time.perf_counter()
        for _ in range(times):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL synchronous_commit TO {wait_for_disk}")
                SimulationClock.objects.filter(pk=1).update(scale=0)
        commits.append(1000 * (time.perf_counter() - start) / times)
    return 1000 * round_trip, commits[0], commits[1]


@dataclass
class CpuSeconds:
    """CPU seconds (user + system) used so far: by each of the run's processes (with their
    children), by PostgreSQL's backends serving the benchmark's database, and by the whole machine
    (busy, of ``cores`` x the wall time)."""

    processes: dict[str, float]
    postgres: dict[int, float]
    machine_busy: float
    machine_all: float

    def __sub__(self, before: CpuSeconds) -> CpuSeconds:
        return CpuSeconds(
            processes={
                name: seconds - before.processes.get(name, 0.0) for name, seconds in self.processes.items()
            },
            # A backend that started during the round used all its CPU in it.
            postgres={pid: seconds - before.postgres.get(pid, 0.0) for pid, seconds in self.postgres.items()},
            machine_busy=self.machine_busy - before.machine_busy,
            machine_all=self.machine_all - before.machine_all,
        )

    def report(self, *, elapsed: float, finishes: int, tasks: dict[str, int]) -> str:
        ours = sum(self.processes.values())
        postgres = sum(self.postgres.values())
        cores = os.cpu_count() or 1
        lines = [
            f"CPU s in the round ({cores} cores x {elapsed:.1f} s = {cores * elapsed:.0f} s): "
            + ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.processes.items())
            + f", PostgreSQL {postgres:.1f}",
            f"  machine busy {100 * self.machine_busy / self.machine_all:.0f} %; "
            f"processes outside this run {max(self.machine_busy - ours - postgres, 0):.1f} s",
        ]
        per_task = [
            f"{name} {1000 * self.processes[name] / count:.1f} ms x {count}"
            for name, count in tasks.items()
            if count and name in self.processes
        ]
        lines.append("  worker CPU per task (tasks run in the round): " + ", ".join(per_task))
        if finishes:
            lines.append(f"  PostgreSQL CPU per finish task: {1000 * postgres / finishes:.1f} ms")
        return "\n".join(lines)


def cpu_seconds(processes: dict[str, subprocess.Popen]) -> CpuSeconds:
    import psutil
    from django.db import connection

    def used(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system + times.children_user + times.children_system

    mine = {}
    for name, process in processes.items():
        parent = psutil.Process(process.pid)
        mine[name] = used(parent) + sum(used(child) for child in parent.children(recursive=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    postgres = {}
    for pid in pids:
        try:
            postgres[pid] = used(psutil.Process(pid))
        except psutil.Error:  # a backend that ended meanwhile, or on another host
            continue
    machine = psutil.cpu_times()
    return CpuSeconds(
        processes=mine,
        postgres=postgres,
        machine_busy=sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
        machine_all=sum(machine),
    )


def rss_all(processes: dict[str, subprocess.Popen]) -> dict[str, float]:
    return {name: rss_mb(process) for name, process in processes.items() if name != "beat"}


def _rss(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.0f}" for name, value in values.items())


def finish_tasks(folder: str) -> int:
    """Finish tasks that succeeded so far, from the workers' logs."""
    return sum(
        1
        for path in Path(folder).glob("worker-*.log")
        for line in path.read_text(errors="replace").splitlines()
        if "manufacturing.finish_stage[" in line and "succeeded" in line
    )


def tasks_succeeded(folder: str) -> dict[str, int]:
    """Tasks that succeeded so far, by worker (its queue), from the workers' logs."""
    return {
        path.stem.removeprefix("worker-"): sum(
            "succeeded" in line for line in path.read_text(errors="replace").splitlines()
        )
        for path in Path(folder).glob("worker-*.log")
    }


def check(order_ids: list[str], *, quiet: bool = False) -> None:
    """Nothing lost, nothing done twice; stops the run when either happened."""
    from django.db.models import Count

    from manufacturing.models import Inspection, WorkItem
    from orders.models import Order, OrderEvent

    orders = Order.objects.filter(pk__in=order_ids)
    statuses = dict(orders.values_list("status").annotate(n=Count("id")))
    events = OrderEvent.objects.filter(order__in=order_ids)
    items = WorkItem.objects.filter(job__order__in=order_ids)
    inspections = Inspection.objects.filter(work_item__job__order__in=order_ids).count()
    problems = {
        "an order was lost": sum(statuses.values()) != len(order_ids),
        "an order was left unfinished": set(statuses) - {"completed", "scrapped"},
        "a scrapped order is not flagged for staff": orders.filter(status="scrapped")
        .exclude(job__needs_attention=True)
        .exists(),
        "an order was completed twice": events.filter(type="completed").count()
        != statuses.get("completed", 0),
        "a stage started twice": events.filter(type="stage_started").count() != items.count(),
        "a stage finished twice": events.filter(type="stage_completed").count() != items.count(),
        "an inspection ran twice": events.filter(type="inspected").count() != inspections,
        "work was left behind": items.exclude(state="done").exclude(job__needs_attention=True).exists(),
    }
    failed = [problem for problem, happened in problems.items() if happened]
    if failed:
        raise BenchmarkFailed(f"check failed: {', '.join(failed)} ({statuses})")
    if not quiet:
        print(
            f"check: {len(order_ids)} orders {statuses}; "
            f"{items.count()} work items, {inspections} inspections, each once"
        )


def check_timelines(order_ids: list[str]) -> None:
    """Every order's events, in the order they were written, follow the state machine."""
    from orders.models import OrderEvent
    from orders.states import can_transition

    timelines: dict[str, list[str]] = {}
    rows = OrderEvent.objects.filter(order__in=order_ids).order_by("order", "created_at", "id")
    for order_id, status in rows.values_list("order", "status").iterator(chunk_size=5000):
        timelines.setdefault(str(order_id), []).append(status)
    for order_id, statuses in timelines.items():
        for before, after in pairwise(statuses):
            if before != after and not can_transition(before, after):
                raise BenchmarkFailed(f"order {order_id}: {before} -> {after} in its timeline {statuses}")
        if statuses[:3] != ["placed", "routed", "queued"]:
            raise BenchmarkFailed(f"order {order_id} does not start placed, routed, queued: {statuses}")
    print(f"check: {len(timelines)} timelines in the order of the state machine")


if __name__ == "__main__":
    main()
