"""`embedflow run` calls a block's `export` hook: with the workflow's name when the hook takes it, else as before."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from embedflow.cli import main
from embedflow.core.ports import TABLE
from embedflow.core.specs import ExportFunction, NodeSpec, Port
from embedflow.registry import default_registry

EXPORT_TYPE = "t_exports_a_note"


def export_without_name(outputs: Mapping[str, Any], view: Any, out_dir: str, node_id: str) -> list[str]:
    """An add-on's hook written before the `workflow` keyword: four arguments only."""
    path = Path(out_dir) / f"{node_id}.txt"
    path.write_text("no name", encoding="utf-8")
    return [str(path)]


def export_with_name(outputs: Mapping[str, Any], view: Any, out_dir: str, node_id: str, *,
                     workflow: str = "") -> list[str]:
    """A hook that takes the workflow's name."""
    path = Path(out_dir) / f"{node_id}.txt"
    path.write_text(workflow, encoding="utf-8")
    return [str(path)]


def exporting_block(export: ExportFunction) -> Iterator[None]:
    default_registry().register(NodeSpec(
        type=EXPORT_TYPE, title="Note", category="Data", description="writes a note", icon="input",
        inputs=(Port("data", TABLE),), outputs=(), settings=(), run=lambda ctx: {}, export=export))
    yield
    default_registry().unregister(EXPORT_TYPE)


@pytest.fixture
def old_hook() -> Iterator[None]:
    yield from exporting_block(export_without_name)


@pytest.fixture
def named_hook() -> Iterator[None]:
    yield from exporting_block(export_with_name)


def run_lessons(tmp_path: Path) -> Path:
    """Run `lessons.embedflow` (Input → the exporting block); the output folder."""
    pd.DataFrame({"text": ["hello world"]}).to_csv(tmp_path / "one.csv", index=False)
    nodes = [{"id": "n1", "type": "input", "title": "In", "position": [0, 0],
              "settings": {"path": "one.csv", "feature": "text"}},
             {"id": "n2", "type": EXPORT_TYPE, "title": "Note", "position": [1, 0], "settings": {}}]
    links = [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}]
    workflow = tmp_path / "lessons.embedflow"
    workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes, "links": links,
                                    "annotations": []}))
    assert main(["run", str(workflow), "--out", str(tmp_path / "out")]) == 0
    return tmp_path / "out"


def test_a_hook_that_takes_the_workflow_keyword_gets_the_file_stem(tmp_path: Path, named_hook: None) -> None:
    assert (run_lessons(tmp_path) / "n2.txt").read_text(encoding="utf-8") == "lessons"


def test_an_add_on_hook_with_four_arguments_still_runs(tmp_path: Path, old_hook: None) -> None:
    assert (run_lessons(tmp_path) / "n2.txt").read_text(encoding="utf-8") == "no name"
