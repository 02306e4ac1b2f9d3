"""Leaving a query's own words out of its neighbours (an analogy's "king", "man", "woman")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.table import Table
from .neighbours import Neighbours

# Words as the user reads them: runs of letters, digits and inner apostrophes, lower-cased.
_WORD = r"\w+(?:'\w+)*"


def words_of(texts: pd.Series) -> pd.Series:
    """Each text's words, lower-cased: one entry per (row position, word), indexed by row position."""
    lists = texts.reset_index(drop=True).astype("string").fillna("").str.lower().str.findall(_WORD)
    return lists.explode().dropna()


def most_words(texts: pd.Series) -> int:
    """The largest number of words in one text (how many extra neighbours a search must fetch)."""
    counts = words_of(texts).index.value_counts()
    return int(counts.max()) if len(counts) else 0


def without_query_words(found: Neighbours, query_texts: pd.Series, data_texts: pd.Series, k: int) -> Neighbours:
    """The first k neighbours of each query whose text is not one of the query's own words.

    `found` must hold more than k neighbours per query (k plus most_words of the queries) so that
    k remain; rows that still run short are padded with -1 like a search with too few candidates.
    """
    queries, fetched = found.indices.shape
    valid = found.indices >= 0
    data_words = data_texts.reset_index(drop=True).astype("string").fillna("").str.strip().str.lower().to_numpy(
        dtype=object)
    neighbour_words = data_words[np.where(valid, found.indices, 0)]
    neighbour_words[~valid] = None
    own = words_of(query_texts)
    own_pairs = pd.MultiIndex.from_arrays([own.index.to_numpy(), own.to_numpy(dtype=object)])
    pairs = pd.MultiIndex.from_arrays([np.repeat(np.arange(queries), fetched), neighbour_words.ravel()])
    drop = pairs.isin(own_pairs).reshape(queries, fetched) | ~valid
    # A stable sort puts each row's kept neighbours first, still best first.
    order = np.argsort(drop, axis=1, kind="stable")[:, :k]
    kept = ~np.take_along_axis(drop, order, axis=1)

    def pick(values: np.ndarray, missing: float) -> np.ndarray:
        return np.where(kept, np.take_along_axis(values, order, axis=1), missing).astype(values.dtype)

    return Neighbours(pick(found.indices, -1), pick(found.distances, np.nan),
                      None if found.similarities is None else pick(found.similarities, np.nan))


def feature_texts(table: Table) -> pd.Series:
    """The table's feature column as text (empty texts when it has none)."""
    if table.feature and table.feature in table.meta.columns:
        return table.meta[table.feature]
    return pd.Series([""] * len(table), dtype="string")
