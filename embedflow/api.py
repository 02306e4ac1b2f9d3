"""The stable surface of embedflow for scripts and add-ons; everything not listed in `__all__` may move.

Write a block: a `NodeSpec` with `Port`s and `Setting`s and a run function that gets a `NodeContext`
(`ctx.inputs`, `ctx.settings`) and returns its outputs by port name; hand it to `register`. An add-on
package names the module that does this in its `embedflow.blocks` entry point (see docs/api.md).
Run a workflow from a script: `run_workflow("reviews.embedflow")` returns every node's outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .core.context import NodeContext
from .core.diagnostics import Diagnostic, ValidationContext, error, warning
from .core.errors import EmbedflowError, NodeError
from .core.ports import EMBEDDINGS, ENCODED_TEXT, NEIGHBOURS, TABLE, PortType
from .core.specs import Execution, NodeSpec, OutputDescription, Port, RowWise, Setting, SettingKind, SpecSource
from .core.table import EncodedText, Table
from .core.workflow import Node, Workflow
from .engine import Engine
from .groups import titles
from .io import workflow_file
from .io.workflow_file import write_workflow
from .registry import default_registry, register
from .validation import validate

__all__ = [
    # writing a block
    "NodeSpec", "Port", "Setting", "SettingKind", "register", "NodeContext", "NodeError",
    "OutputDescription", "ValidationContext", "Node", "Diagnostic", "error", "warning", "Execution", "RowWise",
    # what travels on links
    "PortType", "TABLE", "EMBEDDINGS", "ENCODED_TEXT", "NEIGHBOURS", "Table", "EncodedText",
    # workflows from scripts
    "Workflow", "new_workflow", "read_workflow", "write_workflow", "validate_workflow", "run_workflow",
    "WorkflowRunError",
]


class WorkflowRunError(EmbedflowError):
    """A headless run that did not finish: its message names the nodes and says why.

    diagnostics: the validation errors that stopped the run before it started (else empty).
    failed: node id -> why that node did not finish (failed, refused, blocked or cancelled).
    outputs: the outputs of the nodes that did finish.
    """

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None,
                 failed: dict[str, str] | None = None,
                 outputs: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.failed = failed or {}
        self.outputs = outputs or {}


def new_workflow() -> Workflow:
    """An empty workflow that knows every installed block type."""
    return Workflow(default_registry())


def read_workflow(path: str | os.PathLike[str],
                  specs: SpecSource | None = None) -> tuple[Workflow, list[Diagnostic]]:
    """Load a workflow file with every installed block type (or those of `specs`): (workflow, diagnostics).

    Never crashes on a bad file: raises a clear error, or loads with diagnostics."""
    return workflow_file.read_workflow(path, specs if specs is not None else default_registry())


def validate_workflow(workflow_or_path: Workflow | str | os.PathLike[str],
                      base_dir: str | os.PathLike[str] | None = None) -> list[Diagnostic]:
    """Every diagnostic `embedflow validate` would print (for a path: the file's own findings first).

    Relative data paths resolve against `base_dir`, by default the file's folder (for a Workflow
    object: the current folder).
    """
    workflow, found, folder = _load(workflow_or_path, base_dir)
    return found + validate(workflow, str(folder))


def run_workflow(workflow_or_path: Workflow | str | os.PathLike[str],
                 base_dir: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    """Validate, then run a workflow headless; returns {node id: {output port: value}} for every node.

    A group's exposed outputs are under its id, each block inside it under its path (`g1/m`).

    A path is read with `read_workflow`; relative data paths resolve against `base_dir`, which
    defaults to the file's folder (for a Workflow object: the current folder). Raises
    WorkflowRunError naming the nodes when validation finds an error (nothing runs then) or
    when any node does not finish; warnings do not stop a run.
    """
    workflow, found, folder = _load(workflow_or_path, base_dir)
    errors = [d for d in found + validate(workflow, str(folder)) if d.severity == "error"]
    if errors:
        lines = "\n".join(d.line() for d in errors)
        raise WorkflowRunError(f"The workflow has errors; nothing was run:\n{lines}", diagnostics=errors)
    results = Engine(workflow, str(folder)).run()
    outputs = {node_id: dict(result.outputs) for node_id, result in results.items() if result.state == "done"}
    failed = {node_id: f"{result.state}: {result.error}" for node_id, result in results.items()
              if result.state != "done"}
    if failed:
        named = titles(workflow)  # blocks inside groups by their paths (g1/m)
        lines = "\n".join(f"{node_id} ({named.get(node_id, node_id)}): {why}" for node_id, why in failed.items())
        raise WorkflowRunError(f"{len(failed)} node(s) did not finish:\n{lines}", failed=failed, outputs=outputs)
    return outputs


def _load(workflow_or_path: Workflow | str | os.PathLike[str],
          base_dir: str | os.PathLike[str] | None) -> tuple[Workflow, list[Diagnostic], Path]:
    """(workflow, the file's diagnostics, the folder data paths are relative to)."""
    if isinstance(workflow_or_path, Workflow):
        return workflow_or_path, [], Path(base_dir) if base_dir is not None else Path.cwd()
    path = Path(workflow_or_path)
    workflow, found = read_workflow(path)
    return workflow, found, Path(base_dir) if base_dir is not None else path.resolve().parent
