"""Run the whole system locally: migrate, load the demo catalogue, start the web server and a
Celery worker, and say where to go. Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurator.plumbing.broker import broker_problem
from products.management.commands.load_demo import DEMO_USERS

QUEUES = "default"


class Command(BaseCommand):
    help = "Set up and run Atelier locally: web server, Celery worker and the demo catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        problem = broker_problem(settings.CELERY_BROKER_URL)
        if problem:
            raise CommandError(
                f"Redis, the Celery broker, is not reachable at {settings.CELERY_BROKER_URL}\n"
                f"  ({problem}).\n"
                "Start it, then run this command again:\n"
                "  redis-server --daemonize yes   (Debian/Ubuntu: sudo apt-get install redis-server)\n"
                "  or: docker run -d -p 6379:6379 redis:7\n"
                "or point CELERY_BROKER_URL at a Redis that is running."
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        processes = self.start(host, port, web_workers)
        self.banner(host, port)
        self.supervise(processes)

    def start(self, host: str, port: int, web_workers: int) -> dict[str, subprocess.Popen]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "configurator.settings"}
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
                str(settings.BASE_DIR / "var" / "celerybeat-schedule"),
            ],
            "worker": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "configurator",
                "worker",
                "--loglevel",
                "INFO",
                "--queues",
                QUEUES,
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
            ],
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

    def supervise(self, processes: dict[str, subprocess.Popen]) -> None:
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = None
        while not stopping and failed is None:
            time.sleep(0.5)
            failed = next((name for name, process in processes.items() if process.poll() is not None), None)
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
                f"The {failed} process stopped (exit code {processes[failed].returncode}); "
                "everything was shut down. See its output above."
            )
        self.stdout.write("Stopped.")
