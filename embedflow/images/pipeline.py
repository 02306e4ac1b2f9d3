"""Embed many images: read and decode in a thread pool while the net runs, in batches, with a cache."""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..core.errors import Cancelled
from ..io.embedding_store import EmbeddingCache
from .catalog import ImageModel
from .loading import ImageLoadError
from .preprocess import Preprocess
from .runtime import OnnxEmbedder
from .sources import URL_TIMEOUT, read_source, url_client

DEFAULT_BATCH = 32


class Backend(Protocol):
    """Turns image bytes into vectors: `prepare` runs in worker threads, `run` on whole batches."""

    cache_key: str

    def prepare(self, data: bytes) -> Any:
        """Work done per image in a worker thread (decode and resize); raises ImageLoadError."""

    def run(self, items: list[Any]) -> list[np.ndarray | str]:
        """A vector, or the reason it failed, for each prepared item."""


class LocalBackend:
    """An ONNX model run in this process with onnxruntime."""

    def __init__(self, model: ImageModel, path: Path, threads: int | None = None) -> None:
        self.preprocess: Preprocess = model.preprocess
        self.embedder = OnnxEmbedder(path, model.output, threads)
        # The file's identity is part of the key, so a rebuilt or replaced model is not mixed up.
        stat = path.stat()
        self.cache_key = f"{model.id}|{path.name}|{stat.st_size}|{stat.st_mtime_ns}|{self.preprocess}"

    def prepare(self, data: bytes) -> np.ndarray:
        """Decode and preprocess one image."""
        return self.preprocess.load(data)

    def run(self, items: list[np.ndarray]) -> list[np.ndarray | str]:
        """Run the net on a stacked batch."""
        return list(self.embedder.run(np.stack(items)))


@dataclass
class EmbedResult:
    """Vectors for the rows that worked, and a reason for each row that did not."""

    rows: list[int] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    from_cache: int = 0

    def matrix(self, dims: int = 0) -> np.ndarray:
        """The vectors as one float32 array (rows in `rows` order)."""
        if not self.vectors:
            return np.zeros((0, dims), np.float32)
        return np.vstack(self.vectors).astype(np.float32, copy=False)


@dataclass
class _Loaded:
    row: int
    digest: str = ""
    item: Any = None
    vector: np.ndarray | None = None
    error: str | None = None


def default_workers() -> int:
    """Decoder threads: one per core (Pillow releases the GIL while decoding and resizing)."""
    return max(1, os.cpu_count() or 1)


def embed_sources(sources: Sequence[object], base_dir: str | None, backend: Backend, *,
                  cache: EmbeddingCache | None = None, batch_size: int = DEFAULT_BATCH,
                  workers: int | None = None, url_timeout: float = URL_TIMEOUT,
                  progress: Callable[[float, str], None] | None = None,
                  check_cancelled: Callable[[], None] | None = None) -> EmbedResult:
    """Embed every source (path or URL); failures are collected with their reasons, never raised.

    Images are read, hashed, looked up in the cache and decoded by `workers` threads, at most two
    batches ahead of the net, so memory stays bounded however many images there are.
    `progress(fraction, message)` and `check_cancelled()` are called once per batch.
    """
    result = EmbedResult()
    total = len(sources)
    client = url_client(url_timeout, cancelled=lambda: _cancelled(check_cancelled))

    def load(row: int) -> _Loaded:
        loaded = _Loaded(row)
        try:
            data = read_source(sources[row], base_dir, client=client)
            loaded.digest = hashlib.sha256(data).hexdigest()
            if cache is not None:
                hit = cache.get_many(backend.cache_key, [loaded.digest]).get(loaded.digest)
                if hit is not None:
                    loaded.vector = hit
                    return loaded
            loaded.item = backend.prepare(data)
        except ImageLoadError as exc:
            loaded.error = str(exc)
        except MemoryError:
            loaded.error = "not enough memory to decode this image"
        return loaded

    batch: list[_Loaded] = []
    done = 0
    with ThreadPoolExecutor(max_workers=workers or default_workers(),
                            thread_name_prefix="embedflow-decode") as pool:
        pending: deque[Future[_Loaded]] = deque()
        next_row = 0
        try:
            while done < total:
                while next_row < total and len(pending) < 2 * batch_size:
                    pending.append(pool.submit(load, next_row))
                    next_row += 1
                batch.append(pending.popleft().result())
                if len(batch) == batch_size or done + len(batch) == total:
                    _finish_batch(batch, backend, cache, result)
                    done += len(batch)
                    batch = []
                    if check_cancelled:
                        check_cancelled()
                    if progress:
                        progress(done / total, f"{done:,} of {total:,} images")
        finally:
            for future in pending:
                future.cancel()
            client.close()
    return result


def _cancelled(check_cancelled: Callable[[], None] | None) -> bool:
    """True once `check_cancelled` raises Cancelled."""
    if check_cancelled is None:
        return False
    try:
        check_cancelled()
    except Cancelled:
        return True
    return False


def _finish_batch(batch: list[_Loaded], backend: Backend, cache: EmbeddingCache | None,
                  result: EmbedResult) -> None:
    """Run the net on the decoded images of a batch and record every row's outcome."""
    todo = [b for b in batch if b.item is not None]
    if todo:
        # A failure of the whole backend (server unreachable, model not runnable) ends the run.
        outputs = backend.run([b.item for b in todo])
        fresh = []
        for loaded, output in zip(todo, outputs):
            if isinstance(output, str):
                loaded.error = output
            else:
                loaded.vector = np.asarray(output, np.float32)
                fresh.append((loaded.digest, loaded.vector))
        if cache is not None and fresh:
            cache.put_many(backend.cache_key, fresh)
    for loaded in batch:
        if loaded.vector is not None:
            result.rows.append(loaded.row)
            result.vectors.append(loaded.vector)
            if loaded.item is None:
                result.from_cache += 1
        else:
            result.failed.append((loaded.row, loaded.error or "unknown error"))
