"""Teaching tools on the main window: welcome screen, help (F1), presentation mode, canvas export.

`Teaching(window)` adds its actions to the window's File, View and Help menus; the window keeps it
as `window.teaching`. Dialogs that ask for a path go through `choose_export_path` so tests can answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QFileDialog, QMenu

from embedflow.core.errors import EmbedflowError

from .export import export_png, export_svg
from .help_viewer import HelpViewer, show_help
from .presentation import PresentationMode
from .recent import recent_files
from .welcome import WelcomeDialog

if TYPE_CHECKING:
    from .mainwindow import MainWindow

EXPORTS = {"png": ("PNG image (*.png)", export_png), "svg": ("SVG drawing (*.svg)", export_svg)}


class Teaching(QObject):
    """Owns the teaching actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.presentation = PresentationMode(window)
        self.welcome: WelcomeDialog | None = None
        self.help_action = self._action("&Help", self.show_help, QKeySequence.HelpContents,
                                        "Help on the selected block, or on embeddings (F1)")
        self.welcome_action = self._action("&Welcome Screen…", self.show_welcome, None,
                                           "Examples, recent workflows and how to build a first one")
        self.presentation_action = self._action("&Presentation Mode", self.presentation.set_active, "F5",
                                                "Larger text and blocks for a projector (F5)")
        self.presentation_action.setCheckable(True)
        self.png_action = self._action("Export Canvas as P&NG…", lambda: self.export("png"), None,
                                       "Save a picture of the workflow for slides")
        self.svg_action = self._action("Export Canvas as S&VG…", lambda: self.export("svg"), None,
                                       "Save the workflow as a drawing that stays sharp at any size")
        self._add_to_menus()

    def _action(self, text: str, slot, shortcut, tip: str) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _menu(self, title: str) -> QMenu:
        for action in self.window.menuBar().actions():
            if action.menu() is not None and action.text().replace("&", "") == title:
                return action.menu()
        return self.window.menuBar().addMenu(f"&{title}")

    def _add_to_menus(self) -> None:
        file_menu = self._menu("File")
        quit_action = getattr(self.window, "quit_action", None)
        before = quit_action if quit_action in file_menu.actions() else None
        # None (no Quit action) appends; PyQt5-stubs do not allow None here.
        file_menu.insertActions(before, [self.png_action, self.svg_action])  # type: ignore[arg-type]
        file_menu.insertSeparator(before)  # type: ignore[arg-type]
        view_menu = self._menu("View")
        view_menu.addSeparator()
        view_menu.addAction(self.presentation_action)
        help_menu = self._menu("Help")
        help_menu.addActions([self.help_action, self.welcome_action])

    # -- help ---------------------------------------------------------------------------------
    def show_help(self) -> HelpViewer:
        """The help of the one selected block, or the start page."""
        selected = self.window.scene.selected_node_ids()
        nodes = self.window.document.workflow.nodes
        type_name = nodes[selected[0]].type if len(selected) == 1 and selected[0] in nodes else None
        return show_help(self.window, type_name)

    # -- welcome --------------------------------------------------------------------------------
    def show_welcome(self) -> WelcomeDialog:
        """Show the welcome screen over the window (not modal: the canvas stays usable)."""
        if self.welcome is not None:
            self.welcome.close()
        dialog = WelcomeDialog(recent_files(), self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.exampleChosen.connect(self.window.open_example)
        dialog.recentChosen.connect(self.window.open_file)
        dialog.newChosen.connect(self.window.new)
        dialog.openChosen.connect(self.window.open_dialog)
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
        start = self.window.save_suggestion(f".{kind}")
        return QFileDialog.getSaveFileName(self.window, "Export canvas", str(start), EXPORTS[kind][0])[0]
