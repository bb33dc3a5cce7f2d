"""Idempotency keys: the same key and request gets the same response and one effect; the same key
with another request is refused (422); a second request while the first runs is refused (409)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
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
#: A claim older than this whose request never finished (a crashed process) may be taken over.
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
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInputError.for_field(HEADER, f"Use up to {MAX_KEY_LENGTH} printable characters.")
    return key


def idempotency_claim(*, user: User, key: str, fingerprint: str, now: datetime | None = None) -> Claim:
    """Claim a key for this request (committed at once, so that a concurrent request sees it), or
    find the response a finished request with the same key and body got."""
    now = now or timezone.now()
    expires_at = now + timedelta(hours=settings.ATELIER_IDEMPOTENCY_HOURS)
    for _ in range(2):
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, created_at=now, expires_at=expires_at
                )
            return Claim(row, replay=False)
        except IntegrityError:
            pass
        found = IdempotencyKey.objects.filter(user=user, key=key).first()
        if found is None:
            continue  # released meanwhile: claim it again
        row = found
        if row.expires_at <= now:
            IdempotencyKey.objects.filter(pk=row.pk, expires_at__lte=now).delete()
            continue
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                "This Idempotency-Key was already used with a different request; use a new key for a new "
                "order."
            )
        if row.response_status is not None:
            return Claim(row, replay=True)
        if row.created_at <= now - STALE_AFTER and IdempotencyKey.objects.filter(
            pk=row.pk, created_at=row.created_at, response_status__isnull=True
        ).update(created_at=now):
            row.created_at = now
            return Claim(row, replay=False)
        raise ConflictError(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code=ErrorCode.IDEMPOTENCY_KEY_IN_USE,
        )
    raise ConflictError(
        "This Idempotency-Key is changing under us; retry shortly.", code=ErrorCode.IDEMPOTENCY_KEY_IN_USE
    )


def idempotency_complete(*, claim: Claim, status: int, body: Any) -> None:
    """Store the response; call it in the transaction that made the change."""
    IdempotencyKey.objects.filter(pk=claim.key.pk).update(response_status=status, response_body=body)


def idempotency_release(*, claim: Claim) -> None:
    """Forget a claim whose request failed, so that the client may retry with the same key."""
    IdempotencyKey.objects.filter(pk=claim.key.pk, response_status__isnull=True).delete()


def idempotency_purge(*, now: datetime | None = None) -> int:
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
