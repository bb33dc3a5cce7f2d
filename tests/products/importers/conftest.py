from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

#: The shared benchmark models, beside the repository (CI clones it with ../shared next to it).
BENCHMARKS = Path(settings.BASE_DIR).parent / "shared" / "benchmarks"


def benchmark(relative: str) -> Path:
    """A shared model file; skipped when the folder is absent locally, a failure on CI."""
    path = BENCHMARKS / relative
    if not path.exists():
        reason = f"shared benchmark model {path} is not there (clone ../shared beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def require_uvlparser() -> None:
    """UVL needs the optional uvlparser extra: skipped without it (a failure on CI)."""
    try:
        import uvl  # noqa: F401
    except ImportError:
        reason = "uvlparser is not installed (pip install -e '.[uvl]')"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def uvlparser() -> None:
    require_uvlparser()
