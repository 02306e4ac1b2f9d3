"""TF-IDF + LSA over encoded word ids: counts weighted by TF-IDF, reduced by a truncated SVD (scikit-learn).

Fitted on one encoding's rows and applied to another's: both are encoded with the same vocabulary
(GloVe 6B's words), so a word has the same id in each; words the fitting rows never used count for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scipy loads when the block runs, not with the block list
    import scipy.sparse as sp


def counts(ids: np.ndarray, columns: np.ndarray) -> sp.csr_matrix:
    """Rows × len(columns) word counts: each id ≥ 0 found in the sorted `columns` counted in its row."""
    rows, positions = np.nonzero(ids >= 0)
    words = ids[rows, positions]
    where = np.searchsorted(columns, words)
    where = np.minimum(where, len(columns) - 1)
    known = columns[where] == words
    import scipy.sparse as sp
    return sp.csr_matrix((np.ones(int(known.sum()), dtype=np.float32), (rows[known], where[known])),
                         shape=(len(ids), len(columns)))


@dataclass(frozen=True)
class Lsa:
    """A fitted TF-IDF weighting and SVD over the word ids in `columns`."""

    columns: np.ndarray
    tfidf: Any
    svd: Any

    @property
    def dims(self) -> int:
        """The width of the vectors it gives."""
        return int(self.svd.n_components)

    def transform(self, ids: np.ndarray) -> np.ndarray:
        """The LSA vectors of encoded rows (rows without a fitted word get zeros)."""
        return np.asarray(self.svd.transform(self.tfidf.transform(counts(ids, self.columns))), dtype=np.float32)


def fit(ids: np.ndarray, dimensions: int, seed: int = 0) -> Lsa:
    """Fit TF-IDF (sublinear term frequency) and a randomized truncated SVD on encoded rows."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer

    columns = np.unique(ids[ids >= 0])
    if len(columns) < 2:
        raise ValueError("fewer than two different known words to fit on")
    matrix = counts(ids, columns)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(matrix)
    rank = max(1, min(dimensions, len(columns) - 1, len(ids) - 1))
    svd = TruncatedSVD(n_components=rank, algorithm="randomized", n_iter=7, random_state=seed)
    svd.fit(tfidf.transform(matrix))
    return Lsa(columns, tfidf, svd)
