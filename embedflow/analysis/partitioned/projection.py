"""Projecting a partitioned table to two dimensions: the vectors stay on the workers; coordinates come here.

PCA: each partition's sums (count, sum, d×d products) are added up on the workers, the axes found from
them are those of every row (as locally), and each partition is projected where it lives.
t-SNE / UMAP: fitted here on a seeded sample of at most `Cluster.gather_rows` rows (the same sample a
local run draws); every other row is placed by the method's own transform on its worker.
What comes here: two float32 coordinates a row, the columns asked for, and for t-SNE/UMAP the
sample's vectors (`fitted_bytes` says how much).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from ...core.cluster import Cluster, part_starts
from ...core.table import Table
from ..out_of_sample import Fitted, Moments, PcaAxes, fit, pca_axes
from ..projection import (
    MIN_NEIGHBOUR_ROWS,
    SAMPLE_THRESHOLD,
    TITLES,
    Projection,
    ProjectionError,
    row_list,
    sample_rows,
)

Notes = list[tuple[str, str]]


@dataclass(frozen=True)
class PartFacts:
    """What this computer learns of one part: its size, whether it holds vectors, its invalid rows and columns."""

    rows: int
    has_vectors: bool
    invalid: np.ndarray
    schema: pd.DataFrame  # the part's columns and types, no rows
    provenance: dict[str, Any]


class PartitionedProjection:
    """Two coordinates for every row of a table held as parts, computed where the parts live."""

    def __init__(self, cluster: Cluster, parts: list[Any]) -> None:
        self.cluster, self.parts = cluster, parts
        self.facts: list[PartFacts] = cluster.gather([cluster.submit(part_facts, part) for part in parts],
                                                     "parts checked")
        self.has_vectors = all(f.has_vectors for f in self.facts)
        self.first = part_starts(f.rows for f in self.facts)
        self.total = int(self.first[-1])
        self.schema = self.facts[0].schema
        self.provenance = dict(self.facts[0].provenance)
        self.invalid = np.concatenate([f.invalid + self.first[n] for n, f in enumerate(self.facts)])

    def project(self, method: str, perplexity: float, large_data: str,
                progress: Callable[[float, str], None]) -> tuple[Projection, int]:
        """The projection of every row, and the bytes of vectors brought here to fit it; ProjectionError."""
        valid = self.total - len(self.invalid)
        notes: Notes = []
        if len(self.invalid):
            notes.append(("nan-vectors", f"{len(self.invalid):,} row(s) with NaN or infinite values are not shown "
                          f"(rows {row_list(self.invalid)})."))
        if valid == 0:
            raise ProjectionError("Every row holds NaN or infinite values; there is nothing to project.")
        if method in ("tsne", "umap") and valid < MIN_NEIGHBOUR_ROWS:
            notes.append(("projection-fallback", f"{TITLES[method]} needs at least {MIN_NEIGHBOUR_ROWS} rows; "
                          f"showing PCA of the {valid} row(s) instead."))
            method = "pca"
        fitted_bytes = 0
        if method == "pca":
            progress(0.1, "adding up the partitions")
            coords, axes = self._pca()
        elif method == "none":
            coords = np.concatenate(self.cluster.gather([self.cluster.submit(first_two, part) for part in self.parts],
                                                        "coordinates brought"))
            axes = ("dim_0", "dim_1")
        else:
            coords, fitted_bytes = self._fit_and_place(method, perplexity, large_data, notes, progress)
            axes = (f"{TITLES[method]} 1", f"{TITLES[method]} 2")
        if not np.isfinite(coords[np.setdiff1d(np.arange(self.total), self.invalid)]).all():
            raise ProjectionError(f"{TITLES[method]} produced invalid coordinates for this data; try PCA.")
        return Projection(coords, method, axes, tuple(notes)), fitted_bytes

    def _pca(self) -> tuple[np.ndarray, tuple[str, str]]:
        """PCA of every row from sums added up on the workers, each part projected where it lives."""
        cluster = self.cluster
        moments = cluster.submit(add_moments, *[cluster.submit(part_moments, part) for part in self.parts])
        found = cluster.submit(pca_axes, moments)
        scores = [cluster.submit(pca_scores, found, part) for part in self.parts]
        extremes = np.array(cluster.gather([cluster.submit(extreme_scores, s) for s in scores],
                                           "partitions projected"))
        # As locally: the sign of each axis makes the score of largest magnitude positive.
        signs = np.sign(extremes[np.abs(extremes).argmax(axis=0), np.arange(2)])
        signs[signs == 0] = 1.0
        coords = np.concatenate(cluster.gather([cluster.submit(flipped, s, signs) for s in scores],
                                               "coordinates brought"))
        ratios = cluster.gather([found])[0].ratios
        return coords, (f"PC1 ({ratios[0]:.1%})", f"PC2 ({ratios[1]:.1%})")

    def _fit_and_place(self, method: str, perplexity: float, large_data: str, notes: Notes,
                       progress: Callable[[float, str], None]) -> tuple[np.ndarray, int]:
        """t-SNE or UMAP fitted here on a sample; the other rows placed by its transform on the workers."""
        cluster, first, parts, total = self.cluster, self.first, self.parts, self.total
        valid_rows = np.setdiff1d(np.arange(total), self.invalid)
        size = min(len(valid_rows), SAMPLE_THRESHOLD, cluster.gather_rows)
        sample = sample_rows(valid_rows, size) if size < len(valid_rows) else valid_rows
        locals_ = [sample[(sample >= first[n]) & (sample < first[n + 1])] - first[n] for n in range(len(parts))]
        vectors = np.concatenate(cluster.gather([cluster.submit(take_vectors, part, local)
                                                 for part, local in zip(parts, locals_)], "sample brought"))
        model, fitted = fit(vectors, method, perplexity,
                            progress=lambda fraction, message: progress(0.7 * fraction, message))
        coords = np.full((total, 2), np.nan, dtype=np.float32)
        if size < len(valid_rows):
            shared = cluster.share(model)
            progress(0.7, f"placing {len(valid_rows) - size:,} more rows on the cluster")
            coords = np.concatenate(cluster.gather([cluster.submit(placed, shared, part, local)
                                                    for part, local in zip(parts, locals_)], "partitions placed"))
            notes.append(("projection-sampled",
                          f"{TITLES[method]} was fitted on a random sample of {size:,} of {len(valid_rows):,} rows; "
                          f"the other {len(valid_rows) - size:,} were placed by its transform on the cluster."))
            if large_data == "all":
                notes.append(("projection-sampled-on-cluster", "On a cluster the projection is always fitted on a "
                              "sample (Large data 'all' would bring every vector to this computer)."))
        coords[sample] = fitted
        return coords, int(vectors.nbytes)

    def columns(self, names: list[str]) -> pd.DataFrame:
        """Some columns of every row, brought here (no columns: an empty frame of the rows)."""
        if not names:
            return pd.DataFrame(index=range(self.total))
        return pd.concat(self.cluster.gather([self.cluster.submit(part_columns, part, names) for part in self.parts],
                                             "columns brought"), ignore_index=True)

    def rows(self, rows: np.ndarray) -> Any:
        """Some rows of the whole table (sorted row numbers), as an output whose parts stay on the workers."""
        taken: list[Any] = []
        for n, part in enumerate(self.parts):
            local = rows[(rows >= self.first[n]) & (rows < self.first[n + 1])] - self.first[n]
            if len(local) or (n == len(self.parts) - 1 and not taken):
                taken.append(self.cluster.submit(take_rows, part, local))
        return self.cluster.output(taken)


# -- run on the workers ---------------------------------------------------------------------------

def part_facts(part: Table) -> PartFacts:
    """The size, vectors present, invalid rows and columns of one part."""
    invalid = np.zeros(0, np.int64)
    if part.vectors is not None:
        invalid = np.flatnonzero(~np.isfinite(part.vectors).all(axis=1))
    return PartFacts(len(part), part.vectors is not None, invalid, part.meta.iloc[:0], dict(part.provenance))


def part_moments(part: Table) -> Moments:
    """The sums PCA needs of a part's finite rows."""
    assert part.vectors is not None
    vectors = part.vectors[np.isfinite(part.vectors).all(axis=1)]
    return Moments.of(vectors)


def add_moments(*moments: Moments) -> Moments:
    """The sums of several parts added up."""
    return reduce(lambda a, b: a + b, moments)


def pca_scores(axes: PcaAxes, part: Table) -> np.ndarray:
    """A part's rows on the two principal axes (NaN for rows with NaN or infinite values)."""
    assert part.vectors is not None
    scores = axes.transform(np.nan_to_num(part.vectors, nan=0.0, posinf=0.0, neginf=0.0))
    scores[~np.isfinite(part.vectors).all(axis=1)] = np.nan
    return scores


def extreme_scores(scores: np.ndarray) -> np.ndarray:
    """Per axis the score of largest magnitude (0 for a part without scores)."""
    if not np.isfinite(scores).any():
        return np.zeros(2)
    magnitudes = np.where(np.isfinite(scores), np.abs(scores), -1.0)
    return scores[magnitudes.argmax(axis=0), np.arange(2)]


def flipped(scores: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Scores with each axis's sign applied, as float32."""
    return (scores * signs).astype(np.float32)


def first_two(part: Table) -> np.ndarray:
    """A part's first two dimensions as coordinates (NaN for rows with NaN or infinite values)."""
    assert part.vectors is not None
    coords = np.zeros((len(part), 2), dtype=np.float32)
    coords[:, : min(2, part.vectors.shape[1])] = part.vectors[:, :2]
    coords[~np.isfinite(part.vectors).all(axis=1)] = np.nan
    return coords


def take_vectors(part: Table, rows: np.ndarray) -> np.ndarray:
    """Some rows of a part's vectors."""
    assert part.vectors is not None
    return part.vectors[rows]


def placed(model: Fitted, part: Table, fitted: np.ndarray) -> np.ndarray:
    """Coordinates of the part's rows the model was not fitted on (its fitted rows left NaN, filled by the client)."""
    assert part.vectors is not None
    others = np.setdiff1d(np.arange(len(part)), fitted)
    coords = np.full((len(part), 2), np.nan, dtype=np.float32)
    if len(others):
        coords[others] = model.place(part.vectors[others])
    return coords


def part_columns(part: Table, columns: list[str]) -> pd.DataFrame:
    """Some columns of a part."""
    return part.meta[columns].reset_index(drop=True)


def take_rows(part: Table, rows: np.ndarray) -> Table:
    """Some rows of a part."""
    return part.take(rows)
