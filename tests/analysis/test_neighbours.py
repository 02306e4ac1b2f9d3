"""Exact nearest-neighbour search: equal to brute force for every metric, bounded, robust."""

import numpy as np
import pytest

from embedflow.analysis.neighbours import METRICS, brute_force, search


def random_vectors(rows, dims, seed=0):
    return np.random.default_rng(seed).standard_normal((rows, dims)).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
def test_all_rows_search_equals_brute_force(metric):
    data = random_vectors(3000, 24)
    found, expected = search(data, k=7, metric=metric), brute_force(data, None, 7, metric)
    np.testing.assert_array_equal(found.indices, expected.indices)
    np.testing.assert_allclose(found.distances, expected.distances, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("metric", METRICS)
def test_query_search_equals_brute_force(metric):
    data, query = random_vectors(2500, 16, 1), random_vectors(300, 16, 2)
    found, expected = search(data, query, k=10, metric=metric), brute_force(data, query, 10, metric)
    np.testing.assert_array_equal(found.indices, expected.indices)
    np.testing.assert_allclose(found.distances, expected.distances, rtol=1e-5, atol=1e-5)


def test_tiny_memory_budget_gives_the_same_result_in_many_blocks():
    data = random_vectors(2000, 8, 3)
    blocks = []
    search(data, k=5, memory_bytes=1, progress=blocks.append)
    assert len(blocks) == 2000 and blocks[-1] == 1.0
    np.testing.assert_array_equal(search(data, k=5, memory_bytes=1).indices,
                                  brute_force(data, None, 5, "cosine").indices)


def test_a_row_is_never_its_own_neighbour():
    data = random_vectors(500, 4)
    indices = search(data, k=5).indices
    assert not (indices == np.arange(500)[:, None]).any()


def test_cosine_similarity_and_distance_are_consistent():
    data = random_vectors(100, 5)
    found = search(data, k=3, metric="cosine")
    np.testing.assert_allclose(found.similarities + found.distances, 1.0, atol=1e-6)
    assert (np.diff(found.distances, axis=1) >= 0).all()


def test_euclidean_distances_are_exact_for_near_duplicates():
    data = np.full((50, 3), 1000.0, dtype=np.float32)
    data += np.arange(50, dtype=np.float32)[:, None] * 1e-2
    found = search(data, k=1, metric="euclidean")
    np.testing.assert_allclose(found.distances[:, 0], np.sqrt(3) * 1e-2, rtol=1e-2)


def test_k_above_candidate_count_pads_with_minus_one():
    found = search(random_vectors(4, 3), k=6)
    assert (found.indices[:, :3] >= 0).all() and (found.indices[:, 3:] == -1).all()
    assert np.isnan(found.distances[:, 3:]).all()


def test_nan_rows_are_neither_neighbours_nor_answered():
    data = random_vectors(40, 6)
    data[7, 2] = np.nan
    found = search(data, k=5)
    assert (found.indices[7] == -1).all()
    assert not (found.indices == 7).any()


def test_zero_vector_gets_cosine_similarity_zero():
    data = random_vectors(10, 3)
    data[0] = 0.0
    found = search(data, data[:1], k=3)
    np.testing.assert_allclose(found.similarities[0], 0.0)


def test_duplicates_are_each_others_nearest_at_distance_zero():
    data = random_vectors(30, 4)
    data[12] = data[3]
    found = search(data, k=1)
    assert found.indices[3, 0] == 12 and found.indices[12, 0] == 3
    assert found.distances[3, 0] == pytest.approx(0.0, abs=1e-6)


def test_dot_metric_ranks_by_unnormalised_product():
    data = np.array([[1.0, 0.0], [10.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    found = search(data, np.array([[1.0, 0.0]], dtype=np.float32), k=3, metric="dot")
    assert found.indices[0].tolist() == [1, 0, 2]
    assert found.similarities[0].tolist() == [10.0, 1.0, 0.0]


def test_vectors_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        search(random_vectors(5, 3), random_vectors(2, 4))


def test_glove_king_has_queen_among_its_nearest_words():
    from tests.analysis_support import glove

    vectors, lookup = glove()
    words = list(lookup)[:20000]
    found = search(np.asarray(vectors[:20000]), np.asarray(vectors[[lookup["king"]]]), k=6)
    assert "queen" in [words[i] for i in found.indices[0]]


def test_an_exception_from_progress_stops_the_search():
    from embedflow.core.errors import Cancelled

    calls = []

    def cancel(fraction):
        calls.append(fraction)
        raise Cancelled()

    with pytest.raises(Cancelled):
        search(random_vectors(1000, 4), k=3, memory_bytes=4 * 1024 * 100, progress=cancel)
    assert len(calls) == 1 and calls[0] < 1.0
