"""Classifier editor: accuracy beside the baseline, per-class scores, and the confusion matrix as a heatmap
whose cells list their rows (with thumbnails for images) when clicked; on the test rows first when they carry
the label, with cross-validation one choice away."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from embedflow.blocks.classifier import ClassifierView
from embedflow.core.table import Table

from ..qt_items import list_items
from . import register_editor
from .context import EditorContext
from .form import SettingsForm
from .image_embedding import THUMB, thumbnail

MAX_LISTED = 200  # rows listed for one cell; thumbnails are decoded on the GUI thread
HOT = np.array([8, 69, 148], dtype=float)  # the darkest cell; the lightest is white
COLD = np.array([255, 255, 255], dtype=float)
SHOWN = {"test": "the test rows", "cross-validation": "cross-validation"}  # `on` in the scores → what the editor says


def cell_color(share: float) -> QColor:
    """White for 0, dark blue for 1: how much of its true class a cell holds."""
    rgb = COLD + (HOT - COLD) * min(max(share, 0.0), 1.0)
    return QColor(*(int(round(c)) for c in rgb))


class ClassifierEditor(QWidget):
    """The generated settings form, the scores, the confusion heatmap and the rows of a clicked cell."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setMinimumSize(760, 820)
        self._view: ClassifierView | None = None
        self._scores = pd.DataFrame()
        self._confusion = pd.DataFrame()
        self._true: list[str] = []
        self._predicted: list[str] = []
        layout = QVBoxLayout(self)
        layout.addWidget(SettingsForm(context))
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        choice = QHBoxLayout()
        self.on_label = QLabel("Matrix and per-class scores of")
        self.on = QComboBox()
        self.on.currentIndexChanged.connect(self._show_chosen)
        choice.addWidget(self.on_label)
        choice.addWidget(self.on)
        choice.addStretch(1)
        layout.addLayout(choice)

        middle = QHBoxLayout()
        confusion_box = QGroupBox("Confusion matrix: true class × predicted (click a cell)")
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QTableWidget.NoEditTriggers)
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.confusion.cellClicked.connect(self.show_cell)
        self.confusion.setMinimumHeight(220)
        QVBoxLayout(confusion_box).addWidget(self.confusion)
        middle.addWidget(confusion_box, 1)
        scores_box = QGroupBox("Per class")
        self.per_class = QTableWidget(0, 3)
        self.per_class.setHorizontalHeaderLabels(["Class", "Precision", "Recall"])
        self.per_class.verticalHeader().setVisible(False)
        self.per_class.setEditTriggers(QTableWidget.NoEditTriggers)
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.per_class.setMinimumWidth(300)
        QVBoxLayout(scores_box).addWidget(self.per_class)
        middle.addWidget(scores_box, 1)
        layout.addLayout(middle, 3)

        rows_box = QGroupBox("Rows")
        rows_layout = QVBoxLayout(rows_box)
        top = QHBoxLayout()
        self.rows_title = QLabel("Click a cell of the matrix to see its rows.")
        self.mistakes_button = QPushButton("Show every mistake")
        self.mistakes_button.clicked.connect(self.show_mistakes)
        top.addWidget(self.rows_title, 1)
        top.addWidget(self.mistakes_button)
        rows_layout.addLayout(top)
        self.rows = QListWidget()
        self.rows.setIconSize(QSize(THUMB, THUMB))
        self.rows.setWordWrap(True)
        self.rows.setMinimumHeight(THUMB + 64)
        rows_layout.addWidget(self.rows)
        layout.addWidget(rows_box, 2)
        context.resultChanged.connect(self.refresh)
        self.refresh()

    # -- the result ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the scores and the confusion matrix of the block's last result."""
        scores, confusion = self.context.output("scores"), self.context.output("confusion")
        view = self.context.view()
        self.rows.clear()
        if not (isinstance(scores, Table) and isinstance(confusion, Table) and isinstance(view, ClassifierView)):
            result = self.context.result()
            self.headline.setText(result.error if result is not None and result.error else
                                  "Run the workflow to train and test the classifier.")
            self.confusion.setRowCount(0)
            self.confusion.setColumnCount(0)
            self.per_class.setRowCount(0)
            self.on.setVisible(False)
            self.on_label.setVisible(False)
            self._view = None
            return
        self._view = view
        self._scores, self._confusion = scores.meta, confusion.meta
        self._show_headline(scores.meta)
        shown = [on for on in ("test", "cross-validation") if (scores.meta["on"] == on).any()]
        self.on.blockSignals(True)
        self.on.clear()
        for on in shown:
            self.on.addItem(SHOWN[on], on)
        self.on.blockSignals(False)
        self.on.setVisible(len(shown) > 1)
        self.on_label.setVisible(len(shown) > 1)
        self._show_chosen()

    def chosen(self) -> str:
        """Which scores the matrix and the per-class table show: 'test' or 'cross-validation'."""
        return str(self.on.currentData() or "cross-validation")

    def _show_chosen(self) -> None:
        on = self.chosen()
        self._show_per_class(self._scores[self._scores["on"] == on])
        self._show_confusion(self._confusion[self._confusion["on"] == on])
        self.rows.clear()
        self.rows_title.setText("Click a cell of the matrix to see its rows.")

    def _show_headline(self, scores: pd.DataFrame) -> None:
        overall = scores[scores["class"] == ""]
        cross, test = overall[overall["on"] == "cross-validation"], overall[overall["on"] == "test"]
        accuracy, f1 = cross.set_index("metric").loc["accuracy"], cross.set_index("metric").loc["macro F1"]
        text = (f"Cross-validated accuracy <b>{accuracy['value']:.2f}</b> ± {accuracy['std']:.2f} — "
                f"baseline (always the most frequent class) <b>{accuracy['baseline']:.2f}</b>. "
                f"Macro F1 {f1['value']:.2f} (baseline {f1['baseline']:.2f}).")
        if len(test):
            on_test = test.set_index("metric")
            on_matrix = self._confusion[self._confusion["on"] == "test"]
            rows = int(on_matrix.drop(columns=["on", "true"]).to_numpy().sum())
            text = (f"On the {rows:,} held-out test rows: accuracy <b>{on_test.loc['accuracy', 'value']:.2f}</b> — "
                    f"baseline <b>{on_test.loc['accuracy', 'baseline']:.2f}</b>; macro F1 "
                    f"{on_test.loc['macro F1', 'value']:.2f} (baseline {on_test.loc['macro F1', 'baseline']:.2f})."
                    f"<br>{text}")
        self.headline.setText(text)

    def _show_per_class(self, scores: pd.DataFrame) -> None:
        per = scores[scores["class"] != ""].pivot(index="class", columns="metric", values="value")
        self.per_class.setRowCount(len(per))
        for row, (name, values) in enumerate(per.iterrows()):
            for column, text in enumerate((str(name), f"{values['precision']:.2f}", f"{values['recall']:.2f}")):
                self.per_class.setItem(row, column, QTableWidgetItem(text))

    def _show_confusion(self, frame: pd.DataFrame) -> None:
        self._true = [str(c) for c in frame["true"]]
        # Cross-validation knows only the data's classes; the test may add classes no row was predicted as.
        self._predicted = [str(c) for c in frame.columns[2:] if c in self._true or frame[c].sum() > 0]
        counts = frame[self._predicted].to_numpy(dtype=np.int64)
        self.confusion.setRowCount(len(self._true))
        self.confusion.setColumnCount(len(self._predicted))
        self.confusion.setVerticalHeaderLabels(self._true)
        self.confusion.setHorizontalHeaderLabels(self._predicted)
        totals = np.maximum(counts.sum(axis=1), 1)
        for i, true_class in enumerate(self._true):
            for j, predicted in enumerate(self._predicted):
                share = counts[i, j] / totals[i]
                item = QTableWidgetItem(str(counts[i, j]))
                item.setTextAlignment(Qt.AlignCenter)
                item.setBackground(cell_color(share))
                item.setForeground(QColor("white" if share > 0.55 else "black"))
                item.setToolTip(f"{counts[i, j]} of {totals[i]} '{true_class}' rows predicted as '{predicted}'")
                self.confusion.setItem(i, j, item)

    # -- rows of a cell ----------------------------------------------------------------------------
    def _label(self) -> str:
        assert self._view is not None
        return self._view.label

    def _rows_table(self) -> Table | None:
        """The rows behind the chosen matrix: the test rows (None when they stayed on a cluster) or the data."""
        assert self._view is not None
        return self._view.test if self.chosen() == "test" else self._view.rows

    def cell_rows(self, true_class: str, predicted: str) -> pd.DataFrame:
        """The rows of class `true_class` predicted as `predicted` (test rows or cross-validated data rows,
        as chosen)."""
        table = None if self._view is None else self._rows_table()
        if table is None:
            return pd.DataFrame()
        meta = table.meta
        truth = meta[self._label()].astype(str)
        return meta[(truth == true_class) & (meta["predicted"].astype(str) == predicted)]

    def show_cell(self, row: int, column: int) -> None:
        """List the rows behind confusion cell (row, column)."""
        if self._view is None or self._rows_table() is None:
            return
        true_class, predicted = self._true[row], self._predicted[column]
        found = self.cell_rows(true_class, predicted)
        self._list(found, f"{len(found):,} '{true_class}' row(s) predicted as '{predicted}'")

    def show_mistakes(self) -> None:
        """List every row the classifier got wrong (of the test rows or of cross-validation, as chosen)."""
        table = None if self._view is None else self._rows_table()
        if table is None:
            return
        meta = table.meta
        labelled = meta[self._label()].notna() & meta["predicted"].notna()
        found = meta[labelled & (meta[self._label()].astype(str) != meta["predicted"].astype(str))]
        self._list(found, f"{len(found):,} row(s) predicted wrongly")

    def _list(self, found: pd.DataFrame, title: str) -> None:
        table = self._rows_table()
        assert table is not None
        feature = table.feature if table.feature in table.meta.columns else None
        images = table.provenance.get("kind") == "image" and feature is not None
        more = f" (the first {MAX_LISTED} listed)" if len(found) > MAX_LISTED else ""
        self.rows_title.setText(title + more)
        self.rows.clear()
        self.rows.setViewMode(QListWidget.IconMode if images else QListWidget.ListMode)
        if images:
            self.rows.setGridSize(QSize(THUMB + 90, THUMB + 56))
        for index, record in found.head(MAX_LISTED).iterrows():
            name = str(record[feature]) if feature else f"row {index}"
            text = (f"{name.rsplit('/', 1)[-1]}\n{record[self._label()]} → {record['predicted']}"
                    f" ({record['probability']:.2f})")
            item = QListWidgetItem(thumbnail(name, table.base_dir), text) if images else QListWidgetItem(
                f"row {index}: {name} — {record[self._label()]} → {record['predicted']} "
                f"(probability {record['probability']:.2f})")
            item.setToolTip(item.text())
            item.setData(Qt.UserRole, int(index))
            self.rows.addItem(item)

    def listed_rows(self) -> list[int]:
        """Row numbers of the rows listed, top to bottom."""
        return [int(item.data(Qt.UserRole)) for item in list_items(self.rows)]


register_editor("classifier", ClassifierEditor)
