"""Thumbnails of image files for the result views: decoded scaled down, kept in a small LRU cache."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImageReader, QPixmap

from embedflow.io.regular_files import path_problem


class ThumbnailCache:
    """Pixmaps of at most `side` pixels per image, read on demand (scaled while decoding).

    Unreadable files are remembered too, so a broken image is not decoded again on every paint.
    """

    def __init__(self, side: int = 128, capacity: int = 512) -> None:
        self.side = side
        self._capacity = capacity
        self._cache: OrderedDict[str, QPixmap | None] = OrderedDict()

    def get(self, path: Path | str) -> QPixmap | None:
        """A thumbnail of the image at `path`, or None when it cannot be read."""
        key = str(path)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        # A FIFO or device named like an image would block the UI thread in the decoder: refuse it first.
        if path_problem(key) is not None:
            self._remember(key, None)
            return None
        reader = QImageReader(key)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > self.side:
            reader.setScaledSize(size.scaled(self.side, self.side, Qt.KeepAspectRatio))
        image = reader.read()
        pixmap = None if image.isNull() else QPixmap.fromImage(image)
        self._remember(key, pixmap)
        return pixmap

    def _remember(self, key: str, pixmap: QPixmap | None) -> None:
        self._cache[key] = pixmap
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
