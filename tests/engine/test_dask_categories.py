"""Category Embedding on a real two-worker Dask cluster: fitted on the rows brought here, each partition
embedded where it lives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
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


def category_workflow(tmp_path: Path, rows: int) -> tuple[Workflow, str]:
    frame = pd.read_csv(resources.resource("data", "flights-delays-train.csv")).head(rows)
    frame.to_csv(tmp_path / "flights.csv", index=False)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "flights.csv")})
    block = workflow.add_node("category_embedding", settings={"columns": ["carrier", "origin", "dest"],
                                                              "target": "delayed"})
    workflow.connect(source.id, "data", block.id, "data")
    return workflow, block.id


def test_on_the_cluster_the_rows_are_embedded_per_partition_as_locally(client: Any, tmp_path: Path) -> None:
    workflow, block = category_workflow(tmp_path, 400)
    local = Engine(workflow).run()[block]
    remote = Engine(workflow, executor=executor(client, partition_bytes=4_000)).run()[block]
    assert remote.state == NodeState.DONE, remote.error
    embeddings = remote.outputs["embeddings"]
    assert isinstance(embeddings, Partitioned) and len(embeddings.parts) > 1
    whole = embeddings.gather()
    pd.testing.assert_frame_equal(whole.meta, local.outputs["embeddings"].meta)
    np.testing.assert_allclose(whole.vectors, local.outputs["embeddings"].vectors, atol=1e-5)
    pd.testing.assert_frame_equal(remote.outputs["categories"].meta, local.outputs["categories"].meta)
    [note] = [m.message for m in remote.messages if m.code == "gathered-from-cluster"]
    assert "brought 400 of 400 rows here to fit on" in note
