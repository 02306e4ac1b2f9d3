"""The partitioned neighbour search (analysis/partitioned/neighbours.py) finds what searching the joined table finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedflow.analysis.neighbours import search
from embedflow.analysis.neighbours_table import neighbours_table
from embedflow.analysis.partitioned.neighbours import PartitionedNeighbours
from embedflow.analysis.query_words import feature_texts, without_query_words
from embedflow.analysis.row_facts import row_facts
from embedflow.core.table import Table
from tests.partitioned_support import PartsHere, split


def vectors_table(rows: int, seed: int, words: list[str] | None = None) -> Table:
    vectors = np.random.default_rng(seed).standard_normal((rows, 8)).astype(np.float32)
    names = words or [f"row {n}" for n in range(rows)]
    return Table(pd.DataFrame({"name": names}), vectors, feature="name", provenance={"model": "random-8"})


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_every_row_searching_the_others_over_parts_equals_the_joined_search(metric):
    data = vectors_table(60, 1)
    parts = split(data, 25, 0, 20, 15)
    found = PartitionedNeighbours(PartsHere(), parts, None)
    merged = found.search(4, metric, exact=True)
    expected = search(data.vectors, None, k=4, metric=metric)
    np.testing.assert_array_equal(np.concatenate([m.indices for m in merged]), expected.indices)
    np.testing.assert_allclose(np.concatenate([m.distances for m in merged]), expected.distances, rtol=1e-5)
    assert found.live == [0, 2, 3] and found.data.rows == 60


def test_a_query_in_parts_gets_the_table_the_joined_search_makes():
    data, query = vectors_table(40, 2), vectors_table(9, 3)
    found = PartitionedNeighbours(PartsHere(), split(data, 13, 27), split(query, 5, 4))
    table = found.tables(found.search(3, "cosine", exact=True), "cosine")
    whole = search(data.vectors, query.vectors, k=3, metric="cosine")
    expected = neighbours_table(data, query, whole.indices, whole.distances, whole.similarities, "cosine")
    pd.testing.assert_frame_equal(table.meta, expected.meta)


def test_leaving_out_the_query_words_filters_each_query_part_as_the_joined_search_does():
    words = ["king", "man", "woman", "queen", "prince", "king man", "emperor", "woman king", "son", "daughter"]
    data = vectors_table(len(words), 4, words)
    found = PartitionedNeighbours(PartsHere(), split(data, 4, 6), None)
    fetch = min(len(words) - 1, 2 + found.most_query_words())
    kept = found.without_query_words(found.search(fetch, "cosine", exact=True), 2)
    whole = search(data.vectors, None, k=fetch, metric="cosine")
    expected = without_query_words(whole, feature_texts(data), feature_texts(data), 2)
    np.testing.assert_array_equal(np.concatenate([k.indices for k in kept]), expected.indices)


def test_zero_and_repeated_rows_are_numbered_in_the_whole_table():
    data = vectors_table(30, 5)
    vectors = data.vectors.copy()
    vectors[[3, 17]] = 0.0
    vectors[[22, 28]] = vectors[9]
    data = data.with_vectors(vectors)
    found = PartitionedNeighbours(PartsHere(), split(data, 10, 10, 10), None)
    facts, expected = found.row_facts(found.data), row_facts(vectors)
    assert list(facts.zeros) == list(expected.zeros) == [3, 17]
    assert list(facts.duplicates) == list(expected.duplicates) and facts.duplicate_count == expected.duplicate_count


def test_parts_without_vectors_are_told_before_anything_is_searched():
    data = Table(pd.DataFrame({"name": ["a", "b", "c"]}))
    cluster = PartsHere()
    found = PartitionedNeighbours(cluster, split(data, 2, 1), None)
    assert not found.data.has_vectors and found.data.vectors == []
