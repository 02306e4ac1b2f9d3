"""Nearest-neighbour search over partitioned tables: every (query part, data part) pair on a worker, then a top-k merge.

Exact search gives the local result; approximate search builds one HNSW index per data part, and its
recall is measured as locally (exact search of the same seeded sample of queries). Leaving out the
query's words fetches k + (the most words of a query) per pair, as locally, and filters each query
part's merged candidates with the texts of just the data rows they name. This computer receives the
parts' row counts and the row numbers messages name; the neighbours table is built, part by part, on
the workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...core.cluster import Cluster, part_starts
from ...core.table import Table
from ..ann import HnswIndex, Recall, recall_from, recall_sample
from ..neighbours import Neighbours, invalid_rows, merge, search, shifted, zero_rows
from ..neighbours_table import assemble, head_columns
from ..query_words import feature_texts, most_words, without_query_words
from ..row_facts import ROWS_NAMED, RowFacts


@dataclass(frozen=True)
class PartFacts:
    """What this computer learns of one part: its size and space, and the rows worth a message."""

    rows: int
    dims: int | None
    empty: Table  # no rows: the part's columns, vector length, provenance, feature and folder
    invalid: np.ndarray
    zeros: np.ndarray
    zero_count: int


@dataclass(frozen=True)
class PartitionedSide:
    """One input (data or query) held as parts: their handles, facts and where each starts in the whole table."""

    parts: list[Any]
    facts: list[PartFacts]
    first: np.ndarray
    vectors: list[Any]

    @property
    def rows(self) -> int:
        """The row count of the whole table."""
        return int(self.first[-1])

    @property
    def has_vectors(self) -> bool:
        """True when every part holds vectors."""
        return all(f.dims is not None for f in self.facts)

    @property
    def empty(self) -> Table:
        """A row-less table with this input's columns and provenance."""
        return self.facts[0].empty


class PartitionedNeighbours:
    """The k nearest data rows of every query row, where the parts of data (and query) live."""

    def __init__(self, cluster: Cluster, data_parts: list[Any], query_parts: list[Any] | None) -> None:
        """query_parts: None when every data row queries the others; else the query's parts (or one shared whole)."""
        self.cluster = cluster
        self.self_query = query_parts is None
        self.data = self._side(data_parts, "parts checked")
        self.query = self.data if query_parts is None else self._side(query_parts, "query parts checked")
        self.live = [j for j, f in enumerate(self.data.facts) if f.rows]

    def _side(self, parts: list[Any], message: str) -> PartitionedSide:
        facts = self.cluster.gather([self.cluster.submit(part_facts, part) for part in parts], message)
        vectors = ([self.cluster.submit(part_vectors, part) for part in parts]
                   if all(f.dims is not None for f in facts) else [])
        return PartitionedSide(parts, facts, part_starts(f.rows for f in facts), vectors)

    def row_facts(self, side: PartitionedSide) -> RowFacts:
        """The invalid, zero and duplicate rows of one input, numbered in the whole table."""
        cluster = self.cluster
        duplicates, duplicate_count = cluster.gather([cluster.submit(
            duplicates_of, *[cluster.submit(row_hashes, v) for v in side.vectors])], "duplicates checked")[0]
        zeros = np.concatenate([f.zeros + side.first[n] for n, f in enumerate(side.facts)])
        return RowFacts(np.concatenate([f.invalid + side.first[n] for n, f in enumerate(side.facts)]),
                        zeros[:ROWS_NAMED], sum(f.zero_count for f in side.facts), duplicates, duplicate_count)

    def most_query_words(self) -> int:
        """The most words of any query row's text."""
        return max(self.cluster.gather([self.cluster.submit(part_most_words, part) for part in self.query.parts],
                                       "query words counted"))

    def search(self, k: int, metric: str, exact: bool) -> list[Any]:
        """Handles of the merged k nearest rows (of the whole data table) for each query part."""
        cluster, data = self.cluster, self.data
        indexes = {} if exact else {j: cluster.submit(part_index, data.vectors[j], metric) for j in self.live}
        merged = []
        for i, vectors in enumerate(self.query.vectors):
            pairs = []
            for j in self.live:
                same = self.self_query and i == j
                if exact:
                    own = np.arange(data.facts[j].rows) if same else None
                    pairs.append(cluster.submit(pair_exact, data.vectors[j], vectors, k, metric,
                                                int(data.first[j]), own))
                else:
                    pairs.append(cluster.submit(pair_approximate, indexes[j], vectors, k, int(data.first[j]), same))
            merged.append(cluster.submit(merge_found, k, *pairs))
        return merged

    def recall(self, merged: list[Any], k: int, metric: str) -> Recall:
        """recall@k as recall_at_k measures it: exact search, on the cluster, of the same seeded sample of queries."""
        cluster, query, data = self.cluster, self.query, self.data
        invalid = np.concatenate([f.invalid + query.first[n] for n, f in enumerate(query.facts)])
        sample = recall_sample(query.rows, invalid)
        if len(sample) == 0:
            return Recall(1.0, k, 0)
        taken, found = [], []
        for i, vectors in enumerate(query.vectors):
            local = sample[(sample >= query.first[i]) & (sample < query.first[i + 1])] - query.first[i]
            if len(local):
                taken.append(cluster.submit(take_vectors, vectors, local))
                found.append(cluster.submit(take_found, merged[i], local))
        asked = cluster.submit(stack, *taken)
        exact = [cluster.submit(pair_exact, data.vectors[j], asked, k, metric, int(data.first[j]),
                                own_rows(sample, int(data.first[j]), data.facts[j].rows) if self.self_query else None)
                 for j in self.live]
        return cluster.gather([cluster.submit(recall_of, cluster.submit(merge_found, k, *exact),
                                              cluster.submit(joined, *found))], "recall measured")[0]

    def without_query_words(self, merged: list[Any], k: int) -> list[Any]:
        """Each query part's merged neighbours without the query's own words, k of them."""
        cluster, data = self.cluster, self.data
        return [cluster.submit(without_own_words, merged[i], part, k,
                               *[cluster.submit(named_texts, data.parts[j], merged[i], int(data.first[j]))
                                 for j in self.live])
                for i, part in enumerate(self.query.parts)]

    def tables(self, merged: list[Any], metric: str) -> Any:
        """The neighbours table as an output whose parts (one per query part) stay on the workers."""
        cluster, data = self.cluster, self.data
        tables = []
        for i, part in enumerate(self.query.parts):
            metas = [cluster.submit(neighbour_meta, data.parts[j], merged[i], int(data.first[j])) for j in self.live]
            tables.append(cluster.submit(neighbour_part, part, int(self.query.first[i]), merged[i], data.empty,
                                         metric, *metas))
        return cluster.output(tables)


# -- run on the workers ---------------------------------------------------------------------------

def part_facts(part: Table) -> PartFacts:
    """The size, space and message-worthy rows of one part."""
    empty = part.take(np.zeros(0, np.int64))
    if part.vectors is None:
        return PartFacts(len(part), None, empty, np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    zeros = zero_rows(part.vectors)
    return PartFacts(len(part), part.dims, empty, invalid_rows(part.vectors), zeros[:ROWS_NAMED], len(zeros))


def part_vectors(part: Table) -> np.ndarray:
    """The vectors of a part known to hold some."""
    assert part.vectors is not None
    return part.vectors


def row_hashes(vectors: np.ndarray) -> np.ndarray:
    """One 64-bit hash of each row's bytes: equal vectors, equal hashes."""
    vectors = np.ascontiguousarray(vectors)
    words = vectors.view(f"u{vectors.dtype.itemsize}").reshape(len(vectors), -1)  # the bits, as integers
    return pd.util.hash_pandas_object(pd.DataFrame(words), index=False).to_numpy()


def duplicates_of(*hashes: np.ndarray) -> tuple[np.ndarray, int]:
    """The first rows (of the whole table) repeating an earlier row's vector, and their count."""
    rows = np.flatnonzero(pd.Series(np.concatenate(hashes)).duplicated().to_numpy())
    return rows[:ROWS_NAMED], len(rows)


def pair_exact(data: np.ndarray, query: np.ndarray, k: int, metric: str, offset: int,
               exclude: np.ndarray | None) -> Neighbours:
    """The exact k nearest rows of one data part for the query rows (row numbers of the whole table)."""
    return shifted(search(data, query, k=k, metric=metric, exclude=exclude), offset)


def part_index(data: np.ndarray, metric: str) -> HnswIndex:
    """An HNSW index of one data part."""
    return HnswIndex(data, metric)


def pair_approximate(index: HnswIndex, query: np.ndarray, k: int, offset: int, same: bool) -> Neighbours:
    """The approximate k nearest rows of one indexed data part (a part searched for itself skips each row's own)."""
    return shifted(index.search(query, k, np.arange(len(query)) if same else None), offset)


def merge_found(k: int, *found: Neighbours) -> Neighbours:
    """The k nearest of several parts' neighbours of the same queries."""
    return merge(found, k)


def own_rows(sample: np.ndarray, first: int, rows: int) -> np.ndarray:
    """Each sampled query row's own row in a data part starting at `first` (-1 outside it)."""
    inside = (sample >= first) & (sample < first + rows)
    return np.where(inside, sample - first, -1)


def take_vectors(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Some rows of a part's vectors."""
    return vectors[rows]


def stack(*arrays: np.ndarray) -> np.ndarray:
    """Arrays one below the other."""
    return np.concatenate(arrays, axis=0)


def take_found(found: Neighbours, rows: np.ndarray) -> Neighbours:
    """The neighbours of some of the queries."""
    return Neighbours(found.indices[rows], found.distances[rows],
                      None if found.similarities is None else found.similarities[rows])


def joined(*found: Neighbours) -> Neighbours:
    """Neighbours of successive query rows, one below the other."""
    similarities = None if found[0].similarities is None else np.concatenate([f.similarities for f in found
                                                                             if f.similarities is not None])
    return Neighbours(np.concatenate([f.indices for f in found]), np.concatenate([f.distances for f in found]),
                      similarities)


def recall_of(exact: Neighbours, found: Neighbours) -> Recall:
    """recall@k of the found neighbours against the exact ones."""
    return recall_from(exact, found)


def neighbour_meta(part: Table, found: Neighbours, first: int) -> pd.DataFrame:
    """The metadata of this part's rows that `found` names, indexed by their row in the whole table."""
    named = np.unique(found.indices[(found.indices >= first) & (found.indices < first + len(part))])
    frame = part.meta.iloc[named - first]
    frame.index = named
    return frame


def neighbour_part(query: Table, first_query: int, found: Neighbours, data: Table, metric: str,
                   *metas: pd.DataFrame) -> Table:
    """The neighbours table of one part of the queries, as neighbours_table makes it for the whole.

    data: a row-less table with the data's columns and provenance; metas: the rows `found` names, by part.
    """
    head, query_rows, neighbour_rows = head_columns(found.indices, found.distances, found.similarities, first_query)
    lookup = pd.concat(metas) if len(metas) > 1 else metas[0]
    return assemble(head, query, query.meta.iloc[query_rows], data, lookup.loc[neighbour_rows], metric)


def part_most_words(part: Table) -> int:
    """The most words of any row's text in a part."""
    return most_words(feature_texts(part))


def named_texts(part: Table, found: Neighbours, first: int) -> pd.Series:
    """The texts of this part's rows that `found` names, indexed by their row in the whole table."""
    named = np.unique(found.indices[(found.indices >= first) & (found.indices < first + len(part))])
    texts = feature_texts(part).iloc[named - first]
    texts.index = named
    return texts


def without_own_words(found: Neighbours, query: Table, k: int, *texts: pd.Series) -> Neighbours:
    """without_query_words for one query part, from the texts of the data rows `found` names (by part)."""
    lookup = pd.concat(texts) if len(texts) > 1 else texts[0]
    rows = lookup.index.to_numpy(dtype=np.int64)  # ascending: parts in row order, each one's rows sorted
    positions = np.where(found.indices >= 0, np.searchsorted(rows, found.indices), -1)
    kept = without_query_words(Neighbours(positions, found.distances, found.similarities), feature_texts(query),
                               lookup.reset_index(drop=True), k)
    back = np.append(rows, -1)[np.where(kept.indices >= 0, kept.indices, len(rows))]
    return Neighbours(back, kept.distances, kept.similarities)
