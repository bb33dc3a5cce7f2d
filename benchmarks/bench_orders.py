"""Benchmark order placement and the order list, in-process, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_orders.py [--placements 300] [--orders 10000]
        [--postgres postgres://postgres@127.0.0.1:5432/atelier_bench] [--only sqlite|postgres]

For each database, in a fresh schema with the demo catalogue:

* placement: ``order_place`` as the API runs it (validate, price, write the order, its event and
  the outbox row, in one transaction; the broker hand-off after commit is left out), next to the
  baseline of the same run: validating and pricing the same configurations without writing;
* the API's whole ``POST /api/orders/`` (idempotency key, placement, response; relay stubbed);
* the order list of a customer with 10 orders and of one with ``--orders`` orders: the first page,
  and a page 50 cursors deep, with the number of queries; "constant-ish" means the ratio stays near 1.
"""

from __future__ import annotations

import argparse
import os
import random
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
SELECTIONS = [
    {"frame": "steel"},
    {"frame": "carbon", "brakes": "disc"},
    {"colour": "racing_green", "accessories": ["lights", "mudguards"]},
    {"saddle_height": 81.5, "gears": "hub3"},
    {},
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(function, count: int) -> list[float]:
    times = []
    for index in range(count):
        start = time.perf_counter()
        function(index)
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float], baseline: list[float], extra: str = "") -> str:
    median, p95 = statistics.median(times), percentile(times, 0.95)
    ratio = median / statistics.median(baseline)
    return f"  {label:48} {median:9.2f} {p95:9.2f} {ratio:9.2f}  {extra}"


def run_here(orders: int, placements: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from configurator.configure.services import configuration_price
    from orders import outbox
    from orders.models import Order
    from orders.services import OrderRequest, order_place

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    outbox._publish = lambda message: None  # the broker hand-off is not part of placement
    users = get_user_model()
    alice = users.objects.get(username="alice")
    rng = random.Random(3)
    configurations = [rng.choice(SELECTIONS) for _ in range(placements)]
    for selections in configurations[:20]:
        configuration_price(staff=False, product_code="city-bike", selections=selections, quantity=1)

    baseline = timed(
        lambda i: configuration_price(
            staff=False, product_code="city-bike", selections=configurations[i], quantity=1
        ),
        placements,
    )

    def place(i: int) -> None:
        with transaction.atomic():
            order_place(
                actor=alice,
                request=OrderRequest(
                    shipping=SHIPPING,
                    product_code="city-bike",
                    selections=configurations[i],
                ),
            )

    placing = timed(place, placements)
    client = APIClient()
    client.force_authenticate(alice)
    body = {
        "shipping": {
            "name": "Bench",
            "line1": "1 Main Street",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        "product": "city-bike",
    }
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = {"orders": "1000000/min"}
    cache.clear()

    def post(i: int) -> None:
        response = client.post(
            "/api/orders/",
            {**body, "selections": configurations[i]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.content[:300]

    api = timed(post, placements)
    print(f"\n{connection.vendor}: placement ({placements} orders of the city bike)")
    print(f"  {'':48} {'median ms':>9} {'p95 ms':>9} {'x base':>9}")
    print(line("validate + price, no writes (baseline)", baseline, baseline))
    print(line("order_place: + order, event, outbox row", placing, baseline))
    print(line("POST /api/orders/ (idempotency, response)", api, baseline))

    # The list: one customer with few orders, one with many.
    few = users.objects.create_user("few")
    many = users.objects.create_user("many")
    template = Order.objects.filter(customer=alice).first()
    fields = {
        field.name: getattr(template, field.name)
        for field in Order._meta.concrete_fields
        if field.name not in ("id", "customer", "quote", "created_at", "updated_at")
    }
    now = time.time()
    from datetime import UTC, datetime

    def bulk(customer, count: int) -> None:
        batch = [
            Order(
                id=uuid.uuid4(), customer=customer, created_at=datetime.fromtimestamp(now - i, UTC), **fields
            )
            for i in range(count)
        ]
        Order.objects.bulk_create(batch, batch_size=2000)

    bulk(few, 10)
    bulk(many, orders)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def page_times(customer, depth: int) -> tuple[list[float], int]:
        client.force_authenticate(customer)
        url = "/api/orders/?page_size=20"
        for _ in range(depth):
            next_url = client.get(url).json()["next"]
            url = next_url or url
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
        ):
            client.get(url)
        return timed(lambda i: client.get(url), 200), len(queries)

    small, small_queries = page_times(few, 0)
    first, first_queries = page_times(many, 0)
    deep, deep_queries = page_times(many, 50)
    print(f"\n{connection.vendor}: order list (20 a page)")
    print(f"  {'':48} {'median ms':>9} {'p95 ms':>9} {'x base':>9}  queries")
    print(line("customer with 10 orders, first page (baseline)", small, small, str(small_queries)))
    print(line(f"customer with {orders:,} orders, first page", first, small, str(first_queries)))
    print(line(f"customer with {orders:,} orders, 50 pages deep", deep, small, str(deep_queries)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--placements", type=int, default=300)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/atelier_bench")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.here:
        run_here(args.orders, args.placements)
        return
    folder = tempfile.mkdtemp(prefix="atelier-orders-bench-")
    targets = {"sqlite": f"sqlite:///{folder}/bench.sqlite3", "postgres": args.postgres}
    for name, url in targets.items():
        if args.only and args.only != name:
            continue
        if name == "postgres":
            postgres_database_recreate(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "configurator.settings",
            "ATELIER_MODEL_CACHE_DIR": f"{folder}/models",
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--here",
                "--orders",
                str(args.orders),
                "--placements",
                str(args.placements),
            ],
            env=env,
            check=True,
        )


if __name__ == "__main__":
    main()
