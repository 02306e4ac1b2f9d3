"""Clustering and Classifier on a real two-worker Dask cluster: fit on what is brought here, predict per partition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from embedflow.cli import main  # noqa: E402
from embedflow.core.context import NodeState  # noqa: E402
from embedflow.core.workflow import Workflow  # noqa: E402
from embedflow.engine import Engine  # noqa: E402
from embedflow.engine.dask_executor import DaskExecutor  # noqa: E402
from embedflow.engine.partitions import Partitioned  # noqa: E402
from embedflow.io.workflow_file import write_workflow  # noqa: E402
from embedflow.registry import default_registry  # noqa: E402
from tests.dask_support import executor  # noqa: E402

TOPICS = {"pets": ("the cat sat on the mat", "a dog chased the ball", "my kitten sleeps all day"),
          "space": ("stars and planets in space", "the rocket reached orbit", "a telescope saw the galaxy"),
          "food": ("bake the bread in the oven", "soup with fresh vegetables", "a cake with sugar and butter")}


def write_corpus(folder: Path, rows: int, name: str = "texts.csv", labelled_every: int = 1) -> Path:
    """Short texts of three topics with their `topic` (only every `labelled_every`-th row keeps it)."""
    names = sorted(TOPICS)
    topics = [names[i % 3] for i in range(rows)]
    texts = [f"{TOPICS[t][(i // 3) % 3]} {i}" for i, t in enumerate(topics)]
    labels = [t if i % labelled_every == 0 else None for i, t in enumerate(topics)]
    path = folder / name
    pd.DataFrame({"id": range(rows), "text": texts, "topic": labels}).to_csv(path, index=False)
    return path


def embedded(workflow: Workflow, path: Path) -> str:
    """Input → Text Encoding → Text Embedding (GloVe) added to `workflow`; the embedder's id."""
    source = workflow.add_node("input", settings={"path": str(path), "feature": "text"})
    encoder = workflow.add_node("text_encoding")
    embedder = workflow.add_node("text_embedding")
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return embedder.id


def prediction_workflow(tmp_path: Path, rows: int, method: str = "kmeans", labelled_every: int = 1,
                        test_rows: int = 0) -> tuple[Workflow, str, str]:
    """Embedded texts → Clustering and → Classifier (with a test input of `test_rows` when given)."""
    workflow = Workflow(default_registry())
    data = embedded(workflow, write_corpus(tmp_path, rows, labelled_every=labelled_every))
    clustering = workflow.add_node("clustering", settings={"method": method, "k": 3, "min_cluster_size": 5})
    classifier = workflow.add_node("classifier", settings={"label": "topic", "folds": 3})
    workflow.connect(data, "embeddings", clustering.id, "data")
    workflow.connect(data, "embeddings", classifier.id, "data")
    if test_rows:
        test = embedded(workflow, write_corpus(tmp_path, test_rows, name="test.csv"))
        workflow.connect(test, "embeddings", classifier.id, "test")
    return workflow, clustering.id, classifier.id


def gathered_note(result: Any) -> str:
    [note] = [m.message for m in result.messages if m.code == "gathered-from-cluster"]
    return note


@pytest.mark.parametrize("method", ["kmeans", "hdbscan"])
def test_within_the_gather_budget_the_cluster_gives_the_local_results(client: Any, tmp_path: Path,
                                                                      method: str) -> None:
    workflow, clustering, classifier = prediction_workflow(tmp_path, 150, method, test_rows=60)
    local = Engine(workflow).run()
    remote = Engine(workflow, executor=executor(client)).run()
    assert remote[clustering].state == NodeState.DONE, remote[clustering].error
    assert remote[classifier].state == NodeState.DONE, remote[classifier].error
    for node, port in ((clustering, "clustered"), (classifier, "predictions")):
        value = remote[node].outputs[port]
        assert isinstance(value, Partitioned) and len(value.parts) > 1  # predicted and kept on the workers
        expected = local[node].outputs[port]
        pd.testing.assert_frame_equal(value.gather().meta, expected.meta)  # exactly
        assert np.array_equal(value.gather().vectors, expected.vectors)
    for node, port in ((clustering, "clusters"), (classifier, "scores"), (classifier, "confusion")):
        pd.testing.assert_frame_equal(remote[node].outputs[port].meta, local[node].outputs[port].meta)
    assert "brought the vectors of 150 of 150 rows" in gathered_note(remote[clustering])
    assert "brought the 150 labelled rows of its data" in gathered_note(remote[classifier])


def test_cross_validated_predictions_on_the_cluster_equal_the_local_ones(client: Any, tmp_path: Path) -> None:
    workflow, _, classifier = prediction_workflow(tmp_path, 120, labelled_every=2)
    local = Engine(workflow).run()[classifier]
    remote = Engine(workflow, executor=executor(client)).run()[classifier]
    predictions = remote.outputs["predictions"]
    assert isinstance(predictions, Partitioned) and len(predictions.parts) > 1
    pd.testing.assert_frame_equal(predictions.gather().meta, local.outputs["predictions"].meta)
    pd.testing.assert_frame_equal(remote.outputs["scores"].meta, local.outputs["scores"].meta)
    assert "brought the 60 labelled rows of its data (of 120" in gathered_note(remote)
    assert [m.message for m in remote.messages if m.code == "missing-labels"] == \
        [m.message for m in local.messages if m.code == "missing-labels"]


def test_beyond_the_gather_budget_clustering_fits_a_sample_and_assigns_every_row(client: Any,
                                                                                tmp_path: Path) -> None:
    workflow, clustering, _ = prediction_workflow(tmp_path, 300)
    remote = Engine(workflow, executor=DaskExecutor(client, partition_bytes=2_000, gather_rows=60)).run()[clustering]
    assert remote.state == NodeState.DONE, remote.error
    [sampled] = [m.message for m in remote.messages if m.code == "clustering-sampled"]
    assert "random sample of 60 of 300 rows" in sampled
    assert "brought the vectors of 60 of 300 rows" in gathered_note(remote)
    clustered = remote.outputs["clustered"]
    assert isinstance(clustered, Partitioned) and len(clustered.parts) > 1  # the client holds no full table
    meta = clustered.gather().meta
    assert len(meta) == 300 and (meta["cluster"] >= 0).all()  # every row assigned, not only the sample
    clusters = remote.outputs["clusters"].meta
    assert clusters["size"].sum() == 300 and clusters["size"].is_monotonic_decreasing
    assert (meta.groupby("cluster")["topic"].nunique() == 1).all()  # the topics, found from a fifth of the rows
    names = dict(zip(clusters["cluster"], clusters["cluster_label"]))
    assert meta["cluster_label"].tolist() == [names[c] for c in meta["cluster"]]


def test_cli_on_a_local_cluster_writes_prediction_folders_equal_to_the_local_run(tmp_path: Path) -> None:
    workflow, clustering, classifier = prediction_workflow(tmp_path, 90, test_rows=30)
    path = tmp_path / "flow.embedflow"
    write_workflow(workflow, path)
    assert main(["run", str(path), "--format", "parquet", "--out", str(tmp_path / "local")]) == 0
    assert main(["run", str(path), "--cluster", "local:2", "--format", "parquet", "--out", str(tmp_path / "cl")]) == 0
    for name in (f"{clustering}-clustered", f"{classifier}-predictions", f"{clustering}-clusters",
                 f"{classifier}-scores"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cl" / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "local" / f"{name}.parquet"))
    assert (tmp_path / "cl" / f"{clustering}-clustered.parquet").is_dir()  # written by the workers, part by part
    assert (tmp_path / "cl" / f"{classifier}-predictions.parquet").is_dir()
