"""Canvas interactions: turning links drawn, drops and block searches into document edits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, QPointF, pyqtSignal

from embedflow.core.ports import accepts
from embedflow.core.specs import NodeSpec
from embedflow.groups import GROUP
from embedflow.io.tables import IMAGE_SUFFIXES
from embedflow.io.user_blocks import USER_BLOCK, read_user_block
from embedflow.io.workflow_file import SUFFIX

if TYPE_CHECKING:
    from ..canvas.view import CanvasView
    from .document import WorkflowDocument


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

    def __init__(self, document: WorkflowDocument, view: CanvasView) -> None:
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
        """Add a block of a registered type (or a copy of a library block) at `position` and select it."""
        if type_name.startswith(USER_BLOCK):
            block = read_user_block(Path(type_name.removeprefix(USER_BLOCK)), self.document.registry)
            if block.broken:
                self.notice.emit(f"{block.path.name} cannot be placed: {block.error}")
                return None
            node_id = self.document.add_node(GROUP, (position.x(), position.y()), block.settings, block.title)
            self.view.canvas.select_only([node_id])
            return node_id
        if self.document.registry.get(type_name) is None:
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
        input_spec = self.document.registry.get("input")
        defaults = input_spec.defaults() if input_spec is not None else {}
        for i, path in enumerate(p for p in paths if is_data_path(p)):
            settings = {**defaults, "path": os.path.abspath(path)}
            added.append(self.document.add_node("input", (position.x(), position.y() + 110 * i), settings,
                                                Path(path).stem or "Input"))
        self.view.canvas.select_only(added)

    def quick_search(self, position: QPointF, text: str) -> None:
        """Open the block search at `position`; the chosen block is added there."""
        from .quick_search import QuickSearch

        chosen = QuickSearch.choose(self.view, self.view.mapToGlobal(self.view.mapFromScene(position)),
                                    self.document.registry.specs(), text)
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

        registry = self.document.registry
        node_spec = registry.get(self.document.workflow.nodes[node_id].type)
        if node_spec is None:
            return
        fits = [s for s in registry.specs() if compatible_port(s, node_spec, port_name, kind)]
        chosen = QuickSearch.choose(self.view, self.view.mapToGlobal(self.view.mapFromScene(position)), fits)
        spec = registry.get(chosen) if chosen else None
        if spec is None:
            return
        other_port = compatible_port(spec, node_spec, port_name, kind)
        if other_port is None:
            return
        stack = self.document.undo_stack
        stack.beginMacro(f"Add {spec.title}")
        new_id = self.document.add_node(spec.type, (position.x(), position.y()))
        if kind == "out":
            self.document.connect(node_id, port_name, new_id, other_port)
        else:
            self.document.connect(new_id, other_port, node_id, port_name)
        stack.endMacro()
