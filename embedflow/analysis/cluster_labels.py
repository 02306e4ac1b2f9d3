"""Readable names for clusters: distinguishing words for texts, a category or a file name for images.

Texts: class-based TF-IDF (c-TF-IDF, as in BERTopic): all texts of a cluster are one document;
a word scores its frequency in the cluster (a share of the cluster's words) times
log(1 + average words per cluster / the word's count over all clusters), so words frequent in
one cluster and rare elsewhere win. English stop words (scikit-learn's list) are dropped.
A word list (every text one word) has nothing to count, so its clusters are named by their most
central words instead; stop words are kept there, since in a list they are the items themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath

import numpy as np
import pandas as pd

from .clustering import NOISE, SKIPPED

SEPARATOR = " · "
TOP_WORDS = 3
NOISE_LABEL = "noise"
SKIPPED_LABEL = "left out"
MAJORITY = 0.5  # an image cluster is named by a category held by more than this share of its rows
TOKENS = r"(?u)\b\w\w+\b"


def text_labels(texts: Sequence[str] | pd.Series, labels: np.ndarray, central: Mapping[int, np.ndarray],
                top: int = TOP_WORDS) -> dict[int, str]:
    """A label per cluster id in `labels` (NOISE and SKIPPED included): its top words joined by " · "."""
    texts = ["" if pd.isna(t) else str(t) for t in texts]
    ids = sorted(int(c) for c in np.unique(labels) if c >= 0)
    names = _special_labels(labels)
    if not ids:
        return names
    if all(len(t.split()) <= 1 for t in texts):
        return names | {c: _central_words(texts, central[c], top) for c in ids}
    words, scores = _c_tf_idf(texts, labels, ids)
    for row, c in enumerate(ids):
        best = [i for i in np.argsort(-scores[row], kind="stable")[:top] if scores[row, i] > 0]
        names[c] = SEPARATOR.join(words[i] for i in best) or _central_words(texts, central[c], top)
    return names


def image_labels(files: Sequence[str] | pd.Series, labels: np.ndarray, central: Mapping[int, np.ndarray],
                 categories: Sequence | pd.Series | None = None) -> dict[int, str]:
    """A label per cluster id: its majority category if more than half its rows share one, else the
    file name of its most central image."""
    files, names = list(files), _special_labels(labels)
    for c in sorted(int(c) for c in np.unique(labels) if c >= 0):
        if categories is not None:
            counts = pd.Series(np.asarray(categories, dtype=object)[labels == c]).dropna().value_counts()
            if len(counts) and counts.iloc[0] > MAJORITY * int((labels == c).sum()):
                names[c] = str(counts.index[0])
                continue
        names[c] = PurePath(str(files[int(central[c][0])])).name
    return names


def _special_labels(labels: np.ndarray) -> dict[int, str]:
    present = set(np.unique(labels).tolist())
    return {code: name for code, name in ((NOISE, NOISE_LABEL), (SKIPPED, SKIPPED_LABEL)) if code in present}


def _central_words(texts: list[str], rows: np.ndarray, top: int) -> str:
    """The distinct texts of the most central rows, most central first."""
    words = [texts[int(r)].strip() for r in rows]
    return SEPARATOR.join(list(dict.fromkeys(w for w in words if w))[:top])


def _c_tf_idf(texts: list[str], labels: np.ndarray, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary and a (cluster × word) score matrix, rows in the order of `ids`."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    counter = CountVectorizer(stop_words="english", token_pattern=TOKENS)
    clustered = np.flatnonzero(labels >= 0)
    try:
        counts = counter.fit_transform([texts[i] for i in clustered])
    except ValueError:  # no word left once stop words are dropped
        return np.array([], dtype=object), np.zeros((len(ids), 0))
    row_of = {c: i for i, c in enumerate(ids)}
    membership = sparse.csr_matrix((np.ones(len(clustered)), ([row_of[int(labels[i])] for i in clustered],
                                                              np.arange(len(clustered)))),
                                   shape=(len(ids), len(clustered)))
    per_cluster = (membership @ counts).toarray()
    totals = per_cluster.sum(axis=1, keepdims=True)
    frequency = per_cluster / np.maximum(totals, 1)
    idf = np.log(1 + totals.mean() / np.maximum(per_cluster.sum(axis=0), 1))
    return counter.get_feature_names_out(), frequency * idf
