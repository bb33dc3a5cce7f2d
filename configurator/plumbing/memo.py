"""Small in-process caches for answers that are pure functions of their key.

A process keeps them in its own memory: nothing is shared, so nothing needs invalidating across
processes. Callers key entries by every input the value was computed from, or check the inputs that
vary with time before they trust an entry."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int
    bytes: int


class SizedLru(Generic[V]):
    """A thread-safe least-recently-used cache bounded by the total size of its entries (each
    entry's size is given when it is stored), so that its memory stays flat whatever is asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0

    def get(
        self, key: Hashable, *, fresh: Callable[[V], bool] | None = None, count_miss: bool = True
    ) -> V | None:
        """The entry of ``key``, if there is one and ``fresh`` (checked outside the lock, so it
        may read what it needs) accepts it. ``count_miss=False``: a caller that will ask again
        another way counts only what it finds."""
        with self._lock:
            entry = self._entries.get(key)
        found = entry is not None and (fresh is None or fresh(entry[0]))
        with self._lock:
            if not found:
                self._misses += count_miss
                return None
            if key in self._entries:
                self._entries.move_to_end(key)
            self._hits += 1
        assert entry is not None
        return entry[0]

    def put(self, key: Hashable, value: V, *, size: int, capacity: int) -> None:
        """Store ``value`` of ``size`` bytes, evicting the least recently used entries beyond
        ``capacity`` bytes; an entry larger than an eighth of the capacity is not kept (one huge
        answer should not push out hundreds of small ones)."""
        with self._lock:
            self._discard(key)
            if size > capacity // 8:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > capacity:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def _discard(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._hits = 0
            self._misses = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries), self._bytes)


class TtlMemo(Generic[V]):
    """Values computed at most once per ``seconds`` per key (0: every time), for inputs that change
    over time and may be read a little late."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, compute: Callable[[], V], *, seconds: float) -> V:
        if seconds <= 0:
            return compute()
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and now < found[0]:
            return found[1]
        value = compute()
        self._values[key] = (now + seconds, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The value of ``key`` if it was computed within its period; never computes."""
        found = self._values.get(key)
        return found[1] if found is not None and time.monotonic() < found[0] else None

    def clear(self) -> None:
        self._values.clear()


class IdentityMemo(Generic[V]):
    """Values computed from objects that live a while (a model, a factory snapshot), keyed by
    those objects' identities and a plain key: no hashing or comparing of big objects. An entry
    keeps its objects, so no other object can take their ids while it is kept; at ``size`` entries,
    or when asked for another ``generation`` (a new factory snapshot, say), the memo starts afresh,
    so that it keeps no replaced object alive for long."""

    def __init__(self, *, size: int) -> None:
        self._size = size
        self._entries: dict[Hashable, tuple[tuple[object, ...], V]] = {}
        self._generation: object = None

    def get(
        self,
        objects: tuple[object, ...],
        key: Hashable,
        compute: Callable[[], V],
        *,
        generation: object = None,
    ) -> V:
        if generation is not self._generation:
            self._entries = {}
            self._generation = generation
        entry_key = (tuple(map(id, objects)), key)
        found = self._entries.get(entry_key)
        if found is not None:
            return found[1]
        value = compute()
        if len(self._entries) >= self._size:
            self._entries = {}
        self._entries[entry_key] = (objects, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)
