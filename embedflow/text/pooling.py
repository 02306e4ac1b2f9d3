"""Pooling token vectors into one vector per document: mean, max, sum or SIF, all in numpy."""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

POOLINGS = ("mean", "max", "sum", "sif")
SIF_A = 1e-3
# Rows per block: the gathered token vectors of a block stay in the CPU cache.
_BLOCK_TOKENS = 2048


def gather(vectors: np.ndarray, ids: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """Vectors of the given ids; ids from len(vectors) on index `extra` (sub-word vectors)."""
    vocab = len(vectors)
    if extra is None or not len(extra) or not (ids >= vocab).any():
        return vectors[ids]
    beyond = ids >= vocab
    out = vectors[np.where(beyond, 0, ids)]
    out[beyond] = extra[ids[beyond] - vocab]
    return out


def pool(ids: np.ndarray, vectors: np.ndarray, method: str, weights: np.ndarray | None = None,
         extra: np.ndarray | None = None,
         progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One vector per row of `ids` (negative ids are padding or unknown and are skipped).

    weights: per-vocabulary-id weight (SIF); extra: vectors of ids past the vocabulary.
    Returns (vectors float32 (rows, dims), number of known tokens per row); rows with no known
    token get zeros.
    """
    if method not in POOLINGS:
        raise ValueError(f"unknown pooling {method!r}")
    rows, dims = ids.shape[0], vectors.shape[1]
    out = np.zeros((rows, dims), dtype=np.float32)
    known = ids >= 0
    counts = known.sum(axis=1)
    per_row = max(1, int(counts.mean()) if rows else 1)
    block = max(64, _BLOCK_TOKENS // per_row)
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        block_known = known[start:stop]
        block_counts = counts[start:stop]
        flat = ids[start:stop][block_known].astype(np.int64)
        if not len(flat):
            continue
        tokens = gather(vectors, flat, extra)
        if weights is not None:
            tokens = tokens * weights[flat, None]
        present = block_counts > 0
        starts = np.concatenate([[0], np.cumsum(block_counts)[:-1]])[present]
        reduce = np.maximum if method == "max" else np.add
        out[start:stop][present] = reduce.reduceat(tokens, starts, axis=0)
        # Report about fifty times per run, not once per block.
        if progress and (stop == rows or stop * 50 // rows != start * 50 // rows):
            progress(stop / rows)
    if method in ("mean", "sif"):
        np.divide(out, np.maximum(counts, 1)[:, None], out=out)
    return out, counts


def sif_weights(probabilities: np.ndarray, a: float = SIF_A) -> np.ndarray:
    """Smooth inverse frequency: a / (a + p(word))."""
    return (a / (a + probabilities)).astype(np.float32)


def remove_first_component(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Subtract every row's projection on the first singular vector of matrix[rows] (SIF step 2)."""
    if len(rows) < 2:
        return matrix
    sample = matrix[rows].astype(np.float64)
    _, _, vt = np.linalg.svd(sample, full_matrices=False)
    u = vt[0]
    out = matrix - np.outer(matrix.astype(np.float64) @ u, u).astype(np.float32)
    return out.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _wordfreq_table(language: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(language, wordlist="best")


def wordfreq_probabilities(words: list[str], language: str = "en") -> np.ndarray:
    """Each word's frequency in `language` from the wordfreq package (tiny floor for unknown words)."""
    table = _wordfreq_table(language)
    floor = 1e-9
    return np.array([table.get(word.lower(), floor) for word in words], dtype=np.float64)
