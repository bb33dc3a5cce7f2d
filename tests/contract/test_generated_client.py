"""A client generated from the published schema drives the customer flow against a live server,
and the flow type-checks against it: the schema is what the server sends, and it is complete."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.contract.checks import published_schema

FLOW = Path(__file__).with_name("customer_flow.py")


def _tools_path() -> str:
    """openapi-python-client formats what it writes with ruff, from the same environment."""
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("client")
    schema = folder / "schema.json"
    schema.write_text(json.dumps(published_schema()))
    result = subprocess.run(
        [
            Path(sys.executable).with_name("openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(folder / "atelier_api_client"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": _tools_path()},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def test_the_customer_flow_type_checks_against_the_generated_client(generated_client):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(FLOW)],
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(generated_client)},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_drives_the_customer_flow(
    generated_client, live_server, demo_catalogue, customer
):
    sys.path.insert(0, str(generated_client))
    try:
        flow = importlib.import_module("tests.contract.customer_flow")
        result = flow.run(live_server.url, Token.objects.create(user=customer).key)
    finally:
        sys.path.remove(str(generated_client))
        for name in [
            name
            for name in sys.modules
            if name.startswith(("atelier_api_client", "tests.contract.customer_flow"))
        ]:
            del sys.modules[name]
    assert sorted(result.products) == ["city-bike", "custom-shirt", "office-chair"]
    assert result.configured_mode.value == "batch"
    assert result.configured_total == result.quote_total > 0
    assert result.order_status.value == "placed"
    assert result.replayed
    assert result.cancelled.value == "cancelled"
    assert len(result.listed) == 1
    # 899 + steel 120 + one setup 180 / 25 at 25 % margin (9.60), made in a batch
    assert result.configuration_order_total == Decimal("1028.60")
