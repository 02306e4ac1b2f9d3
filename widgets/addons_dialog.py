"""Help → Add-ons: every installed add-on with the blocks it adds, and everything that failed to load."""

from __future__ import annotations

from PyQt5.QtCore import QSize
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from embedflow.registry import Registry

from . import editors, style
from .screen_fit import fit_to_screen
from .window_keys import close_with_keys

NO_ADD_ONS = ("No add-ons are installed. An add-on is a Python package with an `embedflow.blocks` "
              "entry point; `embedflow blocks` lists the same in a terminal.")


class AddOnsDialog(QDialog):
    """A tree: one item per add-on entry point, its blocks below it, or its error in red."""

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add-ons")
        close_with_keys(self)
        editors.load_editors(registry)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Add-on / block", "Details"])
        self.tree.setWordWrap(True)
        for add_on in registry.add_ons():
            origin = add_on.origin
            item = QTreeWidgetItem(self.tree, [f"{origin} — entry point '{origin.entry_point}'", origin.value])
            if add_on.error is not None:
                self._failure(item, add_on.error)
            for type_name in add_on.blocks:
                spec = registry.get(type_name)
                QTreeWidgetItem(item, [spec.title if spec else type_name, f"block type {type_name}"])
            if add_on.error is None and not add_on.blocks:
                QTreeWidgetItem(item, ["(no blocks)", ""])
        for failure in registry.failures:
            if failure.origin.kind != "add-on":
                self._failure(QTreeWidgetItem(self.tree, [f"built-in module {failure.source}", ""]), failure.error)
        for failure in registry.editor_failures:
            self._failure(QTreeWidgetItem(self.tree, [failure.source, ""]), failure.error)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        layout = QVBoxLayout(self)
        if self.tree.topLevelItemCount() == 0:
            note = QLabel(NO_ADD_ONS)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(fit_to_screen(self, QSize(720, 360)))

    def _failure(self, parent: QTreeWidgetItem, error: str) -> None:
        item = QTreeWidgetItem(parent, ["Failed to load", error])
        item.setToolTip(1, error)
        for column in (0, 1):
            item.setForeground(column, QColor(style.SEVERITY_COLOURS["error"]))
