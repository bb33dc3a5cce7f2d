"""DRF throttles that count in a store every web process shares (see counters.py)."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from .counters import rate_hit


class SharedScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` (the view's ``throttle_scope`` and its rate in
    ``DEFAULT_THROTTLE_RATES``, per user, else per client address) with a shared counter."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.num_requests is None or self.duration is None:  # the scope's rate is None: no limit
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.verdict = rate_hit(key=key, limit=self.num_requests, duration=self.duration)
        return self.verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.wait
