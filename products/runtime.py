"""Compiled engine models and pricers, built once per published version and reused.

A version's document never changes, so its checksum names its compiled form everywhere: an
in-process LRU, then a pickle on disk shared by every process on the host (web and workers), and
only then a compilation. Each thread keeps its own :class:`Configurator` (solver state is not
thread-safe) per compiled model; a :class:`Pricer` has no state and is shared.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from configurator import engine
from configurator.engine import CompiledModel, Configurator, compile_model
from configurator.engine.document import model_from_document, price_model_from_document
from configurator.engine.precomputed import Precomputed, precompute
from configurator.engine.pricing import PriceModel, Pricer
from configurator.plumbing.errors import ModelNotReadyError

logger = logging.getLogger(__name__)


def _engine_fingerprint() -> str:
    """A digest of the engine's source: a pickle made by other engine code is never read."""
    digest = hashlib.sha256()
    for path in sorted(Path(engine.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


ENGINE_FINGERPRINT = _engine_fingerprint()

#: A compiled model of at least this many clauses is moved out of the garbage collector's reach
#: once loaded (see :func:`_remember`).
FREEZE_FROM_CLAUSES = 5_000

_lock = threading.Lock()
_runtimes: OrderedDict[str, Runtime] = OrderedDict()
_local = threading.local()


@dataclass(frozen=True)
class Runtime:
    """Everything the engine needs to answer for one published version."""

    compiled: CompiledModel
    pricer: Pricer
    #: the answers computed ahead for explanations, once a worker has made them (None before)
    precomputed: Precomputed | None = None


@dataclass(frozen=True)
class _Stored:
    compiled: CompiledModel
    price_model: PriceModel


def _cache_dir() -> Path:
    return Path(settings.ATELIER_MODEL_CACHE_DIR)


def _cache_path(checksum: str) -> Path:
    return _cache_dir() / f"{ENGINE_FINGERPRINT}-{checksum}.pickle"


def _precomputed_path(checksum: str) -> Path:
    return _cache_dir() / f"{ENGINE_FINGERPRINT}-{checksum}.precomputed.pickle"


def _remember(checksum: str, runtime: Runtime) -> None:
    with _lock:
        _runtimes[checksum] = runtime
        _runtimes.move_to_end(checksum)
        while len(_runtimes) > settings.ATELIER_MODEL_CACHE_SIZE:
            _runtimes.popitem(last=False)
    if len(runtime.compiled.clauses) >= FREEZE_FROM_CLAUSES:
        # A big model is hundreds of thousands of objects that live as long as the process keeps
        # it, and every full collection walked them all: about 0.4 s each on automotive01, one every
        # few configure requests. Frozen, they are never walked (nor collected: an evicted model
        # is freed by reference counting, which is all it needs).
        gc.collect()
        gc.freeze()


def _read_disk(checksum: str) -> _Stored | None:
    return _read_pickle(_cache_path(checksum), "compiled model")


def _read_precomputed(checksum: str) -> Precomputed | None:
    return _read_pickle(_precomputed_path(checksum), "precomputed answers")


def _read_pickle(path: Path, what: str) -> Any:
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        logger.warning("Ignoring unreadable %s %s: %s", what, path, error)
        return None


def _write_disk(path: Path, content: Any, what: str) -> int:
    """Write the pickle atomically; returns its size in bytes."""
    data = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
    directory = _cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as file:
            file.write(data)
        os.replace(file.name, path)
    except OSError as error:
        logger.warning("Could not cache the %s %s on disk: %s", what, path.name, error)
    return len(data)


@dataclass(frozen=True)
class CompileStats:
    variables: int
    clauses: int
    bytes: int
    seconds: float


def runtime_compile(*, checksum: str, document: dict[str, Any]) -> CompileStats:
    """Compile a document (within the engine's size limits: :class:`ModelError` past them), keep
    it on disk for every process of the host and in this process."""
    started = time.perf_counter()
    stored = _Stored(compile_model(model_from_document(document)), price_model_from_document(document))
    size = _write_disk(_cache_path(checksum), stored, "compiled model")
    seconds = time.perf_counter() - started
    _remember(checksum, Runtime(stored.compiled, Pricer(stored.compiled.model, stored.price_model)))
    return CompileStats(stored.compiled.nvars, len(stored.compiled.clauses), size, round(seconds, 3))


@dataclass(frozen=True)
class PrecomputeStats:
    seconds: float
    bytes: int
    pairs: int
    triples: int
    configurations: int
    calls: int


def runtime_precompute(
    *,
    checksum: str,
    load_document: Callable[[], dict[str, Any]],
    progress: Callable[[float], None] | None = None,
) -> PrecomputeStats:
    """Compute the answers known ahead for the version's explanations (the engine's
    :func:`~configurator.engine.precomputed.precompute`), keep them on disk beside the compiled model
    and in this process. The model is compiled first if this host does not have it."""
    runtime = runtime_get(checksum=checksum, load_document=load_document)
    precomputed = precompute(runtime.compiled, progress=progress)
    size = _write_disk(_precomputed_path(checksum), precomputed, "precomputed answers")
    _remember(checksum, Runtime(runtime.compiled, runtime.pricer, precomputed))
    return PrecomputeStats(
        seconds=round(precomputed.seconds, 3),
        bytes=size,
        pairs=precomputed.pairs(),
        triples=precomputed.triples(),
        configurations=len(precomputed.witnesses),
        calls=precomputed.calls,
    )


def runtime_precomputed(*, checksum: str) -> bool:
    """Whether this host's disk cache has the version's precomputed answers."""
    return _precomputed_path(checksum).exists()


def _with_precomputed(checksum: str, runtime: Runtime) -> Runtime:
    """The runtime with its precomputed answers once a worker has written them (a file check)."""
    if runtime.precomputed is not None or not _precomputed_path(checksum).exists():
        return runtime
    precomputed = _read_precomputed(checksum)
    if precomputed is None:
        return runtime
    runtime = Runtime(runtime.compiled, runtime.pricer, precomputed)
    _remember(checksum, runtime)
    return runtime


def runtime_get(
    *,
    checksum: str,
    load_document: Callable[[], dict[str, Any]],
    compile_elsewhere: Callable[[], None] | None = None,
) -> Runtime:
    """The compiled model and pricer of the document with this checksum, from this process or the
    disk cache. When neither has them, the document is compiled here, unless
    ``compile_elsewhere`` is given: then it is called (to have a worker compile it) and
    :class:`ModelNotReadyError` is raised, so a large model is never compiled in a request."""
    with _lock:
        runtime = _runtimes.get(checksum)
        if runtime is not None:
            _runtimes.move_to_end(checksum)
    if runtime is not None:
        return _with_precomputed(checksum, runtime)
    stored = _read_disk(checksum)
    if stored is None:
        if compile_elsewhere is not None:
            compile_elsewhere()
            raise ModelNotReadyError()
        runtime_compile(checksum=checksum, document=load_document())
        with _lock:
            return _runtimes[checksum]
    runtime = Runtime(stored.compiled, Pricer(stored.compiled.model, stored.price_model))
    _remember(checksum, runtime)
    return _with_precomputed(checksum, runtime)


def runtime_cached(*, checksum: str) -> bool:
    """Whether this process or this host's disk cache has the compiled model."""
    with _lock:
        if checksum in _runtimes:
            return True
    return _cache_path(checksum).exists()


def configurator_get(
    *,
    checksum: str,
    load_document: Callable[[], dict[str, Any]],
    compile_elsewhere: Callable[[], None] | None = None,
) -> Configurator:
    """This thread's configurator for the document with this checksum (see :func:`runtime_get`)."""
    configurators: OrderedDict[str, Configurator] = getattr(_local, "configurators", None) or OrderedDict()
    _local.configurators = configurators
    configurator = configurators.get(checksum)
    runtime = runtime_get(checksum=checksum, load_document=load_document, compile_elsewhere=compile_elsewhere)
    if configurator is None or configurator.compiled is not runtime.compiled:
        configurator = Configurator(runtime.compiled, precomputed=runtime.precomputed)
        configurators[checksum] = configurator
        while len(configurators) > settings.ATELIER_MODEL_CACHE_SIZE:
            configurators.popitem(last=False)
    else:
        configurators.move_to_end(checksum)
        if configurator.precomputed is None and runtime.precomputed is not None:
            configurator.use_precomputed(runtime.precomputed)
    return configurator


def compiled_cache_clear() -> None:
    """Forget compiled models held in this process (tests)."""
    with _lock:
        _runtimes.clear()
    _local.configurators = OrderedDict()
