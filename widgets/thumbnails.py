"""Thumbnails of workflow files for the welcome screen: the blocks and links drawn offscreen, cached on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QSize, Qt
from PyQt5.QtGui import QColor, QImage, QPainter

from embedflow.core.errors import WorkflowFileError
from embedflow.core.specs import SpecSource
from embedflow.io.atomic import atomic_write
from embedflow.io.regular_files import FileRefused, read_regular
from embedflow.io.user_dirs import cache_dir
from embedflow.io.workflow_file import MAX_FILE_BYTES, read_workflow

from .canvas.scene import CanvasScene
from .export import render_image

SIZE = QSize(260, 160)
# Bump when the drawing changes, so cached thumbnails are drawn again.
DRAWING_VERSION = "2"


def thumbnail(path: Path, specs: SpecSource, size: QSize = SIZE) -> QImage:
    """A picture of the workflow in `path` (its blocks and links), from the cache when the file is unchanged."""
    try:
        content = read_regular(path, MAX_FILE_BYTES)
    except (FileRefused, OSError):
        return _blank(size)
    key = hashlib.sha1(content + f"{size.width()}x{size.height()}:{DRAWING_VERSION}".encode()).hexdigest()[:16]
    cached = cache_dir("thumbnails") / f"{path.stem}-{key}.png"
    image = QImage(str(cached)) if cached.is_file() else QImage()
    if not image.isNull():
        return image
    image = draw(path, specs, size)
    _store(image, cached)
    return image


def draw(path: Path, specs: SpecSource, size: QSize = SIZE) -> QImage:
    """Draw the workflow's blocks and links (notes left out: unreadable that small) centred in `size`."""
    try:
        workflow, _ = read_workflow(path, specs)
    except WorkflowFileError:
        return _blank(size)
    scene = CanvasScene()
    scene.set_workflow(workflow)
    for item in scene.annotations.values():
        item.setVisible(False)
    # Drawn at twice the size and scaled down smoothly: sharper than drawing small.
    picture = render_image(scene, scale=2.0, max_side=2 * max(size.width(), size.height()),
                           background=QColor("#FAFAFA"))
    picture = picture.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    image = _blank(size)
    painter = QPainter(image)
    painter.drawImage(QPoint((size.width() - picture.width()) // 2, (size.height() - picture.height()) // 2), picture)
    painter.end()
    scene.deleteLater()
    return image


def _blank(size: QSize) -> QImage:
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor("#FAFAFA"))
    return image


def _store(image: QImage, path: Path) -> None:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    image.save(buffer, "PNG")
    try:
        with atomic_write(path, "wb") as handle:
            handle.write(bytes(data))
    except OSError:
        pass  # no cache: the thumbnail is drawn again next time, which is cheap
