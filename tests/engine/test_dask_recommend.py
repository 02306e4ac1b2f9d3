"""Recommend on a real two-worker Dask cluster: each partition of users scored on a worker, as locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from embedflow.core.context import NodeState  # noqa: E402
from embedflow.core.workflow import Workflow  # noqa: E402
from embedflow.engine import Engine  # noqa: E402
from embedflow.engine.partitions import Partitioned  # noqa: E402
from embedflow.io import resources  # noqa: E402
from embedflow.registry import default_registry  # noqa: E402
from tests.dask_support import executor  # noqa: E402

COLUMNS = {"user": "tailnum", "item": "dest", "weight": "flights", "order": "first_flight"}


def test_recommendations_on_the_cluster_equal_the_local_ones(client: Any, tmp_path: Path) -> None:
    frame = pd.read_csv(resources.resource("data", "plane-destinations.csv")).head(2_000)
    frame.to_csv(tmp_path / "planes.csv", index=False)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "planes.csv")})
    embed = workflow.add_node("item_embedding", settings={**COLUMNS, "dimensions": 16})
    advise = workflow.add_node("recommend", settings={**COLUMNS, "k": 5})
    workflow.connect(source.id, "data", embed.id, "interactions")
    workflow.connect(embed.id, "items", advise.id, "items")
    workflow.connect(source.id, "data", advise.id, "interactions")
    local = Engine(workflow).run()[advise.id]
    remote = Engine(workflow, executor=executor(client, partition_bytes=20_000)).run()[advise.id]
    assert remote.state == NodeState.DONE, remote.error
    recommendations = remote.outputs["recommendations"]
    assert isinstance(recommendations, Partitioned) and len(recommendations.parts) > 1
    pd.testing.assert_frame_equal(recommendations.gather().meta, local.outputs["recommendations"].meta)
    pd.testing.assert_frame_equal(remote.outputs["evaluation"].meta, local.outputs["evaluation"].meta)
    assert any(m.code == "gathered-from-cluster" for m in remote.messages)


def test_partitioned_item_vectors_are_brought_together_for_the_profiles(client: Any, tmp_path: Path) -> None:
    corpus = pd.read_csv(resources.resource("data", "corpus.csv"))
    corpus.to_csv(tmp_path / "corpus.csv", index=False)
    readers = [(f"reader-{topic}", text) for topic, group in corpus.groupby("topic") for text in group["text"][:5]]
    pd.DataFrame(readers, columns=["reader", "text"]).to_csv(tmp_path / "reads.csv", index=False)
    workflow = Workflow(default_registry())
    sentences = workflow.add_node("input", settings={"path": str(tmp_path / "corpus.csv"), "feature": "text"})
    encode = workflow.add_node("text_encoding")
    embed = workflow.add_node("text_embedding")
    reads = workflow.add_node("input", settings={"path": str(tmp_path / "reads.csv")})
    advise = workflow.add_node("recommend", settings={"user": "reader", "item": "text", "k": 5})
    workflow.connect(sentences.id, "data", encode.id, "data")
    workflow.connect(encode.id, "encoded", embed.id, "encoded")
    workflow.connect(embed.id, "embeddings", advise.id, "items")
    workflow.connect(reads.id, "data", advise.id, "interactions")
    local = Engine(workflow).run()[advise.id]
    results = Engine(workflow, executor=executor(client, partition_bytes=3_000)).run()
    remote = results[advise.id]
    assert remote.state == NodeState.DONE, remote.error
    items = results[embed.id].outputs["embeddings"]
    assert isinstance(items, Partitioned) and len(items.parts) > 1
    recommendations = remote.outputs["recommendations"]
    assert isinstance(recommendations, Partitioned)
    pd.testing.assert_frame_equal(recommendations.gather().meta, local.outputs["recommendations"].meta)
