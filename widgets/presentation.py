"""Presentation mode: larger fonts and a closer canvas for a projector, switched back exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt5.QtCore import QSize
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import QApplication, QMainWindow, QToolBar

FONT_FACTOR = 1.5
# Blocks drawn this much larger, unless the whole workflow would then not fit the window.
ZOOM = 1.6
MIN_ZOOM = 1.2


@dataclass
class _Saved:
    font: QFont
    zoom: float
    icon_sizes: list[tuple[QToolBar, QSize]]


class PresentationMode:
    """Toggles a main window (with `view`, a CanvasView) between normal and presentation sizes."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self._saved: _Saved | None = None

    @property
    def active(self) -> bool:
        """True while presenting."""
        return self._saved is not None

    def set_active(self, on: bool) -> None:
        """Enter or leave presentation mode."""
        if on == self.active:
            return
        app = QApplication.instance()
        view = self.window.view
        toolbars = self.window.findChildren(QToolBar)
        if on:
            self._saved = _Saved(QFont(app.font()), view.zoom, [(bar, bar.iconSize()) for bar in toolbars])
            font = QFont(app.font())
            font.setPointSizeF(font.pointSizeF() * FONT_FACTOR)
            app.setFont(font)
            for bar, size in self._saved.icon_sizes:
                bar.setIconSize(size * FONT_FACTOR)
            view.set_zoom(self._presentation_zoom())
            view.centerOn(view.canvas.items_rect().center())
        else:
            saved, self._saved = self._saved, None
            app.setFont(saved.font)
            for bar, size in saved.icon_sizes:
                bar.setIconSize(size)
            view.set_zoom(saved.zoom)
        self.window.fit_toolbox()  # block titles in the larger (or restored) font

    def _presentation_zoom(self) -> float:
        """ZOOM, or less (not below MIN_ZOOM) so that the whole workflow stays on screen."""
        view = self.window.view
        rect = view.canvas.items_rect()
        if rect.isEmpty():
            return ZOOM
        port = view.viewport().size()
        fitting = min(port.width() / rect.width(), port.height() / rect.height())
        return max(MIN_ZOOM, min(ZOOM, fitting))
