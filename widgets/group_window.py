"""A group opened in a window of its own: a breadcrumb, an editable canvas of its blocks, its exposed ports.

The group's settings stay the truth: every edit inside is written back to the group node as one step
of the outer workflow's history, and an outer change (undo) redraws the inside. Validation and runs are
the outer workflow's, read under the group's path (`g1/m` is `m` here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from PyQt5.QtCore import QObject, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFontMetricsF, QKeySequence, QPainter, QPen
from PyQt5.QtWidgets import QAction, QGraphicsView, QLabel, QVBoxLayout, QWidget

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.workflow import Workflow, WorkflowEvent
from embedflow.engine import NodeResult
from embedflow.grouping import annotation_entry, link_entry, node_entry
from embedflow.groups import STRUCTURE
from embedflow.io.workflow_file import build_workflow
from embedflow.validation import validate

from .document.document import WorkflowDocument
from .run_controller import NodeState, RunController

SEPARATOR = " › "
MARKER_COLOR = QColor("#1565C0")
MARKER_MARGIN = 6.0  # view pixels between a marker and the view's edge
MARKER_PADDING = 4.0


@dataclass(frozen=True)
class EdgeMarker:
    """An exposed port of the group: its name, its side (inputs left, outputs right) and the inner port it names."""

    name: str
    kind: Literal["in", "out"]
    node: str
    port: str

    @property
    def text(self) -> str:
        """The marker's label, its arrow pointing into the group for inputs and out of it for outputs."""
        return f"▶ {self.name}" if self.kind == "in" else f"{self.name} ▶"


@dataclass(frozen=True)
class MarkerPlace:
    """Where a marker is drawn, in view pixels: its label box at the edge and the inner port its line ends at."""

    marker: EdgeMarker
    box: QRectF
    target: QPointF


class GroupRuns(RunController):
    """The runs seen from inside a group: states and results of the outer runs under the group's path."""

    def __init__(self, outer: RunController, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.outer, self.prefix = outer, path + "/"
        self.auto_run = False
        outer.nodeStateChanged.connect(self._forward)

    def set_workflow(self, workflow: Workflow, base_dir: str | None) -> None:
        """The inside has no engine of its own: the outer workflow runs."""

    def state(self, node_id: str) -> NodeState:
        """The state of an inner block in the outer runs."""
        return self.outer.state(self.prefix + node_id)

    def result(self, node_id: str) -> NodeResult | None:
        """The result of an inner block in the outer runs."""
        return self.outer.result(self.prefix + node_id)

    def run(self, node_ids: list[str] | None = None) -> None:
        """Run the outer workflow up to these inner blocks (all of the group's when None)."""
        self.outer.run([self.prefix + node_id for node_id in node_ids] if node_ids is not None
                       else [self.prefix[:-1]])

    def cancel(self) -> None:
        """Cancel the outer run."""
        self.outer.cancel()

    def _forward(self, node_id: str) -> None:
        if node_id.startswith(self.prefix):
            self.nodeStateChanged.emit(node_id[len(self.prefix):])


class GroupWindow(QWidget):
    """Edits the inside of group `group_id` of the `outer` document, whose runs are `outer_runs`.

    root: the main document (validated whole, so exposed inputs count as linked); path: the group's
    path in it (`g1`, `g1/g2`); crumbs: the titles on the way in (`Main`, …). Signal closed().
    """

    closed = pyqtSignal()

    def __init__(self, outer: WorkflowDocument, outer_runs: RunController, group_id: str, root: WorkflowDocument,
                 path: str, crumbs: list[str], parent: QWidget | None = None) -> None:
        from .document.editor import WorkflowEditor

        super().__init__(parent, Qt.Window)
        self.outer, self.group_id, self.root, self.path = outer, group_id, root, path
        self.crumbs = [*crumbs, outer.workflow.nodes[group_id].title]
        self.breadcrumb = QLabel()
        self.breadcrumb.setObjectName("breadcrumb")
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #B71C1C;")
        self.runs = GroupRuns(outer_runs, group_id, self)
        self.editor = WorkflowEditor(self, outer.registry, runs=self.runs, root=root, path=path, crumbs=self.crumbs)
        self.markers: list[EdgeMarker] = []
        self.editor.view.overlay = self._paint_markers
        # The markers stay at the edges while the inside pans, so every repaint is whole, not scrolled pixels.
        self.editor.view.setViewportUpdateMode(QGraphicsView.FullViewportUpdate)
        self._writing = False
        self._loading = False
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(0)
        self._validate_timer.timeout.connect(self.revalidate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.breadcrumb)
        layout.addWidget(self.warning)
        layout.addWidget(self.editor, 1)
        self._unsubscribe_outer: Callable[[], None] = outer.workflow.subscribe(self._on_outer_event)
        self._unsubscribe_root: Callable[[], None] = root.workflow.subscribe(lambda _: self._validate_timer.start())
        self._unsubscribe_inner: Callable[[], None] = lambda: None
        self._add_shortcuts()
        self._show_crumbs()
        self._load()
        self.resize(900, 600)

    def _add_shortcuts(self) -> None:
        """The main canvas's editing keys, here on the blocks inside (undo steps back the edits made here)."""
        editor = self.editor
        stack = editor.document.undo_stack
        for keys, slot in (([QKeySequence.Undo], stack.undo), ([QKeySequence.Redo, "Ctrl+Y"], stack.redo),
                           ([QKeySequence.Delete, "Backspace"], editor.delete_selection),
                           ([QKeySequence.Copy], editor.copy), ([QKeySequence.Paste], editor.paste),
                           ([QKeySequence.Cut], editor.cut), (["Ctrl+D"], editor.duplicate),
                           ([QKeySequence.SelectAll], editor.select_all), (["F2"], editor.rename_selected),
                           (["Ctrl+G"], editor.group_selection), (["Ctrl+Shift+G"], editor.ungroup_selection)):
            action = QAction(self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    @property
    def workflow(self) -> Workflow:
        """The inner workflow being edited."""
        return self.editor.document.workflow

    def _show_crumbs(self) -> None:
        self.breadcrumb.setText(SEPARATOR.join(self.crumbs))
        self.setWindowTitle(SEPARATOR.join(self.crumbs))

    # -- the inside, from the group's settings and back ---------------------------------------------------
    def _load(self) -> None:
        """Build the inside afresh from the group's settings."""
        settings = self.outer.workflow.nodes[self.group_id].settings
        data = {key: settings[key] if isinstance(settings.get(key), list) else []
                for key in ("nodes", "links", "annotations")}
        inner, dropped = build_workflow(data, f"group {self.path}", self.outer.workflow.specs)
        left_out = [d for d in dropped if d.code in ("invalid-node", "dangling-link", "invalid-annotation")]
        shapes = [key for key in ("nodes", "links", "annotations") if key in settings
                  and not isinstance(settings[key], list)]
        self.warning.setText(
            "Parts of this group could not be read and are not shown: "
            + "; ".join([d.message for d in left_out] + [f"its {key} are not a list" for key in shapes])
            + " An edit here saves the group without them (undo brings them back)." if left_out or shapes else "")
        self.warning.setVisible(bool(left_out or shapes))
        self._unsubscribe_inner()
        self._loading = True
        try:
            self.editor.set_workflow(inner, self.root.path)
        finally:
            self._loading = False
        self._unsubscribe_inner = inner.subscribe(self._on_inner_event)
        self._draw_markers()
        self.revalidate()

    def _on_inner_event(self, event: WorkflowEvent) -> None:
        """Write the inside back into the group's settings (one step of the outer history)."""
        if self._loading or event.kind == "reset":
            return
        workflow, node = self.workflow, self.outer.workflow.nodes[self.group_id]
        kept = {key: [entry for entry in node.settings[key]
                      if not isinstance(entry, dict) or entry.get("node") in workflow.nodes]
                for key in ("inputs", "outputs") if isinstance(node.settings.get(key), list)}
        changes = {"nodes": [node_entry(n) for n in workflow.nodes.values()],
                   "links": [link_entry(link) for link in workflow.links.values()],
                   "annotations": [annotation_entry(a) for a in workflow.annotations.values()], **kept}
        self._writing = True
        try:
            self.outer.update_settings(self.group_id, changes)
        finally:
            self._writing = False
        self._draw_markers()

    def _on_outer_event(self, event: WorkflowEvent) -> None:
        if event.kind == "reset" or (event.kind == "node-removed" and event.item.id == self.group_id):
            self.close()
        elif getattr(event.item, "id", None) != self.group_id or self._writing:
            return
        elif event.kind == "settings-changed" and any(key in STRUCTURE for key in event.new or event.old):
            self._load()  # an undo, or an edit of the group from outside
        elif event.kind == "title-changed":
            self.crumbs[-1] = event.item.title
            self._show_crumbs()

    # -- what the window shows ------------------------------------------------------------------------
    def _draw_markers(self) -> None:
        """Read the exposed ports from the group's settings; they are drawn at the view's edges."""
        settings = self.outer.workflow.nodes[self.group_id].settings
        kinds: tuple[tuple[str, Literal["in", "out"]], ...] = (("inputs", "in"), ("outputs", "out"))
        entries = {key: value if isinstance(value := settings.get(key), list) else [] for key, _ in kinds}
        self.markers = [EdgeMarker(str(entry["name"]), kind, str(entry.get("node", "")), str(entry.get("port", "")))
                        for key, kind in kinds for entry in entries[key]
                        if isinstance(entry, dict) and "name" in entry]
        self.editor.view.viewport().update()

    def marker_places(self) -> list[MarkerPlace]:
        """Each marker whose inner port is shown: inputs at the view's left edge, outputs at its right, in pixels."""
        view, scene = self.editor.view, self.editor.scene
        metrics = QFontMetricsF(view.font())
        width, height = view.viewport().width(), view.viewport().height()
        places = []
        for marker in self.markers:
            item = scene.nodes.get(marker.node)
            port = item.port(marker.kind, marker.port) if item is not None else None
            if port is None:
                continue
            target = QPointF(view.mapFromScene(port.scenePos()))
            box = QRectF(0, 0, metrics.horizontalAdvance(marker.text) + 2 * MARKER_PADDING,
                         metrics.height() + MARKER_PADDING)
            left = MARKER_MARGIN if marker.kind == "in" else width - MARKER_MARGIN - box.width()
            top = min(max(target.y() - box.height() / 2, MARKER_MARGIN), height - MARKER_MARGIN - box.height())
            box.moveTo(left, top)
            places.append(MarkerPlace(marker, box, target))
        return places

    def _paint_markers(self, painter: QPainter) -> None:
        """Each marker's box and name at its edge, and a line from it to the inner port it names."""
        painter.setFont(self.editor.view.font())
        for place in self.marker_places():
            edge = place.box.right() if place.marker.kind == "in" else place.box.left()
            painter.setPen(QPen(MARKER_COLOR, 1.5, Qt.DashLine))
            painter.drawLine(QPointF(edge, place.box.center().y()), place.target)
            painter.setPen(QPen(MARKER_COLOR, 1))
            painter.setBrush(QColor("#E3F2FD"))
            painter.drawRoundedRect(place.box, 4, 4)
            painter.drawText(place.box, Qt.AlignCenter, place.marker.text)

    def marker_texts(self) -> list[str]:
        """The exposed-port markers shown, as text."""
        return [place.marker.text for place in self.marker_places()]

    def revalidate(self) -> None:
        """Show the outer workflow's findings about the blocks inside (their paths made local)."""
        prefix = self.path + "/"
        found = [Diagnostic(d.code, d.severity, d.node_id[len(prefix):], _local(d.link_id, prefix), d.message, d.hint)
                 for d in validate(self.root.workflow, self.root.base_dir)
                 if d.node_id and d.node_id.startswith(prefix)]
        self.editor.set_diagnostics(found)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Stop following the workflows."""
        self._unsubscribe_outer()
        self._unsubscribe_root()
        self._unsubscribe_inner()
        self.editor.close_windows()
        self.closed.emit()
        super().closeEvent(event)


def _local(link_id: str | None, prefix: str) -> str | None:
    return link_id[len(prefix):] if link_id and link_id.startswith(prefix) else None
