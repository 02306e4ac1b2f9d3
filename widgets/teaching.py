"""Teaching tools on the main window: welcome screen, help (F1), presentation mode, canvas export.

The window keeps it as `window.teaching`; its actions (Help, Welcome Screen, Presentation Mode,
Export Canvas) are rows of the window's action table (actions.py) that call these methods. Dialogs
that ask for a path go through `choose_export_path` so tests can answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, Qt
from PyQt5.QtWidgets import QFileDialog

from embedflow.core.errors import EmbedflowError

from .export import export_png, export_svg
from .help_viewer import HelpViewer, show_help
from .presentation import PresentationMode
from .recent import recent_files
from .welcome import WelcomeDialog

if TYPE_CHECKING:
    from .mainwindow import MainWindow

if TYPE_CHECKING:
    from .mainwindow import MainWindow

EXPORTS = {"png": ("PNG image (*.png)", export_png), "svg": ("SVG drawing (*.svg)", export_svg)}


class Teaching(QObject):
    """What the teaching actions of one main window do."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.presentation = PresentationMode(window)
        self.welcome: WelcomeDialog | None = None

    def export_png(self) -> Path | None:
        """File → Export Canvas as PNG."""
        return self.export("png")

    def export_svg(self) -> Path | None:
        """File → Export Canvas as SVG."""
        return self.export("svg")

    # -- help ---------------------------------------------------------------------------------
    def show_help(self) -> HelpViewer:
        """The help of the one selected block, or the start page."""
        selected = self.window.scene.selected_node_ids()
        nodes = self.window.document.workflow.nodes
        type_name = nodes[selected[0]].type if len(selected) == 1 and selected[0] in nodes else None
        return show_help(self.window, self.window.registry, type_name)

    # -- welcome --------------------------------------------------------------------------------
    def show_welcome(self) -> WelcomeDialog:
        """Show the welcome screen over the window (not modal: the canvas stays usable)."""
        if self.welcome is not None:
            self.welcome.close()
        dialog = WelcomeDialog(recent_files(), self.window.registry, self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.exampleChosen.connect(self.window.open_example)
        dialog.recentChosen.connect(self.window.open_file)
        dialog.newChosen.connect(self.window.files.new)
        dialog.openChosen.connect(self.window.files.open_dialog)
        dialog.destroyed.connect(self._welcome_closed)
        self.welcome = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _welcome_closed(self) -> None:
        self.welcome = None

    # -- export ---------------------------------------------------------------------------------
    def export(self, kind: str) -> Path | None:
        """Ask for a file and write the canvas there as PNG or SVG; None when cancelled or failed."""
        path = self.choose_export_path(kind)
        if not path:
            return None
        suffix = f".{kind}"
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            written = EXPORTS[kind][1](self.window.scene, path)
        except EmbedflowError as exc:
            self.window.show_error("Cannot export the canvas", str(exc))
            return None
        self.window.statusBar().showMessage(f"Exported the canvas to {written}", 5000)
        return written

    def choose_export_path(self, kind: str) -> str:
        """Ask where to export ("" when cancelled)."""
        start = self.window.files.save_suggestion(f".{kind}")
        return QFileDialog.getSaveFileName(self.window, "Export canvas", str(start), EXPORTS[kind][0])[0]
