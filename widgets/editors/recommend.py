"""Recommend editor: the evaluation against popularity, then one user's history beside their recommendations."""

from __future__ import annotations

from PyQt5.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from embedflow.blocks.recommend import RecommendView
from embedflow.core.table import Table
from embedflow.io.tables import IMAGE_SUFFIXES

from . import register_editor
from .context import EditorContext
from .form import SettingsForm
from .image_embedding import thumbnail

MAX_USERS = 5_000  # users offered in the chooser; the rest are in the output table


class RecommendEditor(QWidget):
    """The generated settings form, the evaluation line, a user chooser, their history and recommendations."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setMinimumSize(720, 640)
        self._view: RecommendView | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(SettingsForm(context))
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("User:"))
        self.users = QComboBox()
        self.users.currentTextChanged.connect(self.show_user)
        chooser.addWidget(self.users, 1)
        layout.addLayout(chooser)
        lists = QHBoxLayout()
        self.history = QListWidget()
        self.recommended = QListWidget()
        for title, widget in (("What they used", self.history), ("Recommended", self.recommended)):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            inner.addWidget(widget)
            lists.addWidget(box)
        layout.addLayout(lists, 1)
        context.resultChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the last run's evaluation and its users (or say why there is nothing)."""
        view = self.context.view()
        evaluation = self.context.output("evaluation")
        self._view = view if isinstance(view, RecommendView) else None
        self.users.blockSignals(True)
        self.users.clear()
        self.users.blockSignals(False)
        self.history.clear()
        self.recommended.clear()
        if self._view is None or not isinstance(evaluation, Table):
            result = self.context.result()
            self.headline.setText(result.error if result is not None and result.error else
                                  "Run the workflow to see the recommendations.")
            return
        self.headline.setText(headline(evaluation))
        users = self._view.recommendations[self._view.user].drop_duplicates().astype(str).tolist()[:MAX_USERS]
        self.users.addItems(users)

    def show_user(self, user: str) -> None:
        """List one user's events and their recommendations side by side."""
        self.history.clear()
        self.recommended.clear()
        view = self._view
        if view is None or not user:
            return
        mine = view.history[view.history[view.user].astype(str) == user]
        for record in mine.itertuples(index=False):
            item = str(getattr(record, view.item))
            self.history.addItem(self._item(item, f"{item} (weight {record.weight:g})"))
        recommended = view.recommendations[view.recommendations[view.user].astype(str) == user]
        for record in recommended.itertuples(index=False):
            item = str(getattr(record, view.item))
            self.recommended.addItem(self._item(item, f"{record.rank}. {item}  ({record.score:.3f})"))

    def _item(self, item: str, text: str) -> QListWidgetItem:
        """A list entry, with a thumbnail when the item is an image file."""
        entry = QListWidgetItem(text)
        if self._view is not None and item.lower().endswith(IMAGE_SUFFIXES):
            entry.setIcon(thumbnail(item, self._view.base_dir or self.context.base_dir))
        return entry


def headline(evaluation: Table) -> str:
    """'hit rate@10 0.513 vs popularity 0.375 (1.37×) …' from the evaluation table."""
    parts = []
    for record in evaluation.meta.itertuples(index=False):
        parts.append(f"{record.metric} <b>{record.value:.3f}</b> vs popularity {record.baseline:.3f}"
                     + (f" ({record.ratio:.2f}×)" if record.ratio == record.ratio else ""))
    users = int(evaluation.meta["users"].iloc[0]) if len(evaluation.meta) else 0
    note = evaluation.provenance.get("note", "")
    return f"{'; '.join(parts)} on {users:,} users ({note})."


register_editor("recommend", RecommendEditor)
