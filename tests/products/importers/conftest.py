from __future__ import annotations

import pytest

from tests.requirements import require_uvlparser


@pytest.fixture
def uvlparser() -> None:
    require_uvlparser()
