"""The Messages dock: every validation and run message; clicking one selects its block."""

from __future__ import annotations

from typing import cast

from PyQt5.QtCore import QModelIndex, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from embedflow.core.diagnostics import SEVERITIES, Diagnostic

from . import style

_ICONS = {"error": QStyle.SP_MessageBoxCritical, "warning": QStyle.SP_MessageBoxWarning,
          "info": QStyle.SP_MessageBoxInformation}


class _WrappingDelegate(QStyledItemDelegate):
    """Rows tall enough for wrapped text (QTreeView measures wrapped rows as one line in Qt 5)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt's name
        """The height of the text wrapped at the column's width."""
        size = super().sizeHint(option, index)
        view = cast(QTreeWidget, self.parent())  # the panel this delegate lays out
        width = max(view.header().sectionSize(index.column()) - 10, 60)
        text = index.data() or ""
        bounds = option.fontMetrics.boundingRect(0, 0, width, 100_000, Qt.TextWordWrap, text)
        return QSize(size.width(), max(size.height(), bounds.height() + 6))


class MessagesView(QTreeWidget):
    """A list of diagnostics: severity, block, message, hint and code; signal nodeClicked(node id)."""

    nodeClicked = pyqtSignal(str)
    linkClicked = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(5)
        # The code, as `embedflow validate` prints it: what the README, the help pages and a search name.
        self.setHeaderLabels(["", "Block", "Message", "What to do", "Code"])
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setAlternatingRowColors(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeToContents)
        self.setTextElideMode(Qt.ElideNone)
        # Wrapped rows are measured at the column width: measure again when a column changes width.
        header.sectionResized.connect(lambda *_: self.scheduleDelayedItemsLayout())
        self.setItemDelegate(_WrappingDelegate(self))
        self.itemClicked.connect(self._clicked)
        self.messages: list[tuple[Diagnostic, str]] | None = None

    def set_messages(self, diagnostics: list[Diagnostic], titles: dict[str, str]) -> None:
        """Show `diagnostics` (errors first); `titles` names the blocks."""
        rank: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
        ordered = sorted(diagnostics, key=lambda d: rank[d.severity])
        shown = [(d, titles.get(d.node_id or "", "")) for d in ordered]
        if shown == self.messages:
            return
        self.messages = shown
        self.clear()
        if not shown:
            placeholder = QTreeWidgetItem(self, ["", "", "No problems found.", ""])
            placeholder.setForeground(2, QColor("#3A9D3A"))
            placeholder.setFlags(Qt.ItemIsEnabled)
        for diagnostic, title in shown:
            item = QTreeWidgetItem(self, ["", title or "Workflow", diagnostic.message, diagnostic.hint,
                                          diagnostic.code])
            item.setForeground(4, QColor("#777"))
            item.setIcon(0, self.style().standardIcon(_ICONS[diagnostic.severity]))
            item.setToolTip(2, f"{diagnostic.code}: {diagnostic.message}")
            item.setToolTip(3, diagnostic.hint)
            item.setForeground(1, QColor(style.SEVERITY_COLOURS[diagnostic.severity]))
            item.setData(0, Qt.UserRole, diagnostic)

    def counts(self) -> dict[str, int]:
        """How many messages of each severity are listed."""
        found: dict[str, int] = {s: 0 for s in SEVERITIES}
        for diagnostic, _ in self.messages or []:
            found[diagnostic.severity] += 1
        return found

    def _clicked(self, item: QTreeWidgetItem) -> None:
        diagnostic: Diagnostic | None = item.data(0, Qt.UserRole)
        if diagnostic is None:
            return
        if diagnostic.node_id:
            self.nodeClicked.emit(diagnostic.node_id)
        elif diagnostic.link_id:
            self.linkClicked.emit(diagnostic.link_id)
