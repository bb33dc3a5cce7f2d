"""The project as a whole: settings, schema, docs, error bodies, management commands."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from rest_framework import exceptions

from configurator.plumbing.handler import exception_handler, field_errors

pytestmark = pytest.mark.django_db


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_schema_is_openapi_3_1_and_lists_the_catalogue(api_client):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"] == "3.1.0"
    assert {"/api/products/", "/api/products/{code}/", "/api/products/import"} <= set(schema["paths"])
    detail = schema["paths"]["/api/products/{code}/"]["get"]["responses"]
    assert {"200", "404"} <= set(detail)


def test_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


def test_interactive_docs_and_home_page(client, demo_catalogue):
    assert client.get("/api/docs/").status_code == 200
    home = client.get("/")
    assert home.status_code == 200
    assert b"City bike" in home.content and b"/api/docs/" in home.content


def test_drf_create_token_command(customer):
    out = StringIO()
    call_command("drf_create_token", customer.username, stdout=out)
    assert out.getvalue().startswith("Generated token ")


def test_a_missing_secret_key_with_debug_off_is_refused():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY: it is required when DEBUG is off." in result.stderr


def test_deploy_check_leaves_only_the_operators_hsts_choices():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-" + "y9Z" * 15,
        ALLOWED_HOSTS="shop.example.com",
    )
    assert result.returncode == 0, result.stderr
    warnings = sorted(
        line.split(")")[0].split("(")[1] for line in result.stderr.splitlines() if "(security." in line
    )
    assert warnings == ["security.W005", "security.W021"]


def test_a_bad_boolean_in_the_environment_is_a_clear_error():
    result = manage("check", DEBUG="maybe")
    assert "ImproperlyConfigured: DEBUG must be true or false, not 'maybe'." in result.stderr


@pytest.mark.skipif(
    connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None,
    reason="PostgreSQL only, and not with DATABASE_PREPARED_STATEMENTS off",
)
def test_postgresql_prepares_the_statements_a_connection_repeats():
    query = "SELECT count(*) FROM products_product WHERE code = %s"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(query, ["city-bike"])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert "SELECT count(*) FROM products_product WHERE code = $1" in prepared


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    script = "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS']))"
    url = "postgres://shop@db.example.com:5432/atelier"
    on = manage("shell", "--no-imports", "-c", script, DATABASE_URL=url)
    off = manage("shell", "--no-imports", "-c", script, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="no")
    assert on.stdout.strip() == "['prepare_threshold', 'server_side_binding']", on.stderr
    assert off.stdout.strip() == "[]", off.stderr


def test_field_errors_flatten_nested_drf_errors():
    detail = exceptions.ValidationError(
        {
            "selections": {"frame": ["Unknown value."]},
            "rows": [{}, {"code": ["Required."]}],
            "name": ["Too long."],
        }
    ).detail
    assert field_errors(detail) == {
        "selections.frame": [{"code": "invalid", "message": "Unknown value.", "constraint": None}],
        "rows[1].code": [{"code": "invalid", "message": "Required.", "constraint": None}],
        "name": [{"code": "invalid", "message": "Too long.", "constraint": None}],
    }


def test_unknown_errors_become_a_logged_500_with_the_same_body(caplog):
    response = exception_handler(RuntimeError("boom"), {"view": None})
    assert response.status_code == 500
    assert response.data == {
        "code": "server_error",
        "message": "Something went wrong on our side; it has been logged.",
        "fields": {},
    }
    assert "Unhandled error" in caplog.text


def test_every_periodic_task_is_a_registered_task():
    from configurator.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "orders.purge_outbox" in scheduled
    assert scheduled - set(app.tasks) == set()


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


def test_readiness_asks_the_database_and_reports_the_cache(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "cache": "per process"}


def test_readiness_is_503_while_the_database_fails(client, db, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "failing (OperationalError)"


def test_readiness_reports_a_failing_shared_cache_and_stays_ready(client, db, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ""}}

    def hung(*args, **kwargs):
        raise TimeoutError("cache timed out")

    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", hung)
    response = client.get("/readyz")
    assert (response.status_code, response.json()["cache"]) == (200, "failing (TimeoutError)")


def test_health_checks_over_plain_http_are_not_redirected(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301
