"""The Scatter on a Dask cluster: the vectors stay on the workers; coordinates and styled columns come here.

PCA: each partition's sums (count, sum, d×d products) are added up on the workers, the axes found from
them are those of every row (as locally), and each partition is projected where it lives.
t-SNE / UMAP: fitted here on a seeded sample of at most `Cluster.gather_rows` rows (the same sample a
local run draws); every other row is placed by the method's own transform on its worker.
What comes here: two float32 coordinates a row, the colour/label/size columns, and for t-SNE/UMAP the
sample's vectors; a message says how much.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from ...analysis.out_of_sample import Fitted, Moments, PcaAxes, fit, pca_axes
from ...analysis.projection import (
    MIN_NEIGHBOUR_ROWS,
    SAMPLE_THRESHOLD,
    TITLES,
    Projection,
    ProjectionError,
    row_list,
    sample_rows,
)
from ...core.cluster import Cluster, part_starts
from ...core.context import NodeContext
from ...core.errors import NodeError
from ...core.table import Table
from ...io.outputs import format_size
from .block import COLUMN_SETTINGS, report_columns, report_notes, selected_rows, show
from .style import CLUSTER_LABEL_COLUMN


@dataclass(frozen=True)
class _PartFacts:
    rows: int
    has_vectors: bool
    invalid: np.ndarray
    schema: pd.DataFrame  # the part's columns and types, no rows
    provenance: dict[str, Any]


def _facts(part: Table) -> _PartFacts:
    invalid = np.zeros(0, np.int64)
    if part.vectors is not None:
        invalid = np.flatnonzero(~np.isfinite(part.vectors).all(axis=1))
    return _PartFacts(len(part), part.vectors is not None, invalid, part.meta.iloc[:0], dict(part.provenance))


def _moments(part: Table) -> Moments:
    assert part.vectors is not None
    vectors = part.vectors[np.isfinite(part.vectors).all(axis=1)]
    return Moments.of(vectors)


def _add(*moments: Moments) -> Moments:
    return reduce(lambda a, b: a + b, moments)


def _pca_scores(axes: PcaAxes, part: Table) -> np.ndarray:
    assert part.vectors is not None
    scores = axes.transform(np.nan_to_num(part.vectors, nan=0.0, posinf=0.0, neginf=0.0))
    scores[~np.isfinite(part.vectors).all(axis=1)] = np.nan
    return scores


def _extremes(scores: np.ndarray) -> np.ndarray:
    """Per axis the score of largest magnitude (0 for a part without scores)."""
    if not np.isfinite(scores).any():
        return np.zeros(2)
    magnitudes = np.where(np.isfinite(scores), np.abs(scores), -1.0)
    return scores[magnitudes.argmax(axis=0), np.arange(2)]


def _flipped(scores: np.ndarray, signs: np.ndarray) -> np.ndarray:
    return (scores * signs).astype(np.float32)


def _first_two(part: Table) -> np.ndarray:
    assert part.vectors is not None
    coords = np.zeros((len(part), 2), dtype=np.float32)
    coords[:, : min(2, part.vectors.shape[1])] = part.vectors[:, :2]
    coords[~np.isfinite(part.vectors).all(axis=1)] = np.nan
    return coords


def _take_vectors(part: Table, rows: np.ndarray) -> np.ndarray:
    assert part.vectors is not None
    return part.vectors[rows]


def _placed(model: Fitted, part: Table, fitted: np.ndarray) -> np.ndarray:
    """Coordinates of the part's rows the model was not fitted on (its fitted rows left NaN, filled by the client)."""
    assert part.vectors is not None
    others = np.setdiff1d(np.arange(len(part)), fitted)
    coords = np.full((len(part), 2), np.nan, dtype=np.float32)
    if len(others):
        coords[others] = model.place(part.vectors[others])
    return coords


def _columns(part: Table, columns: list[str]) -> pd.DataFrame:
    return part.meta[columns].reset_index(drop=True)


def _take(part: Table, rows: np.ndarray) -> Table:
    return part.take(rows)


def project_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """The Scatter's run where its input's partitions live (see the module docstring)."""
    parts = cluster.parts("data")
    if parts is None:
        return None
    settings = ctx.settings
    facts: list[_PartFacts] = cluster.gather([cluster.submit(_facts, part) for part in parts], "parts checked")
    if not all(f.has_vectors for f in facts):
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors",
                        "Link the output of an embedding block (Text Embedding or Image Embedding).")
    first = part_starts(f.rows for f in facts)
    total = int(first[-1])
    if total == 0:
        raise NodeError(f"{ctx.title}: its input has no rows to plot.", "too-few-rows")
    schema = facts[0].schema
    report_columns(ctx, schema)
    invalid = np.concatenate([f.invalid + first[n] for n, f in enumerate(facts)])
    try:
        projection, fitted_bytes = _project(ctx, cluster, parts, facts, first, invalid)
    except ProjectionError as exc:
        code = "umap-not-installed" if settings["projection"] == "umap" else "projection-failed"
        raise NodeError(f"{ctx.title}: {exc}", code) from None
    report_notes(ctx, projection)

    styled_names = {settings[name] for name in COLUMN_SETTINGS if settings.get(name)}
    if settings["cluster_labels"]:
        styled_names |= {"cluster", CLUSTER_LABEL_COLUMN}
    styled = sorted(name for name in styled_names if name in schema.columns)
    meta = pd.concat(cluster.gather([cluster.submit(_columns, part, styled) for part in parts], "columns brought"),
                     ignore_index=True) if styled else pd.DataFrame(index=range(total))
    view_data = Table(meta, provenance=dict(facts[0].provenance))
    brought = projection.coords.nbytes + int(meta.memory_usage(index=False, deep=True).sum())
    what = f"{total:,} coordinates" + (f" and the column{'s' if len(styled) > 1 else ''} "
                                       f"{', '.join(styled)}" if styled else "")
    sample = f", and {format_size(fitted_bytes)} of sampled vectors to fit on" if fitted_bytes else ""
    ctx.report("info", "gathered-from-cluster",
               f"“{ctx.title}” projected on the cluster and brought {what} ({format_size(brought)}){sample} "
               "to this computer; the vectors stayed on the workers.")

    rows = selected_rows(ctx, total)
    taken: list[Any] = []
    for n, part in enumerate(parts):
        local = rows[(rows >= first[n]) & (rows < first[n + 1])] - first[n]
        if len(local) or (n == len(parts) - 1 and not taken):
            taken.append(cluster.submit(_take, part, local))
    show(ctx, view_data, projection, rows)
    ctx.summary += " (projected on the cluster)"
    return {"selected": cluster.output(taken)}


def _project(ctx: NodeContext, cluster: Cluster, parts: list[Any], facts: list[_PartFacts], first: np.ndarray,
             invalid: np.ndarray) -> tuple[Projection, int]:
    """The projection of every row, and the bytes of vectors brought here to fit it."""
    settings = ctx.settings
    method = settings["projection"]
    total = int(first[-1])
    valid = total - len(invalid)
    notes: list[tuple[str, str]] = []
    if len(invalid):
        notes.append(("nan-vectors", f"{len(invalid):,} row(s) with NaN or infinite values are not shown "
                      f"(rows {row_list(invalid)})."))
    if valid == 0:
        raise ProjectionError("Every row holds NaN or infinite values; there is nothing to project.")
    if method in ("tsne", "umap") and valid < MIN_NEIGHBOUR_ROWS:
        notes.append(("projection-fallback", f"{TITLES[method]} needs at least {MIN_NEIGHBOUR_ROWS} rows; "
                      f"showing PCA of the {valid} row(s) instead."))
        method = "pca"
    fitted_bytes = 0
    axes: tuple[str, str]
    if method == "pca":
        ctx.progress(0.1, "adding up the partitions")
        moments = cluster.submit(_add, *[cluster.submit(_moments, part) for part in parts])
        found = cluster.submit(pca_axes, moments)
        scores = [cluster.submit(_pca_scores, found, part) for part in parts]
        extremes = np.array(cluster.gather([cluster.submit(_extremes, s) for s in scores], "partitions projected"))
        # As locally: the sign of each axis makes the score of largest magnitude positive.
        signs = np.sign(extremes[np.abs(extremes).argmax(axis=0), np.arange(2)])
        signs[signs == 0] = 1.0
        coords = np.concatenate(cluster.gather([cluster.submit(_flipped, s, signs) for s in scores],
                                               "coordinates brought"))
        ratios = cluster.gather([found])[0].ratios
        axes = (f"PC1 ({ratios[0]:.1%})", f"PC2 ({ratios[1]:.1%})")
    elif method == "none":
        coords = np.concatenate(cluster.gather([cluster.submit(_first_two, part) for part in parts],
                                               "coordinates brought"))
        axes = ("dim_0", "dim_1")
    else:
        coords, fitted_bytes = _fit_and_place(ctx, cluster, parts, first, invalid, method, notes)
        axes = (f"{TITLES[method]} 1", f"{TITLES[method]} 2")
    if not np.isfinite(coords[np.setdiff1d(np.arange(total), invalid)]).all():
        raise ProjectionError(f"{TITLES[method]} produced invalid coordinates for this data; try PCA.")
    return Projection(coords, method, axes, tuple(notes)), fitted_bytes


def _fit_and_place(ctx: NodeContext, cluster: Cluster, parts: list[Any], first: np.ndarray, invalid: np.ndarray,
                   method: str, notes: list[tuple[str, str]]) -> tuple[np.ndarray, int]:
    """t-SNE or UMAP fitted here on a sample; the other rows placed by its transform on the workers."""
    total = int(first[-1])
    valid_rows = np.setdiff1d(np.arange(total), invalid)
    size = min(len(valid_rows), SAMPLE_THRESHOLD, cluster.gather_rows)
    sample = sample_rows(valid_rows, size) if size < len(valid_rows) else valid_rows
    locals_ = [sample[(sample >= first[n]) & (sample < first[n + 1])] - first[n] for n in range(len(parts))]
    vectors = np.concatenate(cluster.gather([cluster.submit(_take_vectors, part, local)
                                             for part, local in zip(parts, locals_)], "sample brought"))
    model, fitted = fit(vectors, method, float(ctx.settings["perplexity"]),
                        progress=lambda fraction, message: ctx.progress(0.7 * fraction, message))
    coords = np.full((total, 2), np.nan, dtype=np.float32)
    if size < len(valid_rows):
        shared = cluster.share(model)
        ctx.progress(0.7, f"placing {len(valid_rows) - size:,} more rows on the cluster")
        coords = np.concatenate(cluster.gather([cluster.submit(_placed, shared, part, local)
                                                for part, local in zip(parts, locals_)], "partitions placed"))
        notes.append(("projection-sampled",
                      f"{TITLES[method]} was fitted on a random sample of {size:,} of {len(valid_rows):,} rows; "
                      f"the other {len(valid_rows) - size:,} were placed by its transform on the cluster."))
        if ctx.settings["large_data"] == "all":
            notes.append(("projection-sampled-on-cluster", "On a cluster the projection is always fitted on a "
                          "sample (Large data 'all' would bring every vector to this computer)."))
    coords[sample] = fitted
    return coords, int(vectors.nbytes)
