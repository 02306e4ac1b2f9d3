"""The toolbox: blocks by category with icons and a filter; drag one onto the canvas to add it."""

from __future__ import annotations

from collections.abc import Iterable

from PyQt5.QtCore import QMimeData, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QBrush
from PyQt5.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from embedflow.core.ports import accepts
from embedflow.core.specs import CATEGORIES, NodeSpec
from embedflow.groups import GROUP
from embedflow.io.user_blocks import USER_BLOCK, user_blocks
from embedflow.registry import Registry

from . import style
from .canvas.view import BLOCK_MIME
from .document.quick_search import matches
from .qt_items import tree_children

MY_BLOCKS = "My blocks"


def block_mime(type_name: str) -> QMimeData:
    """The drag payload that makes the canvas add a block of `type_name`."""
    mime = QMimeData()
    mime.setData(BLOCK_MIME, type_name.encode())
    return mime


def pipeline_order(specs: list[NodeSpec]) -> list[NodeSpec]:
    """Blocks by category, and within one by how far down a pipeline they sit (Encoding before Embedding)."""
    depth = {s.type: 0 for s in specs if not s.inputs}
    frontier = [s for s in specs if not s.inputs]
    while frontier:
        reached = []
        for spec in specs:
            if spec.type in depth:
                continue
            if any(accepts(spec.inputs[0].type, out.type) for producer in frontier for out in producer.outputs):
                depth[spec.type] = max(depth[p.type] for p in frontier) + 1
                reached.append(spec)
        frontier = reached
    category = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(specs, key=lambda s: (category.get(s.category, len(category)), depth.get(s.type, 99), s.title))


class _BlockTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt's name
        return [BLOCK_MIME]

    def mimeData(self, items: Iterable[QTreeWidgetItem | None]) -> QMimeData:  # noqa: N802 - Qt's name
        type_name = next((i.data(0, Qt.UserRole) for i in items if i is not None and i.data(0, Qt.UserRole)), "")
        return block_mime(type_name)


class Toolbox(QWidget):
    """Categories (Data, Text, Image, Analysis, Visualise) of draggable blocks, with a filter box.

    Signal blockActivated(type name): a block was double-clicked (the window adds it).
    """

    blockActivated = pyqtSignal(str)

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter blocks…")
        self.filter.setClearButtonEnabled(True)
        self.tree = _BlockTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(28, 28))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragOnly)
        self.tree.setIndentation(10)
        self.tree.setRootIsDecorated(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.filter.textChanged.connect(self.apply_filter)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.reload()

    def reload(self) -> None:
        """List every registered block (call again after registering new types)."""
        self.tree.clear()
        categories: dict[str, QTreeWidgetItem] = {}
        for spec in pipeline_order(self.registry.specs()):
            if spec.instance is not None:  # a group is made from blocks (Ctrl+G), or placed from My blocks
                continue
            parent = categories.get(spec.category)
            if parent is None:
                parent = QTreeWidgetItem(self.tree, [spec.category])
                parent.setFlags(Qt.ItemIsEnabled)
                parent.setBackground(0, QBrush(style.category_colour(spec.category).lighter(115)))
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                categories[spec.category] = parent
            item = QTreeWidgetItem(parent, [spec.title])
            item.setIcon(0, style.node_icon(spec))
            item.setData(0, Qt.UserRole, spec.type)
            item.setToolTip(0, f"<b>{spec.title}</b><br>{spec.description}")
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
        self._add_user_blocks()
        self.tree.expandAll()
        self.apply_filter(self.filter.text())

    def _add_user_blocks(self) -> None:
        """The user library under My blocks; a broken file is listed greyed out with its error."""
        blocks = user_blocks(self.registry)
        if not blocks:
            return
        parent = QTreeWidgetItem(self.tree, [MY_BLOCKS])
        parent.setFlags(Qt.ItemIsEnabled)
        font = parent.font(0)
        font.setBold(True)
        parent.setFont(0, font)
        for block in blocks:
            item = QTreeWidgetItem(parent, [f"{block.title} (broken)" if block.broken else block.title])
            item.setIcon(0, style.node_icon(self.registry.get(GROUP)))
            item.setData(0, Qt.UserRole, USER_BLOCK + str(block.path))
            if block.broken:
                item.setToolTip(0, f"<b>{block.path.name}</b> cannot be used: {block.error}")
                item.setFlags(Qt.NoItemFlags)
            else:
                item.setToolTip(0, f"<b>{block.title}</b><br>{block.description or 'A group saved as a block'}"
                                   f"<br><i>{block.path}</i>")
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)

    def preferred_width(self) -> int:
        """The width that shows every block's title whole (icon, indentation, frame and margins included)."""
        margins = self.layout().contentsMargins()
        scroll_bar = self.tree.verticalScrollBar().sizeHint().width()
        return (self.tree.sizeHintForColumn(0) + self.tree.indentation() + 2 * self.tree.frameWidth() + scroll_bar
                + margins.left() + margins.right())

    def apply_filter(self, text: str) -> None:
        """Show only blocks matching `text` (and categories that still have some)."""
        for category in tree_children(self.tree.invisibleRootItem()):
            shown = 0
            for item in tree_children(category):
                key = item.data(0, Qt.UserRole)
                spec = self.registry.get(key)
                visible = (spec is not None and matches(spec, text)) or (
                    key.startswith(USER_BLOCK) and all(w in item.text(0).lower() for w in text.lower().split()))
                item.setHidden(not visible)
                shown += visible
            category.setHidden(shown == 0)

    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        """The list entry of a block type."""
        for category in tree_children(self.tree.invisibleRootItem()):
            for item in tree_children(category):
                if item.data(0, Qt.UserRole) == type_name:
                    return item
        return None

    def visible_types(self) -> list[str]:
        """Block types not hidden by the filter."""
        return [item.data(0, Qt.UserRole)
                for category in tree_children(self.tree.invisibleRootItem())
                for item in tree_children(category) if not item.isHidden()]

    def _activated(self, item: QTreeWidgetItem) -> None:
        type_name = item.data(0, Qt.UserRole)
        if type_name:
            self.blockActivated.emit(type_name)
