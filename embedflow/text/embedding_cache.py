"""Text embeddings kept between runs and sessions: the shared SQLite store, keyed by model identity and input.

A sentence model's key is its id, the sha256 of its weights, the pooling and the sequence length; each
row's digest is the sha256 of the token ids its text became (so the tokenizer and truncation are in it).
A remote model's key is its URL and the server's model name; each row's digest is the sha256 of the text.
Rows whose digest is found skip the model; identical inputs in one run are embedded once.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..io.embedding_store import EmbeddingCache, store_path


@dataclass(frozen=True)
class CachedVectors:
    """Vectors of every row asked for, and how many of them came from the store."""

    vectors: np.ndarray
    from_cache: int


def open_text_cache() -> tuple[EmbeddingCache | None, str]:
    """The text store, or None and the reason it cannot be used (read-only folder, locked for long)."""
    try:
        return EmbeddingCache(store_path("texts")), ""
    except (sqlite3.Error, OSError) as exc:
        return None, str(exc)


def text_digests(texts: Sequence[str]) -> list[str]:
    """The sha256 of each text's UTF-8 bytes."""
    return [hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() for text in texts]


def token_digests(ids: np.ndarray, lengths: np.ndarray) -> list[str]:
    """The sha256 of each row's token ids (its first `lengths[row]` int32 ids)."""
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    return [hashlib.sha256(ids[row, :length].tobytes()).hexdigest() for row, length in enumerate(lengths.tolist())]


def embed_cached(cache: EmbeddingCache | None, model_key: str, digests: Sequence[str],
                 embed: Callable[[np.ndarray], np.ndarray]) -> CachedVectors:
    """float32 vectors for every digest: from `cache` when there, else `embed(rows)` (rows: positions in
    `digests`, one per distinct missing digest), which are then stored."""
    found = cache.get_many(model_key, digests) if cache is not None else {}
    first: dict[str, int] = {}
    for row, digest in enumerate(digests):
        if digest not in found:
            first.setdefault(digest, row)
    missing = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    computed = embed(missing) if len(missing) else None
    dims = computed.shape[1] if computed is not None else (len(next(iter(found.values()))) if found else 0)
    fresh = dict(zip(first, computed)) if computed is not None else {}
    vectors = np.empty((len(digests), dims), dtype=np.float32)
    for row, digest in enumerate(digests):
        vectors[row] = found[digest] if digest in found else fresh[digest]
    if cache is not None and fresh:
        cache.put_many(model_key, fresh.items())
    return CachedVectors(vectors, sum(1 for digest in digests if digest in found))
