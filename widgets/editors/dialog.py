"""The window around a block's editor: title, run state and summary, and a button to see its output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QKeyEvent, QKeySequence, QShowEvent
from PyQt5.QtWidgets import (
    QAction,
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QShortcut,
    QVBoxLayout,
    QWidget,
)

from embedflow.io.resources import resource

from .. import status
from ..help_viewer import HelpViewer, show_help
from ..screen_fit import fit_to_screen
from ..window_keys import close_with_keys
from . import editor_factory
from .context import EditorContext


class _EditorScroll(QScrollArea):
    """Scrolls an editor taller than the screen; its size hint is the whole editor's, not Qt's capped guess."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """The editor's own size hint plus room for a vertical scroll bar."""
        return self.widget().sizeHint() + QSize(self.verticalScrollBar().sizeHint().width(), 0)


class EditorDialog(QDialog):
    """A non-modal window per block; it closes when the block is deleted."""

    def __init__(self, context: EditorContext, show_output: Callable[[str, str], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        close_with_keys(self)
        self.context = context
        self._add_undo_keys(context)
        context.setParent(self)
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.editor = editor_factory(context.node.type, context.registry)(context)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555;")
        self.output_buttons = QHBoxLayout()
        self.show_buttons: dict[str, QPushButton] = {}
        spec = context.spec
        for port in spec.outputs if spec else ():
            button = QPushButton(f"Show {port.name}")
            button.setAutoDefault(False)  # Enter in a field clicks no button (see keyPressEvent)
            button.clicked.connect(lambda _=False, name=port.name: show_output(context.node_id, name))
            self.output_buttons.addWidget(button)
            self.show_buttons[port.name] = button
        self.output_buttons.addStretch(1)
        help_page = resource("help", f"{(spec.help_page or spec.type) if spec else ''}.md")
        if spec is not None and help_page.is_file():
            button = QPushButton("Help")
            button.setAutoDefault(False)
            button.setObjectName("help")
            button.setProperty("page", str(help_page))
            button.setToolTip("What this block does, its settings and messages (F1)")
            button.clicked.connect(lambda: self.show_help(help_page))
            self.output_buttons.addWidget(button)
            QShortcut(QKeySequence.HelpContents, self, lambda: self.show_help(help_page))  # type: ignore[arg-type]
        layout = QVBoxLayout(self)
        scroll = _EditorScroll()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self.editor)
        self.scroll_area = scroll
        # Content that grows after a run (a result table, a longer note) widens the window, within the screen.
        scroll.horizontalScrollBar().rangeChanged.connect(self._widen)
        # A message that appears while the window is open (a missing file, a model mismatch) lengthens it.
        scroll.verticalScrollBar().rangeChanged.connect(self._lengthen)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addLayout(self.output_buttons)
        context.titleChanged.connect(self._retitle)
        context.diagnosticsChanged.connect(self._on_diagnostics_changed)  # bound: disconnected when this widget dies
        context.runs.nodeStateChanged.connect(self._state_changed)
        context.removed.connect(self.close)
        self._retitle(context.node.title)
        self._show_status()
        self.resize(fit_to_screen(self, QSize(max(self.sizeHint().width(), 420), self.sizeHint().height())))
        self._sized_height = self.height()  # the height this window gave itself (see _lengthen)

    def _add_undo_keys(self, context: EditorContext) -> None:
        """Ctrl+Z and Ctrl+Shift+Z (Ctrl+Y) step the workflow's history from here too, as on the canvas; a text
        field being typed in keeps them for its own text."""
        stack = context.document.undo_stack
        redo_keys = QKeySequence.keyBindings(QKeySequence.Redo)
        if QKeySequence("Ctrl+Y") not in redo_keys:  # listed twice, a shortcut is ambiguous and does nothing
            redo_keys.append(QKeySequence("Ctrl+Y"))
        for keys, slot in ((QKeySequence.keyBindings(QKeySequence.Undo), stack.undo), (redo_keys, stack.redo)):
            action = QAction(self)
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _widen(self, _minimum: int, hidden: int) -> None:
        """Grow by the width the content would otherwise hide behind a horizontal scroll bar."""
        if hidden > 0:
            self.resize(fit_to_screen(self, QSize(self.width() + hidden, self.height())))

    def _lengthen(self, _minimum: int, hidden: int) -> None:
        """Content that grew while the window kept its height (a message appeared) is shown by growing the
        window by what it would hide behind a vertical scroll bar, within the screen, moving up if the bottom
        would leave it. A window the user made shorter stays so."""
        if hidden <= 0 or not self.isVisible() or self.height() != self._sized_height:
            return
        self.resize(fit_to_screen(self, QSize(self.width(), self.height() + hidden)))
        self._sized_height = self.height()
        screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        overflow = self.frameGeometry().bottom() - screen.bottom()
        if overflow > 0:
            self.move(self.x(), max(screen.top(), self.y() - overflow))

    def _retitle(self, title: str) -> None:
        self.setWindowTitle(f"{title} — settings")

    def _state_changed(self, node_id: str) -> None:
        if node_id == self.context.node_id:
            self._show_status()

    def _on_diagnostics_changed(self, _diagnostics: list[Any]) -> None:
        self._show_status()

    def _show_status(self) -> None:
        state = self.context.runs.state(self.context.node_id)
        result = self.context.result()
        self.status.setText(status.editor_status(state, result))
        # Only an output that exists can be shown (the main window's status-bar note is behind this window).
        for name, button in self.show_buttons.items():
            button.setEnabled(status.output_value(state, result, name) is not None)
            button.setToolTip(f"Open the '{name}' output as a table" if button.isEnabled()
                              else f"No '{name}' output: the block has not run, or did not finish")

    def show_help(self, page: Path) -> HelpViewer:
        """Show the block's help page (Markdown from resources/help/) in the main window's help window."""
        return show_help(self.parentWidget() or self, self.context.registry, page=page.stem)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter passed on by a field (the Scatter's *Find*, a path) clicks no button; QDialog would
        click its first one (*Export PNG…*, *Show …*). A focused button still takes Enter itself."""
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """The height it is shown at (placed within the canvas's area) is its own, not the user's."""
        super().showEvent(event)
        self._sized_height = self.height()

    def done(self, result: int) -> None:
        """Esc or a button: stop following the model before Qt deletes the window (no closeEvent then)."""
        self.context.close()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Stop following the model."""
        self.context.close()
        super().closeEvent(event)
