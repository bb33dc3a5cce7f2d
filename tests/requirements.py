"""What some tests need from outside the repository: where it is missing, the test is skipped on a
developer's machine and fails in CI (``CI=true``), where everything must be there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The shared benchmark models, beside the repository (CI clones it with ../shared next to it).
BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def unavailable(reason: str) -> None:
    """Skip the test here, fail it in CI."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def shared_benchmark(relative: str) -> Path:
    """A shared model file."""
    path = BENCHMARKS / relative
    if not path.exists():
        unavailable(f"shared benchmark model {path} is not there (clone ../shared beside the repository)")
    return path


def require_uvlparser() -> None:
    """UVL needs the optional uvlparser extra."""
    try:
        import uvl  # noqa: F401
    except ImportError:
        unavailable("uvlparser is not installed (pip install -e '.[uvl]')")
