"""Projections fitted on some rows and applied to others: how a Scatter places rows it never fitted.

On a cluster the vectors stay on the workers. PCA needs only sums over the rows (count, sum, the
d×d matrix of products), added up part by part, so its axes are those of every row. t-SNE and UMAP
are fitted on a seeded sample brought to one process; every other row is then placed by the
method's own out-of-sample transform (openTSNE `TSNEEmbedding.transform`, umap-learn `UMAP.transform`)
on the worker that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .projection import ProgressCallback, ProjectionError, _tsne_model, _umap_model


@dataclass(frozen=True)
class Moments:
    """Sums over rows: their count, the sum of the vectors and the sum of their outer products (float64)."""

    count: int
    total: np.ndarray
    products: np.ndarray

    @staticmethod
    def of(vectors: np.ndarray) -> Moments:
        """The moments of these rows."""
        x = np.asarray(vectors, dtype=np.float64)
        return Moments(len(x), x.sum(axis=0), x.T @ x)

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.count + other.count, self.total + other.total, self.products + other.products)


@dataclass(frozen=True)
class PcaAxes:
    """The first principal axes of the rows behind some moments: rows map to (row − mean) @ axes."""

    mean: np.ndarray
    axes: np.ndarray
    ratios: np.ndarray

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """Scores of these rows on the axes (float32)."""
        centred = np.asarray(vectors, dtype=np.float32) - self.mean.astype(np.float32)
        return np.asarray(centred @ self.axes.astype(np.float32), dtype=np.float32)


def pca_axes(moments: Moments, components: int = 2) -> PcaAxes:
    """Principal axes from the moments of every row: the eigenvectors of their covariance."""
    if moments.count < 1:
        raise ProjectionError("There are no vectors to project.")
    mean = moments.total / moments.count
    scatter = moments.products - moments.count * np.outer(mean, mean)
    eigenvalues, eigenvectors = np.linalg.eigh(scatter)  # ascending
    components = min(components, len(mean))
    variances = np.clip(eigenvalues[::-1][:components], 0.0, None)
    total = float(np.trace(scatter))
    ratios = variances / total if total > 0 else np.zeros(components)
    axes = eigenvectors[:, ::-1][:, :components]
    if components < 2:
        axes = np.hstack([axes, np.zeros((len(mean), 2 - components))])
        ratios = np.concatenate([ratios, np.zeros(2 - components)])
    return PcaAxes(mean, axes, ratios)


@dataclass(frozen=True)
class Fitted:
    """A t-SNE embedding (openTSNE's TSNEEmbedding) or UMAP model that can place rows it was not fitted on.

    A plain object around the model, so that it pickles as itself (an array subclass would travel as an array).
    """

    method: str
    model: Any

    def place(self, vectors: np.ndarray) -> np.ndarray:
        """Coordinates of new rows by the method's own transform (rows holding NaN/inf stay NaN)."""
        x = np.asarray(vectors, dtype=np.float64 if self.method == "tsne" else np.float32)
        coords = np.full((len(x), 2), np.nan, dtype=np.float32)
        finite = np.flatnonzero(np.isfinite(x).all(axis=1))
        if len(finite):
            coords[finite] = np.asarray(self.model.transform(x[finite]), dtype=np.float32)
        return coords


def fit(vectors: np.ndarray, method: str, perplexity: float = 30.0, seed: int = 0,
        progress: ProgressCallback | None = None) -> tuple[Fitted, np.ndarray]:
    """(the fitted t-SNE or UMAP, the coordinates of the rows it was fitted on)."""
    if method == "tsne":
        model = _tsne_model(vectors, perplexity, seed, progress)
        # The progress callback belongs to this run (and does not pickle); placing rows reports none.
        model.gradient_descent_params.pop("callbacks", None)
        model.gradient_descent_params.pop("callbacks_every_iters", None)
        return Fitted(method, model), np.asarray(model, dtype=np.float32)
    if method == "umap":
        model, coords = _umap_model(vectors, seed, None, progress)
        # Its epoch bar writes to this run's progress (which does not pickle); placing rows shows no bar.
        model.tqdm_kwds = {"disable": True}
        return Fitted(method, model), coords
    raise ProjectionError(f"{method} has no fitted model to place other rows with")
