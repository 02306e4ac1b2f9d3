"""The canvas view: zoom (Ctrl+wheel), pan (middle button or Space+drag), rubber-band selection, drops."""

from __future__ import annotations

import math
from collections.abc import Callable

from PyQt5.QtCore import QPoint, QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PyQt5.QtWidgets import QGraphicsView, QWidget

from .scene import GRID, CanvasScene

BLOCK_MIME = "application/x-embedflow-block"
MIN_ZOOM, MAX_ZOOM = 0.2, 3.0


class CanvasView(QGraphicsView):
    """Shows a CanvasScene; reports drops and requests for the quick search to its owner.

    Signals: blockDropped(type name, scene position); pathsDropped(list of paths, scene position);
    quickSearchRequested(scene position, initial text); escapePressed() (Esc while nothing is edited).
    """

    blockDropped = pyqtSignal(str, QPointF)
    pathsDropped = pyqtSignal(list, QPointF)
    quickSearchRequested = pyqtSignal(QPointF, str)
    escapePressed = pyqtSignal()

    def __init__(self, scene: CanvasScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self.setSceneRect(QRectF(-5000, -5000, 10000, 10000))
        self.setFrameShape(QGraphicsView.NoFrame)
        self._pan_from: QPoint | None = None
        self._space_down = False
        # Fit again whenever the view is resized, until the user zooms by hand.
        self.auto_fit = False
        # Fitting never brings the workflow closer than this (presentation mode raises it).
        self.fit_limit = 1.0
        # Called before each fit with the viewport's size (presentation mode lays the workflow out for it).
        self.before_fit: Callable[[QSize], None] | None = None
        # Drawn over the scene in view pixels, fixed while the scene pans and zooms (a group's edge markers).
        self.overlay: Callable[[QPainter], None] | None = None

    @property
    def canvas(self) -> CanvasScene:
        """The scene shown."""
        return self.scene()  # type: ignore[return-value]

    # -- zoom --------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        """The current scale factor (1 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Zoom to `factor` (clamped to 20 %–300 %)."""
        factor = min(MAX_ZOOM, max(MIN_ZOOM, factor))
        self.scale(factor / self.zoom, factor / self.zoom)

    def zoom_in(self) -> None:
        """One step closer (the view stops refitting itself)."""
        self.auto_fit = False
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        """One step further (the view stops refitting itself)."""
        self.auto_fit = False
        self.set_zoom(self.zoom / 1.25)

    def reset_zoom(self) -> None:
        """Back to 100 % (the view stops refitting itself)."""
        self.auto_fit = False
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Show the whole workflow (never closer than `fit_limit`), and keep it fitted as the view is resized."""
        self.auto_fit = True
        if self.before_fit is not None:
            self.before_fit(self.viewport().size())
        rect = self.canvas.items_rect()
        if rect.isEmpty():
            self.centerOn(0, 0)
            return
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom > self.fit_limit:
            self.set_zoom(self.fit_limit)
        self.centerOn(rect.center())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Maximising or resizing the window refits the workflow until the user has zoomed."""
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        """Ctrl+wheel (or a pinch) zooms around the pointer; the wheel alone scrolls."""
        if event.modifiers() & Qt.ControlModifier:
            self.auto_fit = False
            self.set_zoom(self.zoom * math.pow(1.0015, event.angleDelta().y()))
            event.accept()
            return
        super().wheelEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        """A light dotted grid (drawn only when zoomed in enough to be useful)."""
        super().drawBackground(painter, rect)
        if self.zoom < 0.6:
            return
        painter.setPen(QPen(QColor("#DADADA"), 1.5 / self.zoom))
        step = GRID * 2
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        points = QPolygonF([QPointF(x, y) for x in _frange(left, rect.right(), step)
                            for y in _frange(top, rect.bottom(), step)])
        painter.drawPoints(points)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        """The overlay, if any, in view pixels."""
        super().drawForeground(painter, rect)
        if self.overlay is not None:
            painter.save()
            painter.resetTransform()
            self.overlay(painter)
            painter.restore()

    # -- pan ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Middle button, or left with Space held, pans."""
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space_down):
            self._pan_from = event.pos()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Pan while the pan button is held."""
        if self._pan_from is not None:
            delta = event.pos() - self._pan_from
            self._pan_from = event.pos()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop panning."""
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Double-click on empty canvas opens the quick search there."""
        if self.itemAt(event.pos()) is None and event.button() == Qt.LeftButton:
            self.quickSearchRequested.emit(self.mapToScene(event.pos()), "")
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Typing opens the quick search; Enter opens the selected block's settings; Space arms panning."""
        if self.canvas.focusItem() is None:
            if event.key() == Qt.Key_Escape:
                self.escapePressed.emit()
                event.accept()
                return
            selected = self.canvas.selected_node_ids()
            if event.key() in (Qt.Key_Return, Qt.Key_Enter) and len(selected) == 1:
                self.canvas.nodeActivated.emit(selected[0])
                event.accept()
                return
            if event.key() == Qt.Key_Space and not event.isAutoRepeat():
                self._space_down = True
                return
            text = event.text()
            if text and text.isprintable() and not text.isspace() \
                    and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
                self.quickSearchRequested.emit(self.cursor_scene_pos(), text)
                event.accept()
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Releasing Space ends pan mode."""
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_down = False
        super().keyReleaseEvent(event)

    def cursor_scene_pos(self) -> QPointF:
        """The pointer's scene position when it is over the canvas, else the centre of the view."""
        local = self.viewport().mapFromGlobal(self.cursor().pos())
        if not self.viewport().rect().contains(local):
            local = self.viewport().rect().center()
        return self.mapToScene(local)

    # -- drops -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accept blocks from the toolbox and files from the desktop."""
        if event.mimeData().hasFormat(BLOCK_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Keep accepting while over the canvas."""
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """A block becomes a node at the drop point; files are handed to the owner."""
        position = self.mapToScene(event.pos())
        mime = event.mimeData()
        if mime.hasFormat(BLOCK_MIME):
            self.blockDropped.emit(bytes(mime.data(BLOCK_MIME)).decode(), position)
        elif mime.hasUrls():
            paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
            if paths:
                self.pathsDropped.emit(paths, position)
        event.acceptProposedAction()


def _frange(start: float, stop: float, step: float) -> list[float]:
    count = int((stop - start) / step) + 1
    return [start + i * step for i in range(max(count, 0))]
