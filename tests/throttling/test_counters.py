"""The throttle's shared counters: in the database by default, in the configured cache otherwise,
and in the database while that cache is down or hung."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.core.cache import caches

from configurator.throttling import counters
from configurator.throttling.counters import rate_hit
from configurator.throttling.models import RateCounter
from configurator.throttling.tasks import purge_counters_task
from tests.integration.conftest import PrivateRedis

pytestmark = pytest.mark.django_db(transaction=True)

START = 1_700_000_040.0  # the start of a minute


def allowed(key: str, count: int, *, limit: int = 5, now: float = START) -> int:
    return sum(rate_hit(key=key, limit=limit, duration=60, now=now).allowed for _ in range(count))


@pytest.fixture
def database_store(settings):
    settings.ATELIER_THROTTLE_STORE = "database"


def redis_cache_settings(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "configurator.plumbing.cache.ReusedClientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@pytest.fixture
def closed_breaker(monkeypatch):
    monkeypatch.setattr(counters, "cache_breaker", counters._Breaker())
    return counters.cache_breaker


def test_the_database_counts_for_every_process(database_store):
    assert allowed("orders:1", 8) == 5
    # What another process sees: nothing in memory, the rows in the database.
    caches["default"].clear()
    assert allowed("orders:1", 3) == 0
    assert allowed("orders:2", 1) == 1
    assert RateCounter.objects.get(key="orders:1").count == 5


def test_refused_requests_are_not_counted_and_the_window_slides(database_store):
    assert allowed("k", 7) == 5
    # Half a minute into the next window, half of the previous window still counts: 2.5 of 5.
    assert allowed("k", 5, now=START + 90) == 2
    # Early in the window after that, most of those 2 still count.
    assert allowed("k", 9, now=START + 125) == 3
    # A window later with nothing in the one before, the full limit again.
    assert allowed("k", 9, now=START + 245) == 5


def test_a_refusal_says_when_to_come_back(database_store):
    allowed("k", 5)
    verdict = rate_hit(key="k", limit=5, duration=60, now=START + 30)
    assert not verdict.allowed
    # The window ends in 30 s, then a fifth of the next must pass before 5 * (1 - e) <= 4.
    assert verdict.wait == pytest.approx(30 + 12)
    again = rate_hit(key="k", limit=5, duration=60, now=START + 30 + verdict.wait + 0.01)
    assert again.allowed


def test_old_counters_are_purged(database_store):
    allowed("k", 1, now=time.time() - 3600)
    allowed("k", 1)  # START is years ago too
    allowed("fresh", 1, now=time.time())
    assert purge_counters_task() == 2
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.fixture
def redis_cache(settings, closed_breaker):
    url = os.environ.get("ATELIER_TEST_CACHE_URL") or "redis://127.0.0.1:6379/11"
    from configurator.plumbing.broker import broker_problem

    if broker_problem(url):
        if os.environ.get("CI"):
            pytest.fail(f"no Redis at {url} for the cache tests")
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = redis_cache_settings(url)
    settings.ATELIER_THROTTLE_STORE = "cache"
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_a_configured_cache_counts_and_the_database_stays_empty(redis_cache):
    assert allowed("orders:1", 8) == 5
    assert RateCounter.objects.count() == 0
    assert redis_cache.get(f"throttle:orders:1:{int(START // 60)}") == 5
    # One client per connection pool, not one per operation (configurator/plumbing/cache.py).
    client = redis_cache._cache.get_client
    assert client() is client() and client(write=True) is client(write=True)


def test_a_dead_cache_counts_in_the_database_and_is_left_alone_for_a_while(settings, closed_breaker, caplog):
    settings.CACHES = redis_cache_settings("redis://127.0.0.1:1/0")  # nothing listens there
    settings.ATELIER_THROTTLE_STORE = "cache"
    assert allowed("orders:1", 8) == 5
    assert RateCounter.objects.get(key="orders:1").count == 5
    assert not closed_breaker.closed()
    assert sum("counting in the database" in record.message for record in caplog.records) == 1


@pytest.mark.integration
def test_a_hung_cache_costs_one_short_timeout_then_the_database_counts(
    settings, closed_breaker, tmp_path, caplog
):
    private_redis = PrivateRedis(tmp_path)
    private_redis.start()
    settings.CACHES = redis_cache_settings(private_redis.url)
    settings.ATELIER_THROTTLE_STORE = "cache"
    assert allowed("orders:1", 2) == 2
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        assert allowed("orders:1", 10) == 5
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
        private_redis.stop()
    # One request waited for the socket timeout (a hang without one would never return) and opened
    # the breaker; the rest went straight to the database without trying the cache again.
    assert not closed_breaker.closed()
    assert sum("counting in the database" in record.message for record in caplog.records) == 1
    assert RateCounter.objects.get(key="orders:1").count == 5
