"""Item Embedding editor: the settings, then the most used items, each with the items closest to it."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QTableWidgetItem,
    QWidget,
)

from embedflow.analysis.recommend import unit_rows
from embedflow.core.table import Table

from . import register_editor
from .context import EditorContext
from .form_and_table import FormAndTableEditor

COLUMNS = ("Item", "Interactions", "Closest items (cosine)")
SHOWN_ITEMS, CLOSEST = 200, 3


class ItemEmbeddingEditor(FormAndTableEditor):
    """The generated settings form above the most used items and their nearest items: what the space learned."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, COLUMNS, (620, 520), parent)
        self.refresh()

    def refresh(self) -> None:
        """Show the most used items of the last run with their closest items (or say why there are none)."""
        items = self.context.output("items")
        self.table.setRowCount(0)
        result = self.context.result()
        if not isinstance(items, Table) or items.vectors is None:
            self.headline.setText(result.error if result is not None and result.error else
                                  "Run the workflow to see the items and their neighbours.")
            return
        self.headline.setText(f"<b>{result.summary if result is not None else ''}</b>")
        names = items.meta[items.feature].astype(str).to_numpy() if items.feature in items.meta.columns else \
            np.arange(len(items)).astype(str)
        shown = np.argsort(-items.meta["interactions"].to_numpy(), kind="stable")[:SHOWN_ITEMS]
        closest = closest_items(items.vectors, shown, CLOSEST)
        self.table.setRowCount(len(shown))
        for row, (index, neighbours) in enumerate(zip(shown, closest)):
            count = QTableWidgetItem(f"{int(items.meta['interactions'].iloc[index]):,}")
            count.setTextAlignment(int(Qt.AlignRight | Qt.AlignVCenter))
            for col, item in enumerate((QTableWidgetItem(names[index]), count,
                                        QTableWidgetItem(", ".join(names[n] for n in neighbours)))):
                self.table.setItem(row, col, item)


def closest_items(vectors: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """For each of `rows`, the k other items of highest cosine, best first."""
    unit = unit_rows(vectors)
    scores = unit[rows] @ unit.T
    scores[np.arange(len(rows)), rows] = -np.inf
    k = min(k, len(vectors) - 1)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


register_editor("item_embedding", ItemEmbeddingEditor)
