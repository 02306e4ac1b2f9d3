"""The Normalise block's editor: the generated settings form with a line on what it does."""

from __future__ import annotations

from embedflow_canvas.editors import register_editor
from embedflow_canvas.editors.form import SettingsForm
from PyQt5.QtWidgets import QLabel


class NormaliseEditor(SettingsForm):
    """The settings form, and a note on what normalising changes."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.note = QLabel("After normalising, cosine and euclidean neighbours agree.")
        self.layout().addWidget(self.note)


def register_editors() -> None:
    """Called through the `embedflow.editors` entry point when the canvas loads its editors."""
    register_editor("demo_normalise", NormaliseEditor)
