"""A workflow with a group runs on a real two-worker Dask cluster as it runs locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("distributed")

from embedflow.core.context import NodeState
from embedflow.engine import Engine
from embedflow.engine.partitions import Partitioned
from embedflow.grouping import group_nodes
from tests.dask_support import executor
from tests.text_support import text_workflow, write_csv


def test_a_grouped_text_embedding_on_the_cluster_equals_the_local_run(client: Any, tmp_path: Path) -> None:
    texts = [f"the cat sat on the mat {i}" if i % 2 else f"stars and planets {i}" for i in range(60)]
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, texts))
    neighbours = workflow.add_node("nearest_neighbours", settings={"k": 4}).id
    workflow.connect(embedder, "embeddings", neighbours, "data")
    group_nodes(workflow, [encoder, embedder], "Embed words", "g1")
    local = Engine(workflow).run()
    remote = Engine(workflow, executor=executor(client)).run()
    assert all(result.state == NodeState.DONE for result in remote.values()), remote
    embeddings = remote["g1"].outputs["embeddings"]
    assert isinstance(embeddings, Partitioned) and len(embeddings.parts) > 1
    assert np.array_equal(embeddings.gather().vectors, local["g1"].outputs["embeddings"].vectors)
    assert set(remote) == set(local) == {"n1", f"g1/{encoder}", f"g1/{embedder}", neighbours, "g1"}
    assert remote[neighbours].outputs["neighbours"].gather().meta["neighbour_row"].tolist() == \
        local[neighbours].outputs["neighbours"].meta["neighbour_row"].tolist()
