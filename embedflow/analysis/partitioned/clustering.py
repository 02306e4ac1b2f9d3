"""Clustering a partitioned table: fit here on its rows (or a seeded sample), assign and name where the parts live.

The vectors of the fitted rows come to this computer (at most `cluster.gather_rows`, fewer for
agglomerative); beyond that budget every other row is assigned to the sample's clusters on its
worker and the clusters are numbered by their size over every row, as locally. The names come from
counts added up on the workers (words, or an image folder's categories) and the feature values of the
most central rows; the clustered rows stay on the workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import reduce
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...core.cluster import Cluster, part_starts
from ...core.sizes import format_size
from ...core.specs import EmbeddingKind
from ...core.table import Table
from ..cluster_labels import (
    CATEGORY_COLUMN,
    WordCounts,
    category_counts,
    image_names,
    labels_from_counts,
    with_clusters,
    word_counts,
)
from ..clustering import (
    AGGLOMERATIVE_MAX_ROWS,
    NOISE,
    SKIPPED,
    ClusterModel,
    ClusterResult,
    Linkage,
    Method,
    Metric,
    UsableRows,
    cluster_points,
    unusable_rows,
    usable_rows,
)
from ..projection import sample_rows


@dataclass(frozen=True)
class PartFacts:
    """What this computer learns of one part: its size, an empty copy, and its unusable and all-zero rows."""

    rows: int
    head: Table  # no rows: the columns, provenance and vector length
    bad: np.ndarray
    zeros: np.ndarray


@dataclass(frozen=True)
class FittedParts:
    """A clustering of every row of the parts.

    result: the clusters, counted over every row (central rows numbered in the whole table);
    labels: a handle per part of its rows' cluster ids; fitted_rows: the rows fitted on (a sample when
    `sampled`); usable: the usable rows of the whole table; brought: the bytes of vectors brought here.
    """

    result: ClusterResult
    labels: list[Any]
    sampled: bool
    fitted_rows: np.ndarray
    usable: UsableRows
    brought: int


@dataclass(frozen=True)
class ClusterNames:
    """A name per cluster id, the feature values of each cluster's central rows, and what naming brought here."""

    names: dict[int, str]
    shown: dict[int, list[Any]]
    brought: str


def fit_budget(method: str, gather_rows: int) -> int:
    """How many rows a cluster run fits on: the gather budget, and for agglomerative at most what it can hold."""
    return min(gather_rows, AGGLOMERATIVE_MAX_ROWS) if method == "agglomerative" else gather_rows


class PartitionedClustering:
    """Clusters of the rows of a table held as parts, computed where the parts live."""

    def __init__(self, cluster: Cluster, parts: list[Any], metric: Metric) -> None:
        self.cluster, self.parts, self.metric = cluster, parts, metric
        self.facts: list[PartFacts] = cluster.gather([cluster.submit(part_facts, part, metric) for part in parts],
                                                     "parts checked")
        self.head = self.facts[0].head
        self.first = part_starts(f.rows for f in self.facts)
        self.total = int(self.first[-1])

    def fit(self, method: Method, k: int | Literal["auto"], min_cluster_size: int, linkage: Linkage, seed: int,
            progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> FittedParts:
        """Fit on the usable rows (a seeded sample beyond the budget) and give every row its cluster; AnalysisError."""
        cluster, first = self.cluster, self.first
        usable = usable_rows(np.concatenate([f.bad + first[n] for n, f in enumerate(self.facts)]),
                             np.concatenate([f.zeros + first[n] for n, f in enumerate(self.facts)]),
                             self.total, self.metric)
        budget = fit_budget(method, cluster.gather_rows)
        sampled = len(usable.kept) > budget
        fitted_rows = sample_rows(usable.kept, budget, seed) if sampled else usable.kept
        local = by_part(fitted_rows, first)
        points = np.concatenate(cluster.gather([cluster.submit(take_vectors, part, rows)
                                                for part, rows in zip(self.parts, local)], "vectors brought"))
        fit_on = UsableRows(np.arange(len(points)), np.zeros(0, dtype=np.int64), (), len(points)) if sampled else usable
        result = cluster_points(points, fit_on, method, k, self.metric, min_cluster_size, linkage, seed,
                                progress=lambda f, m: progress(0.6 * f, m), cancelled=cancelled)
        if sampled:
            progress(0.6, f"assigning {self.total:,} rows on the cluster")
            result, labels = self._assign_every_row(result, usable, fitted_rows, local)
        else:
            labels = [result.labels[first[n]:first[n + 1]] for n in range(len(self.parts))]
        return FittedParts(result, labels, sampled, fitted_rows, usable, int(points.nbytes))

    def _assign_every_row(self, result: ClusterResult, usable: UsableRows, fitted_rows: np.ndarray,
                          local: list[np.ndarray]) -> tuple[ClusterResult, list[Any]]:
        """Every row assigned to the sample's clusters on its worker, then the clusters numbered by their size
        over every row (as locally); the result counts every row, and its central rows are numbered in the table."""
        cluster = self.cluster
        model = cluster.share(result.model)
        offsets = part_starts(len(rows) for rows in local)
        assigned = [cluster.submit(assign, model, part, rows, result.labels[offsets[n]:offsets[n + 1]])
                    for n, (part, rows) in enumerate(zip(self.parts, local))]
        counts = cluster.gather([cluster.submit(label_counts, labels, result.k, int(self.first[n]))
                                 for n, labels in enumerate(assigned)], "rows assigned")
        sizes = np.sum([c[0] for c in counts], axis=0) if result.k else np.zeros(0, dtype=np.int64)
        firsts = np.array([min(int(f) for f in column if f >= 0) for column in zip(*[c[1] for c in counts])]
                          if result.k else [], dtype=np.int64)
        order = np.lexsort((firsts, -sizes))
        mapping = np.empty(result.k, dtype=np.int64)
        mapping[order] = np.arange(result.k)
        central = {int(mapping[c]): fitted_rows[rows] for c, rows in result.central.items()}
        whole = replace(result, labels=renumber(result.labels, mapping), sizes=sizes[order], central=central,
                        noise=sum(c[2] for c in counts), skipped=usable.skipped, notes=usable.notes + result.notes)
        return whole, [cluster.submit(renumber, labels, mapping) for labels in assigned]

    def names(self, fitted: FittedParts) -> ClusterNames:
        """The cluster names from counts added up on the workers, and the feature values of the central rows."""
        cluster, parts, labels, result, head = self.cluster, self.parts, fitted.labels, fitted.result, self.head
        feature = head.feature if head.feature in head.meta.columns else None
        sizes = cluster_sizes(result)
        if feature is None:
            return ClusterNames({int(c): f"cluster {c}" for c in sizes}, {},
                                "no words (the input has no feature column)")
        central_rows = np.sort(np.concatenate([rows for rows in result.central.values()])) if result.central else \
            np.zeros(0, dtype=np.int64)
        values = [v for vs in cluster.gather([cluster.submit(column_values, part, feature, rows) for part, rows in
                                              zip(parts, by_part(central_rows, self.first))], "central rows brought")
                  for v in vs]
        value_of = dict(zip(central_rows.tolist(), values))
        shown = {c: [value_of[int(r)] for r in rows] for c, rows in result.central.items()}
        if head.provenance.get("kind") == EmbeddingKind.IMAGE:
            categories = None
            if CATEGORY_COLUMN in head.meta.columns:
                categories = cluster.gather([cluster.submit(add_series, *[
                    cluster.submit(part_category_counts, part, part_labels)
                    for part, part_labels in zip(parts, labels)])])[0]
            names = image_names(sizes, categories, {c: str(v[0]) for c, v in shown.items()})
            return ClusterNames(names, shown, "the counts of each cluster's categories")
        counts = cluster.gather([cluster.submit(add, *[cluster.submit(part_word_counts, part, part_labels, feature)
                                                       for part, part_labels in zip(parts, labels)])],
                                "words counted")[0]
        texts = {c: ["" if pd.isna(v) else str(v) for v in vs] for c, vs in shown.items()}
        size = counts.counts.data.nbytes + sum(len(str(w)) for w in counts.words)
        return ClusterNames(labels_from_counts(counts, texts), shown,
                            f"the word counts of each cluster ({format_size(size)})")

    def clustered(self, fitted: FittedParts, names: dict[int, str]) -> Any:
        """The rows with their cluster and its name, as an output whose parts stay on the workers."""
        shared = self.cluster.share(names)
        return self.cluster.output([self.cluster.submit(with_clusters, part, part_labels, shared)
                                    for part, part_labels in zip(self.parts, fitted.labels)])


def cluster_sizes(result: ClusterResult) -> dict[int, int]:
    """Rows per cluster id present in the labels (noise and skipped rows included), from the result's counts."""
    sizes = {c: int(result.sizes[c]) for c in range(result.k)}
    if result.noise:
        sizes[NOISE] = int(result.noise)
    if len(result.skipped):
        sizes[SKIPPED] = len(result.skipped)
    return sizes


def by_part(rows: np.ndarray, first: np.ndarray) -> list[np.ndarray]:
    """Sorted row numbers of the whole table as row numbers within each part."""
    return [rows[(rows >= first[n]) & (rows < first[n + 1])] - first[n] for n in range(len(first) - 1)]


# -- run on the workers ---------------------------------------------------------------------------

def part_facts(part: Table, metric: str) -> PartFacts:
    """The size, an empty copy and the unusable and all-zero rows of one part."""
    none = np.zeros(0, dtype=np.int64)
    bad, zeros = unusable_rows(part.vectors, metric) if part.vectors is not None else (none, none)
    return PartFacts(len(part), part.take(none), bad, zeros)


def take_vectors(part: Table, rows: np.ndarray) -> np.ndarray:
    """Some rows of a part's vectors."""
    assert part.vectors is not None
    return part.vectors[rows]


def assign(model: ClusterModel, part: Table, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every row of the part assigned by the model; its sampled `rows` keep the `labels` of the fit."""
    assert part.vectors is not None
    assigned = model.predict(part.vectors)
    assigned[rows] = labels
    return assigned


def label_counts(labels: np.ndarray, k: int, first_row: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows per cluster id, the first row of each (or -1), and the noise rows."""
    clustered = labels[labels >= 0]
    first = np.full(k, -1, dtype=np.int64)
    ids, where = np.unique(clustered, return_index=True)
    first[ids] = np.flatnonzero(labels >= 0)[where] + first_row
    return np.bincount(clustered, minlength=k), first, int((labels == NOISE).sum())


def renumber(labels: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Cluster ids renumbered through `mapping` (noise and skipped rows kept)."""
    renumbered = labels.copy()
    renumbered[labels >= 0] = mapping[labels[labels >= 0]]
    return renumbered


def part_word_counts(part: Table, labels: np.ndarray, feature: str) -> WordCounts:
    """The word counts of one part's clusters."""
    return word_counts(part.meta[feature], labels)


def part_category_counts(part: Table, labels: np.ndarray) -> pd.Series:
    """The category counts of one part's clusters (files at the top of the folder have none)."""
    column = part.meta[CATEGORY_COLUMN]
    return category_counts(labels, column.mask(column == ""))


def add(*values: Any) -> Any:
    """The values added up with `+`."""
    return reduce(lambda a, b: a + b, values)


def add_series(*values: pd.Series) -> pd.Series:
    """Series added up, a missing entry counting 0."""
    return reduce(lambda a, b: a.add(b, fill_value=0), values)


def column_values(part: Table, column: str, rows: np.ndarray) -> list[Any]:
    """The values of one column at some rows of a part."""
    return part.meta[column].iloc[rows].tolist()
