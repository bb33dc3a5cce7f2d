"""The simulated clock: reading it, due times under the scale, and re-anchoring when the scale
setting changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from manufacturing.clock import clock_get, real_due, sim_now, stage_times
from manufacturing.models import SimulationClock

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_the_first_reading_anchors_the_clock_at_real_time(settings):
    settings.ATELIER_SIM_TIME_SCALE = 60
    assert sim_now(now=START) == START
    assert SimulationClock.objects.get().scale == 60


def test_simulated_time_runs_scale_times_faster_than_real_time(settings):
    settings.ATELIER_SIM_TIME_SCALE = 60
    clock_get(now=START)
    assert sim_now(now=START + timedelta(seconds=10)) == START + timedelta(minutes=10)


def test_a_stage_of_n_simulated_minutes_is_due_n_over_scale_real_minutes_later(settings):
    settings.ATELIER_SIM_TIME_SCALE = 120
    assert real_due(minutes=Decimal(30), now=START) == START + timedelta(seconds=15)


def test_at_scale_zero_every_stage_is_due_at_once(settings):
    settings.ATELIER_SIM_TIME_SCALE = 0
    assert real_due(minutes=Decimal(500), now=START) == START
    # Simulated time still moves forward, at the pace of real time.
    assert sim_now(now=START + timedelta(seconds=5)) == START + timedelta(seconds=5)


def test_a_changed_scale_re_anchors_where_simulated_time_had_reached(settings):
    settings.ATELIER_SIM_TIME_SCALE = 60
    clock_get(now=START)
    settings.ATELIER_SIM_TIME_SCALE = 600
    reached = START + timedelta(minutes=10)  # 10 real seconds at 60x
    assert sim_now(now=START + timedelta(seconds=10)) == reached
    clock = SimulationClock.objects.get()
    assert (clock.scale, clock.sim_anchor, clock.real_anchor) == (600, reached, START + timedelta(seconds=10))
    assert sim_now(now=START + timedelta(seconds=11)) == reached + timedelta(minutes=10)


def test_a_negative_scale_is_refused(settings):
    settings.ATELIER_SIM_TIME_SCALE = -1
    with pytest.raises(ValueError, match="0 or more"):
        sim_now()


def test_stage_times_read_the_clock_once_for_the_simulated_start_and_the_real_due_time(settings):
    settings.ATELIER_SIM_TIME_SCALE = 60
    clock_get(now=START)
    later = START + timedelta(seconds=10)
    assert stage_times(minutes=Decimal(5), now=later) == (
        START + timedelta(minutes=10),
        later + timedelta(seconds=5),
    )
