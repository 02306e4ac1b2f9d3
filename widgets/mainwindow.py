"""The main window: canvas, toolbox, messages, menus and toolbar, files, autosave and runs."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PyQt5.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PyQt5.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStyle,
    QToolBar,
)

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.errors import EmbedflowError, WorkflowFileError
from embedflow.core.table import EncodedText, Table
from embedflow.core.workflow import Workflow, WorkflowEvent
from embedflow.io.workflow_file import SUFFIX, read_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate

from . import recent
from .addons_dialog import AddOnsDialog
from .autosave import INTERVAL_MS, Autosaver, Recovery
from .canvas.node_item import NodeItem
from .canvas.scene import CanvasScene
from .canvas.view import CanvasView
from .document.document import CLIPBOARD_MIME, WorkflowDocument, absolute_settings
from .document.interactions import CanvasInteractions
from .editors.context import EditorContext
from .editors.dialog import EditorDialog
from .messages import MessagesView
from .run_controller import RunController
from .run_on import add_run_on
from .table_view import DataViewer
from .teaching import Teaching
from .toolbox import Toolbox
from .welcome import example_intro, example_title, ordered_examples

FILE_FILTER = f"embedflow workflows (*{SUFFIX});;All files (*)"


class MainWindow(QMainWindow):
    """One open workflow. Dialogs go through ask_save_changes / ask_recover / show_error / choose_*
    so tests can answer them."""

    def __init__(self) -> None:
        super().__init__()
        default_registry()
        self.document = WorkflowDocument(self)
        self.scene = CanvasScene(self)
        self.view = CanvasView(self.scene, self)
        self.interactions = CanvasInteractions(self.document, self.view)
        self.runs = RunController(self)
        self.autosaver = Autosaver()
        self.diagnostics: list[Diagnostic] = []
        self.file_diagnostics: list[Diagnostic] = []
        self.editors: dict[str, EditorDialog] = {}
        self.display_name = "Untitled"
        self._autosaved_index = 0
        self._unsubscribe = None
        self.setCentralWidget(self.view)
        self.setAcceptDrops(True)
        self.resize(1200, 760)
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(0)
        self._validate_timer.timeout.connect(self.revalidate)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(INTERVAL_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self._build_docks()
        self._build_actions()
        self._build_menus_and_toolbar()
        self.teaching = Teaching(self)
        self.addons_action = self._action("&Add-ons…", self.show_add_ons,
                                          tip="The installed add-ons, their blocks, and any that failed to load")
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.addons_action)
        self._connect()
        self._show(Workflow(default_registry()), None, [], "Untitled")

    # -- construction ------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.toolbox = Toolbox(self)
        dock = QDockWidget("Blocks", self)
        dock.setObjectName("toolbox")
        dock.setWidget(self.toolbox)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.toolbox_dock = dock
        self.messages = MessagesView(self)
        dock = QDockWidget("Messages", self)
        dock.setObjectName("messages")
        dock.setWidget(self.messages)
        self.addDockWidget(Qt.BottomDockWidgetArea, dock)
        self.messages_dock = dock
        self.fit_toolbox()
        self.resizeDocks([self.messages_dock], [150], Qt.Vertical)
        self.run_label = QLabel()
        self.statusBar().addPermanentWidget(self.run_label)

    def fit_toolbox(self) -> None:
        """Make the toolbox dock wide enough for every block title (again after a font change)."""
        self.resizeDocks([self.toolbox_dock], [max(210, self.toolbox.preferred_width())], Qt.Horizontal)

    def _action(self, text: str, slot, shortcut=None, icon: QStyle.StandardPixmap | None = None,
                tip: str = "", checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.setToolTip(tip or text.replace("&", "").replace("…", ""))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        s = QStyle
        stack = self.document.undo_stack
        self.new_action = self._action("&New", self.new, QKeySequence.New, s.SP_FileIcon)
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.Open, s.SP_DialogOpenButton)
        self.save_action = self._action("&Save", self.save, QKeySequence.Save, s.SP_DialogSaveButton)
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence.SaveAs)
        self.quit_action = self._action("&Quit", self.close, QKeySequence.Quit)
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.undo_action.setIcon(self.style().standardIcon(s.SP_ArrowBack))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence.Redo, QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(self.style().standardIcon(s.SP_ArrowForward))
        self.cut_action = self._action("Cu&t", self.cut, QKeySequence.Cut)
        self.copy_action = self._action("&Copy", self.copy, QKeySequence.Copy)
        self.paste_action = self._action("&Paste", self.paste, QKeySequence.Paste)
        self.duplicate_action = self._action("D&uplicate", self.duplicate, "Ctrl+D")
        self.delete_action = self._action("&Delete", self.delete_selection,
                                          [QKeySequence(QKeySequence.Delete), QKeySequence("Backspace")])
        self.delete_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.view.addAction(self.delete_action)
        self.select_all_action = self._action("Select &All", self.select_all, QKeySequence.SelectAll)
        self.rename_action = self._action("Re&name", self.rename_selected, "F2")
        self.note_action = self._action("Add &Note", self.add_note, "Ctrl+Shift+N",
                                        tip="Add a text note for your students")
        self.arrow_action = self._action("Add A&rrow", self.add_arrow, "Ctrl+Shift+A",
                                         tip="Add an arrow pointing at something")
        self.run_action = self._action("&Run", lambda: self.runs.run(), "Ctrl+R", s.SP_MediaPlay,
                                       tip="Run the workflow (Ctrl+R)")
        self.autorun_action = self._action("&Auto-run", self.runs.set_auto_run, checkable=True,
                                           icon=s.SP_BrowserReload,
                                           tip="Re-run what an edit affects automatically")
        self.autorun_action.setChecked(True)
        self.cancel_action = self._action("&Cancel", self.runs.cancel, icon=s.SP_MediaStop,
                                          tip="Cancel the running block (Esc)")
        self.cancel_action.setEnabled(False)
        self.zoom_in_action = self._action("Zoom &In", self.view.zoom_in, QKeySequence.ZoomIn)
        self.zoom_out_action = self._action("Zoom &Out", self.view.zoom_out, QKeySequence.ZoomOut)
        self.fit_action = self._action("&Fit Workflow", self.view.fit, "Ctrl+0", tip="Show the whole workflow")
        self.reset_zoom_action = self._action("&Actual Size", self.view.reset_zoom, "Ctrl+1")
        self.snap_action = self._action("&Snap to Grid", self._set_snap, checkable=True)
        for action in (self.undo_action, self.redo_action, self.cut_action, self.copy_action, self.paste_action,
                       self.duplicate_action, self.select_all_action, self.rename_action, self.note_action,
                       self.arrow_action, self.run_action, self.zoom_in_action, self.zoom_out_action,
                       self.fit_action, self.reset_zoom_action):
            self.addAction(action)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.examples_menu = file_menu.addMenu("&Examples")
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        for path in ordered_examples():
            action = self.examples_menu.addAction(example_title(path))
            action.setToolTip(example_intro(path))
            action.triggered.connect(lambda _=False, p=path: self.open_example(p))
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.cut_action, self.copy_action, self.paste_action, self.duplicate_action,
                         self.delete_action, self.select_all_action, self.rename_action])
        edit.addSeparator()
        edit.addActions([self.note_action, self.arrow_action])
        view = bar.addMenu("&View")
        view.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.reset_zoom_action,
                         self.snap_action])
        view.addSeparator()
        view.addActions([self.toolbox_dock.toggleViewAction(), self.messages_dock.toggleViewAction()])
        run = bar.addMenu("&Run")
        run.addActions([self.run_action, self.autorun_action, self.cancel_action])
        self.run_on_action = add_run_on(run, self.runs, self)
        # Teaching adds Help and Welcome to this menu; Add-ons goes last (see __init__).
        self.help_menu = bar.addMenu("&Help")
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        toolbar.addActions([self.new_action, self.open_action, self.save_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addActions([self.run_action, self.autorun_action, self.cancel_action])
        toolbar.addSeparator()
        toolbar.addActions([self.fit_action, self.note_action, self.arrow_action])
        self.addToolBar(toolbar)

    def _connect(self) -> None:
        self.document.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.document.pathChanged.connect(self._path_changed)
        self.scene.nodeActivated.connect(self.open_editor)
        self.interactions.workflowFileDropped.connect(self.open_file)
        self.interactions.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.toolbox.blockActivated.connect(
            lambda t: self.interactions.add_block(t, self.view.mapToScene(self.view.viewport().rect().center())))
        self.messages.nodeClicked.connect(self.focus_node)
        self.messages.linkClicked.connect(self.focus_link)
        self.runs.nodeStateChanged.connect(self._paint_state)
        self.runs.runFinished.connect(self._validate_timer.start)
        self.runs.runFinished.connect(self._report_run)
        self.runs.runningChanged.connect(self._running_changed)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # Esc reaches the view only when no title or note is being edited (there Esc cancels the edit).
        self.view.escapePressed.connect(self.runs.cancel)

    def show_add_ons(self) -> AddOnsDialog:
        """Help → Add-ons: every add-on with its blocks and failures (not modal)."""
        dialog = AddOnsDialog(default_registry(), self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- showing a workflow ------------------------------------------------------------------
    def _show(self, workflow: Workflow, path: str | None, file_diagnostics: list[Diagnostic],
              display_name: str, modified: bool = False) -> None:
        for dialog in list(self.editors.values()):
            dialog.close()
        self.editors.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.file_diagnostics = file_diagnostics
        self.display_name = display_name
        self.scene.set_workflow(workflow)
        self.document.replace(workflow, path, modified)
        self._unsubscribe = workflow.subscribe(self._on_model_event)
        self.runs.set_workflow(workflow, self.document.base_dir)
        self._autosaved_index = self.document.undo_stack.index()
        self._update_title()
        self.revalidate()
        for node_id in workflow.nodes:
            self._paint_state(node_id)
        QTimer.singleShot(0, self.view.fit)
        self.view.setFocus()

    def _on_model_event(self, event: WorkflowEvent) -> None:
        self._validate_timer.start()
        if event.kind == "node-removed":
            dialog = self.editors.pop(event.item.id, None)
            if dialog is not None:
                dialog.close()

    def _path_changed(self, path: str) -> None:
        if path:
            self.display_name = Path(path).name
            self.runs.set_base_dir(self.document.base_dir)
            recent.remember(path)
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.display_name}[*] — embedflow")
        self.setWindowModified(self.document.modified)

    # -- validation, states, messages ------------------------------------------------------------
    def revalidate(self) -> None:
        """Re-run the validator and refresh badges, link colours and the Messages dock."""
        engine = self.runs.engine
        outputs = engine.outputs() if engine is not None else {}
        self.diagnostics = validate(self.document.workflow, self.document.base_dir, outputs)
        self.scene.set_diagnostics(self.diagnostics)
        for dialog in self.editors.values():
            dialog.context.set_diagnostics(self.diagnostics)
        self._refresh_messages()

    def _refresh_messages(self) -> None:
        workflow = self.document.workflow
        shown = list(self.diagnostics)
        for node_id in workflow.nodes:
            result = self.runs.result(node_id)
            if result is not None and self.runs.state(node_id).state == result.state:
                # A block may report at run time what the validator also says once the input is known: once.
                shown.extend(m for m in result.messages if m not in self.diagnostics)
        shown.extend(self.file_diagnostics)
        titles = {node_id: node.title for node_id, node in workflow.nodes.items()}
        self.messages.set_messages(shown, titles)
        counts = self.messages.counts()
        parts = [f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in counts.items() if n]
        self.messages_dock.setWindowTitle(f"Messages — {', '.join(parts)}" if parts else "Messages")

    def _paint_state(self, node_id: str) -> None:
        item = self.scene.nodes.get(node_id)
        if item is None:
            return
        state = self.runs.state(node_id)
        result = self.runs.result(node_id)
        fresh = result is not None and result.state == state.state
        text, shown = state.message, state.state
        if state.state in ("failed", "blocked", "cancelled") and fresh and result.error:
            text = result.error
        if shown == "refused":
            # Refused because of a problem the badge already shows: it did not fail, it never ran.
            shown, text = "invalid", ""
        item.set_run_state(shown, state.fraction, text,
                           result.summary if fresh else "", list(result.messages) if fresh else [])
        if state.state in ("done", "failed", "refused", "blocked", "cancelled"):
            self._refresh_messages()

    def _report_run(self) -> None:
        states = [self.scene.nodes[n].state for n in self.document.workflow.nodes if n in self.scene.nodes]
        troubles = {s: states.count(s) for s in ("failed", "blocked", "cancelled") if s in states}
        if troubles:
            text = ", ".join(f"{count} {state}" for state, count in troubles.items())
            self.statusBar().showMessage(f"Run finished: {text} (see Messages)", 8000)
        else:
            self.statusBar().showMessage("Run finished: every block is up to date", 5000)

    def _running_changed(self, running: bool) -> None:
        self.cancel_action.setEnabled(running)
        self.run_label.setText("Running…" if running else "")

    def focus_node(self, node_id: str) -> None:
        """Select a node and bring it into view."""
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

    # -- editors and viewers ------------------------------------------------------------------------
    def open_editor(self, node_id: str) -> EditorDialog:
        """Show the settings editor of a block (one window per block)."""
        dialog = self.editors.get(node_id)
        if dialog is None:
            context = EditorContext(self.document, self.runs, node_id)
            context.set_diagnostics(self.diagnostics)
            dialog = EditorDialog(context, self.show_output, self)
            # finished, not destroyed: PyQt may call a Python slot of `destroyed` after freeing it.
            dialog.finished.connect(partial(self._forget_editor, node_id))
            self.editors[node_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_output(self, node_id: str, port: str) -> DataViewer | None:
        """Open a block's output as a table (a note in the status bar if it has not run yet)."""
        result = self.runs.result(node_id)
        value = self.runs.output(node_id, port)
        title = self.document.workflow.nodes[node_id].title
        if not isinstance(value, (Table, EncodedText)):
            unfinished = result is not None and result.state in ("failed", "refused", "blocked", "cancelled")
            why = "it did not finish (see Messages)" if unfinished else "run it first"
            self.statusBar().showMessage(f"“{title}” has no '{port}' output: {why}.", 5000)
            return None
        viewer = DataViewer(value, f"{title} — {port}", self)
        viewer.setAttribute(Qt.WA_DeleteOnClose)
        viewer.show()
        return viewer

    def _forget_editor(self, node_id: str, *_: object) -> None:
        self.editors.pop(node_id, None)

    def _context_menu(self, pos: QPoint) -> None:
        node = self.scene.node_at(self.view.mapToScene(pos))
        menu = QMenu(self)
        if isinstance(node, NodeItem):
            if not node.isSelected():
                self.scene.select_only([node.node_id])
            menu.addAction("Open settings…", lambda: self.open_editor(node.node_id))
            menu.addAction("Rename", lambda: node.title_item.start_editing())
            for port in node.outputs:
                menu.addAction(f"Show output '{port}'", lambda p=port: self.show_output(node.node_id, p))
            menu.addAction("Run up to here", lambda: self.runs.run([node.node_id]))
            menu.addSeparator()
            menu.addAction(self.duplicate_action)
            menu.addAction(self.delete_action)
        else:
            position = self.view.mapToScene(pos)
            menu.addAction("Add block…", lambda: self.interactions.quick_search(position, ""))
            menu.addAction("Add note", lambda: self.add_note(position))
            menu.addAction("Add arrow", lambda: self.add_arrow(position))
            menu.addAction(self.paste_action)
        menu.popup(self.view.mapToGlobal(pos))

    # -- editing -----------------------------------------------------------------------------------
    def delete_selection(self) -> None:
        """Delete the selected blocks, links and notes (one undo step)."""
        self.document.remove(self.scene.selected_node_ids(), self.scene.selected_link_ids(),
                             self.scene.selected_annotation_ids())

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
        self.scene.annotations[note_id].start_editing()
        return note_id

    def add_arrow(self, position: QPointF | None = None) -> str:
        """Add an arrow (at `position` or the view's centre)."""
        position = position if isinstance(position, QPointF) else self.view.cursor_scene_pos()
        return self.document.add_annotation("arrow", (position.x(), position.y(),
                                                      position.x() + 100.0, position.y() + 40.0))

    def _set_snap(self, on: bool) -> None:
        self.scene.snap_to_grid = on

    # -- files ---------------------------------------------------------------------------------------
    def new(self) -> None:
        """Start an empty workflow (asking about unsaved changes first)."""
        if self.maybe_save():
            self._show(Workflow(default_registry()), None, [], "Untitled")

    def open_dialog(self) -> None:
        """Ask for a workflow file and open it."""
        path = self.choose_open_path()
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        """Open a workflow file; a bad file gets a clear message and the current workflow stays."""
        if not self.maybe_save():
            return False
        try:
            workflow, diagnostics = read_workflow(path)
        except WorkflowFileError as exc:
            self.show_error("Cannot open workflow", str(exc))
            return False
        path = str(Path(path).resolve())
        self._show(workflow, path, diagnostics, Path(path).name)
        recent.remember(path)
        return True

    def open_example(self, path: Path) -> bool:
        """Open a shipped example as an untitled copy (saving never overwrites the example)."""
        if not self.maybe_save():
            return False
        try:
            workflow, diagnostics = read_workflow(path)
        except WorkflowFileError as exc:
            self.show_error("Cannot open example", str(exc))
            return False
        absolute_settings(workflow, str(Path(path).resolve().parent))
        self._show(workflow, None, diagnostics, f"{example_name(path)} (example)")
        return True

    def recover(self, recovery: Recovery) -> bool:
        """Load a recovery file as unsaved work (saving goes to the file it came from, if any)."""
        try:
            workflow, diagnostics = read_workflow(recovery.workflow_path)
        except WorkflowFileError as exc:
            self.show_error("Cannot recover", str(exc))
            return False
        if recovery.original is None:
            absolute_settings(workflow, recovery.base_dir)
        name = Path(recovery.original).name if recovery.original else "Untitled"
        self._show(workflow, recovery.original, diagnostics, f"{name} (recovered)", modified=True)
        recovery.discard()
        self.autosave()
        return True

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        path = self.choose_save_path()
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save to `path` (a message on failure); True when saved."""
        try:
            self.document.save(path)
        except (WorkflowFileError, EmbedflowError) as exc:
            self.show_error("Cannot save", str(exc))
            return False
        self.display_name = Path(path).name
        self._update_title()
        # What reading the old file reported (parts left out, ...) no longer describes the saved file.
        self.file_diagnostics = []
        self._validate_timer.start()
        self.autosaver.clear()
        self._autosaved_index = self.document.undo_stack.index()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current workflow (saved, discarded, or unchanged)."""
        if not self.document.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def autosave(self) -> None:
        """Write the recovery file when there are unsaved edits not yet autosaved."""
        if not self.document.modified:
            return
        if self.document.undo_stack.index() == self._autosaved_index and self.autosaver.workflow_path.exists():
            return
        try:
            self.autosaver.save(self.document.workflow, self.document.path, self.document.base_dir)
        except OSError as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 5000)
            return
        self._autosaved_index = self.document.undo_stack.index()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Ask about unsaved changes; a normal close leaves no recovery file."""
        if not self.maybe_save():
            event.ignore()
            return
        self.runs.cancel()
        self.autosaver.clear()
        for widget in [*self.editors.values(), *self.findChildren(DataViewer)]:
            widget.close()
        event.accept()

    # -- recent files --------------------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in recent.recent_files():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setEnabled(Path(path).exists())
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # -- drops on the window ------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accept workflow files dropped anywhere on the window."""
        if any(url.toLocalFile().endswith(SUFFIX) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Open the dropped workflow file."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.toLocalFile().endswith(SUFFIX)]
        if paths:
            event.acceptProposedAction()
            self.open_file(paths[0])

    # -- dialogs (tests replace these) -------------------------------------------------------------
    def ask_save_changes(self) -> str:
        """Ask whether to save unsaved changes: "save", "discard" or "cancel"."""
        answer = QMessageBox.question(
            self, "Unsaved changes", f"“{self.display_name}” has unsaved changes. Save them?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def ask_recover(self, recovery: Recovery) -> bool:
        """Ask whether to restore work from a session that ended without saving."""
        name = Path(recovery.original).name if recovery.original else "an untitled workflow"
        answer = QMessageBox.question(
            self, "Recover unsaved work?",
            f"embedflow did not close normally last time. Recover the unsaved changes to {name}?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def show_error(self, title: str, message: str) -> None:
        """Tell the user something went wrong."""
        QMessageBox.warning(self, title, message)

    def choose_open_path(self) -> str:
        """Ask for a workflow file to open ("" when cancelled)."""
        start = str(Path(self.document.path).parent) if self.document.path else str(Path.home())
        return QFileDialog.getOpenFileName(self, "Open workflow", start, FILE_FILTER)[0]

    def choose_save_path(self) -> str:
        """Ask for a file name to save to ("" when cancelled)."""
        start = self.document.path or str(Path.home() / f"workflow{SUFFIX}")
        return QFileDialog.getSaveFileName(self, "Save workflow", start, FILE_FILTER)[0]


def example_name(path: Path) -> str:
    """The window-title name of an example file: "image-map.embedflow" → "Image map"."""
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def window_icon() -> QIcon:
    """The application icon."""
    from . import style

    return QIcon(style.icon_path("embedflow"))

