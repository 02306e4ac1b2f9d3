"""Cluster labels: the words that set a text cluster apart, central words for word lists, image names."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from embedflow.analysis.cluster_labels import image_labels, text_labels
from embedflow.analysis.clustering import NOISE, SKIPPED, cluster

from .real_data import CATEGORIES, category_words, corpus

TOPIC_WORDS = [{"paris", "berlin", "madrid"}, {"bread", "cheese", "soup"}, {"team", "goal", "match"}]


def words_of(label: str) -> set[str]:
    return set(label.split(" · "))


def test_text_clusters_are_named_by_their_distinguishing_words():
    texts, vectors, topics = corpus()
    result = cluster(vectors, k=3)
    names = text_labels(texts, result.labels, result.central)
    for c in range(3):
        topic = np.bincount(topics[result.labels == c]).argmax()
        assert words_of(names[c]) == TOPIC_WORDS[topic]


def test_label_is_three_words_joined_by_a_middle_dot():
    texts, _, topics = corpus()
    assert text_labels(texts, topics, {0: [0], 1: [6], 2: [12]})[0] == "berlin · madrid · paris"


def test_a_word_in_every_text_does_not_name_any_cluster():
    texts, _, topics = corpus()
    texts = [f"{t} today" for t in texts]  # more frequent in each cluster than any topic word
    names = text_labels(texts, topics, {0: [0], 1: [6], 2: [12]})
    assert [words_of(names[c]) for c in range(3)] == TOPIC_WORDS


def test_stop_words_never_name_a_cluster_of_texts():
    texts, _, topics = corpus()
    names = text_labels(texts, topics, {0: [0], 1: [6], 2: [12]}, top=10)
    assert not {"the", "and", "to", "a", "in", "with"} & set().union(*(words_of(n) for n in names.values()))


def test_a_word_list_is_named_by_each_clusters_most_central_words():
    words, vectors, categories = category_words()
    result = cluster(vectors, k=5)
    names = text_labels(words, result.labels, result.central)
    for c in range(5):
        category = categories[result.labels == c].mode()[0]
        assert words_of(names[c]) <= set(CATEGORIES[category].split())
        assert names[c] == " · ".join(words[i] for i in result.central[c][:3])


def test_a_word_list_of_stop_words_keeps_them():
    words, vectors, categories = category_words()
    result = cluster(vectors, k=5)
    label = text_labels(words, result.labels, result.central)[result.labels[words.index("three")]]
    assert words_of(label) <= set(CATEGORIES["numbers"].split()) & ENGLISH_STOP_WORDS
    assert len(words_of(label)) == 3


def test_noise_and_left_out_rows_have_their_own_labels():
    texts, _, topics = corpus()
    labels = topics.copy()
    labels[[0, 1]] = NOISE
    labels[2] = SKIPPED
    names = text_labels(texts, labels, {0: [3], 1: [6], 2: [12]})
    assert names[NOISE] == "noise" and names[SKIPPED] == "left out"


def test_a_cluster_of_only_stop_words_is_named_by_its_central_text():
    texts = ["the cat sat", "a cat ran", "cat food", "and then", "it was", "so it is"]
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert text_labels(texts, labels, {0: [0], 1: [4, 3]})[1] == "it was · and then"


FILES = [f"/photos/{name}.jpg" for name in ("cat1", "cat2", "cat3", "dog1", "dog2", "car1", "cat4", "dog3")]


def test_image_cluster_with_a_clear_majority_is_named_by_its_category():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    categories = ["cat", "cat", "cat", "dog", "dog", "car", "cat", "dog"]
    names = image_labels(FILES, labels, {0: [1, 0], 1: [5, 4]}, categories)
    assert names[0] == "cat"
    assert names[1] == "car1.jpg"  # dog 2, car 1, cat 1: half is no clear majority


def test_image_cluster_without_categories_is_named_by_its_most_central_file():
    labels = np.array([0, 0, 0, 1, 1, NOISE, 0, 1])
    names = image_labels(FILES, labels, {0: [2, 0], 1: [7, 3]})
    assert names == {NOISE: "noise", 0: "cat3.jpg", 1: "dog3.jpg"}


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_texts_count_as_empty(missing):
    texts, _, topics = corpus()
    texts[0] = missing
    assert words_of(text_labels(texts, topics, {0: [1], 1: [6], 2: [12]})[0]) == TOPIC_WORDS[0]


def test_word_counts_of_parts_added_up_name_the_clusters_as_the_whole():
    from embedflow.analysis.cluster_labels import labels_from_counts, word_counts

    texts, vectors, _ = corpus()
    result = cluster(vectors, k=3)
    counts = word_counts(texts[:20], result.labels[:20]) + word_counts(texts[20:], result.labels[20:])
    central = {c: [str(texts[int(r)]) for r in rows] for c, rows in result.central.items()}
    assert labels_from_counts(counts, central) == text_labels(texts, result.labels, result.central)
