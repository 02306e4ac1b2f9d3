"""The data viewer: a lazy table model over a Table (or EncodedText), fast on a million rows.

Cells are computed only when Qt paints them; the vector block is one summarised column;
sorting and filtering keep a row permutation instead of copying the data. The meaningful
columns come first (query text, neighbour text, rank, similarity, distance) and internal row
numbers last; image columns show a thumbnail of each image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from embedflow.core.paths import resolve_path
from embedflow.core.table import EncodedText, Table
from embedflow.io.tables import IMAGE_SUFFIXES

from .screen_fit import fit_to_screen
from .views.image_thumbnails import ThumbnailCache

VECTOR_PREVIEW = 4
LEADING = ("rank", "similarity", "distance")  # after the query and neighbour columns
LIVE_FILTER_ROWS = 200_000  # above this the filter applies on Enter, not on every key
THUMBNAIL_ROW = 56  # row height (pixels) of tables with image columns


def is_row_number(name: str) -> bool:
    """True for the internal row-number columns (`row`, `query_row`, `neighbour_row`, `query_row_`…)."""
    bare = name.rstrip("_")
    return bare == "row" or bare.endswith("_row")


def column_order(names: list[str]) -> list[int]:
    """Column positions in reading order: query text, neighbour text, rank, similarity, distance,
    the other columns, and internal row numbers last."""
    first: list[int] = []
    for prefix in ("query_", "neighbour_"):
        found = next((i for i, n in enumerate(names) if n.startswith(prefix) and not is_row_number(n)), None)
        if found is not None:
            first.append(found)
    if first:  # a neighbours table: its measures follow the two texts
        first += [names.index(name) for name in LEADING if name in names]
    rest = [i for i, n in enumerate(names) if i not in first and not is_row_number(n)]
    return first + rest + [i for i, n in enumerate(names) if is_row_number(n)]


def _holds_images(values: pd.Series, sample: int = 20) -> bool:
    """True when the first values look like image file names (an Input of an image folder)."""
    head = [str(v) for v in values.head(sample) if isinstance(v, str)]
    return bool(head) and all(Path(v).suffix.lower() in IMAGE_SUFFIXES for v in head)


def image_columns(value: Any) -> dict[str, str | None]:
    """Columns of `value` that hold image paths, each with the folder its relative paths start from."""
    if not isinstance(value, Table):
        return {}
    found: dict[str, str | None] = {}
    feature = value.feature
    if feature in value.meta and (value.provenance.get("kind") == "image" or _holds_images(value.meta[feature])):
        found[str(value.feature)] = value.base_dir
    declared = value.provenance.get("image_columns")
    if isinstance(declared, dict):
        found.update({str(k): v for k, v in declared.items() if k in value.meta})
    return found


class TableModel(QAbstractTableModel):
    """Metadata columns, then one summarised column for vectors or token ids."""

    def __init__(self, value: Table | EncodedText | pd.DataFrame, parent=None) -> None:
        super().__init__(parent)
        if isinstance(value, EncodedText):
            self.meta = value.table.meta
            self.block: np.ndarray | None = value.ids
            self.lengths: np.ndarray | None = value.lengths
            self.block_name = f"tokens ({value.sequence_length})"
        elif isinstance(value, Table):
            self.meta = value.meta
            self.block = value.vectors
            self.lengths = None
            self.block_name = f"vector ({value.dims}-d)"
        else:
            self.meta, self.block, self.lengths, self.block_name = value, None, None, ""
        self.columns = column_order([str(c) for c in self.meta.columns])
        self.names = [str(self.meta.columns[c]) for c in self.columns]
        self.images = {self.names.index(name): base for name, base in image_columns(value).items()}
        self.thumbnails = ThumbnailCache(side=THUMBNAIL_ROW - 6)
        self._arrays: dict[int, np.ndarray] = {}
        self._lowered: dict[int, pd.Series] = {}
        self._sorted: np.ndarray | None = None
        self._kept: np.ndarray | None = None
        self.order: np.ndarray | None = None

    # -- shape ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        """All rows: the view asks only for those it paints."""
        if parent.isValid():
            return 0
        return len(self.order) if self.order is not None else len(self.meta)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        """Metadata columns plus the vector column when there is one."""
        return 0 if parent.isValid() else len(self.names) + (self.block is not None)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:  # noqa: N802
        """Column names; row numbers of the original order down the side, from 0 as in messages and `query_row`."""
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Horizontal:
            return self.names[section] if section < len(self.names) else self.block_name
        return str(self._row(section))

    # -- cells -----------------------------------------------------------------------------
    def _row(self, row: int) -> int:
        return int(self.order[row]) if self.order is not None else row

    def _column(self, column: int) -> np.ndarray:
        # Converted once per column on first paint; pyarrow-backed columns are slow per element.
        if column not in self._arrays:
            self._arrays[column] = self.meta.iloc[:, self.columns[column]].to_numpy()
        return self._arrays[column]

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        """The text of one cell (the full value as its tooltip; a thumbnail in image columns)."""
        if not index.isValid():
            return None
        row, column = self._row(index.row()), index.column()
        if role == Qt.DecorationRole and column in self.images:
            value = self._column(column)[row]
            if not isinstance(value, str):
                return None
            return self.thumbnails.get(resolve_path(str(value), self.images[column]))
        if role not in (Qt.DisplayRole, Qt.ToolTipRole, Qt.TextAlignmentRole):
            return None
        if column < len(self.names):
            value = self._column(column)[row]
            if role == Qt.TextAlignmentRole:
                return int(Qt.AlignRight | Qt.AlignVCenter) if isinstance(value, (int, float, np.number)) \
                    else int(Qt.AlignLeft | Qt.AlignVCenter)
            if column in self.images and role == Qt.DisplayRole and isinstance(value, str):
                return Path(value).name  # beside its thumbnail the file's name says enough; the tooltip has the path
            return _text(value, full=role == Qt.ToolTipRole)
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignLeft | Qt.AlignVCenter)
        return self._block_text(row, full=role == Qt.ToolTipRole)

    def _block_text(self, row: int, full: bool) -> str:
        assert self.block is not None
        values = self.block[row]
        if self.lengths is not None:
            values = values[: int(self.lengths[row])]
            shown = values if full else values[:VECTOR_PREVIEW * 2]
            text = " ".join(str(int(v)) for v in shown)
            more = " …" if len(shown) < len(values) else ""
            return text + more + f"  ({len(values)} token{'' if len(values) == 1 else 's'})"
        shown = values if full else values[:VECTOR_PREVIEW]
        text = ", ".join(f"{v:.3f}" for v in shown)
        if len(shown) < len(values):
            text += ", …"
        return f"[{text}]" + ("" if full else f"  ‖v‖={float(np.linalg.norm(values)):.2f}")

    # -- sorting ------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        """Sort rows by a metadata column (missing values last); the vector column keeps the order."""
        if column < 0 or column >= len(self.names):
            return
        self.layoutAboutToBeChanged.emit()
        series = self.meta.iloc[:, self.columns[column]].reset_index(drop=True)
        ascending = order == Qt.AscendingOrder
        try:
            sorted_index = series.sort_values(ascending=ascending, kind="stable", na_position="last").index
        except TypeError:  # mixed types: compare as text
            sorted_index = series.astype(str).sort_values(ascending=ascending, kind="stable").index
        self._sorted = sorted_index.to_numpy()
        self._update_order()
        self.layoutChanged.emit()

    def set_filter(self, text: str) -> None:
        """Keep only the rows where some metadata column contains `text` (ignoring case); '' shows all."""
        needle = text.strip().lower()
        self.beginResetModel()
        if not needle:
            self._kept = None
        else:
            kept = np.zeros(len(self.meta), dtype=bool)
            for column in range(len(self.names)):
                kept |= self._lowered_column(column).str.contains(needle, regex=False).to_numpy(dtype=bool)
            self._kept = kept
        self._update_order()
        self.endResetModel()

    def _lowered_column(self, column: int) -> pd.Series:
        if column not in self._lowered:
            values = self.meta.iloc[:, self.columns[column]].reset_index(drop=True)
            self._lowered[column] = values.astype(str).str.lower().where(values.notna(), "")
        return self._lowered[column]

    def _update_order(self) -> None:
        if self._sorted is None and self._kept is None:
            self.order = None
            return
        base = self._sorted if self._sorted is not None else np.arange(len(self.meta))
        self.order = base[self._kept[base]] if self._kept is not None else base


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _text(value: Any, full: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    text = str(value)
    if not full and len(text) > 200:
        return text[:200] + "…"
    return text


class DataViewer(QWidget):
    """One output of a block as a sortable, filterable table; Esc closes the window it is in."""

    def __init__(self, value: Any, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setWindowTitle(title)
        self._value = value
        self.model = TableModel(value, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # rows start in their original order
        header.sortIndicatorChanged.connect(self.model.sort)
        header.setDefaultSectionSize(140)
        header.setStretchLastSection(True)
        # Fixed row heights keep a million rows cheap: Qt never measures each row.
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.Fixed)
        vertical.setDefaultSectionSize(THUMBNAIL_ROW if self.model.images else 22)
        self.table.setIconSize(QSize(THUMBNAIL_ROW - 6, THUMBNAIL_ROW - 6))
        self.table.setWordWrap(False)
        self._fit_columns()
        self.info = QLabel(self._describe(value))
        self.info.setStyleSheet("color: #555; padding: 2px;")
        self.info.setWordWrap(True)  # a long column list must not widen the window past the screen
        self.filter = QLineEdit()
        self.filter.setClearButtonEnabled(True)
        live = len(self.model.meta) <= LIVE_FILTER_ROWS
        self.filter.setPlaceholderText("Filter rows: type a word or value" + ("" if live else ", then Enter"))
        if live:
            self.filter.textChanged.connect(self.apply_filter)
        else:
            self.filter.returnPressed.connect(lambda: self.apply_filter(self.filter.text()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.info)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        # As wide as the columns (within the screen); never so narrow that the leading ones are cut.
        self.setMinimumWidth(fit_to_screen(self, QSize(self.content_width(self.leading_columns()), 0)).width())
        filter_width = self.filter.fontMetrics().horizontalAdvance(self.filter.placeholderText()) + 48
        self.resize(fit_to_screen(self, QSize(max(self.content_width(self.model.columnCount()), filter_width), 520)))

    def leading_columns(self) -> int:
        """How many columns lead the table: a neighbours table's query, neighbour, rank and similarity
        (or as many of those as it has); otherwise the first two."""
        names = self.model.names
        if any(name.startswith("query_") for name in names):
            return 1 + max((names.index(name) for name in ("rank", "similarity") if name in names), default=1)
        return min(2, self.model.columnCount())

    def content_width(self, columns: int) -> int:
        """Pixels a window needs to show the first `columns` columns whole, with row numbers and scroll bar."""
        table = self.table
        chrome = (table.verticalHeader().sizeHint().width() + 2 * table.frameWidth()
                  + table.style().pixelMetric(QStyle.PM_ScrollBarExtent))
        margins = self.layout().contentsMargins() if self.layout() is not None else None
        outer = margins.left() + margins.right() if margins is not None else 8
        return chrome + outer + sum(table.columnWidth(column) for column in range(columns))

    def apply_filter(self, text: str) -> None:
        """Show only the rows containing `text` in some column, and say how many."""
        self.model.set_filter(text)
        described = self._describe(self._value)
        if self.model.order is not None and len(self.model.order) != len(self.model.meta):
            described = f"{self.model.rowCount():,} of {len(self.model.meta):,} rows match · " + described
        self.info.setText(described)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Esc closes the window the table sits in (the table and the filter box pass it on)."""
        if event.key() == Qt.Key_Escape:
            self.window().close()
            return
        super().keyPressEvent(event)

    def _fit_columns(self, sample: int = 50, widest: int = 420) -> None:
        """Size columns to their header and first rows (measuring every row would be slow on a million)."""
        metrics = self.table.fontMetrics()
        model = self.model
        for column in range(model.columnCount()):
            texts = [str(model.headerData(column, Qt.Horizontal))]
            texts += [model.data(model.index(row, column)) or "" for row in range(min(sample, model.rowCount()))]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 24
            if column in model.images:
                width += THUMBNAIL_ROW
            self.table.setColumnWidth(column, min(max(width, 60), widest))

    @staticmethod
    def _describe(value: Any) -> str:
        summary = value.summary() if hasattr(value, "summary") else f"{len(value):,} rows"
        provenance = getattr(value, "provenance", None)
        # Lists (e.g. a fastText model's out-of-vocabulary words) could fill the window: scalars only, shortened.
        shown = [f"{key}: {_shorten(str(item))}" for key, item in (provenance or {}).items()
                 if isinstance(item, (str, int, float, bool))]
        return summary + (" · " + ", ".join(shown) if shown else "")
