"""Benchmark what the live factory adds to the answers customers and staff read, on PostgreSQL.

    .venv/bin/python benchmarks/bench_tracking.py [--waiting 2000] [--calls 200]
        [--postgres postgres://postgres@127.0.0.1:5432/atelier_bench_tracking]

In a fresh database with the demo catalogue, ratios of the same run:

* ``POST /api/products/city-bike/configure`` with no factory (the baseline), with the demo factory
  and an empty queue (queue days and the footprint estimate added), and with ``--waiting`` work
  items waiting on the work centres;
* ``GET /api/orders/{id}/`` of an order in production (its tracking and ETA) with an empty queue
  and with the waiting work, next to the same order's detail before it had a job;
* ``GET /api/factory/load`` with the waiting work;

each with its number of queries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_databases import postgres_database_recreate  # noqa: E402

SHIPPING = {
    "name": "Bench",
    "line1": "1 Main Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


def timed(function, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def run_here(waiting: int, calls: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from manufacturing.documents import DEMO_FACTORY
    from manufacturing.loading import factory_import
    from manufacturing.models import Job, RouteStage, WorkItem, WorkItemState
    from orders import outbox
    from orders.models import Order
    from orders.services import OrderRequest, order_place
    from products.demo import demo_documents
    from products.services import product_import

    call_command("migrate", verbosity=0)
    for document in demo_documents():
        product_import(document=document, publish=True)
    outbox._publish = lambda message: None
    users = get_user_model()
    staff = users.objects.create_user("staff", is_staff=True)
    customer = users.objects.create_user("customer")
    client = APIClient()

    def measure(label: str, call, baseline: list[float] | None) -> list[float]:
        call()
        queries: list[str] = []
        with connection.execute_wrapper(
            lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
        ):
            call()
        times = timed(call, calls)
        median = statistics.median(times)
        ratio = median / statistics.median(baseline) if baseline else 1.0
        print(f"  {label:58} {median:9.2f} {ratio:8.2f} {len(queries):8}")
        return times

    def configure():
        response = client.post(
            "/api/products/city-bike/configure", {"selections": {"frame": "steel"}}, format="json"
        )
        assert response.status_code == 200, response.content[:300]

    order = order_place(
        actor=customer,
        request=OrderRequest(shipping=SHIPPING, product_code="city-bike", selections={"frame": "steel"}),
    )

    def detail():
        response = client.get(f"/api/orders/{order.pk}/")
        assert response.status_code == 200, response.content[:300]

    def load():
        response = client.get("/api/factory/load")
        assert response.status_code == 200, response.content[:300]

    print(f"\n{connection.vendor}: the live factory in the answers ({calls} calls each)")
    print(f"  {'':58} {'median ms':>9} {'x base':>8} {'queries':>8}")
    client.force_authenticate(customer)
    base = measure("configure, no factory (baseline)", configure, None)
    detail_base = measure("order detail, no factory (baseline)", detail, None)
    factory_import(document=json.loads(DEMO_FACTORY.read_text()))
    measure("configure, demo factory, empty queue", configure, base)
    measure("order detail before production: the route it will take", detail, detail_base)
    stages = list(
        RouteStage.objects.filter(route__product__code="city-bike", route__mode="batch").order_by("position")
    )
    job = Job.objects.create(
        order=order, route=stages[0].route, operations=[stage.operation for stage in stages]
    )
    WorkItem.objects.create(job=job, stage=stages[0], work_centre=stages[0].work_centre, units=1)
    measure("order detail in production, empty queue", detail, detail_base)
    # Other orders' work waiting on the route's work centres (one job each).
    template = Order.objects.get(pk=order.pk)
    fields = {
        field.name: getattr(template, field.name)
        for field in Order._meta.concrete_fields
        if field.name not in ("id", "quote", "created_at", "updated_at")
    }
    others = Order.objects.bulk_create(
        [Order(id=uuid.uuid4(), **fields) for _ in range(waiting)], batch_size=1000
    )
    jobs = Job.objects.bulk_create(
        [Job(order=other, route=stages[0].route, operations=job.operations) for other in others],
        batch_size=1000,
    )
    WorkItem.objects.bulk_create(
        [
            WorkItem(
                job=other, stage=stage, work_centre=stage.work_centre, units=1, state=WorkItemState.WAITING
            )
            for index, other in enumerate(jobs)
            for stage in (stages[index % len(stages)],)
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure(f"configure, {waiting:,} items waiting", configure, base)
    measure(f"order detail in production, {waiting:,} items waiting", detail, detail_base)
    client.force_authenticate(staff)
    measure(f"GET /api/factory/load, {waiting:,} items waiting", load, None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiting", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/atelier_bench_tracking")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.here:
        run_here(args.waiting, args.calls)
        return
    postgres_database_recreate(args.postgres)
    folder = tempfile.mkdtemp(prefix="atelier-tracking-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": args.postgres,
        "DJANGO_SETTINGS_MODULE": "configurator.settings",
        "ATELIER_MODEL_CACHE_DIR": f"{folder}/models",
        "ATELIER_OUTBOX_RELAY": "inline",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, __file__, "--here", "--waiting", str(args.waiting), "--calls", str(args.calls)]
    subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
