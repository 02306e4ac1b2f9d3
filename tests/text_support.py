"""Helpers for the text tests: small CSV files and Input → Text Encoding → Text Embedding workflows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine, NodeResult
from embedflow.registry import default_registry


def write_csv(folder: Path, texts: list[Any], name: str = "texts.csv", column: str = "text") -> Path:
    """A CSV with one column of texts (and an id column) in `folder`."""
    path = folder / name
    pd.DataFrame({"id": range(len(texts)), column: texts}).to_csv(path, index=False)
    return path


def text_workflow(path: Path, encoding: dict[str, Any] | None = None, embedding: dict[str, Any] | None = None,
                  feature: str = "text") -> tuple[Workflow, str, str, str]:
    """Input → Text Encoding → Text Embedding; returns the workflow and the three node ids."""
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path), "feature": feature, "format": "auto"})
    encoder = workflow.add_node("text_encoding")
    embedder = workflow.add_node("text_embedding")
    workflow.update_settings(encoder.id, encoding or {})
    workflow.update_settings(embedder.id, embedding or {})
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return workflow, source.id, encoder.id, embedder.id


def run_all(workflow: Workflow) -> dict[str, NodeResult]:
    """Run every node of the workflow on this thread."""
    return Engine(workflow).run()
