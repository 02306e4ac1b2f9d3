"""The quick search: type a few letters, pick a block, it appears where you were pointing."""

from __future__ import annotations

from PyQt5.QtCore import QPoint, QSize, Qt
from PyQt5.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from embedflow.core.specs import NodeSpec

from .. import style
from ..qt_items import list_items


def matches(spec: NodeSpec, text: str) -> bool:
    """True when every word of `text` is in the block's title, type, category or description."""
    haystack = f"{spec.title} {spec.type} {spec.category} {spec.description}".lower()
    return all(word in haystack for word in text.lower().split())


def rank(spec: NodeSpec, text: str) -> int:
    """Lower is better: a title starting with the text, then containing it, then the rest."""
    title, query = spec.title.lower(), text.lower().strip()
    if not query or title.startswith(query) or any(w.startswith(query) for w in title.split()):
        return 0
    return 1 if query in title else 2


class QuickSearch(QDialog):
    """A popup list of blocks filtered as the user types; Enter or a click picks one."""

    def __init__(self, parent: QWidget | None, specs: list[NodeSpec], text: str = "") -> None:
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        # A group is made from blocks (Ctrl+G) or placed from My blocks, not added empty.
        self.specs = [spec for spec in specs if spec.instance is None]
        self.chosen: str | None = None
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Search blocks…")
        self.edit.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setIconSize(QSize(24, 24))
        self.list.setMinimumSize(360, 240)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.edit.textChanged.connect(self._filter)
        self.edit.returnPressed.connect(self._accept_current)
        self.list.itemActivated.connect(self._accept_item)
        self.list.itemClicked.connect(self._accept_item)
        self.edit.installEventFilter(self)
        self.edit.setText(text)
        self._filter(text)

    def _filter(self, text: str) -> None:
        self.list.clear()
        found = [spec for spec in self.specs if matches(spec, text)]
        for spec in sorted(found, key=lambda spec: rank(spec, text)):
            item = QListWidgetItem(style.node_icon(spec), f"{spec.title}   ·  {spec.category}")
            item.setData(Qt.UserRole, spec.type)
            item.setToolTip(spec.description)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def visible_types(self) -> list[str]:
        """The block types listed now, in order."""
        return [item.data(Qt.UserRole) for item in list_items(self.list)]

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        """Up and Down in the search field move through the list."""
        if obj is self.edit and event.type() == event.KeyPress and event.key() in (Qt.Key_Up, Qt.Key_Down):
            row = self.list.currentRow() + (1 if event.key() == Qt.Key_Down else -1)
            if 0 <= row < self.list.count():
                self.list.setCurrentRow(row)
            return True
        return super().eventFilter(obj, event)

    def _accept_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._accept_item(item)

    def _accept_item(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(Qt.UserRole)
        self.accept()

    @classmethod
    def choose(cls, parent: QWidget | None, global_pos: QPoint, specs: list[NodeSpec], text: str = "") -> str | None:
        """Show the popup of `specs` at `global_pos` and return the chosen block type (None if dismissed)."""
        popup = cls(parent, specs, text)
        popup.move(global_pos)
        popup.edit.setFocus()
        popup.exec_()
        return popup.chosen
