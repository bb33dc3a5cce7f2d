"""The compiled-model cache: per process (a bounded LRU), then one pickle per document on disk,
named by the engine's fingerprint and the document's checksum; never a stale or broken pickle."""

from __future__ import annotations

import gc
import logging

import pytest

from products import runtime
from products.demo import demo_documents
from products.documents import checksum


class Loader:
    """A document loader that counts how often the cache had to compile."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return self.document


@pytest.fixture
def bike() -> tuple[str, Loader]:
    document = next(document for document in demo_documents() if document["code"] == "city-bike")
    return checksum(document), Loader(document)


@pytest.fixture
def chair() -> tuple[str, Loader]:
    document = next(document for document in demo_documents() if document["code"] == "office-chair")
    return checksum(document), Loader(document)


@pytest.fixture(autouse=True)
def _empty_process_cache(settings, tmp_path):
    settings.ATELIER_MODEL_CACHE_DIR = str(tmp_path / "models")
    runtime.compiled_cache_clear()
    yield
    runtime.compiled_cache_clear()


def test_a_compiled_model_is_kept_on_disk_and_read_back_without_compiling(bike):
    digest, load = bike
    first = runtime.runtime_get(checksum=digest, load_document=load)
    assert load.calls == 1
    path = runtime._cache_path(digest)
    assert path.exists() and path.name == f"{runtime.ENGINE_FINGERPRINT}-{digest}.pickle"
    runtime.compiled_cache_clear()  # a new process: only the disk is left
    again = runtime.runtime_get(checksum=digest, load_document=load)
    assert load.calls == 1
    assert again.compiled.model == first.compiled.model


def test_the_process_keeps_the_model_without_reading_the_disk(bike):
    digest, load = bike
    first = runtime.runtime_get(checksum=digest, load_document=load)
    runtime._cache_path(digest).unlink()
    assert runtime.runtime_get(checksum=digest, load_document=load) is first
    assert load.calls == 1


def test_a_pickle_of_other_engine_code_is_never_read(bike, monkeypatch):
    digest, load = bike
    runtime.runtime_get(checksum=digest, load_document=load)
    runtime.compiled_cache_clear()
    monkeypatch.setattr(runtime, "ENGINE_FINGERPRINT", "another-engine")
    runtime.runtime_get(checksum=digest, load_document=load)
    assert load.calls == 2
    assert runtime._cache_path(digest).name.startswith("another-engine-")


def test_a_corrupt_pickle_is_ignored_logged_and_replaced(bike, caplog):
    digest, load = bike
    path = runtime._cache_path(digest)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05 not a pickle")
    with caplog.at_level(logging.WARNING, logger="products.runtime"):
        runtime.runtime_get(checksum=digest, load_document=load)
    assert load.calls == 1
    assert "Ignoring unreadable compiled model" in caplog.text
    runtime.compiled_cache_clear()
    runtime.runtime_get(checksum=digest, load_document=load)
    assert load.calls == 1  # the replacement is read back


def test_the_process_cache_evicts_the_least_recently_used_model(bike, chair, settings):
    settings.ATELIER_MODEL_CACHE_SIZE = 1
    bike_digest, load_bike = bike
    chair_digest, load_chair = chair
    runtime.runtime_get(checksum=bike_digest, load_document=load_bike)
    runtime.runtime_get(checksum=chair_digest, load_document=load_chair)
    runtime._cache_path(bike_digest).unlink()
    runtime._cache_path(chair_digest).unlink()
    runtime.runtime_get(checksum=chair_digest, load_document=load_chair)
    assert load_chair.calls == 1  # still in memory
    runtime.runtime_get(checksum=bike_digest, load_document=load_bike)
    assert load_bike.calls == 2  # evicted, and its pickle gone: compiled again


def test_an_unwritable_cache_folder_still_answers(bike, settings, tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.ATELIER_MODEL_CACHE_DIR = str(blocked / "models")
    digest, load = bike
    with caplog.at_level(logging.WARNING, logger="products.runtime"):
        answer = runtime.runtime_get(checksum=digest, load_document=load)
    assert answer.compiled.model.code == "city-bike"
    assert "Could not cache the compiled model" in caplog.text


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_a_big_model_read_from_disk_is_out_of_the_collectors_reach(bike, monkeypatch, unfrozen):
    digest, load = bike
    runtime.runtime_get(checksum=digest, load_document=load)
    runtime.compiled_cache_clear()
    monkeypatch.setattr(runtime, "FREEZE_FROM_CLAUSES", 0)
    loaded = runtime.runtime_get(checksum=digest, load_document=load)
    walked = {id(item) for item in gc.get_objects()}
    assert id(loaded.compiled.clauses) not in walked
    assert id(loaded.compiled.model) not in walked


def test_a_small_model_stays_with_the_collector(bike, unfrozen):
    digest, load = bike
    loaded = runtime.runtime_get(checksum=digest, load_document=load)
    assert len(loaded.compiled.clauses) < runtime.FREEZE_FROM_CLAUSES
    walked = {id(item) for item in gc.get_objects()}
    assert id(loaded.compiled.clauses) in walked
    assert id(loaded.compiled.model) in walked
