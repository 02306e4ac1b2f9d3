"""Recommendations in-process: exact top-k, the hold-out rule, and beating popularity on real flights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from embedflow.analysis.checks import AnalysisError
from embedflow.analysis.interactions import held_out, read_interactions, user_sequences
from embedflow.analysis.item_embedding import factorise, item2vec
from embedflow.analysis.recommend import (
    evaluate,
    popular,
    profiles,
    recommend,
    unit_rows,
)
from embedflow.io import resources

PLANES = resources.resource("data", "plane-destinations.csv")


def test_top_k_is_the_brute_force_cosine_ranking_without_seen_items():
    rng = np.random.default_rng(1)
    items, users = rng.normal(size=(300, 16)).astype(np.float32), rng.normal(size=(40, 16)).astype(np.float32)
    seen = sp.random(40, 300, density=0.05, format="csr", random_state=2, dtype=np.float32)
    ranked = recommend(users, unit_rows(items), 7, seen)
    cosine = unit_rows(users) @ unit_rows(items).T
    cosine[seen.toarray() > 0] = -np.inf
    assert (ranked.items == np.argsort(-cosine, axis=1)[:, :7]).all()
    assert np.allclose(ranked.scores, np.sort(cosine, axis=1)[:, ::-1][:, :7], atol=1e-5)


def test_a_user_who_has_seen_all_but_two_items_gets_two_and_no_filler():
    seen = sp.csr_matrix(np.array([[1, 1, 0, 1, 0]], dtype=np.float32))
    ranked = recommend(np.ones((1, 3)), unit_rows(np.eye(5, 3)), 4, seen)
    assert sorted(ranked.items[0][:2]) == [2, 4] and ranked.items[0][2:].tolist() == [-1, -1]


def test_popularity_recommends_the_most_used_unseen_items():
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float32))
    ranked = popular(np.array([5, 9, 1, 7]), 2, 2, seen)
    assert ranked.items.tolist() == [[3, 0], [1, 3]]


def test_profile_is_the_weighted_mean_of_unit_item_vectors():
    matrix = sp.csr_matrix(np.array([[3.0, 1.0, 0.0]], dtype=np.float32))
    unit = unit_rows(np.array([[2, 0], [0, 5], [1, 1]], dtype=np.float32))
    assert np.allclose(profiles(matrix, unit), [[0.75, 0.25]])


def test_the_last_event_by_order_is_held_out_and_single_event_users_keep_theirs():
    frame = pd.DataFrame({"u": ["a", "a", "a", "b", "c", "c"], "i": ["x", "y", "z", "x", "y", "x"],
                          "t": [3, 9, 1, 5, 2, 1]})
    assert held_out(read_interactions(frame, "u", "i", order="t")).tolist() == [1, 4]


@pytest.mark.parametrize("frame, code, words", [
    (pd.DataFrame({"u": ["a", "b"], "i": ["x", "y"], "w": ["good", 2]}), "weight-not-numeric", "1 value(s)"),
    (pd.DataFrame({"u": ["a", "b"], "i": ["x", "y"], "w": [-1, 2]}), "weight-negative", "1 negative"),
    (pd.DataFrame({"u": ["a", "a"], "i": ["x", "y"], "w": [1, 2]}), "too-few-interactions", "1 user(s)"),
    (pd.DataFrame({"u": ["a", "b"], "i": ["x", "x"], "w": [1, 2]}), "too-few-interactions", "1 item(s)"),
])
def test_bad_interactions_are_refused_naming_the_column_and_the_count(frame, code, words):
    with pytest.raises(AnalysisError) as caught:
        read_interactions(frame, "u", "i", weight="w")
    assert caught.value.code == code and words in str(caught.value)


def test_missing_and_repeated_events_are_counted_in_notes():
    frame = pd.DataFrame({"u": ["a", None, "b", "b", "a"], "i": ["x", "y", "y", "y", None]})
    interactions = read_interactions(frame, "u", "i")
    notes = dict(interactions.notes)
    assert "2 interaction(s)" in notes["interactions-missing"] and "1 interaction(s)" in notes["duplicate-interactions"]
    assert interactions.matrix().toarray().tolist() == [[1, 0], [0, 2]]


def plane_split():
    interactions = read_interactions(pd.read_csv(PLANES), "tailnum", "dest", "flights", "first_flight")
    held = held_out(interactions)
    train = np.setdiff1d(np.arange(len(interactions)), held)
    return interactions, held, train


def test_factorised_planes_beat_popularity_on_each_planes_newest_destination():
    interactions, held, train = plane_split()
    matrix = interactions.matrix(train)
    vectors = factorise(matrix, 32)
    result = evaluate(matrix, interactions.user[held], interactions.item[held], unit_rows(vectors.items), 10)
    assert result.model.users == len(held) > 1000
    assert result.model.hit_rate >= 1.1 * result.popularity.hit_rate
    assert result.model.ndcg > result.popularity.ndcg


def test_item2vec_puts_an_airport_next_to_airports_its_planes_also_fly_to():
    interactions, _, train = plane_split()
    vectors = unit_rows(item2vec(user_sequences(interactions, train), len(interactions.items), 32))
    airports = list(interactions.items)
    fll = airports.index("FLL")
    planes = set(interactions.user[train][interactions.item[train] == fll])
    shared = {airports[i] for i in interactions.item[train][np.isin(interactions.user[train], list(planes))]}
    nearest = [airports[i] for i in np.argsort(-(vectors @ vectors[fll]))[1:6]]
    assert set(nearest) <= shared
    assert len(shared) < len(airports) - 20  # so that this says something


def test_item2vec_gives_no_vector_to_an_item_seen_fewer_times_than_it_can_learn_from():
    sequences = [["0", "1", "2"], ["0", "1"], ["1", "0", "3"]] * 4  # items 2 and 3 appear 4 times, 0 and 1 12 times
    vectors = item2vec(sequences, 4, 8, min_events=5)
    assert np.abs(vectors[[0, 1]]).sum(axis=1).min() > 0 and not vectors[[2, 3]].any()
    with pytest.raises(AnalysisError, match="no item has 20 events"):
        item2vec(sequences, 4, 8, min_events=20)


def test_with_a_million_items_users_are_scored_in_blocks_that_stay_within_the_score_budget():
    from embedflow.analysis.recommend import SCORE_BUDGET, block_users

    assert block_users(1_000_000) * 1_000_000 <= SCORE_BUDGET and block_users(1_000_000) >= 1
    rng = np.random.default_rng(3)
    items = rng.normal(size=(1_000_000, 4)).astype(np.float32)
    users = rng.normal(size=(40, 4)).astype(np.float32)
    ranked = recommend(users, unit_rows(items), 3)
    best = np.argmax(unit_rows(users) @ unit_rows(items).T, axis=1)
    assert (ranked.items[:, 0] == best).all()
