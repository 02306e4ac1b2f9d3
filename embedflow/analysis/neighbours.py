"""Exact k-nearest-neighbour search as blocked float32 matrix products.

Every metric is turned into "largest score wins" so one code path serves all:
cosine scores are dot products of unit vectors, euclidean scores are 2·q·d − |d|² (the
query's own |q|² does not change the order), dot scores are plain dot products.
Each block of queries is multiplied with the whole data matrix (BLAS), then top-k is
found without running argpartition over every score: the columns are split into
strided groups, the k groups with the largest maxima are kept, and the k best of
those few columns are the exact top-k (any column outside the kept groups is at most
the k-th kept maximum). Memory stays bounded by the block size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

METRICS = ("cosine", "euclidean", "dot")

# Columns are grouped GROUP at a time (strided) for the two-stage top-k; 32 measured best
# on 100k×128 (a plain argpartition over every score costs ~4x the matrix product).
GROUP = 32
DEFAULT_MEMORY_BYTES = 128 * 1024 * 1024

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class Neighbours:
    """The k nearest data rows of each query row, best first.

    indices: int64 (queries, k) data row numbers; -1 where fewer than k candidates exist.
    distances: float32 (queries, k); cosine 1 − similarity, euclidean L2, dot −score.
    similarities: float32 (queries, k) cosine similarity or dot product (None for euclidean).
    """

    indices: np.ndarray
    distances: np.ndarray
    similarities: np.ndarray | None


def search_arrays(data: np.ndarray, query: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """(data, query, whether the data is its own query) as 2-D arrays of one width; ValueError otherwise."""
    if k < 1:
        raise ValueError("k must be at least 1")
    data = np.asarray(data)
    self_query = query is None
    query = data if query is None else np.asarray(query)
    if data.ndim != 2 or query.ndim != 2 or data.shape[1] != query.shape[1]:
        raise ValueError(f"data {data.shape} and query {query.shape} vectors differ in length")
    return data, query, self_query


def invalid_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector holds NaN or infinity."""
    return np.flatnonzero(~np.isfinite(vectors).all(axis=1))


def zero_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector is all zeros (no direction, so cosine is undefined)."""
    return np.flatnonzero(~vectors.any(axis=1))


def _prepare(vectors: np.ndarray, metric: str, bad: np.ndarray) -> np.ndarray:
    """The float32 matrix the scores are computed from (bad rows zeroed)."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    out[bad] = 0.0
    if metric == "cosine":
        norms = np.linalg.norm(out, axis=1)
        norms[norms == 0] = 1.0  # zero vectors stay zero: similarity 0 to everything
        out /= norms[:, None]
    return out


def _score_operands(data: np.ndarray, query: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(query side, data side) whose product is the score; euclidean folds −|d|² into one column."""
    if metric != "euclidean":
        return query, data
    squared = np.einsum("ij,ij->i", data, data, dtype=np.float64).astype(np.float32)
    data_side = np.hstack([data, -squared[:, None]])
    query_side = np.hstack([2.0 * query, np.ones((len(query), 1), dtype=np.float32)])
    return query_side, data_side


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest scores of each row (unordered), exact."""
    rows, columns = scores.shape
    if k >= columns:
        return np.broadcast_to(np.arange(columns), (rows, columns)).copy()
    groups = columns // GROUP
    if groups <= 4 * k:
        return np.argpartition(scores, columns - k, axis=1)[:, columns - k:]
    # Group g holds columns g, g + groups, g + 2·groups, …: the max over a strided axis is a fast
    # element-wise reduction, and the k best groups are found in a matrix GROUP times smaller.
    maxima = scores.reshape(rows, GROUP, groups).max(axis=1)
    best_groups = np.argpartition(maxima, groups - k, axis=1)[:, groups - k:]
    columns_of = (np.arange(GROUP)[None, :, None] * groups + best_groups[:, None, :]).reshape(rows, GROUP * k)
    candidates = np.take(scores.ravel(), columns_of + (np.arange(rows) * columns)[:, None])
    chosen = np.argpartition(candidates, GROUP * k - k, axis=1)[:, GROUP * k - k:]
    return np.take_along_axis(columns_of, chosen, axis=1)


def _block_scores(out: np.ndarray, top: np.ndarray, data: np.ndarray, query: np.ndarray,
                  metric: str) -> np.ndarray:
    """Scores of the chosen pairs; euclidean ones recomputed from differences (the fused
    2·q·d − |d|² form loses digits between near neighbours)."""
    if metric != "euclidean":
        return np.take_along_axis(out, top, axis=1)
    chosen = data[np.maximum(top, 0)]
    return -np.sqrt(((chosen - query[:, None, :]) ** 2).sum(axis=2, dtype=np.float64))


def search(data: np.ndarray, query: np.ndarray | None = None, k: int = 5, metric: str = "cosine",
           memory_bytes: int = DEFAULT_MEMORY_BYTES,
           progress: ProgressCallback | None = None, exclude: np.ndarray | None = None) -> Neighbours:
    """The exact k nearest rows of `data` for each row of `query`.

    Without `query` every data row is a query and is excluded from its own neighbours.
    `exclude` (one data row number per query row, -1 for none) is never that query's neighbour:
    a sample of data rows queried as `query` then gets the same answer as in a self-query.
    Rows holding NaN/inf are never neighbours, and such query rows get no neighbours (-1).
    `progress(fraction)` is called after each block; it may raise to cancel.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    data, query, self_query = search_arrays(data, query, k)
    bad_data, bad_query = invalid_rows(data), invalid_rows(query)
    data_unit = _prepare(data, metric, bad_data)
    query_unit = data_unit if self_query else _prepare(query, metric, bad_query)
    if metric == "euclidean":
        # Distances do not change under translation, but 2·q·d − |d|² loses float32 digits far
        # from the origin; centring on the data mean keeps the scores well conditioned.
        good = np.setdiff1d(np.arange(len(data_unit)), bad_data)
        centre = data_unit[good].mean(axis=0, dtype=np.float64).astype(np.float32) if len(good) else 0.0
        data_unit = data_unit - centre
        query_unit = data_unit if self_query else query_unit - centre
        data_unit[bad_data] = 0.0
        if not self_query:
            query_unit[bad_query] = 0.0
    query_side, data_side = _score_operands(data_unit, query_unit, metric)
    if self_query:
        exclude = np.arange(len(query_side))
    elif exclude is not None:
        exclude = np.asarray(exclude, dtype=np.int64)
        if exclude.shape != (len(query_side),):
            raise ValueError("exclude needs one data row number per query row")

    n, n_queries = len(data_side), len(query_side)
    padded = -(-n // GROUP) * GROUP
    data_t = np.zeros((data_side.shape[1], padded), dtype=np.float32)
    data_t[:, :n] = data_side.T
    k_eff = min(k, padded)
    block = int(max(1, min(n_queries, 2048, memory_bytes // (4 * padded))))
    scores = np.empty((block, padded), dtype=np.float32)
    indices = np.full((n_queries, k), -1, dtype=np.int64)
    best = np.full((n_queries, k), -np.inf, dtype=np.float64)

    for start in range(0, n_queries, block):
        stop = min(start + block, n_queries)
        rows = stop - start
        out = scores[:rows]
        np.matmul(query_side[start:stop], data_t, out=out)
        out[:, n:] = -np.inf
        if len(bad_data):
            out[:, bad_data] = -np.inf
        if exclude is not None:
            own = exclude[start:stop]
            out[np.flatnonzero(own >= 0), own[own >= 0]] = -np.inf
        top = _top_k(out, k_eff)
        found = np.isfinite(np.take_along_axis(out, top, axis=1))
        top[~found] = -1
        exact = np.where(found, _block_scores(out, top, data_unit, query_unit[start:stop], metric), -np.inf)
        order = np.argsort(-exact, axis=1, kind="stable")
        indices[start:stop, :k_eff] = np.take_along_axis(top, order, axis=1)
        best[start:stop, :k_eff] = np.take_along_axis(exact, order, axis=1)
        if progress is not None:
            progress(stop / n_queries)

    if len(bad_query):
        indices[bad_query] = -1
        best[bad_query] = -np.inf
    return _result(indices, best, metric)


def _result(indices: np.ndarray, scores: np.ndarray, metric: str) -> Neighbours:
    """Turn sorted best-first scores into distances (and similarities)."""
    missing = indices < 0
    scores = np.where(missing, np.nan, scores)
    if metric == "cosine":
        similarities = np.clip(scores, -1.0, 1.0)
        distances = 1.0 - similarities
    elif metric == "euclidean":
        similarities, distances = None, -scores
    else:
        similarities, distances = scores, -scores
    return Neighbours(
        indices=indices,
        distances=distances.astype(np.float32),
        similarities=None if similarities is None else similarities.astype(np.float32),
    )


def brute_force(data: np.ndarray, query: np.ndarray | None, k: int, metric: str) -> Neighbours:
    """Reference search: every distance in float64, full sort (for tests and benchmarks)."""
    data64 = np.asarray(data, dtype=np.float64)
    self_query = query is None
    query64 = data64 if self_query else np.asarray(query, dtype=np.float64)
    if metric == "cosine":
        dn = np.linalg.norm(data64, axis=1)
        qn = np.linalg.norm(query64, axis=1)
        scores = (query64 @ data64.T) / np.outer(np.where(qn == 0, 1, qn), np.where(dn == 0, 1, dn))
    elif metric == "euclidean":
        scores = -np.sqrt(np.maximum(
            (query64 ** 2).sum(1)[:, None] + (data64 ** 2).sum(1)[None, :] - 2 * query64 @ data64.T, 0))
    else:
        scores = query64 @ data64.T
    if self_query:
        np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(scores, order, axis=1)
    order[~np.isfinite(best)] = -1
    if order.shape[1] < k:
        missing = np.full((len(order), k - order.shape[1]), -1)
        order, best = np.hstack([order, missing]), np.hstack([best, np.full(missing.shape, -np.inf)])
    return _result(order, best, metric)


def shifted(found: Neighbours, offset: int) -> Neighbours:
    """The same result with data row numbers moved by `offset` (a part's first row in the whole table)."""
    return Neighbours(np.where(found.indices >= 0, found.indices + offset, -1), found.distances, found.similarities)


def merge(found: Sequence[Neighbours], k: int) -> Neighbours:
    """The k nearest of several searches of the same queries among disjoint data rows, best first.

    Each search holds a query's nearest rows of one part of the data (row numbers of the whole table);
    the k best of their union are the k best of the whole, exactly. Ties go to the lower row number.
    """
    indices = np.concatenate([f.indices for f in found], axis=1)
    distances = np.concatenate([f.distances for f in found], axis=1)
    key = np.where(indices < 0, np.inf, distances.astype(np.float64))
    order = np.lexsort((np.where(indices < 0, np.iinfo(np.int64).max, indices), key), axis=1)[:, :k]
    similarities = None
    if found[0].similarities is not None:
        joined = np.concatenate([f.similarities for f in found if f.similarities is not None], axis=1)
        similarities = np.take_along_axis(joined, order, axis=1)
    return Neighbours(np.take_along_axis(indices, order, axis=1), np.take_along_axis(distances, order, axis=1),
                      similarities)
