"""The Clustering block in workflows: GloVe categories recovered, labels, outputs, messages and bad input."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from embedflow.core.context import NodeContext
from embedflow.core.errors import Cancelled, NodeError
from embedflow.core.ports import EMBEDDINGS
from embedflow.core.specs import NodeSpec, Port, Setting
from embedflow.core.table import Table
from embedflow.core.workflow import Node, Workflow
from embedflow.engine import Engine
from embedflow.io import resources
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests import analysis_support
from tests.analysis.real_data import CATEGORIES
from tests.text_support import text_workflow

WORDS = resources.resource("data", "word-categories.csv")


def _vectors(ctx) -> dict[str, Any]:
    vectors = np.asarray(ctx.settings["vectors"], dtype=np.float32)
    meta = pd.DataFrame({"name": [f"item-{i}.jpg" for i in range(len(vectors))],
                         "category": list(ctx.settings["categories"]) or [""] * len(vectors)})
    return {"embeddings": Table(meta, vectors, feature="name", provenance={"model": "m", "kind": ctx.settings["kind"]})}


GIVEN = NodeSpec(type="t_given_vectors", title="Given vectors", category="Data", description="vectors from settings",
                 icon="input", inputs=(), outputs=(Port("embeddings", EMBEDDINGS),),
                 settings=(Setting("vectors", "list", []), Setting("categories", "list", []),
                           Setting("kind", "str", "text")), run=_vectors)


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    default_registry().register(GIVEN)
    yield
    analysis_support.unregister()
    default_registry().unregister(GIVEN.type)


def glove_clusters(**settings):
    workflow, _, _, embedder = text_workflow(WORDS, feature="word")
    block = workflow.add_node("clustering", settings=settings)
    workflow.connect(embedder, "embeddings", block.id, "data")
    return Engine(workflow).run()[block.id]


def given(vectors, categories=(), kind="text", **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_given_vectors", settings={"vectors": [list(map(float, v)) for v in vectors],
                                                            "categories": list(categories), "kind": kind})
    block = workflow.add_node("clustering", settings=settings)
    workflow.connect(source.id, "embeddings", block.id, "data")
    return workflow, block.id


def run(workflow, node_id):
    return Engine(workflow).run()[node_id]


def codes(result) -> list[str]:
    return [d.code for d in result.messages]


def test_glove_words_of_five_categories_are_clustered_into_their_categories():
    result = glove_clusters(k=5)
    assert result.state == "done"
    clustered = result.outputs["clustered"].meta
    assert adjusted_rand_score(clustered["category"], clustered["cluster"]) >= 0.9


def test_each_cluster_is_labelled_with_words_of_its_own_category():
    clustered = glove_clusters(k=5).outputs["clustered"].meta
    for (category, label), _ in clustered.groupby(["category", "cluster_label"]):
        assert set(label.split(" · ")) <= set(CATEGORIES[category].split())


def test_clustered_keeps_the_input_rows_vectors_and_model_and_adds_the_two_columns():
    clustered = glove_clusters(k=5).outputs["clustered"]
    assert list(clustered.meta.columns) == ["word", "category", "cluster", "cluster_label"]
    assert clustered.vectors.shape == (60, 50)
    assert clustered.provenance["model"] == "glove-6b-50d" and clustered.feature == "word"


def test_clusters_lists_each_cluster_with_its_size_and_central_words():
    result = glove_clusters(k=5)
    clusters = result.outputs["clusters"].meta
    assert list(clusters.columns) == ["cluster", "cluster_label", "size", "central_rows", "central"]
    assert clusters["size"].tolist() == [12] * 5
    assert clusters["cluster_label"].tolist() == [c.split(" · ")[0] + " · " + " · ".join(c.split(" · ")[1:3])
                                                   for c in clusters["central"]]
    assert result.outputs["clusters"].provenance["silhouette"] == pytest.approx(0.469, abs=0.01)
    assert "silhouette 0.469" in result.summary and "sizes 12, 12, 12, 12, 12" in result.summary


def test_the_same_seed_gives_the_same_clusters():
    first = glove_clusters(k=4, seed=3).outputs["clustered"].meta["cluster"]
    second = glove_clusters(k=4, seed=3).outputs["clustered"].meta["cluster"]
    assert first.tolist() == second.tolist()


def test_auto_k_chooses_by_silhouette_and_says_which():
    result = glove_clusters(k="auto")
    assert result.state == "done"
    (note,) = [d for d in result.messages if d.code == "auto-k"]
    assert note.severity == "info" and "k = 6 was chosen" in note.message
    assert result.outputs["clusters"].provenance["auto_k"] == 6


def test_k_typed_in_the_editor_as_text_is_accepted():
    assert glove_clusters(k="5").outputs["clusters"].meta["size"].tolist() == [12] * 5


@pytest.mark.parametrize("k", ["many", 1, True, "1.5"])
def test_a_k_that_is_not_a_whole_number_of_at_least_two_nor_auto_is_invalid_k(k):
    workflow, node = given(np.eye(4), k=k)
    (diagnostic,) = [d for d in validate(workflow) if d.node_id == node]
    assert diagnostic.code == "invalid-k" and "auto" in diagnostic.message


def test_hdbscan_labels_rows_in_no_cluster_as_noise():
    rng = np.random.default_rng(0)
    blobs = np.vstack([rng.normal(0, 0.05, (15, 3)) + [5, 0, 0], rng.normal(0, 0.05, (15, 3)) + [0, 5, 0],
                       [[0, 0, 9], [9, 9, 0]]])
    workflow, node = given(blobs, method="hdbscan", min_cluster_size=5, metric="euclidean")
    result = run(workflow, node)
    clustered = result.outputs["clustered"].meta
    assert clustered["cluster"].tolist()[-2:] == [-1, -1]
    assert clustered["cluster_label"].tolist()[-2:] == ["noise", "noise"]
    assert result.outputs["clusters"].meta["cluster"].tolist() == [0, 1, -1]


def test_k_larger_than_the_rows_stops_with_a_message_and_is_flagged_once_the_input_is_known():
    workflow, node = given(np.eye(3), k=8)
    results = Engine(workflow).run()
    assert results[node].state == "failed" and results[node].diagnostic is None
    assert "k is 8 but there are only 3 rows" in results[node].error
    outputs = {n: r.outputs for n, r in results.items()}
    (diagnostic,) = [d for d in validate(workflow, None, outputs) if d.node_id == node]
    assert (diagnostic.severity, diagnostic.code) == ("error", "k-larger-than-rows")


def test_one_row_is_too_few_rows():
    workflow, node = given([[1.0, 2.0]], k=2)
    result = run(workflow, node)
    assert result.state == "failed" and "only one row" in result.error
    assert failure_code(workflow, node) == "too-few-rows"


def test_all_zero_vectors_cannot_be_clustered_by_cosine():
    workflow, node = given(np.zeros((5, 3)), k=2)
    assert failure_code(workflow, node) == "zero-vectors"


def test_some_zero_vectors_are_left_out_with_a_warning_and_labelled_left_out():
    vectors = np.vstack([np.eye(3), np.eye(3) * 2, np.zeros((1, 3))])
    workflow, node = given(vectors, k=3)
    result = run(workflow, node)
    (warning,) = [d for d in result.messages if d.code == "zero-vectors"]
    assert warning.severity == "warning" and "(6)" in warning.message
    assert result.outputs["clustered"].meta["cluster_label"].iloc[-1] == "left out"


def test_image_clusters_are_named_by_their_majority_category():
    vectors = np.vstack([np.tile([1.0, 0.0], (4, 1)), np.tile([0.0, 1.0], (4, 1))]) + np.arange(8)[:, None] * 1e-3
    workflow, node = given(vectors, categories=["cats"] * 3 + ["dogs"] + ["cars"] * 4, kind="image", k=2)
    clusters = run(workflow, node).outputs["clusters"].meta
    assert sorted(clusters["cluster_label"]) == ["cars", "cats"]


def test_image_clusters_without_categories_are_named_by_their_most_central_file():
    vectors = np.vstack([np.tile([1.0, 0.0], (4, 1)), np.tile([0.0, 1.0], (4, 1))]) + np.arange(8)[:, None] * 1e-3
    workflow, node = given(vectors, kind="image", k=2)
    labels = run(workflow, node).outputs["clusters"].meta["cluster_label"]
    assert all(label.startswith("item-") and label.endswith(".jpg") for label in labels)


def test_the_clustered_output_is_described_with_the_input_model_before_anything_runs(tmp_path):
    workflow, _, _, embedder = text_workflow(WORDS, feature="word")
    block = workflow.add_node("clustering")
    workflow.connect(embedder, "embeddings", block.id, "data")
    images = workflow.add_node("input", settings={"path": str(resources.resource("data", "images"))})
    image_embedding = workflow.add_node("image_embedding")
    near = workflow.add_node("nearest_neighbours")
    workflow.connect(images.id, "data", image_embedding.id, "data")
    workflow.connect(block.id, "clustered", near.id, "data")
    workflow.connect(image_embedding.id, "embeddings", near.id, "query")
    mismatches = [d for d in validate(workflow) if d.code == "embedding-model-mismatch"]
    assert [d.node_id for d in mismatches] == [near.id]
    assert "glove-6b-50d" in mismatches[0].message and "squeezenet" in mismatches[0].message


def failure_code(workflow, node_id) -> str:
    """The code of the error a failed block reported."""
    result = run(workflow, node_id)
    assert result.state == "failed"
    (diagnostic,) = [d for d in result.messages if d.severity == "error"]
    return diagnostic.code


def context(inputs, cancel=None, events=None, **settings) -> NodeContext:
    spec = default_registry().get("clustering")
    return NodeContext(Node("c", "clustering", "Clustering"), spec.resolve_settings(settings), inputs, None,
                       cancel or threading.Event(), (events if events is not None else []).append)


def test_a_table_without_vectors_is_no_vectors():
    spec = default_registry().get("clustering")
    with pytest.raises(NodeError) as raised:
        spec.run(context({"data": Table(pd.DataFrame({"x": [1, 2]}))}))
    assert raised.value.code == "no-vectors"


def test_clustering_reports_progress_and_stops_when_cancelled():
    spec = default_registry().get("clustering")
    table = analysis_support.glove_table("king queen apple pear car truck".split())
    events: list = []
    spec.run(context({"data": table}, events=events, k="auto"))
    assert any("trying k = 3" in e.message for e in events)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        spec.run(context({"data": table}, cancel=cancel, k=2))


def test_on_a_cluster_agglomerative_fits_on_a_sample_it_can_hold() -> None:
    from embedflow.analysis.clustering import AGGLOMERATIVE_MAX_ROWS, UsableRows, cluster_points
    from embedflow.analysis.partitioned.clustering import fit_budget

    assert fit_budget("kmeans", 50_000) == 50_000 and fit_budget("agglomerative", 60) == 60
    budget = fit_budget("agglomerative", 50_000)  # the default budget: more rows than agglomerative holds
    assert budget == AGGLOMERATIVE_MAX_ROWS
    rows = budget + 1  # one more would be refused
    with pytest.raises(Exception, match="handles up to"):
        cluster_points(np.zeros((rows, 2), dtype=np.float32),
                       UsableRows(np.arange(rows), np.zeros(0, dtype=np.int64), (), rows),
                       "agglomerative", 2, "euclidean", 5, "ward", 0)
