"""The engine, the services and selectors, and the shared plumbing type-check under mypy (with the
Django and DRF plugins; configuration in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

CHECKED = [
    "configurator/engine",
    "configurator/plumbing",
    "configurator/configure",
    "products/services.py",
    "products/selectors.py",
    "products/runtime.py",
    "orders/services.py",
    "orders/selectors.py",
    "orders/idempotency.py",
    "orders/outbox.py",
    "orders/webhooks.py",
    "products/compilation.py",
    "manufacturing/services.py",
    "manufacturing/clock.py",
    "manufacturing/loading.py",
    "manufacturing/tracking.py",
    "manufacturing/load.py",
    "manufacturing/footprint.py",
    "manufacturing/sampling.py",
    "manufacturing/validation.py",
    "manufacturing/documents.py",
    "manufacturing/spec.py",
    "manufacturing/simulation",
]


def test_services_selectors_and_plumbing_type_check():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *CHECKED],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
