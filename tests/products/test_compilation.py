"""Issue 14: a version is compiled at publish time, a large one by a worker, never in a customer's
request; size limits are checked with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from products import runtime
from products.compilation import version_compile, version_precompute, versions_compile_sweep
from products.models import CompileState, PrecomputeState, Product, ProductVersion
from products.runtime import compiled_cache_clear, configurator_get
from products.services import product_import, product_publish
from tests.factories import small_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(monkeypatch) -> list[int]:
    """The versions a worker was asked to compile (the task's ``delay``, recorded)."""
    asked: list[int] = []
    monkeypatch.setattr("products.tasks.compile_version_task.delay", asked.append)
    return asked


@pytest.fixture
def precompute_requested(monkeypatch) -> list[int]:
    """The versions a worker was asked to precompute explanations for (recorded)."""
    asked: list[int] = []
    monkeypatch.setattr("products.tasks.precompute_version_task.delay", asked.append)
    return asked


@pytest.fixture
def background(settings, precompute_requested):
    """Every document counts as large: compiled, and its explanations precomputed, by a worker only."""
    settings.ATELIER_COMPILE_INLINE_BYTES = 0
    settings.ATELIER_PRECOMPUTE_INLINE_BYTES = 0


def configure(client, code: str = "mug"):
    return client.post(f"/api/products/{code}/configure", {"selections": {}}, format="json")


def test_a_small_version_is_compiled_while_publishing(api_client):
    product = product_import(document=small_document(), publish=True)
    version = product.current_version
    assert version.compile_state == CompileState.READY
    assert version.compile_stats["clauses"] > 0 and version.compile_stats["variables"] > 0
    assert version.document_bytes > 0
    assert configure(api_client).status_code == 200


def test_a_large_version_waits_for_a_worker_and_then_becomes_current(
    api_client, background, requested, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        product = product_import(document=small_document(), publish=True)
    version = ProductVersion.objects.get(product=product)
    assert version.compile_state == CompileState.PENDING
    assert requested == [version.pk]
    assert product.current_version is None
    assert api_client.get("/api/products/").json()["count"] == 0
    assert configure(api_client).status_code == 404

    version_compile(version_id=version.pk)

    version.refresh_from_db()
    assert version.compile_state == CompileState.READY and version.compiled_at is not None
    assert Product.objects.get(code="mug").current_version == version
    assert configure(api_client).status_code == 200


def test_customers_keep_the_previous_version_while_the_next_one_compiles(api_client, settings, requested):
    product = product_import(document=small_document(), publish=True)
    settings.ATELIER_COMPILE_INLINE_BYTES = 0
    product_import(document=small_document(name="Mug, renamed"), publish=True)
    product.refresh_from_db()
    assert product.current_version.number == 1
    assert api_client.get("/api/products/mug/").json()["name"] == "Mug"
    second = product.versions.get(number=2)
    assert product_publish(product=product) == second  # publishing again waits for the same version
    version_compile(version_id=second.pk)
    assert api_client.get("/api/products/mug/").json()["name"] == "Mug, renamed"


def test_a_host_without_the_compiled_model_answers_503_and_asks_a_worker(
    api_client, settings, requested, tmp_path, django_capture_on_commit_callbacks
):
    product = product_import(document=small_document(), publish=True)
    settings.ATELIER_COMPILE_INLINE_BYTES = 0
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path / "another-host")
    compiled_cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = configure(api_client)
    assert response.status_code == 503
    assert response.json()["code"] == "model_not_ready"
    assert response["Retry-After"] == "5"
    assert requested == [product.current_version.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert configure(api_client).status_code == 503
    assert requested == [product.current_version.pk], "asked at most once a minute"

    version_compile(version_id=product.current_version.pk)
    assert configure(api_client).status_code == 200


def too_large_document() -> dict:
    """A few kilobytes that would compile to more variables than the engine's limit."""
    sets = [
        {
            "code": f"n{index}",
            "name": f"N{index}",
            "kind": "number",
            "minimum": "0",
            "maximum": "9999",
            "step": "1",
            "default": "0",
        }
        for index in range(51)
    ]
    return small_document(option_sets=sets, rules=[], tables=[])


def test_publishing_a_model_past_the_size_limits_is_refused_by_name(staff_client):
    product_import(document=too_large_document())
    response = staff_client.post("/api/products/mug/publish")
    assert response.status_code == 400
    assert response.json()["code"] == "model_too_large"
    assert "500,000 variables" in response.json()["message"]
    assert not ProductVersion.objects.exists()


def test_a_large_model_past_the_limits_fails_on_the_worker_with_the_reason(
    background, requested, staff_client
):
    product_import(document=too_large_document(), publish=True)
    version = version_compile(version_id=ProductVersion.objects.get().pk)
    assert version.compile_state == CompileState.FAILED
    assert "500,000 variables" in version.compile_error
    assert Product.objects.get(code="mug").current_version is None
    listed = staff_client.get("/api/products/mug/versions/").json()["results"][0]
    assert listed["compile_state"] == "failed" and "max_variables" in listed["compile_error"]


def test_the_sweep_asks_again_for_waiting_and_stuck_versions(
    background, requested, precompute_requested, settings, django_capture_on_commit_callbacks
):
    product_import(document=small_document(), publish=True)
    waiting = ProductVersion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert versions_compile_sweep() == 1
    assert requested == [waiting.pk]
    ProductVersion.objects.filter(pk=waiting.pk).update(
        compile_state=CompileState.COMPILING, compile_started_at=timezone.now() - timedelta(hours=1)
    )
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert versions_compile_sweep() == 1, "a compilation whose worker died is asked again"
    assert requested == [waiting.pk, waiting.pk]
    version_compile(version_id=waiting.pk)
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert versions_compile_sweep() == 1, "compiled: its explanations are still to be precomputed"
    assert requested == [waiting.pk, waiting.pk]
    assert precompute_requested == [waiting.pk]
    ProductVersion.objects.filter(pk=waiting.pk).update(
        precompute_state=PrecomputeState.RUNNING, precompute_started_at=timezone.now() - timedelta(hours=2)
    )
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert versions_compile_sweep() == 1, "a precomputation whose worker died is asked again"
    assert precompute_requested == [waiting.pk, waiting.pk]
    version_precompute(version_id=waiting.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert versions_compile_sweep() == 0
    assert requested == [waiting.pk, waiting.pk] and precompute_requested == [waiting.pk, waiting.pk]


def test_a_small_version_has_its_explanations_precomputed_while_publishing(api_client):
    product = product_import(document=small_document(), publish=True)
    version = product.current_version
    assert version.precompute_state == PrecomputeState.READY and version.precompute_progress == 100
    assert version.precomputed_at is not None
    stats = {"seconds", "bytes", "pairs", "triples", "configurations", "calls"}
    assert set(version.precompute_stats) == stats
    assert version.precompute_stats["bytes"] > 0 and version.precompute_stats["configurations"] > 0
    compiled_cache_clear()  # a fresh process: the answers come from the disk, with the model
    assert configure(api_client).json()["explained"] is True
    assert configurator_get(checksum=version.checksum, load_document=lambda: version.document).precomputed


def test_a_large_version_is_precomputed_on_a_worker_after_compiling_and_then_used(
    api_client,
    background,
    requested,
    precompute_requested,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path)  # a host that has never seen this document
    compiled_cache_clear()
    product = product_import(document=small_document(), publish=True)
    version = ProductVersion.objects.get(product=product)
    with django_capture_on_commit_callbacks(execute=True):
        version_compile(version_id=version.pk)
    version.refresh_from_db()
    assert version.precompute_state == PrecomputeState.PENDING and version.precompute_progress == 0
    assert precompute_requested == [version.pk]
    assert configure(api_client).status_code == 200, "the version answers meanwhile"
    load = lambda: version.document  # noqa: E731
    assert configurator_get(checksum=version.checksum, load_document=load).precomputed is None

    done = version_precompute(version_id=version.pk)

    assert done.precompute_state == PrecomputeState.READY and done.precompute_progress == 100
    assert done.precompute_stats["pairs"] >= 1  # colour "blue" rules the lid out
    assert configurator_get(checksum=version.checksum, load_document=load).precomputed is not None
    again = version_precompute(version_id=version.pk)
    assert again.precomputed_at == done.precomputed_at, "precomputing twice changes nothing"


def test_the_precomputation_reports_its_progress_on_the_version(background, monkeypatch):
    product = product_import(document=small_document(), publish=True)
    version = version_compile(version_id=ProductVersion.objects.get(product=product).pk)
    seen: list[tuple[str, int]] = []
    precompute = runtime.precompute

    def observed(compiled, progress):
        def record(fraction: float) -> None:
            progress(fraction)
            row = ProductVersion.objects.get(pk=version.pk)
            seen.append((row.precompute_state, row.precompute_progress))

        return precompute(compiled, progress=record)

    monkeypatch.setattr(runtime, "precompute", observed)
    version_precompute(version_id=version.pk)
    assert seen and all(state == PrecomputeState.RUNNING for state, _ in seen)
    percents = [percent for _, percent in seen]
    assert percents == sorted(percents) and 0 < percents[-1] <= 99


def test_a_failed_precomputation_is_shown_and_the_version_still_answers(
    api_client, background, monkeypatch, staff_client
):
    product = product_import(document=small_document(), publish=True)
    version = version_compile(version_id=ProductVersion.objects.get(product=product).pk)

    def broken(compiled, progress):
        raise MemoryError("out of memory")

    monkeypatch.setattr(runtime, "precompute", broken)
    failed = version_precompute(version_id=version.pk)
    assert failed.precompute_state == PrecomputeState.FAILED
    assert failed.precompute_error == "MemoryError: out of memory"
    listed = staff_client.get("/api/products/mug/versions/").json()["results"][0]
    assert (
        listed["precompute_state"] == "failed" and listed["precompute_error"] == "MemoryError: out of memory"
    )
    assert listed["precompute_stats"] is None
    assert configure(api_client).status_code == 200


def test_compiling_twice_changes_nothing(background, requested):
    product_import(document=small_document(), publish=True)
    version = ProductVersion.objects.get()
    first = version_compile(version_id=version.pk)
    again = version_compile(version_id=version.pk)
    assert again.compiled_at == first.compiled_at and again.compile_state == CompileState.READY
