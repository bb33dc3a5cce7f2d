"""The whole project type-checks under mypy (with the Django and DRF plugins; configuration in
pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

CHECKED = ["configurator", "products", "orders", "manufacturing", "accounts"]


def test_the_project_type_checks():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", *CHECKED],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
