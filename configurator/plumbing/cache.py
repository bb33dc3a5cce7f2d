"""The shared cache's backend: Django's Redis cache, with one client object per connection pool."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ReusedClient(RedisCacheClient):
    """Django builds a new ``redis.Redis`` for every operation, copying its ~170 response callbacks
    each time (~0.1 ms): paid by the throttle on every placement and by shared configure answers
    on every miss. A client is only its pool plus those tables, and safe to share between threads.
    With several servers (a primary and replicas), a process reads from the replica it drew first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient
