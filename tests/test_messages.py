"""User-facing run messages name blocks by the titles users see on the canvas."""

from __future__ import annotations

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry


def test_a_blocked_block_names_the_upstream_block_by_its_title(tmp_path):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", title="My reviews", settings={"path": str(tmp_path / "missing.csv")})
    encoding = workflow.add_node("text_encoding")
    workflow.connect(source.id, "data", encoding.id, "data")
    result = Engine(workflow).run()[encoding.id]
    assert result.state == "blocked"
    assert result.error.startswith("waits for “My reviews”, which did not finish")


def test_paths_relative_to_the_workflow_are_shown_without_dot_dot(tmp_path):
    from embedflow.validation import validate

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "words.csv").write_text("word\nking\n", encoding="utf-8")
    (tmp_path / "examples").mkdir()
    workflow = Workflow(default_registry())
    found = workflow.add_node("input", settings={"path": "../data/words.csv"})
    missing = workflow.add_node("input", settings={"path": "../data/gone.csv"})
    base = str(tmp_path / "examples")
    table = Engine(workflow, base).run()[found.id].outputs["data"]
    assert table.provenance["source"] == str(tmp_path / "data" / "words.csv")
    message = next(d.message for d in validate(workflow, base) if d.node_id == missing.id)
    assert str(tmp_path / "data" / "gone.csv") in message and ".." not in message


def test_a_table_summary_names_the_first_columns_and_counts_the_rest():
    import pandas as pd

    from embedflow.core.table import Table

    table = Table(pd.DataFrame({f"c{i}": [1] for i in range(40)}))
    assert table.summary() == "1 row; columns: " + ", ".join(f"c{i}" for i in range(12)) + " and 28 more"


def test_a_first_headless_run_warns_when_image_embedding_gets_a_text_column(tmp_path):
    (tmp_path / "words.csv").write_text("text\nking\nqueen\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "words.csv")})
    node = workflow.add_node("image_embedding")
    workflow.connect(source.id, "data", node.id, "data")
    result = Engine(workflow).run()[node.id]
    assert "feature-not-image" in [message.code for message in result.messages]


def test_one_candidate_row_is_counted_in_the_singular(tmp_path):
    (tmp_path / "two.csv").write_text("text\nking\nqueen\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "two.csv")})
    encoding = workflow.add_node("text_encoding")
    embedding = workflow.add_node("text_embedding")
    neighbours = workflow.add_node("nearest_neighbours", settings={"k": 5})
    workflow.connect(source.id, "data", encoding.id, "data")
    workflow.connect(encoding.id, "encoded", embedding.id, "encoded")
    workflow.connect(embedding.id, "embeddings", neighbours.id, "data")
    [warning] = [m for m in Engine(workflow).run()[neighbours.id].messages if m.code == "k-larger-than-rows"]
    assert "there is only 1 row to choose from, so each query gets 1 neighbour." in warning.message
