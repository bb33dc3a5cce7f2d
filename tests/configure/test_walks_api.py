"""One meaning through the configure endpoint (issue 11): the random walks of tests/engine/walks.py,
each step a ``POST /api/products/<code>/configure`` on the test database, on the demo products and on
every shared real model (../shared/benchmarks), imported with the real importers and published.

At every answer: never complete, consistent and invalid; consistent and incomplete names what is
missing, and the sets it names are the ones whose ``origin`` is ``missing``. Where the customer stops
choosing freely, the completion (``"complete": true``) keeps the choices and the effective
configuration, adds to a decided multiple choice only what it lists with reasons, and configuring it
is valid with the very price and production the completion came with. At the end of a walk, the
answer's price and production are those of its effective configuration. ``valid`` checks each
complete configuration apart from the solver: the model's rules and tables evaluated in Python (and
a DIMACS file's own clauses).

The car-sized models cost tens of seconds each (import, and every answer of thousands of option sets
checked against the schema), so they take short walks that stop at the completion, marked ``heavy``
(run by default and in CI; ``-m "not slow and not heavy"`` leaves them out locally). Their walks to
the end run in-process (tests/engine/test_one_meaning.py, ``slow``).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from configurator.engine import compile_model, parse_selections
from configurator.engine.compile import CompiledModel
from configurator.engine.document import model_from_document
from configurator.engine.model import Kind
from products.importers import load_model
from products.models import Product
from products.runtime import compiled_cache_clear, runtime_get
from products.services import product_import
from tests.engine.test_one_meaning import REAL, SLOW, evaluates_valid, model_check
from tests.engine.walks import Answer, CompletionView, SetView, check_completion, customer_walk
from tests.requirements import require_uvlparser, shared_benchmark

pytestmark = pytest.mark.django_db

DEMO = sorted((Path(__file__).resolve().parents[2] / "products" / "demo").glob("*.json"))


class Customer:
    """A customer configuring one published product through the API, reading each answer as a
    walk does and checking what only the API says (origins, the completion's price)."""

    def __init__(self, client: Any, code: str, compiled: CompiledModel, explain: bool) -> None:
        self.client = client
        self.code = code
        self.compiled = compiled
        self.explain = explain
        self.last: dict[str, Any] = {}

    def configure(self, selections: dict, **options: Any) -> dict[str, Any]:
        response = self.client.post(
            f"/api/products/{self.code}/configure",
            {"selections": selections, "explain": self.explain, **options},
            format="json",
        )
        assert response.status_code == 200, response.json()
        return response.json()

    def engine_values(self, raw: dict) -> dict[str, Any]:
        return dict(parse_selections(self.compiled, raw))

    def ask(self, selections: dict) -> Answer:
        body = self.last = self.configure(selections)
        sets = body["option_sets"]
        assert body["missing"] == [s["code"] for s in sets if s["origin"] == "missing"], selections
        assert all(s["effective"] is None for s in sets if s["origin"] == "missing"), selections
        assert body["valid"] == (body["complete"] and body["consistent"])
        return Answer(
            consistent=body["consistent"],
            complete=body["complete"],
            valid=body["valid"],
            missing=tuple(body["missing"]),
            errors=len(body["errors"]),
            sets=tuple(_set_view(s) for s in sets),
            values=self.engine_values({s["code"]: s["effective"] for s in sets if s["origin"] != "missing"}),
        )

    def completes(self, valid: Callable[[dict], bool]) -> Callable[[dict, Answer], None]:
        def check(selections: dict, answer: Answer) -> None:
            completion = self.configure(selections, complete=True)["completion"]
            assert completion is not None, selections
            additions = completion["additions"]
            view = CompletionView(
                selections=self.engine_values(completion["selections"]),
                missing=tuple(completion["missing"]),
                additions={item["option_set"]: frozenset(item["added"]) for item in additions},
                additions_explained=all(
                    any(reason["type"] != "choice" for reason in item["reasons"]) for item in additions
                ),
            )
            check_completion(self.engine_values(selections), answer, view, valid)
            if not completion["missing"]:
                configured = self.configure(completion["selections"])
                assert configured["valid"], completion["selections"]
                assert configured["price"] == completion["price"]
                assert configured["production"] == completion["production"]

        return check

    def check_priced_as_effective(self) -> None:
        """The last answer's price and production are those of its effective configuration, defaults
        and implied values included: configuring those values as choices prices the same."""
        answer = self.last
        effective = {s["code"]: s["effective"] for s in answer["option_sets"] if s["origin"] != "missing"}
        configured = self.configure(effective)
        assert configured["valid"] == answer["valid"]
        assert configured["price"] == answer["price"]
        assert configured["production"] == answer["production"]


def _set_view(body: dict[str, Any]) -> SetView:
    kind = Kind(body["kind"])
    bounds = None
    if kind is Kind.NUMBER and body["min"] is not None:
        bounds = (body["min"], body["max"])
    elif kind is Kind.TEXT and body["min_length"] is not None:
        bounds = (body["min_length"], body["max_length"])
    return SetView(
        code=body["code"],
        kind=kind,
        decided=body["decided"],
        selectable=tuple(value["code"] for value in body["values"] or () if value["selectable"]),
        none_selectable=bool(body["none_selectable"]),
        bounds=bounds,
    )


def walks(
    client: Any,
    product: Product,
    compiled: CompiledModel,
    valid: Callable[[dict], bool],
    steps: list[int],
    *,
    explain: bool = True,
    finish: bool = True,
) -> None:
    """Walk a published product through the API, one walk per entry of ``steps``."""
    customer = Customer(client, product.code, compiled, explain)
    rng = random.Random(product.code)
    for count in steps:
        customer_walk(
            customer.ask,
            compiled.model,
            rng,
            valid,
            count,
            at_stop=customer.completes(valid),
            finish=finish,
        )
        if finish:
            customer.check_priced_as_effective()


@pytest.mark.parametrize("path", DEMO, ids=lambda path: path.stem)
def test_walks_through_the_api_on_the_demo_products(api_client, path):
    document = json.loads(path.read_text())
    compiled = compile_model(model_from_document(document))
    product = product_import(document=document, publish=True)
    walks(api_client, product, compiled, evaluates_valid(compiled), steps=list(range(9)))


@pytest.fixture
def real_product(settings):
    """A shared model imported with the real importer and published, compiled while it is published
    (the worker's path is tested on its own): the product, the compiled model the API answers from,
    and the independent check of a complete configuration; forgotten by the process afterwards (the
    car-sized ones take a hundred megabytes)."""
    settings.ATELIER_COMPILE_INLINE_BYTES = 1 << 40

    def load(relative: str) -> tuple[Product, CompiledModel, Callable[[dict], bool]]:
        if relative.endswith(".uvl"):
            require_uvlparser()
        imported = load_model(shared_benchmark(relative))
        code = re.sub(r"[^a-z0-9]+", "-", Path(relative).stem.lower()).strip("-")
        product = product_import(document=dict(imported.document, code=code), publish=True)
        version = product.current_version
        assert version is not None
        compiled = runtime_get(checksum=version.checksum, load_document=lambda: version.document).compiled
        return product, compiled, model_check(relative, imported, compiled)

    yield load
    compiled_cache_clear()


RENAULT = "renault/megane.xml"
SMALL = [relative for relative in REAL if relative != RENAULT]
#: the automotive models, whose walks to the end run in-process only (``slow``)
CAR_SIZED = SLOW


@pytest.mark.parametrize("relative", SMALL)
def test_walks_through_the_api_on_the_small_real_models(api_client, real_product, relative):
    walks(api_client, *real_product(relative), steps=[0, 12])


@pytest.mark.heavy
def test_walks_through_the_api_on_renault(api_client, real_product):
    walks(api_client, *real_product(RENAULT), steps=[12], explain=False)


@pytest.mark.heavy
@pytest.mark.parametrize("relative", CAR_SIZED)
def test_short_walks_through_the_api_on_the_car_sized_models(api_client, real_product, relative):
    walks(api_client, *real_product(relative), steps=[1], explain=False, finish=False)
