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
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from ..core.specs import EmbeddingKind
from ..core.table import Table
from .clustering import NOISE, SKIPPED, ClusterResult

SEPARATOR = " · "
TOP_WORDS = 3
NOISE_LABEL = "noise"
SKIPPED_LABEL = "left out"
MAJORITY = 0.5  # an image cluster is named by a category held by more than this share of its rows
TOKENS = r"(?u)\b\w\w+\b"
CATEGORY_COLUMN = "category"  # what an Input of an image folder names the sub-folder column


@dataclass(frozen=True)
class WordCounts:
    """What naming clusters by their words needs of some rows: made per partition, added with `+`.

    words: the vocabulary, sorted (as CountVectorizer sorts it); counts: (cluster id × word) counts over the
    clustered rows, one row per id 0..max; single_words: every text is at most one word; present: the
    cluster ids (NOISE and SKIPPED included) of the rows.
    """

    words: np.ndarray
    counts: Any
    single_words: bool
    present: frozenset[int]

    def __add__(self, other: WordCounts) -> WordCounts:
        from scipy import sparse
        words = np.union1d(self.words, other.words)
        rows = max(self.counts.shape[0], other.counts.shape[0])
        total = sparse.csr_matrix((rows, len(words)), dtype=np.int64)
        for part in (self, other):
            coo = part.counts.tocoo()
            total = total + sparse.csr_matrix((coo.data, (coo.row, np.searchsorted(words, part.words[coo.col]))),
                                              shape=(rows, len(words)))
        return WordCounts(words, total, self.single_words and other.single_words, self.present | other.present)


def word_counts(texts: Sequence[str] | pd.Series, labels: np.ndarray) -> WordCounts:
    """The word counts per cluster of these rows (missing texts count as empty)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    texts = ["" if pd.isna(t) else str(t) for t in texts]
    present = frozenset(int(c) for c in np.unique(labels))
    single = all(len(t.split()) <= 1 for t in texts)
    clustered = np.flatnonzero(labels >= 0)
    rows = int(labels.max()) + 1 if len(clustered) else 0
    counter = CountVectorizer(stop_words="english", token_pattern=TOKENS)
    try:
        counts = counter.fit_transform([texts[i] for i in clustered])
    except ValueError:  # no word left once stop words are dropped
        return WordCounts(np.array([], dtype=object), sparse.csr_matrix((rows, 0), dtype=np.int64), single, present)
    membership = sparse.csr_matrix(
        (np.ones(len(clustered), dtype=np.int64), (labels[clustered], np.arange(len(clustered)))),
        shape=(rows, len(clustered)))
    return WordCounts(counter.get_feature_names_out().astype(object), (membership @ counts).tocsr(), single, present)


def text_labels(texts: Sequence[str] | pd.Series, labels: np.ndarray, central: Mapping[int, np.ndarray],
                top: int = TOP_WORDS) -> dict[int, str]:
    """A label per cluster id in `labels` (NOISE and SKIPPED included): its top words joined by " · "."""
    texts = ["" if pd.isna(t) else str(t) for t in texts]
    central_texts = {c: [texts[int(r)] for r in rows] for c, rows in central.items()}
    return labels_from_counts(word_counts(texts, labels), central_texts, top)


def labels_from_counts(counts: WordCounts, central_texts: Mapping[int, Sequence[str]],
                       top: int = TOP_WORDS) -> dict[int, str]:
    """text_labels from the clusters' word counts and the texts of each cluster's most central rows."""
    ids = sorted(c for c in counts.present if c >= 0)
    names = _special_labels(counts.present)
    if not ids:
        return names
    if counts.single_words:
        return names | {c: _central_words(central_texts[c], top) for c in ids}
    words, scores = _c_tf_idf(counts, ids)
    for row, c in enumerate(ids):
        best = [i for i in np.argsort(-scores[row], kind="stable")[:top] if scores[row, i] > 0]
        names[c] = SEPARATOR.join(words[i] for i in best) or _central_words(central_texts[c], top)
    return names


def category_counts(labels: np.ndarray, categories: Sequence | pd.Series) -> pd.Series:
    """How many rows of each cluster hold each category (missing categories not counted); added with .add."""
    frame = pd.DataFrame({"cluster": labels, "category": np.asarray(categories, dtype=object)})
    frame = frame[(frame["cluster"] >= 0) & frame["category"].notna()]
    return frame.groupby(["cluster", "category"]).size()


def image_labels(files: Sequence[str] | pd.Series, labels: np.ndarray, central: Mapping[int, np.ndarray],
                 categories: Sequence | pd.Series | None = None) -> dict[int, str]:
    """A label per cluster id: its majority category if more than half its rows share one, else the
    file name of its most central image."""
    files = list(files)
    ids, sizes = np.unique(labels, return_counts=True)
    return image_names(dict(zip(ids.tolist(), sizes.tolist())),
                       None if categories is None else category_counts(labels, categories),
                       {c: str(files[int(rows[0])]) for c, rows in central.items()})


def image_names(sizes: Mapping[int, int], categories: pd.Series | None,
                central_files: Mapping[int, str]) -> dict[int, str]:
    """image_labels from the rows per cluster id, the category counts and each cluster's most central file."""
    names = _special_labels(frozenset(sizes))
    for c in sorted(int(c) for c in sizes if c >= 0):
        if categories is not None and c in categories.index.get_level_values(0):
            counts = categories.loc[c]
            if counts.max() > MAJORITY * int(sizes[c]):
                names[c] = str(counts.idxmax())
                continue
        names[c] = PurePath(central_files[c]).name
    return names


def _special_labels(present: frozenset[int]) -> dict[int, str]:
    return {code: name for code, name in ((NOISE, NOISE_LABEL), (SKIPPED, SKIPPED_LABEL)) if code in present}


def _central_words(texts: Sequence[str], top: int) -> str:
    """The distinct texts of the most central rows, most central first."""
    words = [t.strip() for t in texts]
    return SEPARATOR.join(list(dict.fromkeys(w for w in words if w))[:top])


def _c_tf_idf(counts: WordCounts, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary and a (cluster × word) score matrix, rows in the order of `ids`."""
    per_cluster = counts.counts[ids].toarray().astype(np.float64)
    totals = per_cluster.sum(axis=1, keepdims=True)
    frequency = per_cluster / np.maximum(totals, 1)
    idf = np.log(1 + totals.mean() / np.maximum(per_cluster.sum(axis=0), 1))
    return counts.words, frequency * idf


def cluster_names(table: Table, result: ClusterResult) -> dict[int, str]:
    """A label per cluster id: distinguishing words of the feature text, or for images a category or file name."""
    feature = table.feature if table.feature in table.meta.columns else None
    if feature is None:
        return {int(c): f"cluster {c}" for c in np.unique(result.labels)}
    values = table.meta[feature]
    if table.provenance.get("kind") == EmbeddingKind.IMAGE:
        categories = None
        if CATEGORY_COLUMN in table.meta.columns:
            column = table.meta[CATEGORY_COLUMN]
            categories = column.mask(column == "")  # files at the top of the folder have no category
        return image_labels(values.astype(str), result.labels, result.central, categories)
    return text_labels(values, result.labels, result.central)


def with_clusters(table: Table, labels: np.ndarray, names: Mapping[int, str]) -> Table:
    """The rows with their `cluster` and its `cluster_label`."""
    meta = table.meta.copy()
    meta["cluster"] = labels
    meta["cluster_label"] = pd.Series([names[int(c)] for c in labels], index=meta.index, dtype=object)
    return replace(table, meta=meta)
