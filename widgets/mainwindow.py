"""The main window: menus, toolbar and docks (from the action table) around the workflow editor and its files."""

from __future__ import annotations

from collections.abc import Callable
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
    QMenu,
    QMessageBox,
    QStyle,
    QToolBar,
)

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.workflow import Workflow
from embedflow.groups import titles
from embedflow.io.workflow_file import SUFFIX
from embedflow.registry import Registry, default_registry
from embedflow.validation import validate

from . import status
from .actions import ACTIONS, MENUS, SEPARATOR, TOOLBAR, ActionSpec, EnabledWhen
from .addons_dialog import AddOnsDialog
from .autosave import Recovery
from .document.editor import WorkflowEditor
from .file_controller import FileController
from .group_actions import save_selected_group
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
    """The window around one workflow editor: menus, toolbar and docks, from the action table.

    Files are the `files` controller's (open, save, recovery, autosave, recent files, drops); its
    questions come back here (ask_save_changes / ask_recover / ask_package / show_error / choose_*)
    so tests can answer them. `registry` holds the block types and editors (the process's by default).
    """

    def __init__(self, registry: Registry | None = None) -> None:
        super().__init__()
        self.registry = registry if registry is not None else default_registry()
        self.editor = WorkflowEditor(self, self.registry)
        # The editor's parts, named here too: the window's menus work on them.
        self.document, self.scene, self.view = self.editor.document, self.editor.scene, self.editor.view
        self.interactions, self.runs = self.editor.interactions, self.editor.runs
        self.files = FileController(self.editor, self.registry, self, self)
        self.diagnostics: list[Diagnostic] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.setCentralWidget(self.editor)
        self.setAcceptDrops(True)
        self.resize(opening_size())
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(0)
        self._validate_timer.timeout.connect(self.revalidate)
        self._build_docks()
        self.teaching = Teaching(self)
        self.named_actions = self._build_actions()
        self._build_menus_and_toolbar()
        self._connect()
        self.files.show(Workflow(self.registry), None, [], "Untitled")

    # -- construction ------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.toolbox = Toolbox(self.registry, self)
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

    def _build_actions(self) -> dict[str, QAction]:
        """Every action of the table (each added to the window, so its shortcut works anywhere), plus the
        undo stack's own Undo and Redo and the toolbar's fixed-text pair."""
        actions = {spec.id: self._action(spec) for spec in ACTIONS}
        stack = self.document.undo_stack
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        undo.setIcon(self.style().standardIcon(QStyle.SP_ArrowBack))
        redo = stack.createRedoAction(self, "&Redo")
        # The platform's Redo may itself be Ctrl+Y: a shortcut listed twice is ambiguous and does nothing.
        redo_keys = QKeySequence.keyBindings(QKeySequence.Redo)
        if QKeySequence("Ctrl+Y") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Y"))
        redo.setShortcuts(redo_keys)
        redo.setIcon(self.style().standardIcon(QStyle.SP_ArrowForward))
        self.addActions([undo, redo])
        undo_tool = StepAction(self.style().standardIcon(QStyle.SP_ArrowBack), "Undo", self)
        undo_tool.follow(stack.undo, stack.canUndo(), stack.undoText(), stack.canUndoChanged, stack.undoTextChanged)
        redo_tool = StepAction(self.style().standardIcon(QStyle.SP_ArrowForward), "Redo", self)
        redo_tool.follow(stack.redo, stack.canRedo(), stack.redoText(), stack.canRedoChanged, stack.redoTextChanged)
        made = {**actions, "undo": undo, "redo": redo, "undo_tool": undo_tool, "redo_tool": redo_tool,
                "toolbox_dock": self.toolbox_dock.toggleViewAction(),
                "messages_dock": self.messages_dock.toggleViewAction()}
        for name, action in made.items():
            action.setObjectName(name)
        return made

    def _action(self, spec: ActionSpec) -> QAction:
        action = QAction(spec.text, self)
        action.setShortcuts([QKeySequence(key) for key in spec.shortcuts])
        if spec.icon is not None:
            action.setIcon(self.style().standardIcon(spec.icon))
        action.setToolTip(spec.tooltip())
        action.setCheckable(spec.checkable)
        action.setChecked(spec.checked)
        action.setEnabled(self._enabled(spec.enabled_when))
        action.triggered.connect(self._trigger(spec.trigger))
        if spec.view_only:
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        else:
            self.addAction(action)
        return action

    def _trigger(self, path: str) -> Callable[..., object]:
        target: object = self
        for name in path.split("."):
            target = getattr(target, name)
        assert callable(target), path
        return target

    def _enabled(self, when: EnabledWhen, running: bool = False) -> bool:
        return when == EnabledWhen.ALWAYS or (when == EnabledWhen.RUNNING and running)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        for title, entries in MENUS:
            menu = bar.addMenu(title)
            self.menus[title.replace("&", "")] = menu
            for entry in entries:
                if entry == SEPARATOR:
                    menu.addSeparator()
                elif entry == "recent":
                    self.recent_menu = menu.addMenu("Open &Recent")
                    self.recent_menu.menuAction().setObjectName("recent")
                    self.recent_menu.aboutToShow.connect(lambda: self.files.fill_recent_menu(self.recent_menu))
                elif entry == "examples":
                    examples = menu.addMenu("&Examples")
                    examples.menuAction().setObjectName("examples")
                    self._examples_menu(examples)
                elif entry == "run_on":
                    self.named_actions["run_on"] = add_run_on(menu, self.runs, self)
                    self.named_actions["run_on"].setObjectName("run_on")
                else:
                    menu.addAction(self.named_actions[entry])
        self.help_menu = self.menus["Help"]
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        for entry in TOOLBAR:
            if entry == SEPARATOR:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.named_actions[entry])
        self.addToolBar(toolbar)

    def _examples_menu(self, menu: QMenu) -> None:
        for path in ordered_examples():
            action = menu.addAction(example_title(path))
            action.setToolTip(example_intro(path))
            action.triggered.connect(lambda _=False, p=path: self.files.open_file(p))

    def _connect(self) -> None:
        # A bound slot, not a lambda: Qt drops it with the window (the stack still signals while it is destroyed).
        self.document.undo_stack.cleanChanged.connect(self._clean_changed)
        self.files.shown.connect(self._shown)
        self.files.named.connect(self._update_title)
        self.files.notice.connect(self.statusBar().showMessage)
        self.files.saved.connect(self._validate_timer.start)
        self.files.untrustedOpened.connect(self._hold_auto_run)
        self.interactions.workflowFileDropped.connect(self.files.open_file)
        self.editor.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.toolbox.blockActivated.connect(
            lambda t: self.interactions.add_block(t, self.view.mapToScene(self.view.viewport().rect().center())))
        self.messages.nodeClicked.connect(self.editor.focus_node)
        self.messages.linkClicked.connect(self.editor.focus_link)
        self.editor.stateShown.connect(self._state_shown)
        self.runs.runFinished.connect(self._validate_timer.start)
        self.runs.runFinished.connect(self._report_run)
        self.runs.runningChanged.connect(self._running_changed)

    def run(self) -> None:
        """Run the workflow (what is out of date)."""
        self.runs.run()

    def _hold_auto_run(self) -> None:
        """Nothing of a file that reads outside its folders runs before the user has seen why (Messages)."""
        self.named_actions["autorun"].setChecked(False)
        self.runs.set_auto_run(False)
        self.statusBar().showMessage("This workflow reads files outside its folder (see Messages); auto-run is "
                                     "off, so nothing runs until you press Run.")

    def export_html_map(self) -> None:
        """File → Export HTML Map…: the selected Scatter's map as one self-contained page."""
        views = [self.runs.result(n) for n in self.scene.selected_node_ids()]
        maps = [r.view for r in views if r is not None and r.state == "done" and is_map(r.view)]
        if len(maps) != 1:
            self.show_error("Export HTML map", "Select one Scatter that has run, then export its map.")
            return
        export_html_map(self, maps[0], self.files.save_suggestion(".html"), self.files.file_stem)

    def show_add_ons(self) -> AddOnsDialog:
        """Help → Add-ons: every add-on with its blocks and failures (not modal)."""
        dialog = AddOnsDialog(self.registry, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- files: the controller's, named here for the command line and the welcome screen -------------
    def open_file(self, path: str | Path) -> bool:
        """Open a workflow file (a shipped example as an untitled copy)."""
        return self.files.open_file(path)

    def open_example(self, path: Path) -> bool:
        """Open a shipped example as an untitled copy: the same path as any file."""
        return self.files.open_file(path)

    # -- showing a workflow ------------------------------------------------------------------
    def _shown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = self.document.workflow.subscribe(lambda _event: self._validate_timer.start())
        self._update_title()
        self.revalidate()
        QTimer.singleShot(0, self.view.fit)
        self.view.setFocus()

    @pyqtSlot(bool)
    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.display_name}[*] — embedflow")
        self.setWindowModified(self.document.modified)

    # -- validation, states, messages ------------------------------------------------------------
    def revalidate(self) -> None:
        """Re-run the validator and refresh badges, link colours and the Messages dock."""
        engine = self.runs.engine
        outputs = engine.outputs() if engine is not None else {}
        self.diagnostics = validate(self.document.workflow, self.document.base_dir, outputs)
        self.editor.set_diagnostics(self.diagnostics)
        self._refresh_messages()

    def save_group_as_block(self) -> str | None:
        """Edit › Save Group as Block…: the selected group into the user library (group_actions.py)."""
        return save_selected_group(self)

    def _refresh_messages(self) -> None:
        workflow = self.document.workflow
        named = titles(workflow)  # blocks inside groups too, by their paths
        runs = {node_id: (self.runs.state(node_id), self.runs.result(node_id)) for node_id in named}
        shown = status.shown_messages(self.diagnostics, runs, self.files.file_diagnostics)
        self.messages.set_messages(shown, named)
        self.messages_dock.setWindowTitle(status.messages_title(d for d, _title in self.messages.messages or []))

    def _state_shown(self, node_id: str) -> None:
        if self.runs.state(node_id).state in ("done", *status.UNFINISHED):
            self._refresh_messages()

    def _report_run(self) -> None:
        states = [self.runs.state(n).state for n in self.document.workflow.nodes]
        self.statusBar().showMessage(status.run_report(states), 8000)

    def _running_changed(self, running: bool) -> None:
        for spec in ACTIONS:
            if spec.enabled_when != EnabledWhen.ALWAYS:
                self.named_actions[spec.id].setEnabled(self._enabled(spec.enabled_when, running))
        self.run_label.setText("Running…" if running else "")

    # -- closing and drops ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Ask about unsaved changes; a normal close leaves no recovery file."""
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.stop()
        self.editor.close_windows()
        self.runs.stop()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accept workflow files dropped anywhere on the window."""
        self.files.accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Open the dropped workflow file."""
        self.files.drop(event)

    # -- dialogs (the file controller's FilePrompts; tests replace these) -------------------------------
    def ask_save_changes(self) -> str:
        """Ask whether to save unsaved changes: "save", "discard" or "cancel"."""
        answer = QMessageBox.question(
            self, "Unsaved changes", f"“{self.files.display_name}” has unsaved changes. Save them?",
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

    def show_error(self, title: str, message: str) -> None:
        """Tell the user something went wrong."""
        QMessageBox.warning(self, title, message)

    def choose_open_path(self) -> str:
        """Ask for a workflow file to open ("" when cancelled)."""
        start = str(Path(self.document.path).parent) if self.document.path else str(Path.home())
        return QFileDialog.getOpenFileName(self, "Open workflow", start, FILE_FILTER)[0]

    def choose_save_path(self) -> str:
        """Ask for a file name to save to ("" when cancelled)."""
        return QFileDialog.getSaveFileName(self, "Save workflow", str(self.files.save_suggestion(SUFFIX)),
                                           FILE_FILTER)[0]


def opening_size() -> QSize:
    """Most of the screen: a workflow fitted into 1200 × 760 on a large screen was too small to read."""
    screen = QApplication.primaryScreen()
    if screen is None:
        return QSize(1200, 760)
    area = screen.availableGeometry()
    return QSize(max(1000, int(area.width() * 0.9)), max(700, int(area.height() * 0.9))).boundedTo(area.size())


def window_icon() -> QIcon:
    """The application icon."""
    from . import style

    return QIcon(style.icon_path("embedflow"))

