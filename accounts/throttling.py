"""Login throttling, shared by the log-in page, the session log-in API and the token endpoint.

Failed attempts are counted in Django's cache per username and per client address over a sliding
window of ``ATELIER_LOGIN_WINDOW_SECONDS``; past ``ATELIER_LOGIN_ATTEMPTS`` failures either key is
refused until the window has passed. Counting failures rather than requests keeps a customer who
logs in often from being locked out, and counting per address too stops one address from trying
many usernames."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class LoginBlocked:
    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        return f"Too many failed log-in attempts. Try again in about {minutes} minute(s)."


def client_address(request: HttpRequest) -> str:
    """The address the request came from (behind a proxy, the proxy's: never a header the client sets)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(*, username: str, address: str) -> list[str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-failures:user:{name}", f"login-failures:addr:{address}"]


def _recent(key: str, now: float) -> list[float]:
    window = settings.ATELIER_LOGIN_WINDOW_SECONDS
    return [moment for moment in cache.get(key, []) if moment > now - window]


def login_blocked(*, username: str, address: str) -> LoginBlocked | None:
    """Whether this username or address has failed too often lately, and for how long."""
    now = time.time()
    waits = []
    for key in _keys(username=username, address=address):
        failures = _recent(key, now)
        if len(failures) >= settings.ATELIER_LOGIN_ATTEMPTS:
            oldest_counted = failures[-settings.ATELIER_LOGIN_ATTEMPTS]
            waits.append(int(oldest_counted + settings.ATELIER_LOGIN_WINDOW_SECONDS - now) + 1)
    return LoginBlocked(retry_after=max(waits)) if waits else None


def login_failed(*, username: str, address: str) -> None:
    now = time.time()
    for key in _keys(username=username, address=address):
        cache.set(key, [*_recent(key, now), now], timeout=settings.ATELIER_LOGIN_WINDOW_SECONDS)


def login_succeeded(*, username: str, address: str) -> None:
    """A correct password clears the username's count (not the address's)."""
    cache.delete(_keys(username=username, address=address)[0])
