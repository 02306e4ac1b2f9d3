"""An editor laid out as the block's generated settings form, a headline and a read-only table of its result."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtWidgets import QHeaderView, QLabel, QTableWidget, QVBoxLayout, QWidget

from .context import EditorContext
from .form import SettingsForm


class FormAndTableEditor(QWidget):
    """Settings form, a word-wrapped headline and a table with `columns`; `refresh` runs after every result."""

    def __init__(self, context: EditorContext, columns: Sequence[str], minimum: tuple[int, int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setMinimumSize(*minimum)
        layout = QVBoxLayout(self)
        layout.addWidget(SettingsForm(context))
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        context.resultChanged.connect(self.refresh)

    def refresh(self) -> None:
        """Show the block's last result (subclasses fill the headline and the table)."""
        raise NotImplementedError
