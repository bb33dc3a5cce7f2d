"""The schema is generated once per process and format, then served from memory."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from configurator.plumbing.schema import SchemaApi


@pytest.fixture
def cold_schema(monkeypatch):
    """A process that has not served the schema yet; counts generations."""
    monkeypatch.setattr(SchemaApi, "_rendered", {})
    calls: list[int] = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    return calls


def test_the_schema_is_generated_once_per_format(api_client, cold_schema):
    first = api_client.get("/api/schema/?format=json")
    assert first.status_code == 200
    assert first["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert first.json()["openapi"] == "3.1.0"
    for _ in range(3):
        again = api_client.get("/api/schema/?format=json")
        assert again.content == first.content
    assert len(cold_schema) == 1
    yaml = api_client.get("/api/schema/")
    assert yaml.status_code == 200 and yaml.content.startswith(b"openapi: 3.1.0")
    assert api_client.get("/api/schema/").content == yaml.content
    assert len(cold_schema) == 2


def test_a_version_parameter_does_not_change_or_regenerate_the_schema(api_client, cold_schema):
    plain = api_client.get("/api/schema/?format=json").content
    assert api_client.get("/api/schema/?format=json&version=evil").content == plain
    assert len(cold_schema) == 1


def test_staff_and_anonymous_get_the_same_schema(api_client, staff_client, cold_schema):
    assert (
        api_client.get("/api/schema/?format=json").content
        == staff_client.get("/api/schema/?format=json").content
    )
    assert len(cold_schema) == 1
