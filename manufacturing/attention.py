"""Staff attention on jobs: a job that keeps failing is flagged by the flow; staff clear the flag
once they have dealt with it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Job


@transaction.atomic
def job_attention_clear(*, job_ids: Iterable[int]) -> int:
    """Clear the attention flag and reason of these jobs; answers how many were flagged."""
    jobs = Job.objects.select_for_update().filter(pk__in=list(job_ids), needs_attention=True).order_by("pk")
    return jobs.update(needs_attention=False, attention_reason="")
