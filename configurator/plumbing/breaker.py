"""A circuit breaker for an optional shared service (the cache of ``CACHE_URL``): after it fails,
callers leave it alone for a while and do without, so that an outage costs one timeout, not one
per request."""

from __future__ import annotations

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)


class Breaker:
    """Open for ``retry_setting`` seconds (a setting's name, read when it trips) after a failure."""

    def __init__(self, *, what: str, instead: str, retry_setting: str) -> None:
        self.what = what
        self.instead = instead
        self.retry_setting = retry_setting
        self.open_until = 0.0

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, error: Exception) -> None:
        pause = getattr(settings, self.retry_setting)
        logger.warning(
            "%s failed (%s: %s); %s for the next %s s",
            self.what,
            type(error).__name__,
            error,
            self.instead,
            pause,
        )
        self.open_until = time.monotonic() + pause
