"""The Group's settings window: its promoted settings, each set once for every inner block it names."""

from __future__ import annotations

from PyQt5.QtWidgets import QLabel, QVBoxLayout, QWidget

from embedflow.groups import GROUP, STRUCTURE

from . import register_editor
from .context import EditorContext
from .form import SettingsForm


class GroupEditor(QWidget):
    """The group's promoted settings as a form; its blocks and links are edited inside it (double-click it)."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = SettingsForm(context, self, leave_out=STRUCTURE)
        if not self.form.fields:
            layout.addWidget(QLabel("This group promotes none of its blocks' settings: double-click the group "
                                    "to change them inside it."))
        layout.addWidget(self.form)


register_editor(GROUP, lambda context: GroupEditor(context))
