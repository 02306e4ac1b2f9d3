"""A result window: one output of one block, kept current as the block re-runs."""

from __future__ import annotations

from typing import Any

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QCloseEvent
from PyQt5.QtWidgets import QLabel, QVBoxLayout, QWidget

from .table_view import DataViewer
from .window_keys import close_with_keys


class ResultWindow(QWidget):
    """Shows a block's current output as a table; a banner says "Updating…" or why it failed.

    Signal closed() when the window closes.
    """

    closed = pyqtSignal()

    def __init__(self, node_id: str, port: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        close_with_keys(self)
        self.node_id, self.port = node_id, port
        self.value: Any = None
        self.viewer: DataViewer | None = None
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #FFF4CE; color: #5C4400; padding: 4px;")
        self.banner.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.banner)

    def set_title(self, title: str) -> None:
        """Name the window after the block and port."""
        self.setWindowTitle(f"{title} — {self.port}")

    def show_value(self, value: Any, note: str) -> None:
        """Show `value` (a new table when it changed) under the banner `note` ("" hides it)."""
        self.banner.setText(note)
        self.banner.setVisible(bool(note))
        if value is None or value is self.value:
            return
        first = self.viewer is None
        viewer = DataViewer(value, self.windowTitle(), self)
        viewer.setWindowFlags(Qt.Widget)
        if self.viewer is not None:
            self._layout.replaceWidget(self.viewer, viewer)
            self.viewer.deleteLater()
        else:
            self._layout.addWidget(viewer)
        self.viewer, self.value = viewer, value
        viewer.show()
        if first:
            self.resize(viewer.size())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Tell the editor, which keeps one window per output."""
        self.closed.emit()
        super().closeEvent(event)
