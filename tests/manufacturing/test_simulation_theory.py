"""The SimPy factory against references no one here wrote: the M/M/1 and M/M/c formulas, Little's
law, and an independent Ciw model of the demo factory's routes.

The Ciw comparison (docs/simulation.md, "Checked against theory"): the demo factory with every
changeover and defect probability set to 0 (so no rework, and no sequence-dependent setup, which a
Jackson-like network cannot express), batch-mode orders not batched, conditional stages left out
(a route then visits no work centre twice, so a Ciw customer class has one service distribution per
node), quantity 1, exponential service with the stage's mean (setup + minutes per unit) and the
same Poisson arrivals split by the same mix."""

from __future__ import annotations

import dataclasses
import statistics
from decimal import Decimal

import ciw
import pytest

from manufacturing.documents import demo_factory_spec
from manufacturing.simulation import SimulationSettings, simulation_run
from manufacturing.simulation.demand import mix_parse
from manufacturing.simulation.runner import arrival_rate_per_hour
from manufacturing.simulation.theory import (
    confidence_interval,
    mm1_time_in_system,
    mmc_time_in_system,
)
from manufacturing.spec import FactorySpec, RouteSpec, StageSpec, WorkCentreSpec

TOLERANCE = 0.05


def one_centre_factory(*, servers: int, mean_service_minutes: float) -> FactorySpec:
    centre = WorkCentreSpec(
        code="bench",
        name="Bench",
        queue="standard",
        capacity=servers,
        labour_rate_per_hour=Decimal(30),
        changeover_minutes=Decimal(0),
    )
    stage = StageSpec(
        operation="make",
        work_centre="bench",
        setup_minutes=Decimal(0),
        minutes_per_unit=Decimal(str(mean_service_minutes)),
    )
    return FactorySpec(
        work_centres={"bench": centre},
        routes=(RouteSpec(product="widget", mode="standard", name="One stage", stages=(stage,)),),
    )


def replicated_time_in_system(factory: FactorySpec, *, rate_per_hour: float, orders: int, replications: int):
    means, work_in_progress = [], []
    for seed in range(replications):
        settings = SimulationSettings(
            orders=orders,
            mix="widget:standard=1",
            seed=seed,
            rate_per_hour=rate_per_hour,
            exponential_service=True,
        )
        [report] = simulation_run(factory=factory, settings=settings)
        assert report.little_holds
        means.append(report.total.lead_time_mean)
        work_in_progress.append(report.total.wip)
    return confidence_interval(means), statistics.fmean(work_in_progress)


@pytest.mark.parametrize(
    ("servers", "utilisation"),
    [pytest.param(1, 0.5, id="M/M/1"), pytest.param(3, 0.6, id="M/M/3")],
)
def test_mean_time_in_system_matches_the_formula(servers, utilisation, capsys):
    mean_service = 10.0  # minutes
    service_rate = 1 / mean_service
    arrival_rate = utilisation * servers * service_rate
    if servers == 1:
        theory = mm1_time_in_system(arrival_rate=arrival_rate, service_rate=service_rate)
    else:
        theory = mmc_time_in_system(arrival_rate=arrival_rate, service_rate=service_rate, servers=servers)
    (mean, low, high), wip = replicated_time_in_system(
        one_centre_factory(servers=servers, mean_service_minutes=mean_service),
        rate_per_hour=arrival_rate * 60,
        orders=8_000,
        replications=16,
    )
    with capsys.disabled():
        print(
            f"\nM/M/{servers} at rho {utilisation}: W simulated {mean:.3f} min, "
            f"95 % CI [{low:.3f}, {high:.3f}] "
            f"(width {(high - low) / theory:.2%} of W), formula {theory:.3f} min, "
            f"error {abs(mean - theory) / theory:.2%}; mean WIP {wip:.3f} against L = lambda W "
            f"{arrival_rate * theory:.3f}"
        )
    assert (high - low) < TOLERANCE * theory, "the interval must be narrower than the tolerance"
    assert abs(mean - theory) < TOLERANCE * theory
    # The time-average WIP (integrated at arrivals and departures) against the formula's L.
    assert abs(wip - arrival_rate * theory) < TOLERANCE * arrival_rate * theory


def jackson_factory(factory: FactorySpec) -> FactorySpec:
    """The factory without changeovers, defects and conditional stages (see the module docstring)."""
    centres = {
        code: dataclasses.replace(centre, changeover_minutes=Decimal(0))
        for code, centre in factory.work_centres.items()
    }
    routes = tuple(
        dataclasses.replace(
            route,
            stages=tuple(
                dataclasses.replace(stage, defect_probability=Decimal(0))
                for stage in route.stages
                if not stage.condition
            ),
        )
        for route in factory.routes
    )
    return dataclasses.replace(factory, work_centres=centres, routes=routes)


def ciw_network(factory: FactorySpec, *, mix_text: str, rate_per_minute: float):
    """The same open network in Ciw: one node per work centre with its capacity as servers, one
    customer class per mix entry arriving at its route's first work centre (Poisson, rate split by
    the mix), exponential service per class and node with the stage's mean, the route as a fixed
    process."""
    nodes = list(factory.work_centres)
    arrivals, services, routing = {}, {}, {}
    for entry in mix_parse(text=mix_text, factory=factory):
        name = f"{entry.product}:{entry.mode}"
        stages = factory.route_for(entry.product, entry.mode).stages
        path = [nodes.index(stage.work_centre) + 1 for stage in stages]
        assert len(set(path)) == len(path), f"{name} visits a work centre twice"
        arrivals[name] = [None] * len(nodes)
        arrivals[name][path[0] - 1] = ciw.dists.Exponential(rate=rate_per_minute * entry.share)
        services[name] = [ciw.dists.Exponential(rate=1.0) for _ in nodes]
        for stage in stages:
            mean = float(stage.setup_minutes + stage.minutes_per_unit)
            services[name][nodes.index(stage.work_centre)] = ciw.dists.Exponential(rate=1 / mean)
        routing[name] = ciw.routing.ProcessBased(lambda individual, simulation, rest=path[1:]: list(rest))
    network = ciw.create_network(
        arrival_distributions=arrivals,
        service_distributions=services,
        routing=routing,
        number_of_servers=[factory.work_centres[code].capacity for code in nodes],
    )
    return network, nodes


def ciw_replication(network, nodes, *, seed: int, minutes: float) -> tuple[float, dict[str, float]]:
    """Mean time in the factory of the customers that arrived within ``minutes`` (run a little
    longer so that they have left), and each work centre's utilisation."""
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(minutes * 1.05)
    still_inside = {
        individual.id_number for node in simulation.transitive_nodes for individual in node.all_individuals
    }
    first_arrival, last_exit = {}, {}
    for record in simulation.get_all_records():
        key = record.id_number
        first_arrival[key] = min(first_arrival.get(key, record.arrival_date), record.arrival_date)
        last_exit[key] = max(last_exit.get(key, record.exit_date), record.exit_date)
    times = [
        last_exit[key] - first_arrival[key]
        for key in last_exit
        if key not in still_inside and first_arrival[key] <= minutes
    ]
    utilisation = {
        code: node.server_utilisation for code, node in zip(nodes, simulation.transitive_nodes, strict=True)
    }
    return statistics.fmean(times), utilisation


def test_demo_routes_agree_with_an_independent_ciw_model(capsys):
    factory = jackson_factory(demo_factory_spec())
    orders, replications = 8_000, 10
    settings = SimulationSettings(
        orders=orders,
        load=0.7,
        conditional_share=0,
        policies=("batch=off",),
        exponential_service=True,
    )
    rate_per_minute = arrival_rate_per_hour(factory=factory, settings=settings) / 60
    network, nodes = ciw_network(factory, mix_text=settings.mix, rate_per_minute=rate_per_minute)
    simpy_leads, ciw_leads = [], []
    simpy_use = {code: [] for code in nodes}
    ciw_use = {code: [] for code in nodes}
    for seed in range(replications):
        [report] = simulation_run(factory=factory, settings=dataclasses.replace(settings, seed=seed))
        assert report.little_holds
        simpy_leads.append(report.total.lead_time_mean)
        for centre in report.centres:
            simpy_use[centre.code].append(centre.utilisation)
        lead, utilisation = ciw_replication(network, nodes, seed=seed, minutes=orders / rate_per_minute)
        ciw_leads.append(lead)
        for code, value in utilisation.items():
            ciw_use[code].append(value)
    simpy_mean, simpy_low, simpy_high = confidence_interval(simpy_leads)
    ciw_mean, ciw_low, ciw_high = confidence_interval(ciw_leads)
    lines = [
        f"\nDemo routes, {replications} x {orders} orders: mean lead time SimPy {simpy_mean:.2f} min "
        f"[{simpy_low:.2f}, {simpy_high:.2f}], Ciw {ciw_mean:.2f} min [{ciw_low:.2f}, {ciw_high:.2f}], "
        f"difference {abs(simpy_mean - ciw_mean) / ciw_mean:.2%}"
    ]
    for code in nodes:
        ours, theirs = statistics.fmean(simpy_use[code]), statistics.fmean(ciw_use[code])
        lines.append(
            f"  {code:>16}: utilisation SimPy {ours:.3f}, Ciw {theirs:.3f}, {abs(ours - theirs) / theirs:.2%}"
        )
    with capsys.disabled():
        print("\n".join(lines))
    assert simpy_high - simpy_low < TOLERANCE * ciw_mean and ciw_high - ciw_low < TOLERANCE * ciw_mean
    assert abs(simpy_mean - ciw_mean) < TOLERANCE * ciw_mean
    for code in nodes:
        ours, theirs = statistics.fmean(simpy_use[code]), statistics.fmean(ciw_use[code])
        assert abs(ours - theirs) < TOLERANCE * theirs, code
