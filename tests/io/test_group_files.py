"""Groups in `.embedflow` files: write → read → write is identical, inner data paths stay portable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedflow.api import read_workflow, write_workflow
from embedflow.core.workflow import Workflow
from embedflow.grouping import group_nodes
from embedflow.io.workflow_file import dumps
from embedflow.registry import default_registry


def embed_words(tmp_path: Path) -> Workflow:
    """Input → [Text Encoding → Text Embedding] → Nearest Neighbours, the middle folded into g1."""
    pd.DataFrame({"text": ["a cat", "a dog"]}).to_csv(tmp_path / "docs.csv", index=False)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "docs.csv"), "feature": "text"})
    encoder, embedder = workflow.add_node("text_encoding"), workflow.add_node("text_embedding")
    neighbours = workflow.add_node("nearest_neighbours")
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    workflow.connect(embedder.id, "embeddings", neighbours.id, "data")
    group_nodes(workflow, [source.id, encoder.id, embedder.id], "Embed words", "g1")
    return workflow


def test_write_read_write_is_identical_and_the_group_keeps_its_ports(tmp_path: Path) -> None:
    path = tmp_path / "grouped.embedflow"
    write_workflow(embed_words(tmp_path), path)
    first = path.read_text(encoding="utf-8")
    workflow, diagnostics = read_workflow(path)
    assert diagnostics == []
    write_workflow(workflow, path)
    assert path.read_text(encoding="utf-8") == first
    spec = workflow.spec_of(workflow.nodes["g1"])
    assert spec is not None and [p.name for p in spec.outputs] == ["embeddings"] and spec.inputs == ()
    assert [(link.source, link.source_port) for link in workflow.links.values()] == [("g1", "embeddings")]


def test_a_data_path_inside_a_group_is_saved_relative_to_the_workflow(tmp_path: Path) -> None:
    text = dumps(embed_words(tmp_path), tmp_path)
    assert '"path": "docs.csv"' in text and str(tmp_path) not in text

