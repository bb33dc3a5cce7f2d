"""The factory's simulated clock: one database row, so that every worker process reads one time.

Simulated now = ``sim_anchor`` + (real now - ``real_anchor``) x scale, where the scale
(``ATELIER_SIM_TIME_SCALE``) is simulated seconds per real second. When the setting changes, the
row is re-anchored at the simulated time it had reached, under a row lock, so simulated time never
jumps. Scale 0 runs the factory as fast as the workers go: every stage is due at once, and simulated
time reads as real time (a work item still records its simulated minutes, ``sim_end - sim_start``)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SimulationClock

CLOCK_PK = 1


def configured_scale() -> float:
    """Simulated seconds per real second; 0: as fast as the workers go."""
    scale = float(settings.ATELIER_SIM_TIME_SCALE)
    if scale < 0:
        raise ValueError("ATELIER_SIM_TIME_SCALE must be 0 or more.")
    return scale


def _reading_rate(scale: float) -> float:
    """How fast simulated time runs when read: at scale 0 it keeps pace with real time."""
    return scale or 1.0


def _sim_at(clock: SimulationClock, real: datetime) -> datetime:
    return clock.sim_anchor + (real - clock.real_anchor) * _reading_rate(clock.scale)


#: (when read, the row): the row changes only when re-anchored, so every stage start need not read it.
_kept: tuple[float, SimulationClock] | None = None


def clock_get(*, now: datetime | None = None) -> SimulationClock:
    """The clock row, re-anchored first when the scale setting changed since it was anchored; kept
    in this process for ``ATELIER_FACTORY_SPEC_SECONDS`` while the scale setting stays the same."""
    global _kept
    scale = configured_scale()
    read_at = time.monotonic()
    if (
        _kept is not None
        and _kept[1].scale == scale
        and read_at - _kept[0] < settings.ATELIER_FACTORY_SPEC_SECONDS
    ):
        return _kept[1]
    clock = SimulationClock.objects.filter(pk=CLOCK_PK).first()
    if clock is None or clock.scale != scale:
        clock = _clock_reanchor(scale=scale, now=now or timezone.now())
    _kept = (read_at, clock)
    return clock


@transaction.atomic
def _clock_reanchor(*, scale: float, now: datetime) -> SimulationClock:
    clock, created = SimulationClock.objects.select_for_update().get_or_create(
        pk=CLOCK_PK, defaults={"real_anchor": now, "sim_anchor": now, "scale": scale}
    )
    if created or clock.scale == scale:
        # Another process re-anchored it meanwhile (or this one made it): nothing left to do.
        return clock
    clock.sim_anchor = _sim_at(clock, now)
    clock.real_anchor = now
    clock.scale = scale
    clock.save(update_fields=["sim_anchor", "real_anchor", "scale"])
    return clock


def sim_now(*, now: datetime | None = None) -> datetime:
    """The simulated time at real time ``now`` (default: this moment)."""
    now = now or timezone.now()
    return _sim_at(clock_get(now=now), now)


def real_due(*, minutes: Decimal, now: datetime | None = None) -> datetime:
    """The real time at which ``minutes`` of simulated work started at ``now`` is finished: now
    at scale 0."""
    now = now or timezone.now()
    scale = clock_get(now=now).scale
    if scale == 0:
        return now
    return now + timedelta(minutes=float(minutes) / scale)


def stage_times(*, minutes: Decimal, now: datetime | None = None) -> tuple[datetime, datetime]:
    """For work of ``minutes`` simulated minutes starting at real ``now``: its simulated start and
    the real time it is due (one reading of the clock)."""
    now = now or timezone.now()
    clock = clock_get(now=now)
    due = now if clock.scale == 0 else now + timedelta(minutes=float(minutes) / clock.scale)
    return _sim_at(clock, now), due
