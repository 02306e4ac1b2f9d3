"""Category Embedding editor: the settings, then each column's values and width against its one-hot columns."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QTableWidgetItem,
    QWidget,
)

from embedflow.core.table import Table

from . import register_editor
from .context import EditorContext
from .form_and_table import FormAndTableEditor

COLUMNS = ("Column", "Values (one-hot columns)", "Dimensions", "Most frequent values")
SHOWN_VALUES = 5


class CategoryEmbeddingEditor(FormAndTableEditor):
    """The generated settings form above a table of the embedded columns and their widths."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, COLUMNS, (620, 480), parent)
        self.refresh()

    def refresh(self) -> None:
        """Show the widths of the last run (or say why there are none)."""
        categories = self.context.output("categories")
        embeddings = self.context.output("embeddings")
        self.table.setRowCount(0)
        if not isinstance(categories, Table) or not isinstance(embeddings, Table):
            result = self.context.result()
            self.headline.setText(result.error if result is not None and result.error else
                                  "Run the workflow to see the columns and their widths.")
            return
        result = self.context.result()
        self.headline.setText(f"<b>{result.summary if result is not None else ''}</b>")
        frame = categories.meta
        columns = list(dict.fromkeys(frame["column"]))
        widths = categories.provenance.get("widths", {})
        self.table.setRowCount(len(columns))
        for row, column in enumerate(columns):
            values = frame[frame["column"] == column].sort_values("count", ascending=False)
            shown = ", ".join(f"{v} ({c:,})" for v, c in zip(values["value"][:SHOWN_VALUES], values["count"]))
            cells = (column, f"{len(values):,}", str(widths.get(column, "")), shown)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (1, 2):
                    item.setTextAlignment(int(Qt.AlignRight | Qt.AlignVCenter))
                self.table.setItem(row, col, item)


register_editor("category_embedding", CategoryEmbeddingEditor)
