"""``python manage.py simulate``: the what-if simulation (docs/simulation.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from manufacturing.documents import demo_factory_spec
from manufacturing.loading import factory_spec_get
from manufacturing.simulation import (
    DEFAULT_MIX,
    DemandError,
    SimulationSettings,
    comparison_render,
    report_render,
    simulation_run,
)
from manufacturing.simulation.chart import chart_write
from manufacturing.simulation.live import live_compare, live_render, live_trace_get
from manufacturing.simulation.model import MAX_REMAKES
from manufacturing.spec import FactorySpec


class Command(BaseCommand):
    help = (
        "Run a demand mix through the factory's routes in SimPy and report per production mode and "
        "work centre, against the standard route; one report per --policy, on the same orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=1000, help="Orders to simulate (default 1000).")
        parser.add_argument(
            "--mix", default=DEFAULT_MIX, help="product:mode=share,... (shares are normalised)."
        )
        parser.add_argument("--seed", type=int, default=0, help="Same seed, same report.")
        parser.add_argument(
            "--policy",
            action="append",
            help="size=N,window=MIN,batch=on|off over the factory's batch policy; repeat to compare. "
            "Default: the factory's own.",
        )
        parser.add_argument("--rate", type=float, help="Orders per hour (default: from --load).")
        parser.add_argument(
            "--load",
            type=float,
            default=0.9,
            help="Size the arrival rate so that the busiest centre would be this busy if every batch and "
            "custom order paid a changeover (default 0.9).",
        )
        parser.add_argument("--quantity", default="1", help="Units per order: 2, or a range 1-3.")
        parser.add_argument(
            "--conditional-share",
            type=float,
            default=0.3,
            help="Probability that an order takes each conditional stage of its route (default 0.3).",
        )
        parser.add_argument(
            "--setup-keys", type=int, default=3, help="Colours/fabrics per product (default 3)."
        )
        parser.add_argument(
            "--service",
            choices=("deterministic", "exponential"),
            default="deterministic",
            help="Stage times: as the route says, or exponential with that mean.",
        )
        parser.add_argument("--chart", type=Path, help="Write the chart to this PNG file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--demo", action="store_true", help="Use the demo factory file, not the database's."
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Instead: the live factory's finished orders beside the prediction for the same arrivals.",
        )

    def handle(self, *args, **options) -> None:
        factory, source = self.factory(use_demo=options["demo"])
        self.stdout.write(f"Factory: {source}.\n")
        if options["live"]:
            comparison = live_compare(factory=factory, trace=live_trace_get(), seed=options["seed"])
            self.stdout.write(live_render(comparison) + "\n")
            return
        settings = SimulationSettings(
            orders=options["orders"],
            mix=options["mix"],
            seed=options["seed"],
            policies=tuple(options["policy"] or ("configured",)),
            rate_per_hour=options["rate"],
            load=options["load"],
            quantity=options["quantity"],
            conditional_share=options["conditional_share"],
            setup_keys=options["setup_keys"],
            exponential_service=options["service"] == "exponential",
            # The live factory's limit, once its settings define one.
            max_remakes=getattr(django_settings, "ATELIER_FACTORY_MAX_REMAKES", MAX_REMAKES),
        )
        quiet = options["no_progress"] or not sys.stderr.isatty()
        with tqdm(
            total=settings.orders * len(settings.policies), unit="order", disable=quiet, file=sys.stderr
        ) as progress:
            try:
                reports = simulation_run(factory=factory, settings=settings, on_complete=progress.update)
            except DemandError as error:
                raise CommandError(f"--{error.field.replace('_', '-')}: {error}") from None
        for report in reports:
            self.stdout.write(report_render(report) + "\n\n")
        if len(reports) > 1:
            self.stdout.write("Policies compared:\n" + comparison_render(reports) + "\n")
        if options["chart"]:
            chart_write(reports=reports, path=options["chart"])
            self.stdout.write(f"Chart: {options['chart']}\n")

    def factory(self, *, use_demo: bool) -> tuple[FactorySpec, str]:
        """The database's factory when one is loaded (``load_demo``, ``import_factory``), else the
        demo file."""
        if not use_demo:
            factory = factory_spec_get()
            if factory.routes:
                return factory, "the database's"
        return demo_factory_spec(), "the demo file (manufacturing/demo/factory.json)"
