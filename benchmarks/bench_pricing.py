"""Benchmark pricing next to guidance, in-process, on complete configurations of the demo products.

    .venv/bin/python benchmarks/bench_pricing.py [--configurations 300]

For each demo product: random complete valid configurations (random consistent choices, completed
by the engine) and random quantities. Prints median and p95 of guidance alone (the baseline of this
benchmark), pricing alone (price breakdown, production mode and lead time), configure with price
(guidance + pricing, as the configure endpoint does it) and the whole configure endpoint through
Django REST framework in-process (request parsing, guidance, pricing, JSON), each as a ratio to
guidance alone measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engine import documents, measure, percentile, random_selections  # noqa: E402

from configurator.engine import Configurator, compile_model  # noqa: E402
from configurator.engine.document import model_from_document, price_model_from_document  # noqa: E402
from configurator.engine.pricing import Pricer  # noqa: E402
from configurator.engine.values import json_value  # noqa: E402


def complete_configurations(model, configurator, count: int, rng: random.Random) -> list[dict]:
    result = []
    for partial in random_selections(model, configurator, count * 2, rng):
        if not configurator.validate(partial).consistent:
            continue
        completion = configurator.complete(partial)
        if completion.missing:
            continue
        result.append(completion.selections)
        if len(result) == count:
            break
    return result


def api_client():
    """An in-process API client over a throw-away SQLite database with the demo catalogue."""
    folder = tempfile.mkdtemp(prefix="atelier-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["ATELIER_MODEL_CACHE_DIR"] = f"{folder}/models"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "configurator.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    return APIClient()


def row(label: str, times: list[float], baseline: list[float]) -> str:
    median, p95 = statistics.median(times), percentile(times, 0.95)
    base_median, base_p95 = statistics.median(baseline), percentile(baseline, 0.95)
    return f"  {label:38} {median:9.3f} {p95:9.3f} {median / base_median:10.2f} {p95 / base_p95:10.2f}"


def bench_product(name: str, document: dict, client, count: int, rng: random.Random) -> None:
    model = model_from_document(document)
    configurator = Configurator(compile_model(model))
    pricer = Pricer(model, price_model_from_document(document))
    cases = [
        (selections, rng.randint(1, 40))
        for selections in complete_configurations(model, configurator, count, rng)
    ]

    def price(case):
        selections, quantity = case
        breakdown, decision = pricer.price(configurator.effective(selections).values, quantity)
        return breakdown, pricer.lead_time(decision, quantity)

    def configure(case):
        return configurator.guide(case[0]), price(case)

    def as_json(selections: dict) -> dict:
        return {code: json_value(model.option_set(code), value) for code, value in selections.items()}

    bodies = [{"selections": as_json(selections), "quantity": quantity} for selections, quantity in cases]

    def endpoint(body):
        response = client.post(f"/api/products/{name}/configure", body, format="json")
        assert response.status_code == 200 and response.json()["price"]["total"], response.content[:300]

    for case, body in list(zip(cases, bodies, strict=True))[:30]:  # warm both paths
        configure(case)
        endpoint(body)
    guidance, _ = measure(lambda case: configurator.guide(case[0]), cases)
    pricing, _ = measure(price, cases)
    combined, _ = measure(configure, cases)
    http, _ = measure(endpoint, bodies)
    print(f"\n{name}: {len(cases)} complete valid configurations, random quantities 1-40")
    print(f"  {'':38} {'median ms':>9} {'p95 ms':>9} {'x guidance':>10} {'x p95':>10}")
    print(row("guidance alone (baseline)", guidance, guidance))
    print(row("pricing alone (price + mode + lead)", pricing, guidance))
    print(row("configure with price (engine)", combined, guidance))
    print(row("configure endpoint, in-process HTTP", http, guidance))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configurations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    client = api_client()
    for name, document in documents():
        bench_product(name, document, client, args.configurations, random.Random(args.seed))


if __name__ == "__main__":
    main()
