"""Health endpoints for load balancers and orchestrators, outside the API (no authentication, no
throttling, never redirected to HTTPS): ``/healthz`` says the process answers, ``/readyz`` whether
it can serve requests."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is touched, so a slow database never gets it restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readiness(request: HttpRequest) -> JsonResponse:
    """Ready when the database answers (503 when not). The shared cache is reported but not
    required: throttling and configure answers carry on without it. The broker is not asked: the
    web tier never waits on it (orders wait in the outbox)."""
    checks = {"database": _database(), "cache": _cache()}
    ready = checks["database"] == "ok"
    return JsonResponse({"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"failing ({type(error).__name__})"
    return "ok"


def _cache() -> str:
    if str(settings.CACHES["default"]["BACKEND"]).endswith("LocMemCache"):
        return "per process"
    try:
        cache.get("readyz")
    except Exception as error:  # the cache backends raise their client's errors
        return f"failing ({type(error).__name__})"
    return "ok"
