"""The main window: menus, toolbar and docks around the workflow editor, files, autosave and recovery."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSlot
from PyQt5.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStyle,
    QToolBar,
)

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.errors import EmbedflowError, WorkflowFileError
from embedflow.core.workflow import Workflow
from embedflow.io.resources import resource
from embedflow.io.workflow_file import SUFFIX, read_workflow
from embedflow.registry import default_registry
from embedflow.validation import UNTRUSTED_PATH, validate

from . import recent, status
from .addons_dialog import AddOnsDialog
from .autosave import INTERVAL_MS, Autosaver, Recovery
from .document.document import absolute_settings
from .document.editor import WorkflowEditor
from .messages import MessagesView
from .run_on import add_run_on
from .teaching import Teaching
from .toolbox import Toolbox
from .views.html_map_export import export_html_map, is_map
from .welcome import example_intro, example_title, ordered_examples

FILE_FILTER = f"embedflow workflows (*{SUFFIX});;All files (*)"


class StepAction(QAction):
    """A toolbar Undo or Redo with a fixed text; the step it would take is in its tooltip.

    Qt slots, not Python lambdas: the undo stack still signals while the window is being destroyed.
    """

    def follow(self, trigger, enabled: bool, step: str, enabled_changed, step_changed) -> None:
        """Trigger `trigger` and follow the stack's state and step text."""
        self.triggered.connect(trigger)
        self.setEnabled(enabled)
        self.show_step(step)
        enabled_changed.connect(self.setEnabled)
        step_changed.connect(self.show_step)

    @pyqtSlot(str)
    def show_step(self, step: str) -> None:
        """Name the step in the tooltip."""
        self.setToolTip(f"{self.text()} {step}".strip())


class MainWindow(QMainWindow):
    """One open workflow. Dialogs go through ask_save_changes / ask_recover / show_error / choose_*
    so tests can answer them."""

    def __init__(self) -> None:
        super().__init__()
        default_registry()
        self.editor = WorkflowEditor(self)
        # The editor's parts, named here too: the window's menus and files work on them.
        self.document, self.scene, self.view = self.editor.document, self.editor.scene, self.editor.view
        self.interactions, self.runs = self.editor.interactions, self.editor.runs
        self.autosaver = Autosaver()
        self.diagnostics: list[Diagnostic] = []
        self.file_diagnostics: list[Diagnostic] = []
        self.display_name = "Untitled"
        self.file_stem = "workflow"  # the name a save dialog suggests
        self._autosaved_index = 0
        self._unsubscribe = None
        self.setCentralWidget(self.editor)
        self.setAcceptDrops(True)
        self.resize(opening_size())
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
        self.export_html_action = self._action("Export HTML &Map…", self.export_html_map,
                                               tip="Save the selected Scatter's map as one HTML page for any browser")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.Quit)
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.undo_action.setIcon(self.style().standardIcon(s.SP_ArrowBack))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        # The platform's Redo may itself be Ctrl+Y: a shortcut listed twice is ambiguous and does nothing.
        redo_keys = QKeySequence.keyBindings(QKeySequence.Redo)
        if QKeySequence("Ctrl+Y") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Y"))
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.setIcon(self.style().standardIcon(s.SP_ArrowForward))
        # The toolbar's Undo and Redo keep short fixed texts so no button moves; the step is in the tooltip.
        self.undo_tool = StepAction(self.style().standardIcon(s.SP_ArrowBack), "Undo", self)
        self.undo_tool.follow(stack.undo, stack.canUndo(), stack.undoText(), stack.canUndoChanged,
                              stack.undoTextChanged)
        self.redo_tool = StepAction(self.style().standardIcon(s.SP_ArrowForward), "Redo", self)
        self.redo_tool.follow(stack.redo, stack.canRedo(), stack.redoText(), stack.canRedoChanged,
                              stack.redoTextChanged)
        self.cut_action = self._action("Cu&t", self.editor.cut, QKeySequence.Cut)
        self.copy_action = self._action("&Copy", self.editor.copy, QKeySequence.Copy)
        self.paste_action = self._action("&Paste", self.editor.paste, QKeySequence.Paste)
        self.duplicate_action = self._action("D&uplicate", self.editor.duplicate, "Ctrl+D")
        self.delete_action = self._action("&Delete", self.editor.delete_selection,
                                          [QKeySequence(QKeySequence.Delete), QKeySequence("Backspace")])
        self.delete_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.view.addAction(self.delete_action)
        self.select_all_action = self._action("Select &All", self.editor.select_all, QKeySequence.SelectAll)
        self.rename_action = self._action("Re&name", self.editor.rename_selected, "F2")
        self.note_action = self._action("Add &Note", self.editor.add_note, "Ctrl+Shift+N",
                                        tip="Add a text note for your students")
        self.arrow_action = self._action("Add A&rrow", self.editor.add_arrow, "Ctrl+Shift+A",
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
        self.snap_action = self._action("&Snap to Grid", self.editor.set_snap, checkable=True)
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
        file_menu.addActions([self.save_action, self.save_as_action, self.export_html_action])
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
        toolbar.addActions([self.undo_tool, self.redo_tool])
        toolbar.addSeparator()
        toolbar.addActions([self.run_action, self.autorun_action, self.cancel_action])
        toolbar.addSeparator()
        toolbar.addActions([self.fit_action, self.note_action, self.arrow_action])
        self.addToolBar(toolbar)

    def _connect(self) -> None:
        self.document.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.document.pathChanged.connect(self._path_changed)
        self.interactions.workflowFileDropped.connect(self.open_file)
        self.editor.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.toolbox.blockActivated.connect(
            lambda t: self.interactions.add_block(t, self.view.mapToScene(self.view.viewport().rect().center())))
        self.messages.nodeClicked.connect(self.editor.focus_node)
        self.messages.linkClicked.connect(self.editor.focus_link)
        self.editor.stateShown.connect(self._state_shown)
        self.runs.runFinished.connect(self._validate_timer.start)
        self.runs.runFinished.connect(self._report_run)
        self.runs.runningChanged.connect(self._running_changed)

    def show_add_ons(self) -> AddOnsDialog:
        """Help → Add-ons: every add-on with its blocks and failures (not modal)."""
        dialog = AddOnsDialog(default_registry(), self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- showing a workflow ------------------------------------------------------------------
    def _show(self, workflow: Workflow, path: str | None, file_diagnostics: list[Diagnostic],
              display_name: str, modified: bool = False) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.file_diagnostics = file_diagnostics
        self.display_name = display_name
        self.editor.set_workflow(workflow, path, modified)
        self._unsubscribe = workflow.subscribe(lambda _event: self._validate_timer.start())
        self._autosaved_index = self.document.undo_stack.index()
        self._update_title()
        self.revalidate()
        QTimer.singleShot(0, self.view.fit)
        self.view.setFocus()

    def _path_changed(self, path: str) -> None:
        if path:
            self.display_name = recent.display_name(path)
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
        self.editor.set_diagnostics(self.diagnostics)
        self._refresh_messages()

    def _refresh_messages(self) -> None:
        workflow = self.document.workflow
        runs = {node_id: (self.runs.state(node_id), self.runs.result(node_id)) for node_id in workflow.nodes}
        shown = status.shown_messages(self.diagnostics, runs, self.file_diagnostics)
        self.messages.set_messages(shown, {node_id: node.title for node_id, node in workflow.nodes.items()})
        self.messages_dock.setWindowTitle(status.messages_title(d for d, _title in self.messages.messages or []))

    def _state_shown(self, node_id: str) -> None:
        if self.runs.state(node_id).state in ("done", *status.UNFINISHED):
            self._refresh_messages()

    def _report_run(self) -> None:
        states = [self.runs.state(n).state for n in self.document.workflow.nodes]
        self.statusBar().showMessage(status.run_report(states), 8000)

    def _running_changed(self, running: bool) -> None:
        self.cancel_action.setEnabled(running)
        self.run_label.setText("Running…" if running else "")

    # -- files ---------------------------------------------------------------------------------------
    def new(self) -> None:
        """Start an empty workflow (asking about unsaved changes first)."""
        if self.maybe_save():
            self.file_stem = "workflow"
            self._show(Workflow(default_registry()), None, [], "Untitled")

    def open_dialog(self) -> None:
        """Ask for a workflow file and open it."""
        path = self.choose_open_path()
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        """Open a workflow file; a bad file gets a clear message and the current workflow stays."""
        if is_example(path):
            # However it is opened (command line, recent files, a drop), a shipped example is never overwritten.
            return self.open_example(Path(path))
        if not self.maybe_save():
            return False
        try:
            workflow, diagnostics = read_workflow(path)
        except WorkflowFileError as exc:
            self.show_error("Cannot open workflow", str(exc))
            return False
        path = str(Path(path).resolve())
        if any(d.code == UNTRUSTED_PATH for d in validate(workflow, str(Path(path).parent))):
            self._hold_auto_run()
        self.file_stem = Path(path).stem
        self._show(workflow, path, diagnostics, recent.display_name(path))
        recent.remember(path)
        return True

    def _hold_auto_run(self) -> None:
        """Nothing of a file that reads outside its folders runs before the user has seen why (Messages)."""
        self.autorun_action.setChecked(False)
        self.runs.set_auto_run(False)
        self.statusBar().showMessage("This workflow reads files outside its folder (see Messages); auto-run is "
                                     "off, so nothing runs until you press Run.")

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
        self.file_stem = Path(path).stem
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
        self.file_stem = Path(recovery.original).stem if recovery.original else "workflow"
        self._show(workflow, recovery.original, diagnostics, f"{name} (recovered)", modified=True)
        recovery.discard()
        self.autosave()
        return True

    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if self.document.path is None or is_example(self.document.path):
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        path = self.choose_save_path()
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        folder = str(Path(path).resolve().parent)
        outside = self.document.data_outside(folder)
        if outside and self.ask_package(sorted(set(outside.values())), folder):
            try:
                self.document.package_data(folder, outside)
            except OSError as exc:
                self.show_error("Cannot copy the data", str(exc))
                return False
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save to `path` (a message on failure); True when saved."""
        try:
            self.document.save(path)
        except (WorkflowFileError, EmbedflowError) as exc:
            self.show_error("Cannot save", str(exc))
            return False
        self.display_name = recent.display_name(path)
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
        self.editor.close_windows()
        event.accept()

    # -- recent files --------------------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in recent.recent_files():
            action = self.recent_menu.addAction(recent.display_name(path))
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

    def ask_package(self, paths: list[str], folder: str) -> bool:
        """Ask whether to copy data from outside the workflow's folder next to it ("package for sharing")."""
        listed = "\n".join(f"  {p}" for p in paths[:8]) + ("\n  …" if len(paths) > 8 else "")
        answer = QMessageBox.question(
            self, "Package for sharing?",
            f"The workflow reads data from outside {folder}:\n{listed}\n\nCopy it next to the workflow, so "
            "the folder can be shared as it is? (Otherwise the workflow keeps pointing at these paths.)",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def export_html_map(self) -> None:
        """File → Export HTML Map…: the selected Scatter's map as one self-contained page."""
        views = [self.runs.result(n) for n in self.scene.selected_node_ids()]
        maps = [r.view for r in views if r is not None and r.state == "done" and is_map(r.view)]
        if len(maps) != 1:
            self.show_error("Export HTML map", "Select one Scatter that has run, then export its map.")
            return
        export_html_map(self, maps[0], self.save_suggestion(".html"), self.file_stem)

    def show_error(self, title: str, message: str) -> None:
        """Tell the user something went wrong."""
        QMessageBox.warning(self, title, message)

    def choose_open_path(self) -> str:
        """Ask for a workflow file to open ("" when cancelled)."""
        start = str(Path(self.document.path).parent) if self.document.path else str(Path.home())
        return QFileDialog.getOpenFileName(self, "Open workflow", start, FILE_FILTER)[0]

    def choose_save_path(self) -> str:
        """Ask for a file name to save to ("" when cancelled)."""
        return QFileDialog.getSaveFileName(self, "Save workflow", str(self.save_suggestion(SUFFIX)), FILE_FILTER)[0]

    def save_suggestion(self, suffix: str) -> Path:
        """Where a save or export dialog starts: the workflow's own name, in its folder or the last one used."""
        path = self.document.path
        if path and not is_example(path):
            return Path(path).with_suffix(suffix)
        folders = [Path(p).parent for p in recent.recent_files() if not is_example(p) and Path(p).parent.is_dir()]
        return (folders[0] if folders else Path.home()) / f"{self.file_stem}{suffix}"


def opening_size() -> QSize:
    """Most of the screen: a workflow fitted into 1200 × 760 on a large screen was too small to read."""
    screen = QApplication.primaryScreen()
    if screen is None:
        return QSize(1200, 760)
    area = screen.availableGeometry()
    return QSize(max(1000, int(area.width() * 0.9)), max(700, int(area.height() * 0.9))).boundedTo(area.size())


def is_example(path: str | Path) -> bool:
    """True for a file among the shipped examples."""
    return Path(path).resolve().parent == resource("examples").resolve()


def example_name(path: Path) -> str:
    """The window-title name of an example file: "image-map.embedflow" → "Image map"."""
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


def window_icon() -> QIcon:
    """The application icon."""
    from . import style

    return QIcon(style.icon_path("embedflow"))

