"""Approximate k-nearest-neighbour search with a faiss HNSW index, and its recall against exact search.

faiss-cpu is an optional extra (`pip install embedflow[ann]`). The index is a flat HNSW graph
(`IndexHNSWFlat`, M = 32): it stores the vectors themselves, so the distances it returns are
exact for the neighbours it finds; only some true neighbours may be missed. How many is measured,
not assumed: `recall_at_k` runs exact search for a seeded sample of the queries and counts how
many of the exact top-k the index found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .neighbours import METRICS, Neighbours, ProgressCallback, _result, invalid_rows, search, search_arrays

METHODS = ("auto", "exact", "approximate")
# auto uses the index only where it pays: building it costs about as much as exact search of
# ~40,000 queries (measured on GloVe 400k × 50), and exact search stays quick below 200,000 rows.
AUTO_MIN_ROWS = 200_000
AUTO_MIN_QUERIES = 50_000
RECALL_QUERIES = 1_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
ADD_CHUNK = 50_000
SEARCH_CHUNK = 8_192
INSTALL_HINT = "Install it with `pip install faiss-cpu` (or `pip install embedflow[ann]`)."


class ApproximateUnavailable(RuntimeError):
    """faiss is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Recall:
    """recall@k of an approximate search measured on `queries` sampled query rows."""

    value: float
    k: int
    queries: int


def faiss_available() -> bool:
    """True when the optional faiss-cpu package can be imported."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def choose_method(method: str, rows: int, queries: int, available: bool) -> str:
    """'exact' or 'approximate' for the `method` setting, `rows` data rows and `queries` queries."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if method == "auto":
        return "approximate" if available and rows >= AUTO_MIN_ROWS and queries >= AUTO_MIN_QUERIES else "exact"
    return method


def _faiss():
    try:
        import faiss
    except ImportError:
        raise ApproximateUnavailable(
            f"Approximate search needs the optional package faiss-cpu, which is not installed. {INSTALL_HINT}"
        ) from None
    return faiss


def _prepared(vectors: np.ndarray, metric: str, centre: np.ndarray | None) -> np.ndarray:
    """Contiguous float32 rows as the index compares them (unit rows for cosine, centred for euclidean)."""
    out = np.array(vectors, dtype=np.float32, copy=True, order="C")
    if metric == "cosine":
        norms = np.linalg.norm(out, axis=1)
        norms[norms == 0] = 1.0  # zero vectors stay zero: similarity 0 to everything, as in exact search
        out /= norms[:, None]
    elif metric == "euclidean" and centre is not None:
        out -= centre  # distances do not change; float32 keeps more digits near the origin
    return out


def approximate_search(data: np.ndarray, query: np.ndarray | None = None, k: int = 5, metric: str = "cosine",
                       progress: ProgressCallback | None = None) -> Neighbours:
    """The approximate k nearest rows of `data` for each row of `query`, with `search`'s conventions.

    Without `query` every data row is a query and is not its own neighbour; rows holding NaN/inf
    are never neighbours and as queries get none (-1). `progress(fraction)` may raise to cancel.
    """
    data, query, self_query = search_arrays(data, query, k)
    # Building takes about as long as searching; progress is split between the two.
    index = HnswIndex(data, metric, None if progress is None else (lambda fraction: progress(0.5 * fraction)))
    return index.search(query, k, np.arange(len(query)) if self_query else None,
                        None if progress is None else (lambda fraction: progress(0.5 + 0.5 * fraction)))


class HnswIndex:
    """A faiss HNSW index of the valid rows of `data`; it pickles (a cluster moves it between workers)."""

    def __init__(self, data: np.ndarray, metric: str = "cosine", progress: ProgressCallback | None = None) -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
        faiss = _faiss()
        data = np.asarray(data)
        self.metric = metric
        self.good = np.setdiff1d(np.arange(len(data)), invalid_rows(data))
        self.centre = data[self.good].mean(axis=0, dtype=np.float64).astype(np.float32) if len(self.good) else None
        indexed = _prepared(data[self.good], metric, self.centre)
        kind = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
        self.index = faiss.IndexHNSWFlat(data.shape[1], HNSW_M, kind)
        self.index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        for start in range(0, len(indexed), ADD_CHUNK):
            self.index.add(indexed[start:start + ADD_CHUNK])
            if progress is not None:
                progress(min(1.0, (start + ADD_CHUNK) / len(indexed)))

    def __getstate__(self) -> dict[str, Any]:
        return {"metric": self.metric, "good": self.good, "centre": self.centre,
                "index": _faiss().serialize_index(self.index)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.metric, self.good, self.centre = state["metric"], state["good"], state["centre"]
        self.index = _faiss().deserialize_index(state["index"])

    def search(self, query: np.ndarray, k: int, own: np.ndarray | None = None,
               progress: ProgressCallback | None = None) -> Neighbours:
        """The approximate k nearest indexed rows of each query row; `own[q]` (a data row, or -1) is never q's."""
        good, metric, centre = self.good, self.metric, self.centre
        indices = np.full((len(query), k), -1, dtype=np.int64)
        scores = np.full((len(query), k), -np.inf, dtype=np.float64)
        asked = min(k + (1 if own is not None else 0), len(good))
        if asked == 0:
            return _result(indices, scores, metric)
        self.index.hnsw.efSearch = max(64, 2 * asked)
        for start in range(0, len(query), SEARCH_CHUNK):
            stop = min(start + SEARCH_CHUNK, len(query))
            chunk = _prepared(np.nan_to_num(query[start:stop], nan=0.0, posinf=0.0, neginf=0.0), metric, centre)
            found_scores, found = self.index.search(chunk, asked)
            found = np.where(found >= 0, good[np.maximum(found, 0)], -1)
            if metric == "euclidean":
                found_scores = -np.sqrt(np.maximum(found_scores, 0.0))
            if own is not None:
                found, found_scores = _without_own_row(found, found_scores, own[start:stop])
            taken = min(k, found.shape[1])
            indices[start:stop, :taken] = found[:, :taken]
            scores[start:stop, :taken] = np.where(found[:, :taken] >= 0, found_scores[:, :taken], -np.inf)
            if progress is not None:
                progress(stop / len(query))
        bad_query = invalid_rows(query)
        indices[bad_query] = -1
        scores[bad_query] = -np.inf
        return _result(indices, scores, metric)


def _without_own_row(found: np.ndarray, scores: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop each query's own row from its results (or the last result, when the index missed it)."""
    rows, width = found.shape
    is_own = found == own[:, None]
    drop = np.where(is_own.any(axis=1), is_own.argmax(axis=1), width - 1)
    keep = np.ones_like(found, dtype=bool)
    keep[np.arange(rows), drop] = False
    return found[keep].reshape(rows, width - 1), scores[keep].reshape(rows, width - 1)


def _distances(data: np.ndarray, query: np.ndarray, rows: np.ndarray, metric: str) -> np.ndarray:
    """float64 distances from each query row to the data rows named in `rows` (NaN where -1)."""
    chosen = np.asarray(data)[np.maximum(rows, 0)].astype(np.float64)  # only the sampled rows in float64
    q = np.asarray(query, dtype=np.float64)[:, None, :]
    if metric == "euclidean":
        out = np.sqrt(((chosen - q) ** 2).sum(axis=2))
    elif metric == "dot":
        out = -(chosen * q).sum(axis=2)
    else:
        norms = np.linalg.norm(chosen, axis=2) * np.linalg.norm(q, axis=2)
        out = 1.0 - (chosen * q).sum(axis=2) / np.where(norms == 0, 1.0, norms)
    return np.where(rows >= 0, out, np.nan)


def recall_at_k(data: np.ndarray, query: np.ndarray | None, found: Neighbours, metric: str,
                sample: int = RECALL_QUERIES, seed: int = 0) -> Recall:
    """Share of the exact k nearest rows that `found` also lists, over a seeded sample of queries.

    A found row counts when it is one of the exact top-k or as close as the k-th of them (ties:
    duplicate vectors may be listed in either order). Queries holding NaN/inf are not sampled.
    """
    k = found.indices.shape[1]
    query_vectors = data if query is None else query
    rows = recall_sample(len(query_vectors), invalid_rows(query_vectors), sample, seed)
    if len(rows) == 0:
        return Recall(1.0, k, 0)
    exact = search(data, query_vectors[rows], k=k, metric=metric, exclude=rows if query is None else None).indices
    answerable = (exact >= 0).any(axis=1)
    rows, exact = rows[answerable], exact[answerable]
    if len(rows) == 0:
        return Recall(1.0, k, 0)
    approx = found.indices[rows]
    kth = np.nanmax(_distances(data, query_vectors[rows], exact, metric), axis=1)[:, None]
    as_close = _distances(data, query_vectors[rows], approx, metric) <= kth + 1e-6 * np.maximum(1.0, np.abs(kth))
    return _recall(approx, exact, as_close)


def recall_sample(queries: int, invalid: np.ndarray, sample: int = RECALL_QUERIES, seed: int = 0) -> np.ndarray:
    """The seeded sample of query rows recall is measured on (rows holding NaN/inf left out), sorted."""
    candidates = np.setdiff1d(np.arange(queries), invalid)
    if len(candidates) == 0:
        return candidates
    return np.sort(np.random.default_rng(seed).choice(candidates, min(sample, len(candidates)), replace=False))


def recall_from(exact: Neighbours, found: Neighbours) -> Recall:
    """recall@k of `found` against `exact` search of the same query rows, from the distances both carry.

    What `recall_at_k` measures when the vectors are elsewhere (on a cluster's workers).
    """
    answerable = (exact.indices >= 0).any(axis=1)
    exact_rows, approx = exact.indices[answerable], found.indices[answerable]
    if len(exact_rows) == 0:
        return Recall(1.0, found.indices.shape[1], 0)
    kth = np.nanmax(exact.distances[answerable].astype(np.float64), axis=1)[:, None]
    distances = np.where(approx >= 0, found.distances[answerable].astype(np.float64), np.nan)
    with np.errstate(invalid="ignore"):
        as_close = distances <= kth + 1e-6 * np.maximum(1.0, np.abs(kth))
    return _recall(approx, exact_rows, as_close)


def _recall(approx: np.ndarray, exact: np.ndarray, as_close: np.ndarray) -> Recall:
    """Share of the exact rows found, counting a found row as close as the k-th exact one as found."""
    k = approx.shape[1]
    listed = (approx[:, :, None] == exact[:, None, :]).any(axis=2)
    hits = ((listed | as_close) & (approx >= 0)).sum(axis=1)
    wanted = (exact >= 0).sum(axis=1)
    return Recall(float(np.mean(np.minimum(hits, wanted) / wanted)), k, len(approx))
