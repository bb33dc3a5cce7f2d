"""Login throttling, shared by the log-in page, the session log-in API and the token endpoint.

Failed attempts are counted per username and per client address over a sliding window of
``ATELIER_LOGIN_WINDOW_SECONDS``, in the counters every web process shares (the configured cache,
else the database; configurator/throttling); past ``ATELIER_LOGIN_ATTEMPTS`` failures either key is
refused until enough of them have aged out. Counting failures rather than requests keeps a customer
who logs in often from being locked out, and counting per address too stops one address from trying
many usernames."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from configurator.throttling.counters import event_record, events_check, events_clear


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


def login_blocked(*, username: str, address: str) -> LoginBlocked | None:
    """Whether this username or address has failed too often lately, and for how long."""
    waits = []
    for key in _keys(username=username, address=address):
        verdict = events_check(
            key=key, limit=settings.ATELIER_LOGIN_ATTEMPTS, duration=settings.ATELIER_LOGIN_WINDOW_SECONDS
        )
        if not verdict.allowed:
            waits.append(math.ceil(verdict.wait or 1))
    return LoginBlocked(retry_after=max(max(waits), 1)) if waits else None


def login_failed(*, username: str, address: str) -> None:
    for key in _keys(username=username, address=address):
        event_record(key=key, duration=settings.ATELIER_LOGIN_WINDOW_SECONDS)


def login_succeeded(*, username: str, address: str) -> None:
    """A correct password clears the username's count (not the address's)."""
    events_clear(
        key=_keys(username=username, address=address)[0], duration=settings.ATELIER_LOGIN_WINDOW_SECONDS
    )
