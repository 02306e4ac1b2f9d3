"""The data viewer: a lazy table model over a Table (or EncodedText), fast on a million rows.

Cells are computed only when Qt paints them; the vector block is one summarised column;
sorting by a metadata column keeps a row permutation instead of copying the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt
from PyQt5.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from embedflow.core.table import EncodedText, Table

from .screen_fit import fit_to_screen

VECTOR_PREVIEW = 4


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
        self.names = [str(c) for c in self.meta.columns]
        self._arrays: dict[int, np.ndarray] = {}
        self.order: np.ndarray | None = None

    # -- shape ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        """All rows: the view asks only for those it paints."""
        return 0 if parent.isValid() else len(self.meta)

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
            self._arrays[column] = self.meta.iloc[:, column].to_numpy()
        return self._arrays[column]

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        """The text of one cell (the full value as its tooltip)."""
        if role not in (Qt.DisplayRole, Qt.ToolTipRole, Qt.TextAlignmentRole) or not index.isValid():
            return None
        row, column = self._row(index.row()), index.column()
        if column < len(self.names):
            value = self._column(column)[row]
            if role == Qt.TextAlignmentRole:
                return int(Qt.AlignRight | Qt.AlignVCenter) if isinstance(value, (int, float, np.number)) \
                    else int(Qt.AlignLeft | Qt.AlignVCenter)
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
            return text + (" …" if len(shown) < len(values) else "") + f"  ({len(values)} token{'' if len(values) == 1 else 's'})"
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
        series = self.meta.iloc[:, column].reset_index(drop=True)
        ascending = order == Qt.AscendingOrder
        try:
            sorted_index = series.sort_values(ascending=ascending, kind="stable", na_position="last").index
        except TypeError:  # mixed types: compare as text
            sorted_index = series.astype(str).sort_values(ascending=ascending, kind="stable").index
        self.order = sorted_index.to_numpy()
        self.layoutChanged.emit()


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
    """A window showing one output of a block as a sortable table."""

    def __init__(self, value: Any, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setWindowTitle(title)
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
        # Fixed row heights keep a million rows cheap: Qt never measures each row.
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.Fixed)
        vertical.setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self._fit_columns()
        self.info = QLabel(self._describe(value))
        self.info.setStyleSheet("color: #555; padding: 2px;")
        self.info.setWordWrap(True)  # a long column list must not widen the window past the screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.info)
        layout.addWidget(self.table)
        self.resize(fit_to_screen(self, QSize(820, 520)))

    def _fit_columns(self, sample: int = 50, widest: int = 420) -> None:
        """Size columns to their header and first rows (measuring every row would be slow on a million)."""
        metrics = self.table.fontMetrics()
        model = self.model
        for column in range(model.columnCount()):
            texts = [str(model.headerData(column, Qt.Horizontal))]
            texts += [model.data(model.index(row, column)) or "" for row in range(min(sample, model.rowCount()))]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 24
            self.table.setColumnWidth(column, min(max(width, 60), widest))

    @staticmethod
    def _describe(value: Any) -> str:
        summary = value.summary() if hasattr(value, "summary") else f"{len(value):,} rows"
        provenance = getattr(value, "provenance", None)
        # Lists (e.g. a fastText model's out-of-vocabulary words) could fill the window: scalars only, shortened.
        shown = [f"{key}: {_shorten(str(item))}" for key, item in (provenance or {}).items()
                 if isinstance(item, (str, int, float, bool))]
        return summary + (" · " + ", ".join(shown) if shown else "")
