"""Housekeeping of the throttle's database counters, run by Celery beat."""

from __future__ import annotations

from django.utils import timezone

from configurator.plumbing.task import atelier_task

from .models import RateCounter


@atelier_task(name="throttling.purge_counters")
def purge_counters_task() -> int:
    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
