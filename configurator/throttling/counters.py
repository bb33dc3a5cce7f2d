"""Shared request counters for throttling.

Every web process must see the same count, or N processes let N times the limit through. The
counter lives in the configured cache (``CACHE_URL``: one atomic ``INCR`` per request), and in the
database when no cache is configured (one upsert per request; the database is shared already).

When the configured cache fails (down, or hung past its short socket timeout) the request is counted
in the database instead, and the cache is left alone for ``ATELIER_THROTTLE_CACHE_RETRY_SECONDS``
(a circuit breaker), so that an outage costs one timeout, not one per request. Placement never fails
because the throttle cannot count: if the database cannot count either, the request would fail on
the database anyway.

The window slides: the estimate is this fixed window's count plus the previous window's, weighted by
how much of it still lies within the last ``duration`` seconds. A refused request is not counted."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F

from configurator.plumbing.breaker import Breaker

from .models import RateCounter

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: Seconds until a request would be allowed again (refused requests only).
    wait: float | None = None


class CounterStore(Protocol):
    def increment(self, key: str, window: int, *, expires_at: float) -> int: ...
    def count(self, key: str, window: int) -> int: ...
    def decrement(self, key: str, window: int) -> None: ...
    def clear(self, key: str, windows: tuple[int, ...]) -> None: ...


class DatabaseStore:
    """Counters as rows, incremented by one atomic upsert (PostgreSQL, SQLite 3.35+)."""

    def increment(self, key: str, window: int, *, expires_at: float) -> int:
        table, key_, window_, count, expires = (
            connection.ops.quote_name(name)
            for name in (RateCounter._meta.db_table, "key", "window", "count", "expires_at")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key_}, {window_}, {count}, {expires}) VALUES (%s, %s, 1, %s) "
                f"ON CONFLICT ({key_}, {window_}) DO UPDATE SET {count} = {table}.{count} + 1 "
                f"RETURNING {count}",
                [key, window, datetime.fromtimestamp(expires_at, UTC)],
            )
            return cursor.fetchone()[0]

    def count(self, key: str, window: int) -> int:
        return RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0

    def decrement(self, key: str, window: int) -> None:
        RateCounter.objects.filter(key=key, window=window, count__gt=0).update(count=F("count") - 1)

    def clear(self, key: str, windows: tuple[int, ...]) -> None:
        RateCounter.objects.filter(key=key, window__in=windows).delete()


class CacheStore:
    """Counters in the configured cache: ``add`` then ``incr`` (atomic in Redis)."""

    @staticmethod
    def _cache_key(key: str, window: int) -> str:
        return f"throttle:{key}:{window}"

    def increment(self, key: str, window: int, *, expires_at: float) -> int:
        cache_key = self._cache_key(key, window)
        timeout = max(int(expires_at - time.time()), 1)
        cache.add(cache_key, 0, timeout)
        try:
            return cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout)
            return 1

    def count(self, key: str, window: int) -> int:
        return int(cache.get(self._cache_key(key, window)) or 0)

    def decrement(self, key: str, window: int) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(self._cache_key(key, window))

    def clear(self, key: str, windows: tuple[int, ...]) -> None:
        cache.delete_many([self._cache_key(key, window) for window in windows])


class _Breaker(Breaker):
    """Skips the cache for a while after it failed."""

    def __init__(self) -> None:
        super().__init__(
            what="Throttle cache",
            instead="counting in the database",
            retry_setting="ATELIER_THROTTLE_CACHE_RETRY_SECONDS",
        )


_database = DatabaseStore()
_cache = CacheStore()
cache_breaker = _Breaker()


def _shared(operation: Callable[[CounterStore], T]) -> T:
    """Run ``operation`` on the configured cache, or on the database without one or while the cache
    is failing."""
    if settings.ATELIER_THROTTLE_STORE == "cache" and cache_breaker.closed():
        try:
            return operation(_cache)
        except Exception as error:  # any cache failure: the cache backends raise their client's errors
            cache_breaker.trip(error)
    return operation(_database)


def rate_hit(*, key: str, limit: int, duration: int, now: float | None = None) -> Verdict:
    """Count a request of ``key`` against ``limit`` requests per ``duration`` seconds."""
    now = time.time() if now is None else now
    return _shared(lambda store: _hit(store, key=key, limit=limit, duration=duration, now=now))


def events_check(*, key: str, limit: int, duration: int, now: float | None = None) -> Verdict:
    """Whether ``key`` has had fewer than ``limit`` events (e.g. failed log-ins) in the last
    ``duration`` seconds, without counting one."""
    now = time.time() if now is None else now

    def check(store: CounterStore) -> Verdict:
        window, elapsed = _window(now, duration)
        current, previous = store.count(key, window), store.count(key, window - 1)
        if current + previous * (1 - elapsed) < limit:
            return Verdict(allowed=True)
        return Verdict(allowed=False, wait=_wait(current, previous, limit, elapsed, duration))

    return _shared(check)


def event_record(*, key: str, duration: int, now: float | None = None) -> None:
    """Count one event of ``key`` (see :func:`events_check`)."""
    now = time.time() if now is None else now
    window, _ = _window(now, duration)
    _shared(lambda store: store.increment(key, window, expires_at=(window + 2) * duration))


def events_clear(*, key: str, duration: int, now: float | None = None) -> None:
    """Forget the events of ``key`` that still count."""
    now = time.time() if now is None else now
    window, _ = _window(now, duration)
    _shared(lambda store: store.clear(key, (window - 1, window)))


def _window(now: float, duration: int) -> tuple[int, float]:
    window, offset = divmod(now, duration)
    return int(window), offset / duration


def _hit(store: CounterStore, *, key: str, limit: int, duration: int, now: float) -> Verdict:
    window, elapsed = _window(now, duration)
    current = store.increment(key, window, expires_at=(window + 2) * duration)
    previous = store.count(key, window - 1)
    if current + previous * (1 - elapsed) <= limit:
        return Verdict(allowed=True)
    store.decrement(key, window)
    return Verdict(allowed=False, wait=_wait(current - 1, previous, limit, elapsed, duration))


def _wait(current: int, previous: int, limit: int, elapsed: float, duration: int) -> float:
    """Seconds until one more request fits, if none comes meanwhile."""
    if current >= limit:
        # Not before the next window, where this window's count weighs less as time passes.
        share = 1 - (limit - 1) / current if current else 0
        return (1 - elapsed) * duration + share * duration
    if not previous:
        return 0.0
    # In this window, once the previous window's share has shrunk enough.
    needed = 1 - (limit - 1 - current) / previous
    return max(needed - elapsed, 0) * duration
