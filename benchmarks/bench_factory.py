"""Benchmark the Celery factory: real workers on Redis and PostgreSQL, at ATELIER_SIM_TIME_SCALE=0.

    .venv/bin/python benchmarks/bench_factory.py [--orders 1000] [--rss-orders 3000] [--noop 2000]
        [--database postgres://postgres@127.0.0.1:5432/atelier_bench_factory]
        [--broker redis://127.0.0.1:6379/3]

In a fresh database with the demo catalogue and the demo factory (defect probabilities as in the
demo file, so some orders are reworked or remade):

1. the raw rate: ``--noop`` no-op tasks (Celery's built-in ``celery.accumulate``) through the same
   Redis with the same Celery settings (late acks, prefetch 1), drained by one worker;
2. ``--orders`` mixed orders (standard, batch on three setup keys, custom) placed with the workers
   stopped, then one worker per queue (default, standard, batch, custom) and beat started: orders
   per second and stage tasks per second from the moment the ``default`` worker answers until every
   order is completed, and the stage-task rate as a share of the raw rate (target: 25 % or more);
3. a check that nothing was lost or done twice: every order completed, one started and one completed
   event per work item, one inspected event per inspection;
4. worker memory (RSS of each worker with its pool child) after the first round and after more
   rounds up to ``--rss-orders`` orders in all (10,000 for the issue's figure).

The broker's database is emptied first: give it one of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def start_worker(queue: str, env: dict[str, str], folder: str) -> subprocess.Popen:
    log = open(Path(folder) / f"worker-{queue}.log", "w")  # noqa: SIM115 (the worker writes it)
    command = [sys.executable, "-m", "celery", "-A", "configurator", "worker", "--queues", queue]
    command += ["--concurrency", "1", "--hostname", f"bench-{queue}@%h", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_beat(env: dict[str, str], folder: str) -> subprocess.Popen:
    log = open(Path(folder) / "beat.log", "w")  # noqa: SIM115 (beat writes it)
    command = [sys.executable, "-m", "celery", "-A", "configurator", "beat", "--schedule"]
    command += [str(Path(folder) / "beat-schedule"), "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(app, hostname: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(hostname in reply for reply in app.control.ping(destination=[hostname], timeout=0.5) or []):
            return
    raise SystemExit(f"worker {hostname} did not answer")


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
    return not any(client.llen(queue) for queue in [*QUEUES, "noop"]) and not client.hlen("unacked")


def place(customer, count: int, seed: int) -> list:
    from orders.services import OrderRequest, order_place

    generator = random.Random(seed)
    weights, choices = zip(*MIX, strict=True)
    return [
        order_place(
            actor=customer,
            request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections=chosen),
        ).pk
        for chosen in generator.choices(choices, weights=weights, k=count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rss-orders", type=int, default=3000)
    parser.add_argument("--noop", type=int, default=2000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/atelier_bench_factory")
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3"))
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="atelier-factory-bench-")
    ensure_database(args.database)
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "CELERY_BROKER_URL": args.broker,
        "DJANGO_SETTINGS_MODULE": "configurator.settings",
        "ATELIER_MODEL_CACHE_DIR": f"{folder}/models",
        "ATELIER_SIM_TIME_SCALE": "0",
        "ATELIER_OUTBOX_RELAY": "inline",
        "ATELIER_FACTORY_WAKE_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from configurator.celery import app
    from manufacturing.documents import DEMO_FACTORY
    from manufacturing.loading import factory_import
    from manufacturing.models import WorkItem
    from orders.models import Order
    from products.demo import demo_documents
    from products.services import product_import
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    for document in demo_documents():
        product_import(document=document, publish=True)
    factory_import(document=json.loads(DEMO_FACTORY.read_text()))
    customer = UserFactory()
    client = redis.Redis.from_url(args.broker)
    client.flushdb()

    # 1. The raw rate of a no-op task, one worker, the same broker and settings.
    for _ in range(args.noop):
        app.send_task("celery.accumulate", args=[1], queue="noop")
    worker = start_worker("noop", env, folder)
    wait_ready(app, f"bench-noop@{os.uname().nodename}")
    start = time.perf_counter()
    while not broker_idle(client):
        time.sleep(0.05)
    noop_rate = args.noop / (time.perf_counter() - start)
    stop([worker])
    print(f"raw no-op tasks/s (one worker):       {noop_rate:9.1f}")

    # 2. Rounds of mixed orders through the factory, the workers kept running between rounds.
    started = [start_worker(queue, env, folder) for queue in QUEUES if queue != "default"]
    started.append(start_beat(env, folder))
    for queue in QUEUES[1:]:
        wait_ready(app, f"bench-{queue}@{os.uname().nodename}")
    default: subprocess.Popen | None = None
    total, round_number, rss_start = 0, 0, None
    try:
        while total < max(args.orders, args.rss_orders):
            round_number += 1
            count = min(args.orders, max(args.orders, args.rss_orders) - total)
            order_ids = place(customer, count, seed=round_number)
            if default is None:
                default = start_worker("default", env, folder)
                wait_ready(app, f"bench-default@{os.uname().nodename}")
            finishes_before = finish_tasks(folder)
            start = time.perf_counter()
            while (
                Order.objects.filter(pk__in=order_ids).exclude(status__in=["completed", "scrapped"]).exists()
            ):
                time.sleep(0.1)
            elapsed = time.perf_counter() - start
            total += count
            workers = [*started[:-1], default]
            if rss_start is None:
                rss_start = [rss_mb(process) for process in workers]
                stage_rate = (finish_tasks(folder) - finishes_before) / elapsed
                items = WorkItem.objects.filter(job__order__in=order_ids).count()
                print(f"orders placed -> completed:           {count:9d} in {elapsed:.1f} s")
                print(f"orders/s:                             {count / elapsed:9.1f}")
                print(f"stage tasks/s (finish_stage):         {stage_rate:9.1f}")
                print(f"stage passages/s (work items):        {items / elapsed:9.1f}")
                print(f"stage tasks/s as a share of raw rate: {100 * stage_rate / noop_rate:8.1f} %")
            check(order_ids)
        rss_end = [rss_mb(process) for process in workers]
    finally:
        stop([*started, *([default] if default else [])])
    names = [*QUEUES[1:], "default"]
    print(f"worker RSS after the first {args.orders} orders (MB): " + _rss(names, rss_start))
    print(f"worker RSS after {total} orders (MB):           " + _rss(names, rss_end))
    print(f"logs: {folder}")


def _rss(names: list[str], values: list[float] | None) -> str:
    return ", ".join(f"{name} {value:.0f}" for name, value in zip(names, values or [], strict=False))


def finish_tasks(folder: str) -> int:
    """Finish tasks that succeeded so far, from the workers' logs."""
    return sum(
        1
        for path in Path(folder).glob("worker-*.log")
        for line in path.read_text(errors="replace").splitlines()
        if "manufacturing.finish_stage[" in line and "succeeded" in line
    )


def check(order_ids: list) -> None:
    """Nothing lost, nothing done twice."""
    from django.db.models import Count

    from manufacturing.models import Inspection, WorkItem
    from orders.models import Order, OrderEvent

    orders = Order.objects.filter(pk__in=order_ids)
    statuses = dict(orders.values_list("status").annotate(n=Count("id")))
    assert sum(statuses.values()) == len(order_ids), statuses
    events = OrderEvent.objects.filter(order__in=order_ids)
    items = WorkItem.objects.filter(job__order__in=order_ids)
    assert events.filter(type="stage_started").count() == items.count(), "a stage started twice"
    assert events.filter(type="stage_completed").count() == items.count(), "a stage finished twice"
    inspections = Inspection.objects.filter(work_item__job__order__in=order_ids).count()
    assert events.filter(type="inspected").count() == inspections, "an inspection ran twice"
    assert not items.exclude(state="done").exclude(job__needs_attention=True).exists(), "work left behind"
    print(
        f"check: {len(order_ids)} orders {statuses}; "
        f"{items.count()} work items, {inspections} inspections, each once"
    )


if __name__ == "__main__":
    main()
