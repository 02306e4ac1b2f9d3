"""The workflow editor: the composite that owns the scene, view, undo stack, interactions and clipboard.

Orange's SchemeEditWidget is the model: the main window around it keeps only menus, docks and files.
It also owns the runs of the open workflow, the block's settings windows and result windows, and
paints what the status presenter derives from the runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PyQt5.QtCore import QMimeData, QPoint, QPointF, Qt, pyqtSignal
from PyQt5.QtWidgets import QApplication, QInputDialog, QMenu, QVBoxLayout, QWidget

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.errors import EmbedflowError
from embedflow.core.table import EncodedText, Table
from embedflow.core.workflow import Workflow, WorkflowEvent
from embedflow.groups import GROUP
from embedflow.registry import Registry

from .. import status
from ..canvas.annotation_item import TextAnnotationItem
from ..canvas.node_item import NodeItem
from ..canvas.scene import CanvasScene
from ..canvas.view import CanvasView
from ..editors.context import EditorContext
from ..editors.dialog import EditorDialog
from ..group_window import GroupWindow
from ..result_window import ResultWindow
from ..run_controller import RunController
from ..screen_fit import place_on_canvas
from .document import CLIPBOARD_MIME, WorkflowDocument
from .interactions import CanvasInteractions


class WorkflowEditor(QWidget):
    """Edits one workflow on a canvas.

    Signals: notice(text) for the status bar; stateShown(node id) after a block's run state is painted.
    """

    notice = pyqtSignal(str)
    stateShown = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None, registry: Registry | None = None,
                 runs: RunController | None = None, root: WorkflowDocument | None = None, path: str = "",
                 crumbs: list[str] | None = None) -> None:
        """runs, root, path, crumbs: for the inside of a group (group_window.py), the outer runs seen from
        inside it, the main document, the group's path in it and the titles on the way in."""
        super().__init__(parent)
        self.document = WorkflowDocument(self, registry)
        self.registry = self.document.registry
        self.scene = CanvasScene(self)
        self.view = CanvasView(self.scene, self)
        self.interactions = CanvasInteractions(self.document, self.view)
        self.runs = runs if runs is not None else RunController(self)
        self.root = root if root is not None else self.document
        self.path, self.crumbs = path, crumbs or ["Main"]
        self.groups: dict[str, GroupWindow] = {}
        self.editors: dict[str, EditorDialog] = {}
        self.results: dict[tuple[str, str], ResultWindow] = {}
        self.diagnostics: list[Diagnostic] = []
        self._unsubscribe: Callable[[], None] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.scene.nodeActivated.connect(self._activate)
        self.interactions.notice.connect(self.notice)
        self.runs.nodeStateChanged.connect(self.paint_state)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # Esc reaches the view only when no title or note is being edited (there Esc cancels the edit).
        self.view.escapePressed.connect(self.runs.cancel)

    # -- the workflow ---------------------------------------------------------------------------
    def set_workflow(self, workflow: Workflow, path: str | None, modified: bool = False) -> None:
        """Edit `workflow` (from `path`): windows of the previous one close, the history starts afresh."""
        self.close_windows()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.scene.set_workflow(workflow)
        self.document.replace(workflow, path, modified)
        self._unsubscribe = workflow.subscribe(self._on_model_event)
        self.runs.set_workflow(workflow, self.document.base_dir)
        for node_id in workflow.nodes:
            self.paint_state(node_id)

    def close_windows(self) -> None:
        """Close every settings and result window."""
        for window in [*self.editors.values(), *self.results.values(), *self.groups.values()]:
            window.close()
        self.editors.clear()
        self.results.clear()
        self.groups.clear()

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Show validation findings on the canvas and in the open settings windows."""
        self.diagnostics = diagnostics
        self.scene.set_diagnostics(diagnostics)
        for dialog in self.editors.values():
            dialog.context.set_diagnostics(diagnostics)

    def _on_model_event(self, event: WorkflowEvent) -> None:
        if event.kind == "node-removed":
            for window in self._windows_of(event.item.id):
                window.close()
        elif event.kind == "title-changed":
            for (node_id, _port), window in self.results.items():
                if node_id == event.item.id:
                    window.set_title(event.item.title)

    def _windows_of(self, node_id: str) -> list[QWidget]:
        windows: list[QWidget] = [w for (n, _p), w in self.results.items() if n == node_id]
        return windows + [window[node_id] for window in (self.editors, self.groups) if node_id in window]

    # -- run states --------------------------------------------------------------------------------
    def paint_state(self, node_id: str) -> None:
        """Show a block's run state on the canvas and in its result windows."""
        item = self.scene.nodes.get(node_id)
        if item is None:
            return
        live, result = self.runs.state(node_id), self.runs.result(node_id)
        shown = status.node_status(live, result)
        item.set_run_state(shown.state, shown.fraction, shown.text, shown.summary, shown.messages)
        for (owner, port), window in self.results.items():
            if owner == node_id:
                window.show_value(status.output_value(live, result, port), status.result_window_note(live, result))
        self.stateShown.emit(node_id)

    def focus_node(self, node_id: str) -> None:
        """Select a node and bring it into view; a block inside a group (g1/m) in the group's window."""
        group, _, inner = node_id.partition("/")
        if inner and group in self.scene.nodes:
            self.open_group(group).editor.focus_node(inner)
            return
        item = self.scene.nodes.get(node_id)
        if item is not None:
            self.scene.select_only([node_id])
            self.view.ensureVisible(item, 80, 80)

    def focus_link(self, link_id: str) -> None:
        """Select a link and bring it into view."""
        item = self.scene.links.get(link_id)
        if item is not None:
            self.scene.clearSelection()
            item.setSelected(True)
            self.view.ensureVisible(item, 80, 80)

    # -- settings and result windows ---------------------------------------------------------------
    def _activate(self, node_id: str) -> None:
        """Double-click: a group opens in its own window, any other block its settings."""
        if self.document.workflow.nodes[node_id].type == GROUP:
            self.open_group(node_id)
        else:
            self.open_editor(node_id)

    def open_group(self, node_id: str) -> GroupWindow:
        """Show the inside of a group (one window per group), editable, with a breadcrumb."""
        window = self.groups.get(node_id)
        if window is None:
            path = f"{self.path}/{node_id}" if self.path else node_id
            window = GroupWindow(self.document, self.runs, node_id, self.root, path, self.crumbs, self.window())
            window.setAttribute(Qt.WA_DeleteOnClose)
            window.closed.connect(partial(self._forget, self.groups, node_id))
            self.groups[node_id] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def fold_groups(self) -> None:
        """Close every open group's window (presentation mode shows groups folded)."""
        for window in list(self.groups.values()):
            window.close()

    def open_editor(self, node_id: str) -> EditorDialog:
        """Show the settings window of a block (one window per block)."""
        dialog = self.editors.get(node_id)
        if dialog is None:
            context = EditorContext(self.document, self.runs, node_id, crumbs=self.crumbs)
            context.set_diagnostics(self.diagnostics)
            dialog = EditorDialog(context, self.show_output, self.window())
            # finished, not destroyed: PyQt may call a Python slot of `destroyed` after freeing it.
            dialog.finished.connect(partial(self._forget, self.editors, node_id))
            self.editors[node_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_output(self, node_id: str, port: str) -> ResultWindow | None:
        """Show a block's output (one window per output, kept current); a notice when there is none yet."""
        key = (node_id, port)
        window = self.results.get(key)
        live, result = self.runs.state(node_id), self.runs.result(node_id)
        title = self.document.workflow.nodes[node_id].title
        if window is None:
            value = status.output_value(live, result, port)
            if not isinstance(value, (Table, EncodedText)):
                self.notice.emit(status.no_output_note(title, port, live, result))
                return None
            window = ResultWindow(node_id, port, self.window())
            window.setAttribute(Qt.WA_DeleteOnClose)
            window.set_title(title)
            window.closed.connect(partial(self._forget, self.results, key))
            self.results[key] = window
            window.show_value(value, "")
            place_on_canvas(window, self, self._opener(node_id))
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _opener(self, node_id: str) -> QWidget | None:
        """The window a new result window goes beside: the block's settings window, else the last result."""
        dialog = self.editors.get(node_id)
        if dialog is not None and dialog.isVisible():
            return dialog
        shown = [window for window in self.results.values() if window.isVisible()]
        return shown[-1] if shown else None

    @staticmethod
    def _forget(windows: dict, key: object, *_: object) -> None:
        windows.pop(key, None)

    def _context_menu(self, pos: QPoint) -> None:
        node = self.scene.node_at(self.view.mapToScene(pos))
        menu = QMenu(self)
        if isinstance(node, NodeItem):
            if not node.isSelected():
                self.scene.select_only([node.node_id])
            if node.type_name == GROUP:
                menu.addAction("Open group", lambda: self.open_group(node.node_id))  # type: ignore[arg-type]
                menu.addAction("Ungroup", self.ungroup_selection)  # type: ignore[arg-type]
                for kind, key, ports in (("input", "inputs", node.inputs), ("output", "outputs", node.outputs)):
                    for port in ports:
                        menu.addAction(f"Rename {kind} '{port}'…",
                                       lambda k=key, p=port: self._ask_port_name(node.node_id, k, p))
            # PyQt5-stubs want slots that return None; Qt ignores what a slot returns.
            menu.addAction("Open settings…", lambda: self.open_editor(node.node_id))  # type: ignore[arg-type]
            if len(self.scene.selected_node_ids()) > 1:
                menu.addAction("Group", self.group_selection)  # type: ignore[arg-type]
            menu.addAction("Rename", lambda: node.title_item.start_editing())
            for port in node.outputs:
                menu.addAction(f"Show output '{port}'",
                               lambda p=port: self.show_output(node.node_id, p))  # type: ignore[arg-type]
            menu.addAction("Run up to here", lambda: self.runs.run([node.node_id]))
            menu.addSeparator()
            menu.addAction("Duplicate", self.duplicate)
            menu.addAction("Delete", self.delete_selection)
        else:
            position = self.view.mapToScene(pos)
            menu.addAction("Add block…", lambda: self.interactions.quick_search(position, ""))
            menu.addAction("Add note", lambda: self.add_note(position))  # type: ignore[arg-type]
            menu.addAction("Add arrow", lambda: self.add_arrow(position))  # type: ignore[arg-type]
            menu.addAction("Paste", self.paste)
        menu.popup(self.view.mapToGlobal(pos))

    # -- editing -----------------------------------------------------------------------------------
    def delete_selection(self) -> None:
        """Delete the selected blocks, links and notes (one undo step)."""
        self.document.remove(self.scene.selected_node_ids(), self.scene.selected_link_ids(),
                             self.scene.selected_annotation_ids())

    def group_selection(self) -> str | None:
        """Fold the selected blocks and notes into a group (one undo step) and select it; its id."""
        group_id = self.document.group(self.scene.selected_node_ids(),
                                       annotation_ids=self.scene.selected_annotation_ids())
        if group_id is not None:
            self.scene.select_only([group_id])
        return group_id

    def ungroup_selection(self) -> list[str]:
        """Put the blocks of the selected groups back (one undo step each) and select them."""
        found: list[str] = []
        for node_id in self.scene.selected_node_ids():
            if self.document.workflow.nodes[node_id].type == GROUP:
                try:
                    found += self.document.ungroup(node_id)
                except EmbedflowError as exc:
                    self.notice.emit(str(exc))
        self.scene.select_only(found)
        return found

    def _ask_port_name(self, group_id: str, key: str, old: str) -> None:
        new, accepted = QInputDialog.getText(self, "Rename port", f"New name for '{old}':", text=old)
        if accepted:
            try:
                self.document.rename_group_port(group_id, key, old, new)
            except EmbedflowError as exc:
                self.notice.emit(str(exc))

    def select_all(self) -> None:
        """Select everything on the canvas."""
        for item in self.scene.items():
            if item.flags() & item.ItemIsSelectable:
                item.setSelected(True)

    def copy(self) -> bool:
        """Copy the selected blocks (and the links between them) to the clipboard."""
        nodes, notes = self.scene.selected_node_ids(), self.scene.selected_annotation_ids()
        if not nodes and not notes:
            return False
        text = self.document.copy_text(nodes, notes)
        mime = QMimeData()
        mime.setData(CLIPBOARD_MIME, text.encode())
        mime.setText(text)
        QApplication.clipboard().setMimeData(mime)
        return True

    def cut(self) -> None:
        """Copy, then delete the selection."""
        if self.copy():
            self.delete_selection()

    def paste(self) -> None:
        """Add the copied blocks next to the originals, selected."""
        mime = QApplication.clipboard().mimeData()
        data = mime.data(CLIPBOARD_MIME) if mime.hasFormat(CLIPBOARD_MIME) else None
        text = bytes(data).decode() if data is not None else mime.text()
        self.scene.select_only(self.document.paste_text(text))

    def duplicate(self) -> None:
        """Copy and paste the selection in one go (the clipboard is untouched)."""
        nodes = self.scene.selected_node_ids()
        notes = self.scene.selected_annotation_ids()
        if nodes or notes:
            self.scene.select_only(self.document.paste_text(self.document.copy_text(nodes, notes)))

    def rename_selected(self) -> None:
        """Edit the title of the selected block in place."""
        selected = self.scene.selected_node_ids()
        if len(selected) == 1:
            self.scene.nodes[selected[0]].title_item.start_editing()

    def add_note(self, position: QPointF | None = None) -> str:
        """Add a text note (at `position` or the view's centre) and start editing it."""
        position = position if isinstance(position, QPointF) else self.view.cursor_scene_pos()
        note_id = self.document.add_annotation("text", (position.x(), position.y(), 220.0, 50.0),
                                               "Double-click to write a note")
        note = self.scene.annotations[note_id]
        if isinstance(note, TextAnnotationItem):
            note.start_editing()
        return note_id

    def add_arrow(self, position: QPointF | None = None) -> str:
        """Add an arrow (at `position` or the view's centre)."""
        position = position if isinstance(position, QPointF) else self.view.cursor_scene_pos()
        return self.document.add_annotation("arrow", (position.x(), position.y(),
                                                      position.x() + 100.0, position.y() + 40.0))

    def set_snap(self, on: bool) -> None:
        """Snap moved blocks to the grid."""
        self.scene.snap_to_grid = on
