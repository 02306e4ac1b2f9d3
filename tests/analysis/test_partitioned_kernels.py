"""The partitioned projection, clustering and classification kernels (analysis/partitioned/) match local analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedflow.analysis.classification import (
    cross_validate,
    cross_validated_rows,
    fit,
    predicted_rows,
    training_rows,
)
from embedflow.analysis.clustering import cluster
from embedflow.analysis.partitioned.classification import PartitionedClassification
from embedflow.analysis.partitioned.clustering import PartitionedClustering
from embedflow.analysis.partitioned.projection import PartitionedProjection
from embedflow.analysis.projection import ProjectionError, project
from embedflow.core.table import Table
from tests.partitioned_support import PartsHere, split


def blobs(rows: int = 90, seed: int = 0) -> Table:
    """Three well-separated groups of 6-d vectors, with words and a label column."""
    rng = np.random.default_rng(seed)
    group = np.arange(rows) % 3
    vectors = (rng.standard_normal((rows, 6)) + group[:, None] * 6.0).astype(np.float32)
    words = [["apple pear", "river lake", "stone rock"][g] + f" {n}" for n, g in enumerate(group)]
    meta = pd.DataFrame({"text": words, "label": [f"g{g}" for g in group]})
    return Table(meta, vectors, feature="text", provenance={"model": "random-6", "kind": "text"})


def test_pca_over_parts_gives_the_local_coordinates_and_axes():
    data = blobs()
    projection, brought = PartitionedProjection(PartsHere(), split(data, 30, 45, 15)).project(
        "pca", 30.0, "sample", lambda fraction, message: None)
    local = project(data.vectors, "pca")
    np.testing.assert_allclose(projection.coords, local.coords, rtol=1e-4, atol=1e-4)
    assert projection.axes == local.axes and brought == 0


def test_rows_with_nan_are_left_out_and_named_in_the_whole_table():
    data = blobs(30)
    vectors = data.vectors.copy()
    vectors[[4, 21]] = np.nan
    on_parts = PartitionedProjection(PartsHere(), split(data.with_vectors(vectors), 10, 20))
    projection, _ = on_parts.project("none", 30.0, "sample", lambda fraction, message: None)
    assert np.isnan(projection.coords[[4, 21]]).all() and np.isfinite(np.delete(projection.coords, [4, 21], 0)).all()
    assert ("nan-vectors", "2 row(s) with NaN or infinite values are not shown (rows 4, 21).") in projection.notes


def test_a_table_of_only_invalid_rows_cannot_be_projected():
    data = blobs(6)
    parts = split(data.with_vectors(np.full((6, 6), np.inf, np.float32)), 3, 3)
    with pytest.raises(ProjectionError, match="nothing to project"):
        PartitionedProjection(PartsHere(), parts).project("pca", 30.0, "sample", lambda fraction, message: None)


def test_the_rows_asked_for_stay_in_their_parts_in_order():
    data = blobs(20)
    taken = PartitionedProjection(PartsHere(), split(data, 7, 13)).rows(np.array([2, 8, 19]))
    assert taken.meta["text"].tolist() == data.meta["text"].iloc[[2, 8, 19]].tolist()


def test_kmeans_within_the_budget_gives_the_local_clusters():
    data = blobs()
    on_parts = PartitionedClustering(PartsHere(), split(data, 40, 50), "cosine")
    fitted = on_parts.fit("kmeans", 3, 10, "ward", 0, lambda fraction, message: None, lambda: False)
    local = cluster(data.vectors, "kmeans", 3, "cosine", seed=0)
    assert not fitted.sampled
    np.testing.assert_array_equal(np.concatenate(fitted.labels), local.labels)
    names = on_parts.names(fitted).names
    clustered = on_parts.clustered(fitted, names)
    assert clustered.meta["cluster"].tolist() == local.labels.tolist()
    assert set(clustered.meta["cluster_label"]) == set(names.values())


def test_beyond_the_budget_a_sample_is_fitted_and_every_row_assigned():
    data = blobs(120)
    on_parts = PartitionedClustering(PartsHere(gather_rows=30), split(data, 50, 70), "euclidean")
    fitted = on_parts.fit("kmeans", 3, 10, "ward", 0, lambda fraction, message: None, lambda: False)
    labels = np.concatenate(fitted.labels)
    assert fitted.sampled and len(fitted.fitted_rows) == 30 and fitted.brought == 30 * 6 * 4
    assert sorted(fitted.result.sizes.tolist(), reverse=True) == fitted.result.sizes.tolist() == [40, 40, 40]
    groups = np.arange(120) % 3
    assert all(len(set(labels[groups == g])) == 1 for g in range(3))  # every row joins its own group


def test_labelled_rows_over_parts_are_the_local_training_rows_and_predictions():
    data = blobs()
    meta = data.meta.copy()
    meta.loc[[5, 60], "label"] = None  # rows without a label are left out, named in the whole table
    data = Table(meta, data.vectors, feature="text", provenance=dict(data.provenance))
    on_parts = PartitionedClassification(PartsHere(), split(data, 33, 57))
    training, shown = on_parts.training("label")
    local = training_rows(data.vectors, data.meta["label"])
    np.testing.assert_array_equal(training.rows, local.rows)
    assert list(training.no_label) == [5, 60] and shown["label"].tolist() == data.meta["label"].dropna().tolist()

    result = cross_validate(data.vectors, data.meta["label"], "logistic_regression", 3, 0)
    joined = on_parts.cross_validated(result.predictions)
    pd.testing.assert_frame_equal(joined.meta, cross_validated_rows(data, result.predictions).meta)

    test = blobs(12, seed=1)
    classifier = fit(local, "logistic_regression", 0)
    predicted, skipped, scored = on_parts.predict(classifier, split(test, 5, 7), [5, 7], "label")
    expected = predicted_rows(test, classifier.predict(test.vectors))
    pd.testing.assert_frame_equal(predicted.meta, expected.meta)
    assert len(skipped) == 0
    assert scored["predicted"].tolist() == expected.meta["predicted"].tolist()
    assert scored["label"].tolist() == test.meta["label"].tolist()
