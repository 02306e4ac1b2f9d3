"""Categorical columns as short learned vectors instead of one-hot columns (entity embeddings).

supervised: a network with one hidden layer is trained on every column's one-hot values to predict the
target; the first layer's weights (scikit-learn's `MLPClassifier.coefs_[0]`, one row per value) are the
value vectors (Guo & Berkhahn 2016), each column's reduced to its dims by PCA. co-occurrence: each row is
a basket of `column=value` tokens embedded with word2vec as Item Embedding does, each column then reduced
to its dims by PCA. Values never seen in fitting get zero vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .checks import AnalysisError, CancelledCallback, ProgressCallback, checkpoint

if TYPE_CHECKING:  # scipy loads when the block runs, not with the block list
    import scipy.sparse as sp

METHODS = ("supervised", "co-occurrence")
MAX_DIMS = 16
# A column with at least this share of distinct values among its rows (and more than ID_MIN_ROWS rows) is an id.
ID_SHARE, ID_MIN_ROWS = 0.9, 50
# The hidden layer's training: passes over the rows, and the L2 penalty (scikit-learn's alpha).
EPOCHS, ALPHA = 20, 1e-4


def default_dimensions(values: int) -> int:
    """Dimensions for a column of `values` values: min(16, ⌈values^0.25 · 4⌉), never wider than its one-hot."""
    return max(1, min(MAX_DIMS, values, math.ceil(values ** 0.25 * 4)))


def default_columns(frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> list[str]:
    """The text or category columns with more than two values that are not ids."""
    chosen = []
    for name in frame.columns:
        column = frame[name]
        if name in exclude or not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
                                   or isinstance(column.dtype, pd.CategoricalDtype)):
            continue
        values = column.nunique()
        if values > 2 and column_problem(column, str(name)) is None:
            chosen.append(str(name))
    return chosen


def column_problem(column: pd.Series, name: str) -> str | None:
    """Why `column` cannot be treated as categories (an id, or measured numbers), or None."""
    present = column.dropna()
    values = present.nunique()
    if pd.api.types.is_float_dtype(present) and not np.all(np.mod(present.to_numpy(), 1) == 0):
        return (f"the column '{name}' holds measured numbers ({values:,} different values, with decimals), "
                "not categories")
    if len(present) > ID_MIN_ROWS and values >= ID_SHARE * len(present):
        return (f"the column '{name}' has {values:,} different values in {len(present):,} rows: it names each row "
                "(an id), so there is nothing shared to learn")
    return None


@dataclass(frozen=True)
class ColumnVectors:
    """The vectors of one column's values, in the order of `values`, and how often each was seen."""

    column: str
    values: pd.Index
    vectors: np.ndarray
    counts: np.ndarray

    @property
    def dims(self) -> int:
        """The width of this column's vectors."""
        return int(self.vectors.shape[1])


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, values = pd.factorize(column.astype(object).where(column.notna(), None), sort=True)
    return codes, pd.Index(values)


def _one_hot(codes: np.ndarray, width: int) -> sp.csr_matrix:
    rows = np.flatnonzero(codes >= 0)
    import scipy.sparse as sp
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, codes[rows])), shape=(len(codes), width))


def fit_supervised(frame: pd.DataFrame, columns: list[str], dims: dict[str, int], target: pd.Series, seed: int = 0,
                   progress: ProgressCallback | None = None,
                   cancelled: CancelledCallback | None = None) -> list[ColumnVectors]:
    """The first layer of one network trained on every column's one-hot values to predict `target`, each
    column's rows of it then reduced to its dims."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    known = target.notna().to_numpy()
    if pd.Series(target[known]).nunique() < 2:
        raise AnalysisError(f"the target column '{target.name}' has fewer than two values, so there is nothing "
                            "to learn the categories from.", "too-few-classes")
    coded = [_codes(frame[c]) for c in columns]
    import scipy.sparse as sp
    one_hot = sp.hstack([_one_hot(codes, len(values)) for codes, values in coded], format="csr")
    width = max(dims.values())
    network = MLPClassifier(hidden_layer_sizes=(width,), activation="relu", alpha=ALPHA, max_iter=EPOCHS,
                            batch_size=256, random_state=seed)
    checkpoint(progress, cancelled, 0.0,
               f"training on {int(known.sum()):,} rows × {one_hot.shape[1]:,} one-hot columns")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the first layer settles in a few passes
        network.fit(one_hot[known], target[known].astype(str).to_numpy())
    checkpoint(progress, cancelled, 0.9, "reducing each column to its dimensions")
    first_layer = network.coefs_[0].astype(np.float32)
    starts = np.cumsum([0] + [len(values) for _, values in coded])
    return [ColumnVectors(column, values, _reduced(first_layer[starts[i]:starts[i + 1]], dims[column], seed),
                          np.bincount(codes[codes >= 0], minlength=len(values)))
            for i, (column, (codes, values)) in enumerate(zip(columns, coded))]


def _reduced(vectors: np.ndarray, dims: int, seed: int) -> np.ndarray:
    """The vectors reduced to `dims` by PCA when wider (padded with zeros when the values are fewer)."""
    if vectors.shape[1] <= dims:
        return vectors.astype(np.float32)
    from sklearn.decomposition import PCA

    reduced = PCA(n_components=min(dims, len(vectors)), random_state=seed).fit_transform(vectors)
    out = np.zeros((len(vectors), dims), dtype=np.float32)
    out[:, :reduced.shape[1]] = reduced
    return out


def fit_cooccurrence(frame: pd.DataFrame, columns: list[str], dims: dict[str, int], seed: int = 0,
                     progress: ProgressCallback | None = None,
                     cancelled: CancelledCallback | None = None) -> list[ColumnVectors]:
    """word2vec over each row's `column=value` tokens; each column's vectors reduced to its dims by PCA."""
    from gensim.models import Word2Vec

    coded = [_codes(frame[c]) for c in columns]
    tokens = np.array([[f"{i}={code}" if code >= 0 else "" for code in codes] for i, (codes, _) in enumerate(coded)],
                      dtype=object).T
    baskets = [[t for t in row if t] for row in tokens]
    checkpoint(progress, cancelled, 0.0, f"word2vec over {len(baskets):,} rows")
    width = max(dims.values())
    # Few rows see each value a few times only: they need more passes (as the trained word2vec does).
    epochs = 40 if len(baskets) < 100_000 else 10
    model = Word2Vec(sentences=baskets, vector_size=width, window=len(columns), min_count=1, sg=1, negative=5,
                     epochs=epochs, workers=2, seed=seed)
    fitted = []
    for i, (column, (codes, values)) in enumerate(zip(columns, coded)):
        checkpoint(progress, cancelled, 0.8 + 0.2 * i / len(columns), f"reducing '{column}'")
        vectors = np.stack([model.wv[f"{i}={code}"] for code in range(len(values))])
        fitted.append(ColumnVectors(column, values, _reduced(vectors, dims[column], seed),
                                    np.bincount(codes[codes >= 0], minlength=len(values))))
    return fitted


@dataclass(frozen=True)
class Transformed:
    """Each row's concatenated vectors, and per column how many rows held a value never seen in fitting."""

    vectors: np.ndarray
    unseen: dict[str, int]


def transform(frame: pd.DataFrame, fitted: list[ColumnVectors]) -> Transformed:
    """The rows' vectors: each column's value vector (zeros for a value never seen or missing), concatenated."""
    parts, unseen = [], {}
    for column in fitted:
        if column.column not in frame.columns:
            raise AnalysisError(f"the rows have no column '{column.column}', which the vectors were fitted on.",
                                "column-not-found")
        values = frame[column.column].astype(object)
        rows = column.values.get_indexer(values)
        missing = rows < 0
        unseen[column.column] = int((missing & values.notna().to_numpy()).sum())
        block = column.vectors[np.maximum(rows, 0)]
        block[missing] = 0.0
        parts.append(block)
    return Transformed(np.hstack(parts).astype(np.float32), unseen)


def width_sentence(fitted: list[ColumnVectors]) -> str:
    """'4,044 + 105 + 16 one-hot columns → 40 dimensions'."""
    one_hot = " + ".join(f"{len(c.values):,}" for c in fitted)
    total = sum(c.dims for c in fitted)
    return f"{one_hot} one-hot columns → {total} dimensions"
