"""`embedflow run` writes a node's outputs as soon as it is done, while the nodes after it still run."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from embedflow.cli import main
from embedflow.core.ports import TABLE
from embedflow.core.specs import NodeSpec, Port
from embedflow.core.table import Table
from embedflow.registry import default_registry

WAIT_TYPE = "t_wait_for_upstream_file"


def _wait_for_upstream_file(ctx) -> dict[str, Any]:
    """Finishes once the Input's CSV is on disk: it never does if outputs are written only after the run."""
    path = Path(ctx.base_dir) / "out" / "n1-data.csv"
    deadline = time.monotonic() + 60  # a safety net against a hang, not a measurement
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"data": Table(pd.DataFrame({"upstream_written": [path.exists()]}))}


@pytest.fixture
def waiting_block():
    default_registry().register(NodeSpec(
        type=WAIT_TYPE, title="Wait", category="Data", description="waits for n1's file", icon="input",
        inputs=(Port("data", TABLE),), outputs=(Port("data", TABLE),), settings=(), run=_wait_for_upstream_file))
    yield
    default_registry().unregister(WAIT_TYPE)


def test_an_upstream_output_is_on_disk_before_the_next_node_finishes(tmp_path: Path, waiting_block):
    pd.DataFrame({"text": ["hello world"]}).to_csv(tmp_path / "one.csv", index=False)
    nodes = [{"id": "n1", "type": "input", "title": "In", "position": [0, 0],
              "settings": {"path": "one.csv", "feature": "text"}},
             {"id": "n2", "type": WAIT_TYPE, "title": "Wait", "position": [1, 0], "settings": {}}]
    links = [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}]
    workflow = tmp_path / "flow.embedflow"
    workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes, "links": links,
                                    "annotations": []}))
    assert main(["run", str(workflow), "--out", str(tmp_path / "out")]) == 0
    assert pd.read_csv(tmp_path / "out" / "n2-data.csv")["upstream_written"].tolist() == [True]
