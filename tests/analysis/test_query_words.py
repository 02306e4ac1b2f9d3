"""Nearest Neighbours' "Leave out the query's words": an analogy's own words are not its answers."""

import numpy as np
import pandas as pd

from embedflow.analysis.neighbours import Neighbours
from embedflow.analysis.query_words import most_words, without_query_words
from embedflow.core.workflow import Workflow
from embedflow.registry import default_registry
from tests.text_support import run_all, write_csv

WORDS = ["king", "queen", "man", "woman", "prince", "paris", "rome", "italy", "france", "apple"]


def embedded(workflow, path, pooling):
    source = workflow.add_node("input", settings={"path": str(path), "feature": "text", "format": "auto"})
    encoder = workflow.add_node("text_encoding")
    embedder = workflow.add_node("text_embedding", settings={"pooling": pooling})
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return embedder.id


def analogy_neighbours(tmp_path, exclude, k=2):
    (tmp_path / "words").mkdir()
    workflow = Workflow(default_registry())
    words = embedded(workflow, write_csv(tmp_path / "words", WORDS), "mean")
    analogies = embedded(workflow, write_csv(tmp_path, ["king - man + woman", "Paris-France+Italy"]), "arithmetic")
    near = workflow.add_node("nearest_neighbours", settings={"k": k, "exclude_query_words": exclude})
    workflow.connect(words, "embeddings", near.id, "data")
    workflow.connect(analogies, "embeddings", near.id, "query")
    result = run_all(workflow)[near.id]
    return result.outputs["neighbours"].meta, result


def test_without_the_setting_an_analogys_own_word_is_its_nearest_neighbour(tmp_path):
    table, _ = analogy_neighbours(tmp_path, exclude=False)
    assert table.loc[table["query_row"] == 0, "neighbour_text"].tolist() == ["king", "queen"]


def test_leaving_out_the_query_words_makes_queen_and_rome_the_first_answers(tmp_path):
    table, result = analogy_neighbours(tmp_path, exclude=True)
    assert table.loc[table["rank"] == 1, "neighbour_text"].tolist() == ["queen", "rome"]
    assert not table["neighbour_text"].isin(["king", "man", "woman", "paris", "france", "italy"]).any()
    assert table.groupby("query_row").size().tolist() == [2, 2]
    assert "own words left out" in result.summary


def test_ranks_stay_consecutive_and_distances_sorted_after_leaving_words_out(tmp_path):
    table, _ = analogy_neighbours(tmp_path, exclude=True, k=4)
    for _, rows in table.groupby("query_row"):
        assert rows["rank"].tolist() == [1, 2, 3, 4]
        assert rows["distance"].is_monotonic_increasing


def test_most_words_counts_the_words_of_the_longest_query():
    assert most_words(pd.Series(["king - man + woman", "rome", None])) == 3


def test_queries_short_of_neighbours_are_padded_like_a_search_with_few_candidates():
    found = Neighbours(np.array([[0, 1, 2]]), np.array([[0.1, 0.2, 0.3]], dtype=np.float32),
                       np.array([[0.9, 0.8, 0.7]], dtype=np.float32))
    kept = without_query_words(found, pd.Series(["King + Man"]), pd.Series(["king", "queen", " MAN "]), 2)
    assert kept.indices.tolist() == [[1, -1]]
    np.testing.assert_allclose(kept.similarities[0, :1], [0.8])
    assert np.isnan(kept.distances[0, 1])


def test_a_neighbour_is_left_out_only_for_the_query_that_names_it():
    found = Neighbours(np.array([[0, 1], [0, 1]]), np.zeros((2, 2), np.float32), None)
    kept = without_query_words(found, pd.Series(["king", "queen"]), pd.Series(["king", "queen"]), 1)
    assert kept.indices.tolist() == [[1], [0]]
