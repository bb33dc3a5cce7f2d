"""The what-if simulation of the factory in SimPy (docs/simulation.md): the same routes, work
centres, batch policy and sampling plans as the live Celery factory, run over a demand mix in
simulated minutes, reported per production mode and work centre against mass production."""

from .demand import DEFAULT_MIX, DemandError, SimOrder
from .policy import Policy
from .report import Report, comparison_render, report_render
from .runner import SimulationSettings, simulation_run

__all__ = [
    "DEFAULT_MIX",
    "DemandError",
    "Policy",
    "Report",
    "SimOrder",
    "SimulationSettings",
    "comparison_render",
    "report_render",
    "simulation_run",
]
