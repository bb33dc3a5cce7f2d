"""Configure answers are reused within a process only while every input they were computed from is
unchanged (configurator/configure/services.py, ``configuration_answer``)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.views import APIView

from configurator.configure import apis, services
from configurator.configure.services import configure_answers
from configurator.plumbing.breaker import Breaker
from configurator.plumbing.memo import SizedLru, TtlMemo
from products.models import Product
from products.services import product_import
from tests.configure.test_configure_api import chain_product
from tests.factories import demo_document

pytestmark = pytest.mark.django_db
URL = "/api/products/city-bike/configure"


def configure(client, **body):
    response = client.post(URL, body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def counts() -> tuple[int, int]:
    stats = configure_answers.stats()
    return stats.hits, stats.misses


def test_a_repeated_request_gets_the_same_answer_from_one_query(api_client, demo_catalogue, settings):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600
    settings.ATELIER_FACTORY_SPEC_SECONDS = 3600
    request = {"selections": {"frame": "carbon", "accessories": ["lights"]}, "quantity": 2}
    first = configure(api_client, **request)
    assert counts() == (0, 1)
    with CaptureQueriesContext(connection) as queries:
        again = configure(api_client, **request)
    assert again == first
    assert counts() == (1, 1)
    # Only the product and its current version are read: a new version must be seen at once.
    assert len(queries) == 1 and "products_product" in queries[0]["sql"]


def test_a_new_request_on_a_known_version_reads_only_the_current_version(
    api_client, demo_catalogue, settings
):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600
    settings.ATELIER_FACTORY_SPEC_SECONDS = 3600
    configure(api_client, selections={"frame": "steel"})
    with CaptureQueriesContext(connection) as queries:
        answer = configure(api_client, selections={"frame": "carbon"})
    assert counts() == (0, 2) and answer["option_sets"][0]["selection"] == "carbon"
    assert len(queries) == 1 and "products_product" in queries[0]["sql"]


def test_answers_differ_by_every_input_of_the_request(api_client, staff_client, demo_catalogue):
    plain = configure(api_client, selections={"frame": "steel", "brakes": "disc"})
    assert plain["price"].get("margin") is None
    variants = [
        configure(api_client, selections={"brakes": "disc", "frame": "steel"}),
        configure(api_client, selections={"frame": "steel", "brakes": "disc"}, quantity=3),
        configure(api_client, selections={"frame": "steel", "brakes": "disc"}, explain=False),
        configure(api_client, selections={"frame": "steel", "brakes": "disc"}, complete=True),
        configure(staff_client, selections={"frame": "steel", "brakes": "disc"}),
    ]
    assert counts() == (0, 6)
    _, three, unexplained, completed, for_staff = variants
    assert three["quantity"] == 3 and three["price"]["total"] != plain["price"]["total"]
    assert completed["completion"] is not None and plain["completion"] is None
    assert for_staff["price"]["margin"] is not None
    assert plain["explained"] and not unexplained["explained"]
    assert configure(api_client, selections={"frame": "steel", "brakes": "disc"}) == plain
    assert counts() == (1, 6)


def test_a_new_published_version_is_answered_afresh(api_client, demo_catalogue):
    before = configure(api_client, selections={"frame": "carbon"})
    assert before["version"] == 1
    changed = demo_document("city-bike")
    changed["tables"][0]["rows"].append(["carbon", "s"])
    product_import(document=changed, publish=True)
    after = configure(api_client, selections={"frame": "carbon"})
    assert after["version"] == 2
    sizes = {value["code"]: value for value in after["option_sets"][1]["values"]}
    assert sizes["s"]["selectable"]
    assert counts() == (0, 2)


def test_a_product_taken_off_sale_is_not_answered_from_memory(api_client, demo_catalogue, settings):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600
    configure(api_client, selections={"frame": "steel"})
    configure(api_client, selections={"frame": "steel"})
    assert counts() == (1, 1)
    Product.objects.filter(code="city-bike").update(is_active=False)
    response = api_client.post(URL, {"selections": {"frame": "steel"}}, format="json")
    assert response.status_code == 404
    assert counts() == (1, 1)


def test_an_answer_from_yesterday_is_not_served_today(api_client, demo_catalogue, monkeypatch):
    first = configure(api_client, selections={"frame": "steel"})
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(services.timezone, "now", lambda: tomorrow)
    later = configure(api_client, selections={"frame": "steel"})
    assert counts() == (0, 2)
    assert later["production"]["lead_time"]["ship_date"] > first["production"]["lead_time"]["ship_date"]


def test_turned_off_it_keeps_nothing(api_client, demo_catalogue, settings):
    settings.ATELIER_CONFIGURE_CACHE_MB = 0
    configure(api_client)
    configure(api_client)
    assert configure_answers.stats().entries == 0


def test_the_lru_keeps_within_its_bytes_and_drops_the_least_recently_used():
    lru = SizedLru[str]()
    for key in "abcdefgh":
        lru.put(key, key, size=5, capacity=40)
    assert lru.get("a") == "a"  # now the most recently used
    lru.put("i", "i", size=5, capacity=40)
    assert [key for key in "abcdefghi" if lru.get(key) is None] == ["b"]
    assert lru.stats().bytes == 40
    lru.put("huge", "x", size=6, capacity=40)  # over an eighth of the capacity: not kept
    assert lru.get("huge") is None
    assert lru.get("a", fresh=lambda value: False) is None
    stats = lru.stats()
    assert (stats.entries, stats.hits, stats.misses) == (8, 9, 3)


def test_a_ttl_memo_computes_once_per_period_and_always_at_zero():
    memo = TtlMemo[int]()
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert [memo.get("k", compute, seconds=3600) for _ in range(3)] == [1, 1, 1]
    assert [memo.get("k", compute, seconds=0) for _ in range(2)] == [2, 3]
    memo.clear()
    assert memo.get("k", compute, seconds=3600) == 4


def test_an_answer_cut_short_by_the_explanation_budget_is_not_kept(api_client, db, settings, not_precomputed):
    chain_product()
    settings.ATELIER_EXPLAIN_BUDGET_MS = 0.000001
    request = {"selections": {"a": "x"}}
    for _ in range(2):
        response = api_client.post("/api/products/chain/configure", request, format="json")
        assert response.json()["explained"] is False
    assert counts() == (0, 2)
    assert configure_answers.stats().entries == 0


# -- shared between web processes (ATELIER_CONFIGURE_SHARED) ----------------------------------------


@pytest.fixture
def shared(settings, monkeypatch):
    """Answers shared through the cache, with a breaker of the test's own."""
    settings.ATELIER_CONFIGURE_SHARED = True
    breaker = Breaker(
        what="Shared configure answers", instead="not", retry_setting="ATELIER_CONFIGURE_SHARED_RETRY_SECONDS"
    )
    monkeypatch.setattr(services, "shared_answers_breaker", breaker)
    return breaker


def another_process() -> None:
    """Forget what this process keeps: its answers and the queue days it read."""
    configure_answers.clear()
    services.queue_days_forget()


def not_evaluated(monkeypatch) -> None:
    def refuse(**kwargs):
        raise AssertionError("evaluated, not served from the shared cache")

    monkeypatch.setattr(services, "configuration_evaluate", refuse)


@pytest.mark.parametrize("queue_days_read", [True, False])
def test_an_answer_another_process_computed_is_served_to_this_one(
    api_client, demo_catalogue, shared, monkeypatch, queue_days_read
):
    request = {"selections": {"frame": "carbon", "accessories": ["lights"]}, "quantity": 2}
    first = configure(api_client, **request)
    another_process()
    if queue_days_read:  # else the process reads them before it trusts the answer
        services.queue_days_current(product=demo_catalogue["city-bike"], mode="batch", now=timezone.now())
    not_evaluated(monkeypatch)
    assert configure(api_client, **request) == first
    assert counts() == (1, 0)
    assert configure(api_client, **request) == first  # kept by this process from then on
    assert counts() == (2, 0)


def test_a_shared_answer_is_checked_like_a_process_own(api_client, demo_catalogue, shared, monkeypatch):
    first = configure(api_client, selections={"frame": "steel"})
    another_process()
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(services.timezone, "now", lambda: tomorrow)
    later = configure(api_client, selections={"frame": "steel"})
    assert later["production"]["lead_time"]["ship_date"] > first["production"]["lead_time"]["ship_date"]
    changed = demo_document("city-bike")
    changed["baseline"]["price"] = "799.00"
    product_import(document=changed, publish=True)
    another_process()
    assert configure(api_client, selections={"frame": "steel"})["version"] == 2


def shared_keys() -> list[str]:
    return [key for key in cache._cache if "configure:" in key]


def test_staff_answers_are_not_shared(staff_client, api_client, demo_catalogue, shared):
    assert "margin" in configure(staff_client, selections={"frame": "steel"})["price"]
    assert shared_keys() == []
    configure(api_client, selections={"frame": "steel"})
    assert len(shared_keys()) == 1


def test_a_failing_shared_cache_is_left_alone_and_answers_still_come(
    api_client, demo_catalogue, shared, monkeypatch, caplog
):
    class Down:
        calls = 0

        def get(self, *args, **kwargs):
            Down.calls += 1
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        set = get

    monkeypatch.setattr(services, "cache", Down())
    for frame in ("steel", "alu", "carbon"):
        assert configure(api_client, selections={"frame": frame})["product"] == "city-bike"
    assert Down.calls == 1 and not shared.closed()
    assert sum("Shared configure answers failed" in record.message for record in caplog.records) == 1


def test_without_sharing_nothing_reaches_the_cache(api_client, demo_catalogue, settings):
    settings.ATELIER_CONFIGURE_SHARED = False
    configure(api_client, selections={"frame": "steel"})
    assert shared_keys() == []


# -- answered before DRF's machinery (ConfigureApi.dispatch) ----------------------------------------


def drf_refused(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("answered through DRF's dispatch")

    monkeypatch.setattr(APIView, "initialize_request", refuse)


def test_a_remembered_answer_is_sent_before_drf_as_drf_sends_it(
    api_client, demo_catalogue, monkeypatch, settings
):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600  # else every answer waits for its queue days to be read
    request = {"selections": {"frame": "carbon", "accessories": ["lights"]}, "quantity": 2}
    through_drf = api_client.post(URL, request, format="json")
    drf_refused(monkeypatch)
    remembered = api_client.post(URL, request, format="json")
    assert remembered.content == through_drf.content
    assert {name: remembered[name] for name in ("Content-Type", "Allow")} == {
        name: through_drf[name] for name in ("Content-Type", "Allow")
    }
    assert counts() == (1, 1)


@pytest.mark.parametrize(
    "variant",
    [
        {"QUERY_STRING": "version=current"},
        {"HTTP_ACCEPT": "text/csv"},
        {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
        {"CONTENT_TYPE": "text/plain"},
    ],
)
def test_a_request_drf_might_answer_otherwise_goes_through_drf(api_client, demo_catalogue, variant, settings):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600
    request = json.dumps({"selections": {"frame": "steel"}})
    assert api_client.post(URL, request, content_type="application/json").status_code == 200
    entered = []
    original = APIView.initialize_request

    def initialize_request(self, *args, **kwargs):
        entered.append(self)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(APIView, "initialize_request", initialize_request)
        headers = dict(variant)
        content_type = headers.pop("CONTENT_TYPE", "application/json")
        response = api_client.generic("POST", URL, request, content_type=content_type, **headers)
    assert entered
    expected = {"HTTP_ACCEPT": 406, "HTTP_AUTHORIZATION": 401, "CONTENT_TYPE": 415}
    assert response.status_code == expected.get(next(iter(variant)), 200)


def test_a_staff_member_never_gets_a_customers_remembered_answer(
    api_client, staff_client, demo_catalogue, settings
):
    settings.ATELIER_QUEUE_DAYS_SECONDS = 3600
    configure(api_client, selections={"frame": "steel"})
    assert "margin" in configure(staff_client, selections={"frame": "steel"})["price"]


def test_a_database_failure_before_drf_is_answered_in_the_error_shape(
    api_client, demo_catalogue, monkeypatch
):
    configure(api_client, selections={"frame": "steel"})

    def unavailable(**kwargs):
        raise OperationalError("the database is gone")

    monkeypatch.setattr(apis, "published_version_get", unavailable)
    response = api_client.post(URL, {"selections": {"frame": "steel"}}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
