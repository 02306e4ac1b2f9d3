"""The items of Qt's item widgets as plain lists (Qt's getters may return None out of range)."""

from __future__ import annotations

from PyQt5.QtWidgets import QListWidget, QListWidgetItem, QTreeWidgetItem


def list_items(widget: QListWidget) -> list[QListWidgetItem]:
    """Every item of a list widget, top to bottom."""
    return [item for row in range(widget.count()) if (item := widget.item(row)) is not None]


def tree_children(parent: QTreeWidgetItem | None) -> list[QTreeWidgetItem]:
    """The children of a tree item (of a tree's invisible root item: its top-level items)."""
    if parent is None:
        return []
    return [child for j in range(parent.childCount()) if (child := parent.child(j)) is not None]
