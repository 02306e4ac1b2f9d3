"""Pooling token vectors into one vector per document: mean, max, sum or SIF, all in numpy."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

POOLINGS = ("mean", "max", "sum", "sif")
# Choices of the Text Embedding block: the poolings above, and word arithmetic (embedflow/text/arithmetic.py).
BLOCK_POOLINGS = (*POOLINGS, "arithmetic")
SIF_A = 1e-3
# Rows per block: a block of pooled vectors stays in the CPU cache.
_BLOCK_ROWS = 2048


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

    Rows are taken longest first in blocks; within a block each row's known ids are packed to the
    left, so token position j is one gather of the first n rows' vectors and one in-place add (or
    maximum) into a block that stays in the CPU cache.
    """
    if method not in POOLINGS:
        raise ValueError(f"unknown pooling {method!r}")
    rows, dims = ids.shape[0], vectors.shape[1]
    counts = np.count_nonzero(ids >= 0, axis=1)
    order = np.argsort(-counts, kind="stable")
    out = np.zeros((rows, dims), dtype=np.float32)
    for start in range(0, rows, _BLOCK_ROWS):
        stop = min(rows, start + _BLOCK_ROWS)
        block_counts = counts[order[start:stop]]
        longest = int(block_counts[0])
        if longest == 0:
            break
        block = ids[order[start:stop]]
        known = block >= 0
        packed = np.zeros((stop - start, longest), dtype=np.int64)
        row_of_token = np.repeat(np.arange(stop - start), block_counts)
        position = np.arange(len(row_of_token)) - np.repeat(np.cumsum(block_counts) - block_counts, block_counts)
        packed[row_of_token, position] = block[known]
        target = out[start:stop]
        for j in range(longest):
            n = int(np.count_nonzero(block_counts > j))
            column = packed[:n, j]
            tokens = gather(vectors, column, extra)
            if weights is not None:
                tokens *= weights[column, None]
            if method != "max":
                target[:n] += tokens
            elif j == 0:
                target[:n] = tokens
            else:
                np.maximum(target[:n], tokens, out=target[:n])
        # Report about fifty times per run, not once per block.
        if progress and (stop == rows or stop * 50 // rows != start * 50 // rows):
            progress(stop / rows)
    result = np.empty_like(out)
    result[order] = out
    if method in ("mean", "sif"):
        np.divide(result, np.maximum(counts, 1)[:, None], out=result)
    if progress:
        progress(1.0)
    return result, counts


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
