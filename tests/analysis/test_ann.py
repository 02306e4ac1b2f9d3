"""Approximate nearest neighbours (faiss HNSW): agreement with exact search, recall, bad input."""

import sys

import numpy as np
import pytest

from embedflow.analysis.ann import (
    AUTO_MIN_QUERIES,
    AUTO_MIN_ROWS,
    ApproximateUnavailable,
    approximate_search,
    choose_method,
    recall_at_k,
)
from embedflow.analysis.neighbours import Neighbours, brute_force, search
from embedflow.core.errors import Cancelled


def clustered(rows=2000, dims=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dims)).astype(np.float32)
    return centres[rng.integers(0, 20, rows)] + 0.3 * rng.standard_normal((rows, dims)).astype(np.float32)


def overlap(found, expected):
    return np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, expected)])


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot"])
def test_approximate_search_finds_nearly_all_exact_neighbours(metric):
    data = clustered()
    found = approximate_search(data, k=10, metric=metric)
    assert overlap(found.indices, search(data, k=10, metric=metric).indices) > 0.95


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot"])
def test_distances_of_the_found_neighbours_are_exact(metric):
    data = clustered(300)
    found = approximate_search(data, k=5, metric=metric)
    everything = brute_force(data, None, len(data) - 1, metric)
    for row in range(0, 300, 7):
        true = dict(zip(everything.indices[row], everything.distances[row]))
        np.testing.assert_allclose(found.distances[row], [true[i] for i in found.indices[row]], atol=1e-4)
    assert (found.similarities is None) == (metric == "euclidean")


def test_a_row_is_never_its_own_neighbour():
    data = clustered(500)
    found = approximate_search(data, k=5)
    assert not (found.indices == np.arange(500)[:, None]).any()


def test_query_rows_search_the_data_rows():
    data = clustered(500)
    found = approximate_search(data, data[:20] + 0.01, k=1, metric="euclidean")
    assert found.indices[:, 0].tolist() == list(range(20))


def test_nan_rows_are_never_neighbours_and_get_no_neighbours():
    data = clustered(200)
    data[[3, 50]] = np.nan
    found = approximate_search(data, k=4)
    assert (found.indices[[3, 50]] == -1).all()
    assert not np.isin(found.indices, [3, 50]).any()


def test_k_above_the_row_count_leaves_missing_slots():
    found = approximate_search(clustered(4), k=6)
    assert ((found.indices >= 0).sum(axis=1) == 3).all() and np.isnan(found.distances[:, 3:]).all()


def test_search_excludes_the_rows_it_is_told_to():
    data = clustered(300)
    rows = np.array([5, 17, 200])
    sampled = search(data, data[rows], k=4, exclude=rows)
    np.testing.assert_array_equal(sampled.indices, search(data, k=4).indices[rows])


def test_recall_of_the_exact_answer_is_one():
    data = clustered(400)
    recall = recall_at_k(data, None, search(data, k=5), "cosine", sample=100)
    assert recall.value == 1.0 and recall.k == 5 and recall.queries == 100


def test_recall_counts_the_neighbours_that_were_missed():
    data = clustered(400)
    exact = search(data, k=4)
    wrong = exact.indices.copy()
    wrong[:, 2:] = search(data, k=40).indices[:, 30:32]  # far rows instead of the 3rd and 4th nearest
    recall = recall_at_k(data, None, Neighbours(wrong, exact.distances, exact.similarities), "cosine")
    assert recall.value == pytest.approx(0.5)


def test_recall_counts_an_equally_close_duplicate_as_found():
    data = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [5.0, 5.0]], dtype=np.float32)
    query = np.array([[1.0, 0.5]], dtype=np.float32)  # rows 1 and 2 are equally near
    exact = search(data, query, k=1, metric="euclidean")
    other = np.array([[2 if exact.indices[0, 0] == 1 else 1]])
    recall = recall_at_k(data, query, Neighbours(other, exact.distances, None), "euclidean")
    assert recall.value == 1.0


def test_progress_rises_to_one():
    seen = []
    approximate_search(clustered(500), k=3, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_cancelling_through_progress_stops_the_search():
    def cancel(fraction):
        raise Cancelled()

    with pytest.raises(Cancelled):
        approximate_search(clustered(500), k=3, progress=cancel)


def test_auto_is_approximate_only_for_many_rows_and_queries_with_faiss():
    assert choose_method("auto", AUTO_MIN_ROWS, AUTO_MIN_QUERIES, True) == "approximate"
    assert choose_method("auto", AUTO_MIN_ROWS - 1, AUTO_MIN_QUERIES, True) == "exact"
    assert choose_method("auto", AUTO_MIN_ROWS, 10, True) == "exact"
    assert choose_method("auto", AUTO_MIN_ROWS, AUTO_MIN_QUERIES, False) == "exact"
    assert choose_method("exact", 10**7, 10**7, True) == "exact"
    assert choose_method("approximate", 10, 10, True) == "approximate"


def test_without_faiss_approximate_search_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    with pytest.raises(ApproximateUnavailable, match="pip install faiss-cpu"):
        approximate_search(clustered(50), k=3)
