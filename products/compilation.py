"""Compiling published versions ahead of customers.

A version's engine model is compiled once, when it is published, never in a customer's request:
documents up to ``ATELIER_COMPILE_INLINE_BYTES`` (every hand-made product; compiling takes
milliseconds) while publishing, larger ones (imported car lines) by the ``products.compile_version``
task on a worker. A version compiled in the background becomes the product's current version when
it is ready, so customers keep the previous version meanwhile; staff see the state, the figures or
the reason it failed in the admin and the versions API. A host whose cache lacks a large version
(a new host, an engine upgrade) asks a worker again and answers 503 with ``Retry-After`` meanwhile.

Once compiled, a version's explanations are precomputed (:mod:`configurator.engine.precomputed`):
while publishing for documents up to ``ATELIER_PRECOMPUTE_INLINE_BYTES``, else by the
``products.precompute_version`` task, with its progress on the version row. The answers are kept on
disk beside the compiled model; until they are there, the version answers with explanations within
``ATELIER_EXPLAIN_BUDGET_MS``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from configurator.engine.errors import ModelError

from .models import CompileState, PrecomputeState, Product, ProductVersion
from .runtime import runtime_cached, runtime_compile, runtime_precompute, runtime_precomputed

logger = logging.getLogger(__name__)


def compiles_inline(document_bytes: int) -> bool:
    """Whether a document this size is compiled where it is needed (publish, request)."""
    return document_bytes <= settings.ATELIER_COMPILE_INLINE_BYTES


def precomputes_inline(document_bytes: int) -> bool:
    """Whether a document this size has its explanations precomputed while publishing."""
    return document_bytes <= settings.ATELIER_PRECOMPUTE_INLINE_BYTES


def version_compile(*, version_id: int) -> ProductVersion:
    """Compile a version if this host does not have it, record the outcome and, once ready, make
    it the product's current version unless a newer one is. Safe to run twice or concurrently:
    the version row is locked while its state changes, and compiling is idempotent."""
    with transaction.atomic():
        version = ProductVersion.objects.select_for_update().get(pk=version_id)
        if version.compile_state == CompileState.READY and runtime_cached(checksum=version.checksum):
            if not runtime_precomputed(checksum=version.checksum):
                version_precompute_request(version_id=version.pk)
            return version
        if version.compile_state == CompileState.FAILED:
            return version
        version.compile_state = CompileState.COMPILING
        version.compile_started_at = timezone.now()
        version.save(update_fields=["compile_state", "compile_started_at"])
    try:
        stats = runtime_compile(checksum=version.checksum, document=version.document)
    except ModelError as error:
        return _record_failure(version_id, str(error))
    with transaction.atomic():
        version = ProductVersion.objects.select_for_update().get(pk=version_id)
        version.compile_state = CompileState.READY
        version.compile_error = ""
        version.compiled_at = timezone.now()
        version.compile_stats = {
            "variables": stats.variables,
            "clauses": stats.clauses,
            "bytes": stats.bytes,
            "seconds": stats.seconds,
        }
        version.save(update_fields=["compile_state", "compile_error", "compiled_at", "compile_stats"])
        _make_current(version)
        version_precompute_request(version_id=version.pk)
    logger.info("Compiled %s in %.2f s (%s clauses)", version, stats.seconds, f"{stats.clauses:,}")
    return version


def _record_failure(version_id: int, reason: str) -> ProductVersion:
    with transaction.atomic():
        version = ProductVersion.objects.select_for_update().get(pk=version_id)
        version.compile_state = CompileState.FAILED
        version.compile_error = reason
        version.save(update_fields=["compile_state", "compile_error"])
    logger.warning("Version %s cannot be compiled: %s", version, reason)
    return version


def product_locked(*, product_id: int) -> Product:
    """The product row, locked (no key) until the transaction ends. Read its current version after
    this, by a statement of its own: joined into the locking statement, a row another transaction
    changed meanwhile is rechecked by PostgreSQL (READ COMMITTED) against the version row the
    statement first found, so a publish that waited for the lock saw the version before the one
    just published and published the same draft again."""
    return Product.objects.select_for_update(of=("self",), no_key=True).get(pk=product_id)


def _make_current(version: ProductVersion) -> None:
    product = product_locked(product_id=version.product_id)
    current = product.current_version
    if current is None or current.number < version.number:
        product.current_version = version
        product.save(update_fields=["current_version", "updated_at"])


def version_compile_request(*, version_id: int) -> None:
    """Have a worker compile the version, after the caller's transaction commits. Asked at most
    once a minute per version; a broker that cannot take it is left to the sweep."""
    from .tasks import compile_version_task

    _request_after_commit(compile_version_task, version_id, "compile", "compiled")


def _request_after_commit(task: Any, version_id: int, kind: str, done: str) -> None:
    """Send ``task`` for the version once the caller's transaction commits, at most once a minute
    per version and kind of work; a broker that cannot take it is left to the periodic sweep."""

    def send() -> None:
        key = f"{kind}-requested:{version_id}"
        if not cache.add(key, True, timeout=60):
            return
        try:
            task.delay(version_id)
        except Exception as error:  # the broker is down: the periodic sweep asks again
            cache.delete(key)
            logger.warning("Could not ask for version %s to be %s: %s", version_id, done, error)

    transaction.on_commit(send)


def version_precompute(*, version_id: int) -> ProductVersion:
    """Precompute the answers of a compiled version's explanations (see
    :mod:`configurator.engine.precomputed`), keep them on disk beside the compiled model, and record
    the progress, the figures or the reason it failed. Until then the version answers with
    explanations within ``ATELIER_EXPLAIN_BUDGET_MS``. Safe to run twice or concurrently, like
    :func:`version_compile`."""
    with transaction.atomic():
        version = ProductVersion.objects.select_for_update().get(pk=version_id)
        if version.compile_state != CompileState.READY or version.precompute_state == PrecomputeState.FAILED:
            return version
        done = version.precompute_state == PrecomputeState.READY
        if done and runtime_precomputed(checksum=version.checksum):
            return version
        version.precompute_state = PrecomputeState.RUNNING
        version.precompute_progress = 0
        version.precompute_started_at = timezone.now()
        version.save(update_fields=["precompute_state", "precompute_progress", "precompute_started_at"])
    try:
        stats = runtime_precompute(
            checksum=version.checksum,
            load_document=lambda: version.document,
            progress=_progress_recorder(version_id),
        )
    except Exception as error:  # recorded for staff; the version keeps answering without it
        logger.exception("Version %s: explanations cannot be precomputed", version)
        with transaction.atomic():
            version = ProductVersion.objects.select_for_update().get(pk=version_id)
            version.precompute_state = PrecomputeState.FAILED
            version.precompute_error = f"{type(error).__name__}: {error}"
            version.save(update_fields=["precompute_state", "precompute_error"])
        return version
    with transaction.atomic():
        version = ProductVersion.objects.select_for_update().get(pk=version_id)
        version.precompute_state = PrecomputeState.READY
        version.precompute_progress = 100
        version.precompute_error = ""
        version.precomputed_at = timezone.now()
        version.precompute_stats = asdict(stats)
        version.save(
            update_fields=[
                "precompute_state",
                "precompute_progress",
                "precompute_error",
                "precomputed_at",
                "precompute_stats",
            ]
        )
    logger.info(
        "Precomputed explanations of %s in %.1f s (%s pairs, %s triples)",
        version,
        stats.seconds,
        stats.pairs,
        stats.triples,
    )
    return version


def _progress_recorder(version_id: int) -> Callable[[float], None]:
    """Writes the percentage done on the version row, when it moves by a whole percent."""
    shown = 0

    def record(fraction: float) -> None:
        nonlocal shown
        percent = min(99, int(fraction * 100))
        if percent > shown:
            shown = percent
            ProductVersion.objects.filter(pk=version_id).update(precompute_progress=percent)

    return record


def version_precompute_request(*, version_id: int) -> None:
    """Have a worker precompute the version's explanations, after the caller's transaction commits
    (at most once a minute per version; a broker that cannot take it is left to the sweep)."""
    from .tasks import precompute_version_task

    _request_after_commit(precompute_version_task, version_id, "precompute", "precomputed")


def versions_compile_sweep() -> int:
    """Ask again for versions still waiting, or stuck compiling or precomputing (a worker died), to be
    compiled or precomputed."""
    stuck = timezone.now() - timedelta(seconds=settings.ATELIER_COMPILE_STUCK_SECONDS)
    waiting = ProductVersion.objects.filter(
        compile_state=CompileState.PENDING
    ) | ProductVersion.objects.filter(compile_state=CompileState.COMPILING, compile_started_at__lt=stuck)
    ids = list(waiting.values_list("pk", flat=True))
    for version_id in ids:
        version_compile_request(version_id=version_id)
    precompute_stuck = timezone.now() - timedelta(seconds=settings.ATELIER_PRECOMPUTE_STUCK_SECONDS)
    compiled = ProductVersion.objects.filter(compile_state=CompileState.READY)
    unanswered = compiled.filter(precompute_state=PrecomputeState.PENDING) | compiled.filter(
        precompute_state=PrecomputeState.RUNNING, precompute_started_at__lt=precompute_stuck
    )
    precompute_ids = list(unanswered.values_list("pk", flat=True))
    for version_id in precompute_ids:
        version_precompute_request(version_id=version_id)
    return len(ids) + len(precompute_ids)
