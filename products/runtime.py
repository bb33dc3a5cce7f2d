"""Compiled engine models and pricers, built once per published version and reused.

A version's document never changes, so its checksum names its compiled form everywhere: an
in-process LRU, then a pickle on disk shared by every process on the host (web and workers), and
only then a compilation. Each thread keeps its own :class:`Configurator` (solver state is not
thread-safe) per compiled model; a :class:`Pricer` has no state and is shared.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from configurator import engine
from configurator.engine import CompiledModel, Configurator, compile_model
from configurator.engine.document import model_from_document, price_model_from_document
from configurator.engine.pricing import PriceModel, Pricer

logger = logging.getLogger(__name__)


def _engine_fingerprint() -> str:
    """A digest of the engine's source: a pickle made by other engine code is never read."""
    digest = hashlib.sha256()
    for path in sorted(Path(engine.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


ENGINE_FINGERPRINT = _engine_fingerprint()

_lock = threading.Lock()
_runtimes: OrderedDict[str, Runtime] = OrderedDict()
_local = threading.local()


@dataclass(frozen=True)
class Runtime:
    """Everything the engine needs to answer for one published version."""

    compiled: CompiledModel
    pricer: Pricer


@dataclass(frozen=True)
class _Stored:
    compiled: CompiledModel
    price_model: PriceModel


def _cache_dir() -> Path:
    return Path(settings.ATELIER_MODEL_CACHE_DIR)


def _cache_path(checksum: str) -> Path:
    return _cache_dir() / f"{ENGINE_FINGERPRINT}-{checksum}.pickle"


def _remember(checksum: str, runtime: Runtime) -> None:
    with _lock:
        _runtimes[checksum] = runtime
        _runtimes.move_to_end(checksum)
        while len(_runtimes) > settings.ATELIER_MODEL_CACHE_SIZE:
            _runtimes.popitem(last=False)


def _read_disk(checksum: str) -> _Stored | None:
    path = _cache_path(checksum)
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        logger.warning("Ignoring unreadable compiled model %s: %s", path, error)
        return None


def _write_disk(checksum: str, stored: _Stored) -> None:
    directory = _cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as file:
            pickle.dump(stored, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, _cache_path(checksum))
    except OSError as error:
        logger.warning("Could not cache the compiled model %s on disk: %s", checksum, error)


def runtime_get(*, checksum: str, load_document: Callable[[], dict[str, Any]]) -> Runtime:
    """The compiled model and pricer of the document with this checksum; ``load_document`` is
    called only when neither this process nor the disk cache has them."""
    with _lock:
        runtime = _runtimes.get(checksum)
        if runtime is not None:
            _runtimes.move_to_end(checksum)
            return runtime
    stored = _read_disk(checksum)
    if stored is None:
        document = load_document()
        stored = _Stored(compile_model(model_from_document(document)), price_model_from_document(document))
        _write_disk(checksum, stored)
    runtime = Runtime(stored.compiled, Pricer(stored.compiled.model, stored.price_model))
    _remember(checksum, runtime)
    return runtime


def configurator_get(*, checksum: str, load_document: Callable[[], dict[str, Any]]) -> Configurator:
    """This thread's configurator for the document with this checksum."""
    configurators: OrderedDict[str, Configurator] = getattr(_local, "configurators", None) or OrderedDict()
    _local.configurators = configurators
    configurator = configurators.get(checksum)
    if configurator is None:
        configurator = Configurator(runtime_get(checksum=checksum, load_document=load_document).compiled)
        configurators[checksum] = configurator
        while len(configurators) > settings.ATELIER_MODEL_CACHE_SIZE:
            configurators.popitem(last=False)
    else:
        configurators.move_to_end(checksum)
    return configurator


def compiled_cache_clear() -> None:
    """Forget compiled models held in this process (tests)."""
    with _lock:
        _runtimes.clear()
    _local.configurators = OrderedDict()
