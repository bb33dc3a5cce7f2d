"""Queueing theory the simulation is checked against (tests/manufacturing/test_simulation_theory.py),
and the confidence interval of a mean over independent replications."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from statistics import NormalDist


def mm1_time_in_system(*, arrival_rate: float, service_rate: float) -> float:
    """M/M/1: W = 1 / (mu - lambda)."""
    if arrival_rate >= service_rate:
        raise ValueError("An M/M/1 queue is stable only when lambda < mu.")
    return 1 / (service_rate - arrival_rate)


def erlang_c(*, servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda / mu < c)."""
    if offered_load >= servers:
        raise ValueError("An M/M/c queue is stable only when lambda / mu < c.")
    term = 1.0
    total = 1.0
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    last = term * offered_load / servers * servers / (servers - offered_load)
    return last / (total + last)


def mmc_time_in_system(*, arrival_rate: float, service_rate: float, servers: int) -> float:
    """M/M/c: W = C(c, a) / (c mu - lambda) + 1 / mu."""
    wait = erlang_c(servers=servers, offered_load=arrival_rate / service_rate)
    return wait / (servers * service_rate - arrival_rate) + 1 / service_rate


def t_quantile(probability: float, degrees: int) -> float:
    """Student's t quantile by the Cornish-Fisher expansion around the normal (Abramowitz and
    Stegun 26.7.5); within 1e-3 of the table from 5 degrees of freedom."""
    z = NormalDist().inv_cdf(probability)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    n = degrees
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def confidence_interval(values: Sequence[float], *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the ``level`` confidence interval of the mean of independent replications."""
    if len(values) < 2:
        raise ValueError("A confidence interval needs at least two replications.")
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) / math.sqrt(len(values))
    half = t_quantile(1 - (1 - level) / 2, len(values) - 1) * spread
    return mean, mean - half, mean + half
