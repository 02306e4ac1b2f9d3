"""The window's files: open (files, examples, drops, recent), save and package, autosave and recovery.

The controller decides; the window shows and asks. Every question to the user goes through the
`FilePrompts` the controller is given (the main window), so tests answer them there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PyQt5.QtCore import QObject, QTimer, pyqtSignal
from PyQt5.QtGui import QDragEnterEvent, QDropEvent
from PyQt5.QtWidgets import QMenu

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.errors import EmbedflowError, WorkflowFileError
from embedflow.core.workflow import Workflow
from embedflow.io.resources import resource
from embedflow.io.workflow_file import SUFFIX, read_workflow
from embedflow.registry import Registry
from embedflow.validation import UNTRUSTED_PATH, validate

from . import recent
from .autosave import INTERVAL_MS, Autosaver, Recovery
from .document.document import absolute_settings
from .document.editor import WorkflowEditor


class FilePrompts(Protocol):
    """The questions a file controller asks the user (the main window answers; tests replace them)."""

    def ask_save_changes(self) -> str:
        """ "save", "discard" or "cancel" for unsaved changes."""

    def ask_recover(self, recovery: Recovery) -> bool:
        """Whether to restore work from a session that ended without saving."""

    def ask_package(self, paths: list[str], folder: str) -> bool:
        """Whether to copy data from outside `folder` next to the workflow."""

    def show_error(self, title: str, message: str) -> None:
        """Tell the user something went wrong."""

    def choose_open_path(self) -> str:
        """A workflow file to open ("" when cancelled)."""

    def choose_save_path(self) -> str:
        """A file name to save to ("" when cancelled)."""


class FileController(QObject):
    """The file of the one workflow an editor shows: which file, its name, and every way in and out.

    Signals: shown() after another workflow is shown (New, Open, recovery); named(display name) when
    the name the title shows changes; notice(text, milliseconds) for the status bar; saved() after a
    save (what reading the old file reported no longer holds); untrustedOpened() before a file that
    reads outside its folders is shown (nothing of it should run on its own).
    """

    shown = pyqtSignal()
    untrustedOpened = pyqtSignal()
    named = pyqtSignal(str)
    notice = pyqtSignal(str, int)
    saved = pyqtSignal()

    def __init__(self, editor: WorkflowEditor, registry: Registry, prompts: FilePrompts,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = editor.document
        self.registry = registry
        self.prompts = prompts
        self.autosaver = Autosaver()
        self.file_diagnostics: list[Diagnostic] = []
        self.display_name = "Untitled"
        self.file_stem = "workflow"  # the name a save dialog suggests
        self._autosaved_index = 0
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(INTERVAL_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self.document.pathChanged.connect(self._path_changed)

    # -- showing a workflow ----------------------------------------------------------------------
    def show(self, workflow: Workflow, path: str | None, file_diagnostics: list[Diagnostic], display_name: str,
             modified: bool = False) -> None:
        """Edit `workflow` (from `path`) under `display_name`, with what reading it reported."""
        self.file_diagnostics = file_diagnostics
        self.display_name = display_name
        self.editor.set_workflow(workflow, path, modified)
        self._autosaved_index = self.document.undo_stack.index()
        self.shown.emit()

    def new(self) -> None:
        """Start an empty workflow (asking about unsaved changes first)."""
        if self.maybe_save():
            self.file_stem = "workflow"
            self.show(Workflow(self.registry), None, [], "Untitled")

    def open_dialog(self) -> None:
        """Ask for a workflow file and open it."""
        path = self.prompts.choose_open_path()
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open a workflow file; a shipped example opens as an untitled copy. A bad file gets a clear
        message and the current workflow stays."""
        example = is_example(path)
        if not self.maybe_save():
            return False
        try:
            workflow, diagnostics = read_workflow(path, self.registry)
        except WorkflowFileError as exc:
            self.prompts.show_error("Cannot open example" if example else "Cannot open workflow", str(exc))
            return False
        resolved = Path(path).resolve()
        self.file_stem = resolved.stem
        if example:
            # However it is opened (menu, command line, recent files, a drop), an example is never overwritten.
            absolute_settings(workflow, str(resolved.parent))
            self.show(workflow, None, diagnostics, f"{example_name(resolved)} (example)")
            return True
        if any(d.code == UNTRUSTED_PATH for d in validate(workflow, str(resolved.parent))):
            self.untrustedOpened.emit()
        self.show(workflow, str(resolved), diagnostics, recent.display_name(str(resolved)))
        recent.remember(str(resolved))
        return True

    def recover(self, recovery: Recovery) -> bool:
        """Load a recovery file as unsaved work (saving goes to the file it came from, if any)."""
        try:
            workflow, diagnostics = read_workflow(recovery.workflow_path, self.registry)
        except WorkflowFileError as exc:
            self.prompts.show_error("Cannot recover", str(exc))
            return False
        if recovery.original is None:
            absolute_settings(workflow, recovery.base_dir)
        name = Path(recovery.original).name if recovery.original else "Untitled"
        self.file_stem = Path(recovery.original).stem if recovery.original else "workflow"
        self.show(workflow, recovery.original, diagnostics, f"{name} (recovered)", modified=True)
        recovery.discard()
        self.autosave()
        return True

    # -- saving ------------------------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the current file, or ask for one."""
        if self.document.path is None or is_example(self.document.path):
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there (offering to copy outside data next to it first)."""
        path = self.prompts.choose_save_path()
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        folder = str(Path(path).resolve().parent)
        outside = self.document.data_outside(folder)
        if outside and self.prompts.ask_package(sorted(set(outside.values())), folder):
            try:
                self.document.package_data(folder, outside)
            except OSError as exc:
                self.prompts.show_error("Cannot copy the data", str(exc))
                return False
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save to `path` (a message on failure); True when saved."""
        try:
            self.document.save(path)
        except (WorkflowFileError, EmbedflowError) as exc:
            self.prompts.show_error("Cannot save", str(exc))
            return False
        self.display_name = recent.display_name(path)
        self.named.emit(self.display_name)
        self.file_diagnostics = []
        self.autosaver.clear()
        self._autosaved_index = self.document.undo_stack.index()
        self.saved.emit()
        self.notice.emit(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current workflow (saved, discarded, or unchanged)."""
        if not self.document.modified:
            return True
        answer = self.prompts.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def save_suggestion(self, suffix: str) -> Path:
        """Where a save or export dialog starts: the workflow's own name, in its folder or the last one used."""
        path = self.document.path
        if path and not is_example(path):
            return Path(path).with_suffix(suffix)
        folders = [Path(p).parent for p in recent.recent_files() if not is_example(p) and Path(p).parent.is_dir()]
        return (folders[0] if folders else Path.home()) / f"{self.file_stem}{suffix}"

    # -- autosave -----------------------------------------------------------------------------------
    def autosave(self) -> None:
        """Write the recovery file when there are unsaved edits not yet autosaved."""
        if not self.document.modified:
            return
        if self.document.undo_stack.index() == self._autosaved_index and self.autosaver.workflow_path.exists():
            return
        try:
            self.autosaver.save(self.document.workflow, self.document.path, self.document.base_dir)
        except OSError as exc:
            self.notice.emit(f"Autosave failed: {exc}", 5000)
            return
        self._autosaved_index = self.document.undo_stack.index()

    def stop(self) -> None:
        """The window closes for good: no more autosaves, and no recovery file is left behind."""
        self._autosave_timer.stop()
        self.autosaver.clear()

    # -- recent files and drops ---------------------------------------------------------------------
    def fill_recent_menu(self, menu: QMenu) -> None:
        """List the recent workflows in `menu` (missing ones greyed out)."""
        menu.clear()
        paths = recent.recent_files()
        for path, name in zip(paths, recent.distinct_names(paths)):
            action = menu.addAction(name)
            action.setToolTip(path)
            action.setEnabled(Path(path).exists())
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    def accept_drag(self, event: QDragEnterEvent) -> None:
        """Accept workflow files dragged over the window."""
        if any(url.toLocalFile().endswith(SUFFIX) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        """Open the first workflow file dropped on the window."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.toLocalFile().endswith(SUFFIX)]
        if paths:
            event.acceptProposedAction()
            self.open_file(paths[0])

    def _path_changed(self, path: str) -> None:
        if path:
            self.display_name = recent.display_name(path)
            self.editor.runs.set_base_dir(self.document.base_dir)
            recent.remember(path)
        self.named.emit(self.display_name)


def is_example(path: str | Path) -> bool:
    """True for a file among the shipped examples."""
    return Path(path).resolve().parent == resource("examples").resolve()


def example_name(path: Path) -> str:
    """The window-title name of an example file: "image-map.embedflow" → "Image map"."""
    return path.stem.replace("_", " ").replace("-", " ").capitalize()
