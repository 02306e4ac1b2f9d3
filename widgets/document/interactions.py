"""Mouse interactions on the canvas: drawing a link, and turning drops and searches into edits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, QPointF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPen
from PyQt5.QtWidgets import QGraphicsPathItem

from embedflow.core.ports import accepts
from embedflow.core.specs import NodeSpec
from embedflow.io.tables import IMAGE_SUFFIXES
from embedflow.io.workflow_file import SUFFIX
from embedflow.registry import default_registry

from ..canvas.link_item import curve
from ..canvas.node_item import PortItem

if TYPE_CHECKING:
    from ..canvas.link_item import LinkItem
    from ..canvas.scene import CanvasScene
    from ..canvas.view import CanvasView
    from .document import WorkflowDocument


def port_problem(output: PortItem, input_: PortItem) -> str:
    """Why `output` cannot feed `input_`, or "" when it can."""
    if output.node is input_.node:
        return "A block cannot be linked to itself."
    if not accepts(input_.port.type, output.port.type):
        return (f"'{input_.port.name}' expects {input_.port.type}; "
                f"{output.node.title}.{output.port.name} gives {output.port.type}.")
    return ""


class LinkDrag:
    """A link being drawn from a port: a rubber curve, with the possible other ends highlighted.

    `detached` is an existing link whose input end the user grabbed: it follows the pointer and is
    moved to the port where it is let go, or removed when let go over empty canvas.
    """

    def __init__(self, scene: "CanvasScene", origin: PortItem, detached: "LinkItem | None" = None) -> None:
        self.scene = scene
        self.origin = origin
        self.detached = detached
        if detached is not None:
            detached.setVisible(False)
        self.path_item = QGraphicsPathItem()
        self.path_item.setPen(QPen(QColor("#2F7ED8"), 2.5, Qt.DashLine, Qt.RoundCap))
        self.path_item.setZValue(3)
        scene.addItem(self.path_item)
        want = "in" if origin.kind == "out" else "out"
        for node in scene.nodes.values():
            for port in node.ports():
                if port.kind != want:
                    continue
                problem = self._problem(port)
                port.set_highlight("no" if problem else "ok", problem)
        self.move_to(origin.scenePos())

    def _problem(self, other: PortItem) -> str:
        return port_problem(self.origin, other) if self.origin.kind == "out" else port_problem(other, self.origin)

    def move_to(self, position: QPointF) -> None:
        """Follow the pointer."""
        start = self.origin.scenePos()
        ends = (start, position) if self.origin.kind == "out" else (position, start)
        self.path_item.setPath(curve(*ends))

    def target_at(self, position: QPointF) -> PortItem | None:
        """The port the link would end on: the port under the pointer, or the best port of the node there."""
        want = "in" if self.origin.kind == "out" else "out"
        port = self.scene.port_at(position)
        if port is not None and port.kind == want and port.node is not self.origin.node:
            return port
        node = self.scene.node_at(position)
        if node is None or node is self.origin.node:
            return None
        candidates = list((node.inputs if want == "in" else node.outputs).values())
        compatible = [p for p in candidates if not self._problem(p)]
        if compatible:
            return compatible[0]
        # An incompatible link is still made when there is just one choice: the validator explains it.
        return candidates[0] if len(candidates) == 1 else None

    def finish(self, position: QPointF) -> None:
        """Make the link (via the scene's signal), or offer blocks when dropped on empty canvas."""
        self.scene.removeItem(self.path_item)
        for node in self.scene.nodes.values():
            for port in node.ports():
                port.set_highlight(None)
        target = self.target_at(position)
        origin = self.origin
        if self.detached is not None:
            self._finish_detached(target, position)
            return
        if target is not None:
            output, input_ = (origin, target) if origin.kind == "out" else (target, origin)
            self.scene.linkRequested.emit(output.node.node_id, output.port.name,
                                          input_.node.node_id, input_.port.name)
        elif self.scene.node_at(position) is None:
            self.scene.linkDroppedOnEmpty.emit(origin.node.node_id, origin.port.name, origin.kind, position)


    def _finish_detached(self, target: PortItem | None, position: QPointF) -> None:
        link = self.detached
        assert link is not None
        if target is not None and target is not link.target:
            self.scene.linkMoved.emit(link.link_id, self.origin.node.node_id, self.origin.port.name,
                                      target.node.node_id, target.port.name)
        elif target is None and self.scene.node_at(position) is None:
            self.scene.unlinkRequested.emit(link.link_id)
        else:
            link.setVisible(True)


def compatible_port(spec: NodeSpec, node_spec: NodeSpec, port_name: str, kind: str) -> str | None:
    """The first port of `spec` that can link to `port_name` (a `kind` port of `node_spec`)."""
    if kind == "out":
        given = node_spec.output(port_name)
        return next((p.name for p in spec.inputs if given and accepts(p.type, given.type)), None)
    wanted = node_spec.input(port_name)
    return next((p.name for p in spec.outputs if wanted and accepts(wanted.type, p.type)), None)


def is_workflow_file(path: str) -> bool:
    """True for a `.embedflow` file."""
    return path.lower().endswith(SUFFIX)


def is_data_path(path: str) -> bool:
    """True for a file the Input block can read or a folder holding images."""
    candidate = Path(path)
    if candidate.is_dir():
        return any(p.suffix.lower() in IMAGE_SUFFIXES for p in candidate.rglob("*") if p.is_file())
    # A single image is not a table: the Input reads images as a folder.
    return candidate.is_file() and not is_workflow_file(path) and candidate.suffix.lower() not in IMAGE_SUFFIXES


class CanvasInteractions(QObject):
    """Turns what the user does on the view and scene into document edits.

    Signals: workflowFileDropped(path), a workflow file was dropped (the window opens it);
    notice(text), something the user should be told in passing (e.g. a drop that added nothing).
    """

    workflowFileDropped = pyqtSignal(str)
    notice = pyqtSignal(str)

    def __init__(self, document: "WorkflowDocument", view: "CanvasView") -> None:
        super().__init__(view)
        self.document = document
        self.view = view
        scene = view.canvas
        scene.linkRequested.connect(self._connect)
        scene.renameRequested.connect(lambda node_id, title: document.rename(node_id, title))
        scene.annotationEdited.connect(lambda a_id, text: document.update_annotation(a_id, text=text))
        scene.movesFinished.connect(self._moved)
        scene.linkDroppedOnEmpty.connect(self._link_dropped_on_empty)
        scene.linkMoved.connect(self._move_link)
        scene.unlinkRequested.connect(document.disconnect)
        view.blockDropped.connect(self.add_block)
        view.pathsDropped.connect(self.drop_paths)
        view.quickSearchRequested.connect(self.quick_search)

    def add_block(self, type_name: str, position: QPointF) -> str | None:
        """Add a block of a registered type at `position` and select it."""
        if default_registry().get(type_name) is None:
            return None
        node_id = self.document.add_node(type_name, (position.x(), position.y()))
        self.view.canvas.select_only([node_id])
        return node_id

    def drop_paths(self, paths: list[str], position: QPointF) -> None:
        """A workflow file opens; data files and image folders each become an Input block."""
        workflow_files = [p for p in paths if is_workflow_file(p)]
        if workflow_files:
            self.workflowFileDropped.emit(workflow_files[0])
            return
        images = [Path(p).name for p in paths if Path(p).is_file() and Path(p).suffix.lower() in IMAGE_SUFFIXES]
        ignored = [Path(p).name for p in paths if not is_data_path(p) and Path(p).name not in images]
        if images:
            self.notice.emit(f"Not added: {', '.join(images[:3])}{' …' if len(images) > 3 else ''}: "
                             "drop the folder that holds the images instead; it becomes one Input.")
        if ignored:
            self.notice.emit(f"Not added: {', '.join(ignored)} is neither a data file nor a folder with images.")
        added = []
        for i, path in enumerate(p for p in paths if is_data_path(p)):
            settings = {**default_registry().get("input").defaults(), "path": os.path.abspath(path)}
            added.append(self.document.add_node("input", (position.x(), position.y() + 110 * i), settings,
                                                Path(path).stem or "Input"))
        self.view.canvas.select_only(added)

    def quick_search(self, position: QPointF, text: str) -> None:
        """Open the block search at `position`; the chosen block is added there."""
        from .quick_search import QuickSearch

        chosen = QuickSearch.choose(self.view, self.view.mapToGlobal(self.view.mapFromScene(position)), text)
        if chosen:
            self.add_block(chosen, position)

    def _connect(self, source: str, source_port: str, target: str, target_port: str) -> None:
        self.document.connect(source, source_port, target, target_port)

    def _move_link(self, link_id: str, source: str, source_port: str, target: str, target_port: str) -> None:
        stack = self.document.undo_stack
        stack.beginMacro("Move link")
        self.document.disconnect(link_id)
        self.document.connect(source, source_port, target, target_port)
        stack.endMacro()

    def _moved(self, node_moves: dict, note_moves: dict) -> None:
        stack = self.document.undo_stack
        if node_moves and note_moves:
            stack.beginMacro("Move")
        self.document.move_nodes(node_moves)
        for annotation_id, rect in note_moves.items():
            self.document.update_annotation(annotation_id, rect=rect)
        if node_moves and note_moves:
            stack.endMacro()

    def _link_dropped_on_empty(self, node_id: str, port_name: str, kind: str, position: QPointF) -> None:
        """Offer only blocks that fit the dragged port; add the chosen one and link it."""
        from .quick_search import QuickSearch

        node_spec = default_registry().get(self.document.workflow.nodes[node_id].type)
        if node_spec is None:
            return
        fits = [s for s in default_registry().specs() if compatible_port(s, node_spec, port_name, kind)]
        chosen = QuickSearch.choose(self.view, self.view.mapToGlobal(self.view.mapFromScene(position)), "",
                                    fits)
        spec = default_registry().get(chosen) if chosen else None
        if spec is None:
            return
        other_port = compatible_port(spec, node_spec, port_name, kind)
        stack = self.document.undo_stack
        stack.beginMacro(f"Add {spec.title}")
        new_id = self.document.add_node(spec.type, (position.x(), position.y()))
        if kind == "out":
            self.document.connect(node_id, port_name, new_id, other_port)
        else:
            self.document.connect(new_id, other_port, node_id, port_name)
        stack.endMacro()
