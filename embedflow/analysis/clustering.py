"""Clustering of vectors with scikit-learn: k-means, HDBSCAN and agglomerative, seeded.

For cosine the vectors are scaled to length 1 first, so k-means, HDBSCAN and Ward linkage
(which measure euclidean distance) group by direction. Rows with NaN/inf, or all-zero rows
under cosine, are left out (label SKIPPED) and reported in the notes. Clusters are numbered by
size, largest first, so a saved workflow gives the same ids.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .checks import (
    AnalysisError,
    CancelledCallback,
    ProgressCallback,
    as_matrix,
    checkpoint,
    describe_rows,
    non_finite_rows,
    zero_rows,
)

Method = Literal["kmeans", "hdbscan", "agglomerative"]
Metric = Literal["cosine", "euclidean"]
Linkage = Literal["ward", "average", "complete", "single"]
METHODS = ("kmeans", "hdbscan", "agglomerative")
METRICS = ("cosine", "euclidean")
LINKAGES = ("ward", "average", "complete", "single")

NOISE = -1  # HDBSCAN: the row belongs to no cluster
SKIPPED = -2  # the row was left out: NaN/inf, or all zeros under cosine
AUTO_K_MAX = 15  # auto tries k = 2 .. AUTO_K_MAX (at most rows - 1)
SILHOUETTE_SAMPLE = 5_000  # above this many rows the silhouette is computed on a seeded sample
CENTRAL_ROWS = 5  # rows listed per cluster as its most central
KMEANS_INITS = 4  # k-means runs from this many seeded starts and keeps the best
AGGLOMERATIVE_MAX_ROWS = 20_000  # its memory grows with rows squared


@dataclass(frozen=True)
class AutoK:
    """How `k="auto"` chose: the silhouette of each k tried; `chosen` has the highest."""

    tried: tuple[int, ...]
    silhouettes: tuple[float, ...]
    chosen: int


@dataclass(frozen=True)
class ClusterResult:
    """Cluster of every input row and what describes the clusters.

    labels: per input row, 0..k-1 (0 the largest cluster), NOISE or SKIPPED.
    sizes: rows per cluster, indexed by cluster id. central: per cluster id, its rows nearest the
    cluster's centre, nearest first. silhouette: mean silhouette of the clustered rows (noise
    excluded), None when undefined (fewer than two clusters); silhouette_rows: how many rows it
    was computed on (a sample above SILHOUETTE_SAMPLE). notes: (code, sentence) pairs for the user.
    """

    labels: np.ndarray
    k: int
    method: str
    metric: str
    sizes: np.ndarray
    central: dict[int, np.ndarray]
    silhouette: float | None
    silhouette_rows: int
    noise: int
    skipped: np.ndarray
    auto: AutoK | None
    notes: tuple[tuple[str, str], ...]
    model: ClusterModel


@dataclass(frozen=True)
class UsableRows:
    """Which rows can be clustered: `kept` (row numbers, in order), `skipped`, notes on those left out, `total`."""

    kept: np.ndarray
    skipped: np.ndarray
    notes: tuple[tuple[str, str], ...]
    total: int


@dataclass(frozen=True)
class ClusterModel:
    """Assigns rows to the clusters of a fit; it pickles, so workers can assign the rows they hold.

    references: points in the space the clusters were found in (unit vectors for cosine) and
    reference_labels their clusters. k-means and agglomerative keep each cluster's mean (a row joins
    the nearest mean); HDBSCAN keeps every fitted row (a row joins the cluster of the nearest one,
    noise included).
    """

    metric: str
    references: np.ndarray
    reference_labels: np.ndarray

    def predict(self, vectors: np.ndarray, block: int = 4096) -> np.ndarray:
        """Each row's cluster, SKIPPED for a row with NaN/inf (or all zeros under cosine)."""
        data = as_matrix(vectors)
        bad, zeros = unusable_rows(data, self.metric)
        labels = np.full(len(data), SKIPPED, dtype=np.int64)
        kept = np.setdiff1d(np.arange(len(data)), np.union1d(bad, zeros))
        points = data[kept].astype(np.float64)
        if self.metric == "cosine":
            points /= np.linalg.norm(points, axis=1, keepdims=True)
        references = self.references.astype(np.float64)
        squares = np.einsum("ij,ij->i", references, references)
        for start in range(0, len(points), block):
            distances = squares[None, :] - 2.0 * points[start:start + block] @ references.T
            labels[kept[start:start + block]] = self.reference_labels[distances.argmin(axis=1)]
        return labels


def cluster(vectors: np.ndarray, method: Method = "kmeans", k: int | Literal["auto"] = 8,
            metric: Metric = "cosine", min_cluster_size: int = 10, linkage: Linkage = "ward", seed: int = 0,
            progress: ProgressCallback | None = None, cancelled: CancelledCallback | None = None) -> ClusterResult:
    """Cluster the rows of `vectors`; `k` is ignored by HDBSCAN, which finds the clusters itself."""
    _check_settings(method, k, metric, linkage, min_cluster_size)
    data = as_matrix(vectors)
    usable = usable_rows(*unusable_rows(data, metric), len(data), metric)
    points = data if len(usable.kept) == len(data) else data[usable.kept]
    return cluster_points(points, usable, method, k, metric, min_cluster_size, linkage, seed, progress, cancelled)


def cluster_points(points: np.ndarray, usable: UsableRows, method: Method = "kmeans", k: int | Literal["auto"] = 8,
                   metric: Metric = "cosine", min_cluster_size: int = 10, linkage: Linkage = "ward", seed: int = 0,
                   progress: ProgressCallback | None = None, cancelled: CancelledCallback | None = None
                   ) -> ClusterResult:
    """cluster() of the usable rows' vectors `points` (in the order of usable.kept); row numbers count all rows."""
    _check_settings(method, k, metric, linkage, min_cluster_size)
    kept, skipped, notes = usable.kept, usable.skipped, list(usable.notes)
    if metric == "cosine":
        points = points / np.linalg.norm(points, axis=1, keepdims=True)
    if method == "agglomerative" and len(points) > AGGLOMERATIVE_MAX_ROWS:
        raise AnalysisError(f"Agglomerative clustering of {len(points):,} rows needs too much memory (it compares "
                            f"every pair of rows); it handles up to {AGGLOMERATIVE_MAX_ROWS:,}. Use k-means or "
                            "HDBSCAN.", "too-many-rows")
    checkpoint(progress, cancelled, 0.0, "clustering")
    auto = None
    if method == "hdbscan":
        labels = _hdbscan(points, min_cluster_size)
    elif k == "auto":
        auto, labels = _auto_k(points, method, metric, linkage, seed, progress, cancelled)
    else:
        _check_k(int(k), len(points), len(skipped))
        labels = _fit(points, method, int(k), metric, linkage, seed)
    checkpoint(progress, cancelled, 0.9, "scoring the clusters")
    labels, sizes = _number_by_size(labels)
    if method != "hdbscan" and k != "auto" and len(sizes) < k:
        notes.append(("fewer-clusters", f"Found {len(sizes)} clusters, not {k}: the rows have only "
                                        f"{len(sizes)} distinct vectors."))
    silhouette, silhouette_rows = _silhouette(points, labels, metric, seed)
    if silhouette_rows < int((labels >= 0).sum()):
        notes.append(("silhouette-sampled", f"The silhouette score was computed on {silhouette_rows:,} rows "
                                            f"sampled from {int((labels >= 0).sum()):,} (seed {seed})."))
    if method == "hdbscan" and len(sizes) == 0:
        notes.append(("no-clusters", f"HDBSCAN found no cluster of at least {min_cluster_size} rows: every row is "
                                     "noise. Lower the minimum cluster size."))
    if auto is not None:
        notes.append(("auto-k", f"k = {auto.chosen} was chosen: the highest silhouette of k = {auto.tried[0]} to "
                                f"{auto.tried[-1]} ({max(auto.silhouettes):.3f})."))
    full = np.full(usable.total, SKIPPED, dtype=np.int64)
    full[kept] = labels
    central = {c: kept[rows] for c, rows in _central_rows(points, labels, len(sizes)).items()}
    checkpoint(progress, cancelled, 1.0, "done")
    return ClusterResult(full, len(sizes), method, metric, sizes, central, silhouette, silhouette_rows,
                         int((labels == NOISE).sum()), skipped, auto, tuple(notes),
                         _model(points, labels, len(sizes), method, metric))


def _model(points: np.ndarray, labels: np.ndarray, k: int, method: str, metric: str) -> ClusterModel:
    if method == "hdbscan":
        return ClusterModel(metric, np.array(points, copy=True), labels)
    means = np.stack([points[labels == c].mean(axis=0) for c in range(k)]) if k else points[:0]
    return ClusterModel(metric, means, np.arange(k, dtype=np.int64))


def _check_settings(method: str, k: int | str, metric: str, linkage: str, min_cluster_size: int) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    if linkage not in LINKAGES:
        raise ValueError(f"unknown linkage {linkage!r}; use one of {', '.join(LINKAGES)}")
    if k != "auto" and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2):
        raise AnalysisError(f"k must be a whole number of at least 2, or auto; it is {k!r}.", "invalid-k")
    if method == "hdbscan" and min_cluster_size < 2:
        raise AnalysisError(f"The minimum cluster size must be at least 2; it is {min_cluster_size}.",
                            "invalid-min-cluster-size")


def unusable_rows(vectors: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows with NaN/inf, and (under cosine) the other rows that are all zeros: of a table or one partition."""
    data = as_matrix(vectors)
    bad = non_finite_rows(data)
    if metric != "cosine":
        return bad, np.zeros(0, dtype=np.int64)
    finite = np.ones(len(data), dtype=bool)
    finite[bad] = False
    return bad, np.setdiff1d(zero_rows(np.where(finite[:, None], data, 1.0)), bad)


def usable_rows(bad: np.ndarray, zeros: np.ndarray, total: int, metric: str) -> UsableRows:
    """The rows to cluster once `bad` and `zeros` (from unusable_rows, numbered in the whole table) are left out."""
    if total == 0:
        raise AnalysisError("There are no rows to cluster.", "too-few-rows")
    notes = []
    if len(bad):
        notes.append(("nan-vectors", f"Left out {describe_rows(bad)} whose vectors hold NaN or infinite values."))
    usable = np.ones(total, dtype=bool)
    usable[bad] = False
    if metric == "cosine":
        if len(zeros) and len(zeros) == usable.sum():
            raise AnalysisError("Every vector is all zeros, so cosine cannot compare them (e.g. texts with no known "
                                "word). Check the block that made the vectors.", "zero-vectors")
        if len(zeros):
            notes.append(("zero-vectors", f"Left out {describe_rows(zeros)} whose vectors are all zeros: cosine "
                                          "cannot compare them."))
        usable[zeros] = False
    if not usable.any():
        raise AnalysisError(f"Every row's vector holds NaN or infinite values ({describe_rows(bad)}): nothing to "
                            "cluster. Check the block that made the vectors.", "nan-vectors")
    if usable.sum() == 1:
        raise AnalysisError("There is only one row to cluster; clustering needs at least two.", "too-few-rows")
    return UsableRows(np.flatnonzero(usable), np.flatnonzero(~usable), tuple(notes), total)


def _check_k(k: int, rows: int, skipped: int) -> None:
    if k > rows:
        left_out = f" (after leaving out {skipped} with unusable vectors)" if skipped else ""
        raise AnalysisError(f"k is {k} but there are only {rows} rows to cluster{left_out}. Lower k to at most "
                            f"{rows}.", "k-larger-than-rows")


def _fit(points: np.ndarray, method: str, k: int, metric: str, linkage: str, seed: int) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.exceptions import ConvergenceWarning
    if method == "kmeans":
        with warnings.catch_warnings():
            # Fewer distinct points than k: reported as a note from the labels instead.
            warnings.simplefilter("ignore", ConvergenceWarning)
            # float64: on float32 rows scikit-learn's k-means++ start computes its distances upcast to
            # float64 in small chunks, 90 % of the fit; given float64 it makes one BLAS call
            # (50,000 x 384: 0.3-0.37x the time, the same clusters; benchmarks/bench_analysis.py).
            return KMeans(n_clusters=k, n_init=KMEANS_INITS, random_state=seed).fit_predict(
                np.asarray(points, dtype=np.float64))
    # Ward needs euclidean distances (on unit vectors they order pairs as cosine does); the other
    # linkages take the metric itself.
    distance = "euclidean" if linkage == "ward" else metric
    return AgglomerativeClustering(n_clusters=k, linkage=linkage, metric=distance).fit_predict(points)


def _hdbscan(points: np.ndarray, min_cluster_size: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN
    if len(points) < min_cluster_size:
        raise AnalysisError(f"The minimum cluster size is {min_cluster_size} but there are only {len(points)} rows. "
                            "Lower the minimum cluster size.", "k-larger-than-rows")
    # copy=False: with a feature matrix (not precomputed distances) HDBSCAN does not write to it.
    return HDBSCAN(min_cluster_size=min_cluster_size, copy=False).fit_predict(points)


def _auto_k(points: np.ndarray, method: str, metric: str, linkage: str, seed: int,
            progress: ProgressCallback | None, cancelled: CancelledCallback | None) -> tuple[AutoK, np.ndarray]:
    """Fit every k of the range and keep the one with the highest silhouette (the smaller k on a tie)."""
    tried = list(range(2, min(AUTO_K_MAX, len(points) - 1) + 1))
    if not tried:
        raise AnalysisError(f"Choosing k automatically needs at least 3 rows; there are {len(points)}. Set k.",
                            "too-few-rows")
    best_labels, best_score, scores = None, -np.inf, []
    for i, k in enumerate(tried):
        checkpoint(progress, cancelled, 0.9 * i / len(tried), f"trying k = {k}")
        labels = _fit(points, method, k, metric, linkage, seed)
        score, _ = _silhouette(points, labels, metric, seed)
        scores.append(-1.0 if score is None else score)
        if scores[-1] > best_score:
            best_labels, best_score = labels, scores[-1]
    chosen = tried[int(np.argmax(scores))]
    assert best_labels is not None  # every score beats -inf, so the first k already set it
    return AutoK(tuple(tried), tuple(scores), chosen), best_labels


def _number_by_size(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters 0..k-1 from the largest (ties: the one whose first row comes first)."""
    ids, first, sizes = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = np.lexsort((first, -sizes))
    # One spare entry at the end: noise (-1) reads it and stays NOISE.
    mapping = np.full(int(labels.max()) + 2, NOISE, dtype=np.int64)
    mapping[ids[order]] = np.arange(len(ids))
    return mapping[labels], sizes[order]


def _silhouette(points: np.ndarray, labels: np.ndarray, metric: str, seed: int) -> tuple[float | None, int]:
    """Mean silhouette over the clustered rows (noise excluded, a seeded sample above SILHOUETTE_SAMPLE)
    and how many rows it used; None when there are fewer than 2 clusters or no row outside a cluster of one."""
    rows = np.flatnonzero(labels >= 0)
    if len(rows) > SILHOUETTE_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(rows, SILHOUETTE_SAMPLE, replace=False))
    ids, members = np.unique(labels[rows], return_inverse=True)
    if not 2 <= len(ids) <= len(rows) - 1:
        return None, len(rows)
    return float(silhouette_samples(points[rows], members, metric).mean()), len(rows)


def silhouette_samples(points: np.ndarray, members: np.ndarray, metric: str, block: int = 1024) -> np.ndarray:
    """Each row's silhouette (0 for a cluster of one, as scikit-learn does).

    Cosine: from each cluster's summed unit vectors in float64 (n·k·d flops, not n²·d). Euclidean:
    from blocked float32 distances, which agree with scikit-learn's silhouette_samples to about 1e-4
    (float32 rounding of close pairs' distances); scikit-learn upcasts to float64 in small chunks and
    is 1.3 to 3 times slower."""
    one_hot = np.zeros((len(points), int(members.max()) + 1), dtype=np.float32)
    one_hot[np.arange(len(points)), members] = 1.0
    sizes = one_hot.sum(axis=0)
    if metric == "cosine":
        sums = _cosine_distance_sums(points, one_hot, sizes)
    else:
        sums = _euclidean_distance_sums(points, one_hot, block)
    own = np.arange(len(points)), members
    own_size = sizes[members]
    within = sums[own] / np.maximum(own_size - 1, 1)
    sums[own] = np.inf
    nearest = (sums / sizes).min(axis=1)
    score = (nearest - within) / np.maximum(np.maximum(within, nearest), np.finfo(np.float32).tiny)
    return np.where(own_size > 1, score, 0.0)


def _cosine_distance_sums(points: np.ndarray, one_hot: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each row's summed cosine distance to the rows of each cluster (its own included).

    1 - a·b is linear in b, so the sum over a cluster is its size minus a·(the cluster's summed unit vectors)."""
    unit = points.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    totals = one_hot.T.astype(np.float64) @ unit
    return sizes.astype(np.float64)[None, :] - unit @ totals.T


def _euclidean_distance_sums(points: np.ndarray, one_hot: np.ndarray, block: int) -> np.ndarray:
    """Each row's summed euclidean distance to the rows of each cluster, from blocked float32 distances."""
    # Centring changes no distance, and |a|² + |b|² - 2a·b loses less to rounding near the origin.
    data = points.astype(np.float32)
    data = data - data.mean(axis=0)
    squares = np.einsum("ij,ij->i", data, data)
    sums = np.empty_like(one_hot)
    for start in range(0, len(data), block):
        distances = data[start:start + block] @ data.T  # turned into distances in place
        distances *= -2.0
        distances += squares[start:start + block, None]
        distances += squares[None, :]
        np.maximum(distances, 0.0, out=distances)
        np.sqrt(distances, out=distances)
        sums[start:start + block] = distances @ one_hot
    return sums


def _central_rows(points: np.ndarray, labels: np.ndarray, k: int) -> dict[int, np.ndarray]:
    """Per cluster, up to CENTRAL_ROWS of its rows nearest the mean of its rows, nearest first."""
    central = {}
    for c in range(k):
        members = np.flatnonzero(labels == c)
        distances = np.linalg.norm(points[members] - points[members].mean(axis=0), axis=1)
        central[c] = members[np.argsort(distances, kind="stable")[:CENTRAL_ROWS]]
    return central
