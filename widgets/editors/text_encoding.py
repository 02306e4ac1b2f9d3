"""Text Encoding editor: model picker, the settings, a preview of tokenized rows and a document-length histogram."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyqtgraph as pg
from PyQt5.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from embedflow.blocks.text_encoding import feature_column, lowercase_choice
from embedflow.core.table import Table
from embedflow.text import models
from embedflow.text.encoding import NotText, text_values
from embedflow.text.models import ModelKind
from embedflow.text.tokenizer import tokenize_corpus
from embedflow.text.transformer import UNKNOWN_PIECE, process_model
from embedflow.text.use_multilingual import UNKNOWN as USE_UNKNOWN
from embedflow.text.use_multilingual import USE_ID

from . import register_editor
from .context import EditorContext
from .form import SettingsForm
from .text_models import BackgroundTask, LanguageModelPicker

PREVIEW_ROWS = 20
HISTOGRAM_ROWS = 50_000


@dataclass
class Preview:
    """Tokens of the first rows (with which are known) and the token counts of up to HISTOGRAM_ROWS rows."""

    rows: list[list[tuple[str, bool | None]]]
    lengths: np.ndarray
    sampled: bool
    note: str = ""
    specials: int = 0  # positions the model adds to every row ([CLS] and [SEP] for a transformer)
    unit: str = "tokens"


WORDPIECE_NOTE = ("Word pieces: ## marks a piece that continues a word, so no word is ever unknown; only characters "
                  "without a piece (emoji) become [UNK]. Every row also gets [CLS] in front and [SEP] at the end, and "
                  "an attention mask that is 1 on its pieces and 0 on the padding.")
SENTENCEPIECE_NOTE = ("SentencePiece pieces: ▁ marks a piece that starts a word; case and accents are kept and one "
                      "vocabulary serves 16 languages, so only characters without a piece become <unk>. Every row "
                      "also gets <s> in front and </s> at the end.")
UNKNOWN_PIECES = (UNKNOWN_PIECE, USE_UNKNOWN)


def compute_preview(table: Table, model_id: str, lowercase: str) -> Preview:
    """Tokenize the feature column as the block would; known-ness is None when the model is not here."""
    column = feature_column(table)
    if column is None:
        return Preview([], np.array([], dtype=np.int64), False, "The input has no text column.")
    try:
        texts, _ = text_values(table.meta[column].head(HISTOGRAM_ROWS))
    except NotText as exc:
        return Preview([], np.array([], dtype=np.int64), False, f"The column '{column}' holds {exc}, not text.")
    info = models.get_info(model_id)
    if info is None:
        return Preview([], np.array([], dtype=np.int64), False, f"Unknown language model '{model_id}'.")
    values = [text or "" for text in texts.to_pylist()]
    sampled = len(table) > HISTOGRAM_ROWS
    if info.kind == ModelKind.TRANSFORMER:
        sentence_model = process_model(model_id)
        rows: list[list[tuple[str, bool | None]]] = [[(piece, piece not in UNKNOWN_PIECES)
                 for piece in sentence_model.pieces(text, limit=info.max_positions)] for text in values[:PREVIEW_ROWS]]
        lengths = sentence_model.tokenize(values, info.max_positions).lengths - 2
        return Preview(rows, lengths.clip(min=0), sampled, SENTENCEPIECE_NOTE if model_id == USE_ID else WORDPIECE_NOTE,
                       specials=2, unit="word pieces")
    if info.kind == ModelKind.REMOTE:
        return Preview([[(text, None)] for text in values[:PREVIEW_ROWS]],
                       np.array([len(text) for text in values], dtype=np.int64), sampled,
                       f"The remote model {model_id} tokenizes on its server: the text is sent as it is.",
                       unit="characters")
    model = models.load(model_id) if info.available and info.source != "trained" else None
    corpus = tokenize_corpus(texts, info.tokenizer, lowercase_choice(lowercase))
    rows = []
    for row in range(min(PREVIEW_ROWS, len(corpus))):
        tokens = corpus.tokens.slice(int(corpus.offsets[row]), int(corpus.lengths[row]))
        known: list[bool | None] = (np.asarray(pc.is_in(tokens, value_set=model.words), dtype=bool).tolist()
                                    if model is not None else [None] * len(tokens))
        rows.append(list(zip(tokens.to_pylist(), known)))
    note = "" if model is not None else ("Unknown words are marked once the model is installed."
                                         if info.source != "trained" else
                                         "A trained model knows every word of its texts.")
    return Preview(rows, corpus.lengths, len(table) > HISTOGRAM_ROWS, note)


def preview_html(preview: Preview, sequence_length: int) -> str:
    """Rows as HTML: unknown tokens red and struck through, tokens past the sequence length grey."""
    sequence_length -= preview.specials
    lines = []
    for number, tokens in enumerate(preview.rows):
        parts = []
        for position, (token, known) in enumerate(tokens):
            text = html.escape(token)
            if position >= sequence_length:
                parts.append(f'<span style="color:#999">{text}</span>')
            elif known is False:
                parts.append(f'<span style="color:#c62828;text-decoration:line-through" title="unknown">{text}</span>')
            else:
                parts.append(text)
        body = " ".join(parts) if parts else '<i style="color:#c62828">empty after tokenization</i>'
        lines.append(f'<p style="margin:2px"><b>{number}</b>&nbsp; {body}</p>')
    if preview.note:
        lines.append(f"<p><i>{html.escape(preview.note)}</i></p>")
    return "".join(lines)


class TextEncodingEditor(QWidget):
    """Picker, settings form, tokenized preview and a histogram of tokens per row."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.task: BackgroundTask | None = None
        self.pending = False
        self.preview: Preview | None = None
        layout = QVBoxLayout(self)
        self.picker = LanguageModelPicker(context)
        layout.addWidget(self.picker)
        middle = QHBoxLayout()
        self.form = SettingsForm(context, leave_out=("language_model",))  # the picker above shows it
        middle.addWidget(self.form, 1)
        self.histogram = pg.PlotWidget(background="w")  # light, like the scatter view and the rest of the window
        self.histogram.setMinimumSize(240, 150)
        self.histogram.setLabel("bottom", "tokens per row")  # the unit follows the model (see _show)
        self.histogram.setLabel("left", "rows")
        self.histogram.setMouseEnabled(False, False)
        self.cut_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#c62828", width=2))
        self.histogram.addItem(self.cut_line)
        middle.addWidget(self.histogram, 1)
        layout.addLayout(middle)
        self.cut_label = QLabel()
        layout.addWidget(self.cut_label)
        box = QGroupBox("Preview: the first rows as the model sees them")
        self.text = QTextBrowser()
        inner = QVBoxLayout(box)
        inner.addWidget(self.text)
        layout.addWidget(box, 1)
        context.settingsChanged.connect(self._on_settings_changed)  # bound: disconnected when this widget dies
        context.resultChanged.connect(self.refresh)
        self.refresh()

    def _on_settings_changed(self, _settings: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Tokenize the input again in the background (one computation at a time)."""
        if self.task is not None:
            self.pending = True
            return
        table = self.context.input("data")
        if not isinstance(table, Table):
            self.text.setHtml("<i>Run the block before this one to see its rows tokenized here.</i>")
            return
        settings = self.context.settings()
        model_id, lowercase = settings.get("language_model") or "", settings.get("lowercase", "auto")

        def work(task: BackgroundTask) -> Preview:
            return compute_preview(table, model_id, lowercase)

        self.task = BackgroundTask(work, self)
        self.task.finished.connect(self._show)
        self.task.failed.connect(self._failed)
        self.task.start()

    def _done(self) -> None:
        self.task = None
        if self.pending:
            self.pending = False
            self.refresh()

    def _failed(self, message: str) -> None:
        self.text.setHtml(f"<i>{html.escape(message)}</i>")
        self._done()

    def _show(self, preview: Preview) -> None:
        self.preview = preview
        length = self.context.settings().get("sequence_length", 64)
        length = length if isinstance(length, int) else 64
        self.text.setHtml(preview_html(preview, length))
        self.histogram.setLabel("bottom", f"{preview.unit} per row")
        length -= preview.specials
        self.histogram.clear()
        self.histogram.addItem(self.cut_line)
        if len(preview.lengths):
            top = int(preview.lengths.max())
            counts, edges = np.histogram(preview.lengths, bins=min(60, top + 1), range=(0, top + 1))
            bars = pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush="#5c8fd6", pen=None)
            self.histogram.addItem(bars)
            cut = int((preview.lengths > length).sum())
            sample = f" (first {len(preview.lengths):,} rows)" if preview.sampled else ""
            # A sentence model's sequence length counts its own markers too: say where the other places went.
            markers = (f" (the sequence length {length + preview.specials} keeps {preview.specials} places for "
                       "the model's own [CLS] and [SEP] markers)" if preview.specials else "")
            self.cut_label.setText(f"{cut:,} of {len(preview.lengths):,} rows{sample} have more than {length} "
                                   f"{preview.unit}{markers} and are cut; the longest has {top:,}."
                                   if preview.unit != "characters" else
                                   f"{len(preview.lengths):,} rows{sample}; the longest has {top:,} characters.")
        self.cut_line.setValue(length)
        self._done()


register_editor("text_encoding", lambda context: TextEncodingEditor(context))

