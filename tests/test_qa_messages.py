"""User-facing run messages name blocks by the titles users see on the canvas."""

from __future__ import annotations

from embedflow.engine import Engine
from embedflow.workflow import Workflow


def test_a_blocked_block_names_the_upstream_block_by_its_title(tmp_path):
    workflow = Workflow()
    source = workflow.add_node("input", title="My reviews", settings={"path": str(tmp_path / "missing.csv")})
    encoding = workflow.add_node("text_encoding")
    workflow.connect(source.id, "data", encoding.id, "data")
    result = Engine(workflow).run()[encoding.id]
    assert result.state == "blocked"
    assert "comes from “My reviews”, which did not finish" in result.error
