"""Item vectors from who used what: a factorised user × item matrix, or item2vec over each user's items."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .checks import AnalysisError, CancelledCallback, ProgressCallback, checkpoint

if TYPE_CHECKING:  # scipy loads when the block runs, not with the block list
    import scipy.sparse as sp

METHODS = ("factorisation", "item2vec")
# Neighbours on each side an item is paired with: wide, since a basket has no word order (and bounded for speed).
BASKET_WINDOW = 50
# item2vec learns nothing useful about an item seen fewer times: its near-random vector then crowds the
# top of every recommendation (MovieLens, last rating held out: 0.41x popularity's hit rate with every
# item, 1.34-1.72x with items of at least 5-20 ratings; docs/recommendations.md).
ITEM2VEC_MIN_EVENTS = 10


def least_events(method: str, asked: int) -> int:
    """The fewest events an item needs to be kept: as asked, and for item2vec at least ITEM2VEC_MIN_EVENTS."""
    return max(asked, ITEM2VEC_MIN_EVENTS) if method == "item2vec" else asked


@dataclass(frozen=True)
class ItemVectors:
    """One vector per item (rows follow the matrix's columns) and one per user (its rows)."""

    items: np.ndarray
    users: np.ndarray


def factorise(matrix: sp.csr_matrix, dimensions: int, seed: int = 0) -> ItemVectors:
    """A truncated SVD of the user × item matrix, items and users both scaled by the singular values."""
    from sklearn.decomposition import TruncatedSVD

    rank = min(dimensions, min(matrix.shape) - 1)
    if rank < 1:
        raise AnalysisError(f"a {matrix.shape[0]:,} × {matrix.shape[1]:,} matrix has no room for even one "
                            "dimension.", "too-few-interactions")
    svd = TruncatedSVD(n_components=rank, algorithm="randomized", n_iter=7, random_state=seed)
    users = svd.fit_transform(matrix)  # U Σ
    items = svd.components_.T * svd.singular_values_  # V Σ
    return ItemVectors(_pad(items, dimensions), _pad(users, dimensions))


def _pad(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    """Vectors of exactly `dimensions` columns (a small matrix may give fewer: the rest are zeros)."""
    out = np.zeros((len(vectors), dimensions), dtype=np.float32)
    out[:, :vectors.shape[1]] = vectors
    return out


def item2vec(sequences: list[list[str]], n_items: int, dimensions: int, seed: int = 0, epochs: int = 10,
             progress: ProgressCallback | None = None, cancelled: CancelledCallback | None = None,
             min_events: int = ITEM2VEC_MIN_EVENTS) -> np.ndarray:
    """Skip-gram with negative sampling over each user's items (Barkan & Koenigstein 2016), tuned for baskets.

    A basket has no word order, so the window spans the whole basket; popular items are sampled as
    negatives less than in text (ns_exponent -0.5, Caselles-Dupré et al. 2018). Tokens are item codes;
    items in fewer than `min_events` places of the sequences get no vector (zeros).
    """
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    longest = max((len(s) for s in sequences), default=0)
    if longest < 2:
        raise AnalysisError("no user has two items, so item2vec has nothing to learn from.", "too-few-interactions")

    class Epochs(CallbackAny2Vec):
        def __init__(self) -> None:
            self.epoch = 0

        def on_epoch_end(self, model: Word2Vec) -> None:
            self.epoch += 1
            checkpoint(progress, cancelled, self.epoch / epochs, f"item2vec epoch {self.epoch} of {epochs}")

    if not any(count >= min_events for count in Counter(item for s in sequences for item in s).values()):
        raise AnalysisError(f"no item has {min_events} events, the fewest item2vec can learn from.",
                            "too-few-interactions")
    model = Word2Vec(sentences=sequences, vector_size=dimensions, window=min(longest, BASKET_WINDOW),
                     min_count=min_events, sg=1, negative=10, ns_exponent=-0.5, sample=1e-4, epochs=epochs,
                     workers=2, seed=seed, callbacks=[Epochs()])
    vectors = np.zeros((n_items, dimensions), dtype=np.float32)
    keys = model.wv.index_to_key
    vectors[np.array([int(k) for k in keys], dtype=np.int64)] = model.wv.vectors
    return vectors

