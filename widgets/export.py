"""Export of the canvas for slides: PNG (at 2x for sharp projection) and SVG, written atomically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QImage, QPainter
from PyQt5.QtSvg import QSvgGenerator
from PyQt5.QtWidgets import QGraphicsScene

from embedflow.core.errors import EmbedflowError
from embedflow.io.atomic import atomic_write

PNG_SCALE = 2.0
MARGIN = 24.0


def content_rect(scene: QGraphicsScene) -> QRectF:
    """What to export: every visible item with its children (a block's title and summary), with a margin."""
    rect = QRectF()
    for item in scene.items():
        if item.isVisible() and item.parentItem() is None:
            rect = rect.united(item.sceneBoundingRect()).united(item.mapRectToScene(item.childrenBoundingRect()))
    return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def render_image(scene: QGraphicsScene, scale: float = PNG_SCALE, max_side: int | None = None,
                 background: QColor | None = None) -> QImage:
    """The scene's content as an image, `scale` pixels per scene unit (smaller if max_side says so)."""
    rect = content_rect(scene)
    if rect.isEmpty():
        rect = QRectF(0, 0, 200, 120)
    if max_side is not None:
        scale = min(scale, max_side / max(rect.width(), rect.height()))
    size = QSize(max(1, round(rect.width() * scale)), max(1, round(rect.height() * scale)))
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(background or scene.backgroundBrush().color())
    with _unselected(scene):
        painter = QPainter(image)
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect, Qt.KeepAspectRatio)
        painter.end()
    return image


def export_png(scene: QGraphicsScene, path: str | Path, scale: float = PNG_SCALE) -> Path:
    """Write the canvas as a PNG (selection not shown); raises EmbedflowError when it cannot be written."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not render_image(scene, scale).save(buffer, "PNG"):
        raise EmbedflowError("The canvas could not be encoded as PNG.")
    return _write(path, bytes(data))


def export_svg(scene: QGraphicsScene, path: str | Path) -> Path:
    """Write the canvas as an SVG drawing (text stays text, shapes stay sharp at any size)."""
    rect = content_rect(scene)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(round(rect.width()), round(rect.height())))
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle("embedflow workflow")
    with _unselected(scene):
        painter = QPainter(generator)
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), scene.backgroundBrush())
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect, Qt.KeepAspectRatio)
        painter.end()
    buffer.close()
    return _write(path, bytes(data))


def _write(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    try:
        with atomic_write(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise EmbedflowError(f"Could not write {path}: {exc.strerror or exc}") from None
    return path


@contextmanager
def _unselected(scene: QGraphicsScene) -> Iterator[None]:
    """Hide the selection while rendering (a slide should not show what happened to be selected)."""
    selected = scene.selectedItems()
    for item in selected:
        item.setSelected(False)
    try:
        yield
    finally:
        for item in selected:
            item.setSelected(True)
