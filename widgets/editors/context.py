"""What an editor sees of its block: settings, results, inputs, and a way to change settings (undoably)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PyQt5.QtCore import QObject, pyqtSignal

from embedflow.core.diagnostics import Diagnostic, ValidationContext
from embedflow.core.specs import NodeSpec, OutputDescription, node_spec
from embedflow.core.workflow import Node, WorkflowEvent
from embedflow.engine import NodeResult
from embedflow.registry import Registry

if TYPE_CHECKING:
    from ..document.document import WorkflowDocument
    from ..run_controller import RunController


class EditorContext(QObject):
    """The bridge between one block and its editor.

    Signals: settingsChanged(dict of effective settings) after any change (including undo);
    resultChanged() when the run state of the block or of a block feeding it changes (not on each
    progress tick); diagnosticsChanged(list); titleChanged(str); removed() when the block is deleted.
    """

    settingsChanged = pyqtSignal(dict)
    resultChanged = pyqtSignal()
    diagnosticsChanged = pyqtSignal(list)
    titleChanged = pyqtSignal(str)
    removed = pyqtSignal()

    def __init__(self, document: WorkflowDocument, runs: RunController, node_id: str,
                 parent: QObject | None = None, crumbs: list[str] | None = None) -> None:
        super().__init__(parent)
        self.document = document
        # The titles on the way to the block's canvas: ["Main"], or ["Main", "Embed words"] inside a group.
        self.crumbs = crumbs or ["Main"]
        self.runs = runs
        self.node_id = node_id
        self._diagnostics: list[Diagnostic] = []
        self._last_states: dict[str, str] = {}
        self._unsubscribe: Callable[[], None] = document.workflow.subscribe(self._on_event)
        runs.nodeStateChanged.connect(self._on_state)

    # -- the block ------------------------------------------------------------------------
    @property
    def node(self) -> Node:
        """The block's model node."""
        return self.document.workflow.nodes[self.node_id]

    @property
    def registry(self) -> Registry:
        """The block types and editors of the canvas this block is on."""
        return self.document.registry

    @property
    def spec(self) -> NodeSpec | None:
        """The block's spec (None for unknown types); a group's has its promoted settings."""
        return node_spec(self.registry, self.node.type, self.node.settings)

    @property
    def base_dir(self) -> str | None:
        """The workflow's folder (relative paths are resolved against it)."""
        return self.document.base_dir

    def settings(self) -> dict[str, Any]:
        """Effective settings: defaults overlaid with what is stored."""
        spec = self.spec
        return spec.resolve_settings(self.node.settings) if spec else dict(self.node.settings)

    def apply(self, changes: dict[str, Any], merge: bool = False) -> None:
        """Change settings through the undo stack, one step each (auto-run re-runs what they affect).

        `merge`: a step of a change still being made (a spin box stepped click by click) joins the step before."""
        self.document.update_settings(self.node_id, changes, merge)

    # -- data ---------------------------------------------------------------------------------
    def result(self) -> NodeResult | None:
        """The block's latest run result."""
        return self.runs.result(self.node_id)

    def output(self, port: str) -> Any:
        """The block's last computed value on output `port`, or None."""
        result = self.result()
        return result.outputs.get(port) if result is not None and result.state == "done" else None

    def view(self) -> Any:
        """The block's last view data (e.g. the Scatter's projected points), or None."""
        result = self.result()
        return result.view if result is not None and result.state == "done" else None

    def input(self, port: str) -> Any:
        """The value arriving on input `port` (the upstream block's last output), or None."""
        upstream = self.document.workflow.upstream_of(self.node_id, port)
        if upstream is None:
            return None
        result = self.runs.result(upstream[0].id)
        return result.outputs.get(upstream[1]) if result is not None and result.state == "done" else None

    def describe_input(self, port: str) -> OutputDescription | None:
        """What feeds input `port` says it holds (its block's describes_output), or None."""
        workflow = self.document.workflow
        upstream = workflow.upstream_of(self.node_id, port)
        if upstream is None:
            return None
        return ValidationContext(workflow, workflow.specs, self.base_dir).describe(*upstream)

    def columns(self) -> list[str]:
        """Metadata column names available to this block: from its inputs, else from its own outputs."""
        spec = self.spec
        values = [self.input(p.name) for p in spec.inputs] if spec else []
        if not any(v is not None for v in values) and spec:
            values = [self.output(p.name) for p in spec.outputs]
        for value in values:
            table = getattr(value, "table", value)  # EncodedText carries its source table
            if hasattr(table, "columns") and isinstance(table.columns, list):
                return table.columns
        return []

    def diagnostics(self) -> list[Diagnostic]:
        """Validation findings and run messages about this block."""
        result = self.result()
        return self._diagnostics + (list(result.messages) if result is not None else [])

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Called by the window after each validation."""
        inside = self.node_id + "/"  # a group's window lists what is wrong with the blocks inside it too
        mine = [d for d in diagnostics if d.node_id == self.node_id or (d.node_id or "").startswith(inside)]
        if mine != self._diagnostics:
            self._diagnostics = mine
            self.diagnosticsChanged.emit(self.diagnostics())

    def close(self) -> None:
        """Stop following the model and the runs (a closed editor listens to nothing)."""
        self._unsubscribe()
        try:
            self.runs.nodeStateChanged.disconnect(self._on_state)
        except TypeError:  # already closed
            pass

    # -- events ---------------------------------------------------------------------------------
    def _on_event(self, event: WorkflowEvent) -> None:
        item = event.item
        if getattr(item, "id", None) != self.node_id:
            return
        if event.kind == "settings-changed":
            self.settingsChanged.emit(self.settings())
        elif event.kind == "title-changed":
            self.titleChanged.emit(item.title)
        elif event.kind == "node-removed":
            self.removed.emit()

    def _on_state(self, node_id: str) -> None:
        if node_id != self.node_id and node_id not in self._upstream():
            return
        # Progress ticks of a running block are not a new result: editors redraw on state changes only.
        state = self.runs.state(node_id).state
        if self._last_states.get(node_id) != state or state != "running":
            self._last_states[node_id] = state
            self.resultChanged.emit()

    def _upstream(self) -> set[str]:
        return {link.source for link in self.document.workflow.links_into(self.node_id)}
