"""The Messages dock: every validation and run message; clicking one selects its block."""

from __future__ import annotations

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from embedflow.validation import SEVERITIES, Diagnostic

from . import style

_ICONS = {"error": QStyle.SP_MessageBoxCritical, "warning": QStyle.SP_MessageBoxWarning,
          "info": QStyle.SP_MessageBoxInformation}


class MessagesView(QTreeWidget):
    """A list of diagnostics: severity, block, message (hint below); signal nodeClicked(node id)."""

    nodeClicked = pyqtSignal(str)
    linkClicked = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["", "Block", "Message"])
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setAlternatingRowColors(True)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.itemClicked.connect(self._clicked)
        self.messages: list[tuple[Diagnostic, str]] | None = None

    def set_messages(self, diagnostics: list[Diagnostic], titles: dict[str, str]) -> None:
        """Show `diagnostics` (errors first); `titles` names the blocks."""
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        ordered = sorted(diagnostics, key=lambda d: rank[d.severity])
        shown = [(d, titles.get(d.node_id or "", "")) for d in ordered]
        if shown == self.messages:
            return
        self.messages = shown
        self.clear()
        if not shown:
            placeholder = QTreeWidgetItem(self, ["", "", "No problems found."])
            placeholder.setForeground(2, QColor("#3A9D3A"))
            placeholder.setFlags(Qt.ItemIsEnabled)
        for diagnostic, title in shown:
            text = diagnostic.message + (f"\n→ {diagnostic.hint}" if diagnostic.hint else "")
            item = QTreeWidgetItem(self, ["", title or "Workflow", text])
            item.setIcon(0, self.style().standardIcon(_ICONS[diagnostic.severity]))
            item.setToolTip(2, f"{diagnostic.code}: {text}")
            item.setForeground(1, QColor(style.SEVERITY_COLOURS[diagnostic.severity]))
            item.setData(0, Qt.UserRole, diagnostic)

    def counts(self) -> dict[str, int]:
        """How many messages of each severity are listed."""
        found = {s: 0 for s in SEVERITIES}
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
