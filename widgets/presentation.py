"""Presentation mode: the window full screen, larger fonts and a closer canvas for a projector, switched
back exactly as it was.

The window fills its screen, so the canvas keeps the room the larger docks and toolbars take (without
it, a workflow that filled a window of its opening size, 90 % of the screen, was drawn smaller). The
canvas's contents are drawn larger (blocks with their titles, summaries and ports, notes, link
widths), up to CONTENT_SCALE, and their places are spread apart as far as needed so that no block or
note comes to cover another; of all such layouts the one whose text is largest on screen once the
whole workflow is fitted into the view (up to ZOOM) is drawn (canvas/presentation_layout.py). Each
fit while presenting — entering, the docks growing with the larger fonts, resizing the window, Fit —
lays the workflow out again for the view's size. The workflow's saved positions never change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import QApplication, QToolBar

from .canvas.presentation_layout import PresentationLayout

if TYPE_CHECKING:
    from .mainwindow import MainWindow

FONT_FACTOR = 1.5
# Blocks drawn up to this much larger, as long as the whole workflow fits the window.
ZOOM = 1.6
CONTENT_SCALE = 1.5  # blocks, notes and links at most this much larger


@dataclass
class _Saved:
    font: QFont
    zoom: float
    auto_fit: bool
    icon_sizes: list[tuple[QToolBar, QSize]]
    window_state: Qt.WindowStates


class PresentationMode:
    """Toggles a main window (with `view`, a CanvasView) between normal and presentation sizes."""

    def __init__(self, window: MainWindow) -> None:
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
        view = self.window.view
        toolbars = self.window.findChildren(QToolBar)
        if on:
            self._saved = _Saved(QFont(QApplication.font()), view.zoom, view.auto_fit,
                                 [(bar, bar.iconSize()) for bar in toolbars], self.window.windowState())
            self._fill_screen()
            font = QFont(QApplication.font())
            font.setPointSizeF(font.pointSizeF() * FONT_FACTOR)
            QApplication.setFont(font)
            for bar, size in self._saved.icon_sizes:
                bar.setIconSize(size * FONT_FACTOR)
            view.fit_limit = ZOOM
            self.window.editor.fold_groups()  # the projector shows each group as one block
            view.before_fit = self._lay_out
            # Fitted now and again when the larger fonts have resized the docks around the canvas.
            view.fit()
        else:
            saved, self._saved = self._saved, None
            assert saved is not None  # active, since `on` differs from `self.active`
            self.window.setWindowState(saved.window_state)
            QApplication.setFont(saved.font)
            for bar, size in saved.icon_sizes:
                bar.setIconSize(size)
            view.before_fit = None
            view.canvas.set_layout(PresentationLayout())
            view.fit_limit = 1.0
            view.set_zoom(saved.zoom)
            view.auto_fit = saved.auto_fit
        self.window.fit_toolbox()  # block titles in the larger (or restored) font

    def _lay_out(self, viewport: QSize) -> None:
        """Draw the workflow as large as a view of this size allows."""
        canvas = self.window.view.canvas
        canvas.set_layout(canvas.lay_out_for((viewport.width(), viewport.height()), ZOOM, CONTENT_SCALE))

    def _fill_screen(self) -> None:
        """Full screen, unless the window already covers its screen (then it would gain nothing)."""
        screen = self.window.screen().geometry()
        if not self.window.frameGeometry().contains(screen):
            self.window.setWindowState(self.window.windowState() | Qt.WindowFullScreen)
