"""`embedflow run` and `embedflow validate` with groups: exposed outputs, inner outputs under paths, path names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from embedflow.api import write_workflow
from embedflow.cli import main
from embedflow.core.workflow import Workflow
from embedflow.grouping import group_nodes
from embedflow.registry import default_registry


def grouped(tmp_path: Path, flat: bool = False) -> Path:
    """Input → [Text Encoding → Text Embedding as "Embed words", g1] → Nearest Neighbours, saved."""
    pd.DataFrame({"text": ["the king and the queen", "a cat and a dog", "paris and rome"]}).to_csv(
        tmp_path / "docs.csv", index=False)
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": str(tmp_path / "docs.csv"), "feature": "text"}, node_id="n1")
    workflow.add_node("text_encoding", node_id="e")
    workflow.add_node("text_embedding", node_id="m")
    workflow.add_node("nearest_neighbours", settings={"k": 1}, node_id="n4")
    workflow.connect("n1", "data", "e", "data")
    workflow.connect("e", "encoded", "m", "encoded")
    workflow.connect("m", "embeddings", "n4", "data")
    if not flat:
        group_nodes(workflow, ["e", "m"], "Embed words", "g1")
    path = tmp_path / ("flat.embedflow" if flat else "grouped.embedflow")
    write_workflow(workflow, path)
    return path


def test_exposed_outputs_are_written_under_the_group_id_and_inner_ones_under_their_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(grouped(tmp_path)), "--out", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == [
        "g1-embeddings.csv", "g1/e-encoded.csv", "g1/m-embeddings.csv", "n1-data.csv", "n4-neighbours.csv"]
    assert main(["run", str(grouped(tmp_path, flat=True)), "--out", str(tmp_path / "flat")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "g1-embeddings.csv"),
                                  pd.read_csv(tmp_path / "flat" / "m-embeddings.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "n4-neighbours.csv"),
                                  pd.read_csv(tmp_path / "flat" / "n4-neighbours.csv"))


def test_final_outputs_leave_the_blocks_inside_groups_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(grouped(tmp_path)), "--out", str(out), "--outputs", "final"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["n4-neighbours.csv"]


def test_an_inner_output_can_be_chosen_by_its_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(grouped(tmp_path)), "--out", str(out), "--outputs", "g1/m.embeddings,g1"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == [
        "g1-embeddings.csv", "g1/m-embeddings.csv"]


def test_validate_names_a_block_inside_a_group_by_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = grouped(tmp_path)
    text = path.read_text(encoding="utf-8").replace('"pooling": "mean"', '"pooling": "nonsense"', 1)
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert "g1/m: error invalid-setting" in capsys.readouterr().out


def test_a_scatter_inside_a_group_draws_its_map_under_its_path(tmp_path: Path) -> None:
    pd.DataFrame({"text": ["the king", "a cat", "paris", "rome", "a dog"]}).to_csv(tmp_path / "docs.csv", index=False)
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": str(tmp_path / "docs.csv"), "feature": "text"}, node_id="n1")
    workflow.add_node("text_encoding", node_id="e")
    workflow.add_node("text_embedding", node_id="m")
    workflow.add_node("scatter", settings={"projection": "pca"}, node_id="s")
    workflow.connect("n1", "data", "e", "data")
    workflow.connect("e", "encoded", "m", "encoded")
    workflow.connect("m", "embeddings", "s", "data")
    group_nodes(workflow, ["e", "m", "s"], "Embed and map", "g1")
    write_workflow(workflow, tmp_path / "map.embedflow")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "map.embedflow"), "--out", str(out)]) == 0
    assert (out / "g1" / "s.png").stat().st_size > 0
    page = (out / "g1" / "s.html").read_text(encoding="utf-8")
    assert "<h1>map › Embed and map — Scatter</h1>" in page  # the workflow, the group, the block
