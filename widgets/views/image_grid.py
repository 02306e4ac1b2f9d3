"""A grid of image thumbnails with captions (the images of a selection), lazy on thousands of rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt5.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PyQt5.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .image_thumbnails import ThumbnailCache

TILE = 96  # thumbnail side in pixels
CAPTION_WIDTH = TILE + 24  # pixels: "cameraman", "astronaut-face" fit; longer names lose their middle


class ImageListModel(QAbstractListModel):
    """One entry per image: the thumbnail (read when painted) and a caption; the file path as tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.paths: list[Path] = []
        self.captions: list[str] = []
        self.rows: list[int] = []
        self.thumbnails = ThumbnailCache(side=TILE)

    def set_images(self, rows: list[int], paths: list[Path], captions: list[str]) -> None:
        """Show these images (rows of the data they come from, paths, captions)."""
        self.beginResetModel()
        self.rows, self.paths, self.captions = rows, paths, captions
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        """Number of images."""
        return 0 if parent.isValid() else len(self.paths)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        """Caption, thumbnail and path of one image."""
        if not index.isValid():
            return None
        i = index.row()
        if role == Qt.DisplayRole:
            return self.captions[i]
        if role == Qt.DecorationRole:
            return self.thumbnails.get(self.paths[i])
        if role == Qt.ToolTipRole:
            return f"{self.captions[i]} (row {self.rows[i]})\n{self.paths[i]}"
        return None


class _TileDelegate(QStyledItemDelegate):
    """Every tile as wide as a caption may be (not as the first thumbnail), with room for two lines."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt's name
        """The thumbnail's square over two caption lines, CAPTION_WIDTH wide."""
        return QSize(CAPTION_WIDTH, TILE + 2 * option.fontMetrics.height() + 6)


class ImageGrid(QListView):
    """Thumbnails in rows that wrap with the width, each with its caption below."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.images = ImageListModel(self)
        self.setModel(self.images)
        self.setViewMode(QListView.IconMode)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)  # Qt then measures one item, not thousands
        self.setIconSize(QSize(TILE, TILE))
        self.setItemDelegate(_TileDelegate(self))
        self.setGridSize(QSize(CAPTION_WIDTH + 6, TILE + 2 * self.fontMetrics().height() + 12))
        self.setWordWrap(True)
        # A single long name keeps its start and end ("hubble-d…detail"); the tooltip has it whole.
        self.setTextElideMode(Qt.ElideMiddle)
        self.setSpacing(4)
        # Never narrower than one whole tile beside the scroll bar: a caption is not cut by the splitter.
        self.setMinimumWidth(self.gridSize().width() + 2 * self.spacing() + 2 * self.frameWidth()
                             + self.style().pixelMetric(QStyle.PM_ScrollBarExtent))

    def set_images(self, rows: list[int], paths: list[Path], captions: list[str]) -> None:
        """Show these images."""
        self.images.set_images(rows, paths, captions)
