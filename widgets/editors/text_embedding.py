"""Text Embedding editor: the model picker, a one-click fix when it differs from the encoding's, and the settings."""

from __future__ import annotations

from typing import Any

from PyQt5.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import register_editor
from .context import EditorContext
from .form import SettingsForm
from .text_models import LanguageModelPicker


class TextEmbeddingEditor(QWidget):
    """Shows the encoding's model beside the block's and offers to use it."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.encoding_label = QLabel()
        self.encoding_label.setWordWrap(True)
        self.use_button = QPushButton()
        self.use_button.clicked.connect(self.use_encoding_model)
        row.addWidget(self.encoding_label, 1)
        row.addWidget(self.use_button)
        layout.addLayout(row)
        self.picker = LanguageModelPicker(context)
        layout.addWidget(self.picker, 1)
        layout.addWidget(SettingsForm(context, leave_out=("language_model",)))  # the picker above shows it
        context.settingsChanged.connect(self._on_settings_changed)  # bound: disconnected when this widget dies
        context.resultChanged.connect(self.refresh)
        self.refresh()

    def encoding_model(self) -> str | None:
        """The language model the encoded text feeding this block was made with (as its block describes it)."""
        description = self.context.describe_input("encoded")
        model = description.model if description is not None else None
        return model if isinstance(model, str) and model else None

    def _on_settings_changed(self, _settings: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Say which model the encoding used and whether this block matches it."""
        theirs = self.encoding_model()
        ours = self.context.settings().get("language_model")
        if theirs is None:
            self.encoding_label.setText("Link a Text Encoding block to the input: Text Embedding needs its tokens.")
            self.use_button.setVisible(False)
        elif theirs == ours:
            self.encoding_label.setText(f"Uses {ours}, the model the text was encoded with.")
            self.use_button.setVisible(False)
        else:
            self.encoding_label.setText(f"<b>The text was encoded with {theirs}</b>, but this block uses {ours}: "
                                        "the two must be the same model.")
            self.use_button.setText(f"Use {theirs}")
            self.use_button.setVisible(True)

    def use_encoding_model(self) -> None:
        """Set this block's language model to the encoding's (undoable)."""
        theirs = self.encoding_model()
        if theirs is not None:
            self.context.apply({"language_model": theirs})


register_editor("text_embedding", lambda context: TextEmbeddingEditor(context))
