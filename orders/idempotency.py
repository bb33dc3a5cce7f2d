"""Idempotency keys: the same key and request gets the same response and one effect; the same key
with another request is refused (422); a second request while the first runs is refused (409)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from configurator.plumbing.errors import (
    ConflictError,
    ErrorCode,
    FieldErrorCode,
    IdempotencyKeyReusedError,
    InvalidInputError,
)

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: What a key may be: 1 to 255 printable ASCII characters, as the schema declares it (in both
#: Python's and JSON Schema's regular expressions).
KEY_PATTERN = rf"^[ -~]{{1,{MAX_KEY_LENGTH}}}$"
#: A claim row older than this whose request never finished (a crashed process of the previous
#: release, which committed its claims) may be taken over.
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    key: IdempotencyKey
    replay: bool


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{encoded}".encode()).hexdigest()


def idempotency_key_from(headers: Mapping[str, str]) -> str:
    key = headers.get(HEADER, "")
    if not key:
        raise InvalidInputError.for_field(
            HEADER,
            "Send an Idempotency-Key header (e.g. a UUID) with every order.",
            field_code=FieldErrorCode.REQUIRED,
        )
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInputError.for_field(
            HEADER, f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."
        )
    return key


def _request_lock(*, user: User, key: str) -> bool:
    """Take the key's lock for the rest of the caller's transaction, without waiting: False when
    another transaction holds it. A PostgreSQL advisory lock; SQLite, which lets one transaction
    write at a time, needs none (a second request waits for the first's write lock)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.sha256(f"idempotency-key {user.pk} {key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
        (locked,) = cursor.fetchone()
    return locked


def _in_use() -> ConflictError:
    return ConflictError(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        code=ErrorCode.IDEMPOTENCY_KEY_IN_USE,
    )


def idempotency_claim(*, user: User, key: str, fingerprint: str, now: datetime | None = None) -> Claim:
    """Claim a key for this request in the caller's transaction, or find the response a finished
    request with the same key and body got.

    The claim is a lock held until the transaction ends, not a row: a concurrent request with the
    key is refused at once (409) instead of waiting, the response is stored by
    :func:`idempotency_complete` in the same transaction as the change, and a failed request
    forgets its claim with its rollback (the client may retry), or with its process."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside a transaction")
    now = now or timezone.now()
    if not _request_lock(user=user, key=key):
        raise _in_use()
    fresh = Claim(
        IdempotencyKey(
            user=user,
            key=key,
            fingerprint=fingerprint,
            created_at=now,
            expires_at=now + timedelta(hours=settings.ATELIER_IDEMPOTENCY_HOURS),
        ),
        replay=False,
    )
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return fresh
    if row.expires_at <= now:
        row.delete()
        return fresh
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used with a different request; use a new key for a new order."
        )
    if row.response_status is not None:
        return Claim(row, replay=True)
    # A row without a response is a claim the previous release committed before its request ran:
    # running still, or left by a crashed process once it is old.
    if row.created_at > now - STALE_AFTER:
        raise _in_use()
    row.delete()
    return fresh


def idempotency_complete(*, claim: Claim, status: int, body: Any) -> None:
    """Store the response; call it in the transaction that claimed the key and made the change.
    (A request with the key committed meanwhile without the lock, by the previous release, makes
    this an IntegrityError, answered 409, that rolls this one's change back.)"""
    claim.key.response_status, claim.key.response_body = status, body
    claim.key.save(force_insert=True)


def idempotency_purge(*, now: datetime | None = None) -> int:
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
