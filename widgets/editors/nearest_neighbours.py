"""Nearest Neighbours editor: the generated form without "Leave out the query's words" when the data are images."""

from __future__ import annotations

from PyQt5.QtWidgets import QVBoxLayout, QWidget

from . import register_editor
from .context import EditorContext
from .form import SettingsForm

WORDS_SETTING = "exclude_query_words"


class NearestNeighboursEditor(QWidget):
    """The settings form; the query-words setting is hidden while the rows searched are images."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = SettingsForm(context)
        QVBoxLayout(self).addWidget(self.form)
        context.resultChanged.connect(self.refresh)
        self.refresh()

    def searches_images(self) -> bool:
        """True when the data arriving are image embeddings (they have no words to leave out)."""
        data = self.context.input("data")
        return getattr(data, "provenance", {}).get("kind") == "image"

    def refresh(self) -> None:
        """Offer the query-words setting only for text."""
        self.form.set_row_visible(WORDS_SETTING, not self.searches_images())


register_editor("nearest_neighbours", lambda context: NearestNeighboursEditor(context))
