"""cluster(): GloVe words in five categories come back as five clusters; bad input gets clear messages."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from embedflow.analysis import clustering
from embedflow.analysis.checks import AnalysisError
from embedflow.analysis.clustering import NOISE, SKIPPED, cluster
from embedflow.core.errors import Cancelled, EmbedflowError

from .real_data import category_words

# 60 words, 12 per category. An adjusted Rand index of 0.9 still allows two or three words in the
# wrong cluster (a colour like "orange" among the fruits is a fair mistake), while labels that
# ignore the categories score about 0 and merging two categories scores about 0.75.
RECOVERS_CATEGORIES = 0.9


@pytest.fixture(scope="module")
def words():
    return category_words()


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_five_clusters_recover_the_five_word_categories(words, method, metric):
    _, vectors, categories = words
    result = cluster(vectors, method=method, k=5, metric=metric)
    assert result.k == 5
    assert adjusted_rand_score(categories, result.labels) >= RECOVERS_CATEGORIES


def test_hdbscan_finds_pure_clusters_and_marks_the_rest_as_noise(words):
    _, vectors, categories = words
    result = cluster(vectors, method="hdbscan", min_cluster_size=5)
    assert result.k >= 4
    assert result.noise == int((result.labels == NOISE).sum()) > 0
    for c in range(result.k):
        shares = categories[result.labels == c].value_counts(normalize=True)
        assert shares.iloc[0] >= 0.9


def test_auto_k_picks_the_k_with_the_highest_silhouette_and_says_which(words):
    _, vectors, categories = words
    result = cluster(vectors, k="auto")
    assert result.auto.tried == tuple(range(2, clustering.AUTO_K_MAX + 1))
    assert result.auto.chosen == result.auto.tried[int(np.argmax(result.auto.silhouettes))] == result.k
    assert result.silhouette == pytest.approx(max(result.auto.silhouettes))
    assert dict(result.notes)["auto-k"].startswith(f"k = {result.k} was chosen")
    assert 4 <= result.k <= 7
    assert adjusted_rand_score(categories, result.labels) >= 0.8


def test_auto_k_tries_at_most_rows_minus_one(words):
    _, vectors, _ = words
    result = cluster(vectors[:6], k="auto")
    assert result.auto.tried == (2, 3, 4, 5)


def test_the_same_seed_gives_the_same_clusters(words):
    _, vectors, _ = words
    first, second = cluster(vectors, k=7, seed=3), cluster(vectors, k=7, seed=3)
    assert np.array_equal(first.labels, second.labels)


def test_clusters_are_numbered_from_the_largest(words):
    _, vectors, _ = words
    result = cluster(vectors, k=8)
    assert list(result.sizes) == sorted(result.sizes, reverse=True)
    assert list(result.sizes) == [int((result.labels == c).sum()) for c in range(result.k)]


def test_cosine_ignores_the_length_of_the_vectors(words):
    _, vectors, _ = words
    lengths = np.random.default_rng(0).uniform(0.1, 10.0, (len(vectors), 1)).astype(np.float32)
    assert np.array_equal(cluster(vectors, k=5).labels, cluster(vectors * lengths, k=5).labels)


def test_silhouette_is_scikit_learns_cosine_silhouette(words):
    _, vectors, _ = words
    result = cluster(vectors, k=5)
    assert result.silhouette == pytest.approx(silhouette_score(vectors, result.labels, metric="cosine"), rel=1e-5)
    assert result.silhouette_rows == len(vectors)
    assert "silhouette-sampled" not in dict(result.notes)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_silhouette_of_each_row_is_scikit_learns(words, metric):
    from sklearn.metrics import silhouette_samples

    _, vectors, categories = words
    members = categories.factorize()[0]
    members[0] = members.max() + 1  # a cluster of one row scores 0
    # float32 distances: |a|² + |b|² - 2a·b rounds, most for close pairs, so agree to 1e-4
    assert np.allclose(clustering.silhouette_samples(vectors, members, metric),
                       silhouette_samples(vectors, members, metric=metric), atol=1e-4)


def test_silhouette_is_sampled_above_the_threshold_and_says_so(words, monkeypatch):
    monkeypatch.setattr(clustering, "SILHOUETTE_SAMPLE", 20)
    _, vectors, _ = words
    result = cluster(vectors, k=5)
    assert result.silhouette_rows == 20
    assert "computed on 20 rows sampled from 60" in dict(result.notes)["silhouette-sampled"]


def test_central_rows_belong_to_their_cluster_nearest_first(words):
    names, vectors, categories = words
    result = cluster(vectors, k=5)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for c, rows in result.central.items():
        assert len(rows) == clustering.CENTRAL_ROWS and (result.labels[rows] == c).all()
        centre = unit[result.labels == c].mean(axis=0)
        members = np.flatnonzero(result.labels == c)
        nearest = members[np.argsort(np.linalg.norm(unit[members] - centre, axis=1))[:len(rows)]]
        assert list(rows) == list(nearest)


def test_progress_ends_at_one_and_cancel_stops(words):
    _, vectors, _ = words
    seen = []
    cluster(vectors, k="auto", progress=lambda fraction, message: seen.append(fraction))
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > clustering.AUTO_K_MAX
    with pytest.raises(Cancelled):
        cluster(vectors, k=5, cancelled=lambda: True)


def test_nan_rows_are_left_out_and_reported(words):
    _, vectors, categories = words
    broken = vectors.copy()
    broken[[4, 17]] = np.nan
    result = cluster(broken, k=5)
    assert list(result.skipped) == [4, 17]
    assert (result.labels[[4, 17]] == SKIPPED).all()
    assert "2 rows (4, 17)" in dict(result.notes)["nan-vectors"]
    kept = np.setdiff1d(np.arange(len(vectors)), [4, 17])
    assert adjusted_rand_score(categories[kept], result.labels[kept]) >= RECOVERS_CATEGORIES


def test_every_row_nan_is_an_error(words):
    with pytest.raises(AnalysisError, match="Every row's vector holds NaN") as error:
        cluster(np.full((5, 3), np.nan))
    assert error.value.code == "nan-vectors"


def test_zero_rows_are_left_out_under_cosine_only(words):
    _, vectors, _ = words
    zeroed = vectors.copy()
    zeroed[9] = 0.0
    cosine = cluster(zeroed, k=5)
    assert list(cosine.skipped) == [9] and "1 row (9)" in dict(cosine.notes)["zero-vectors"]
    assert len(cluster(zeroed, k=5, metric="euclidean").skipped) == 0


def test_all_zero_vectors_with_cosine_is_an_error():
    with pytest.raises(AnalysisError, match="Every vector is all zeros") as error:
        cluster(np.zeros((10, 4)), k=2)
    assert error.value.code == "zero-vectors"


def test_k_larger_than_the_rows_is_an_error(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="k is 8 but there are only 5 rows to cluster") as error:
        cluster(vectors[:5], k=8)
    assert error.value.code == "k-larger-than-rows"


def test_k_larger_than_the_rows_left_after_nan_rows_says_why(words):
    _, vectors, _ = words
    broken = vectors[:6].copy()
    broken[0] = np.nan
    with pytest.raises(AnalysisError, match="only 5 rows to cluster .after leaving out 1 with unusable vectors"):
        cluster(broken, k=6)


def test_one_row_is_an_error(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="only one row") as error:
        cluster(vectors[:1], k=2)
    assert error.value.code == "too-few-rows"


def test_no_rows_is_an_error():
    with pytest.raises(AnalysisError, match="no rows to cluster") as error:
        cluster(np.zeros((0, 50)))
    assert error.value.code == "too-few-rows"


@pytest.mark.parametrize("k", [1, 0, 2.5, "eight"])
def test_k_must_be_a_whole_number_of_at_least_two(words, k):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="k must be a whole number of at least 2"):
        cluster(vectors, k=k)


def test_hdbscan_minimum_cluster_size_larger_than_the_rows_is_an_error(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="minimum cluster size is 10 but there are only 6 rows"):
        cluster(vectors[:6], method="hdbscan", min_cluster_size=10)


def test_hdbscan_with_no_cluster_says_so():
    points = np.random.default_rng(0).standard_normal((30, 5))
    result = cluster(points, method="hdbscan", min_cluster_size=25, metric="euclidean")
    assert result.k == 0 and (result.labels == NOISE).all() and result.silhouette is None
    assert "every row is noise" in dict(result.notes)["no-clusters"]


def test_agglomerative_refuses_more_rows_than_it_can_hold(words, monkeypatch):
    monkeypatch.setattr(clustering, "AGGLOMERATIVE_MAX_ROWS", 50)
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="handles up to 50") as error:
        cluster(vectors, method="agglomerative", k=5)
    assert error.value.code == "too-many-rows"


def test_identical_vectors_give_fewer_clusters_and_say_so():
    result = cluster(np.repeat(np.eye(3), 4, axis=0), k=5)
    assert result.k == 3
    assert "Found 3 clusters, not 5" in dict(result.notes)["fewer-clusters"]


def test_errors_are_embedflow_errors_shown_to_the_user():
    assert issubclass(AnalysisError, EmbedflowError)


@pytest.mark.parametrize("method", ["kmeans", "hdbscan", "agglomerative"])
def test_the_fitted_model_assigns_the_rows_of_a_fit_to_their_clusters(words, method):
    import pickle

    _, vectors, _ = words
    result = cluster(vectors, method=method, k=5, min_cluster_size=4)
    model = pickle.loads(pickle.dumps(result.model))
    assigned = model.predict(np.vstack([vectors, np.full((1, vectors.shape[1]), np.nan)]))
    assert assigned[-1] == SKIPPED
    agree = (assigned[:-1] == result.labels).mean()
    assert agree == 1.0 if method == "hdbscan" else agree > 0.9  # a fitted row is its own nearest fitted row
