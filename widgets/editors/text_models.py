"""The language-model picker of the text editors: what is installed, what can be downloaded, and a download button."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from embedflow.core.errors import Cancelled, EmbedflowError
from embedflow.text import gensim_data, models
from embedflow.text.models import LanguageModelInfo, ModelKind

from .context import EditorContext


class BackgroundTask(QObject):
    """Runs a function on a Python thread; progress and the outcome come back as Qt signals."""

    progress = pyqtSignal(float, str)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, function: Callable[[BackgroundTask], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()
        self._function = function
        self.worker = threading.Thread(target=self._work, daemon=True, name="embedflow-text-task")

    def start(self) -> None:
        """Start the work."""
        self.worker.start()

    def _work(self) -> None:
        try:
            value = self._function(self)
        except Cancelled:
            self._emit("failed", "Cancelled")
        except EmbedflowError as exc:
            self._emit("failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - shown in the editor instead of lost on a thread
            self._emit("failed", f"{type(exc).__name__}: {exc}")
        else:
            self._emit("finished", value)

    def _emit(self, signal: str, value: Any) -> None:
        try:
            getattr(self, signal).emit(value)
        except RuntimeError:
            pass  # the editor was closed while the work ran: nobody is left to tell


def status_text(info: LanguageModelInfo) -> str:
    """How a model stands on this computer, in words."""
    if info.source == "trained":
        return "trained when run"
    if info.source == "remote":
        return f"remote: {info.location}"
    if info.available:
        return "built in" if info.source == "built-in" else "installed"
    return f"download {info.size_text()}"


class LanguageModelPicker(QGroupBox):
    """Every language model with its size and status; clicking one sets the block's language model."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__("Language model", parent)
        self.context = context
        self.task: BackgroundTask | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Model", "Dims", "Words", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.itemClicked.connect(self._clicked)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.bar, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        layout.addWidget(self.status)
        context.settingsChanged.connect(self._on_settings_changed)  # bound: disconnected when this widget dies
        self.refresh()

    def _on_settings_changed(self, _settings: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """List the models again and highlight the block's."""
        current = self.context.settings().get("language_model")
        self.tree.clear()
        for info in models.list_models():
            words = f"{info.vocab_size:,}" if info.vocab_size else "-"
            item = QTreeWidgetItem([info.id, str(info.dims or "?"), words, status_text(info)])
            item.setData(0, Qt.UserRole, info.id)
            tokenizer = (info.tokenizer.describe() if info.kind == ModelKind.WORD_VECTORS else
                         f"{info.kind}'s own" + (f", {info.max_positions} positions" if info.max_positions else ""))
            item.setToolTip(0, f"{info.name}\n{info.description}\nTokenizer: {tokenizer}")
            self.tree.addTopLevelItem(item)
            if info.id == current:
                self.tree.setCurrentItem(item)
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        self._update_buttons()

    def selected(self) -> LanguageModelInfo | None:
        """The highlighted model."""
        item = self.tree.currentItem()
        return models.get_info(item.data(0, Qt.UserRole)) if item is not None else None

    def _clicked(self, item: QTreeWidgetItem) -> None:
        model_id = item.data(0, Qt.UserRole)
        if model_id != self.context.settings().get("language_model"):
            self.context.apply({"language_model": model_id})
        self._update_buttons()

    def _update_buttons(self) -> None:
        info = self.selected()
        busy = self.task is not None
        self.download_button.setEnabled(bool(info and info.source == "gensim-data" and not info.available
                                             and not busy))
        if info is not None and not busy:
            self.download_button.setText(f"Download ({info.size_text()})" if not info.available
                                         and info.source == "gensim-data" else "Download")

    def download_selected(self) -> BackgroundTask | None:
        """Download the highlighted catalogue model in the background, with progress and Cancel."""
        info = self.selected()
        if info is None or info.available or info.source != "gensim-data" or self.task is not None:
            return None

        def work(task: BackgroundTask) -> LanguageModelInfo:
            return gensim_data.download(info.id, progress=lambda f, m: task.progress.emit(f, m), cancel=task.cancel)

        self.task = BackgroundTask(work, self)
        self.task.progress.connect(self._progress)
        self.task.finished.connect(self._done)
        self.task.failed.connect(self._failed)
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self.download_button.setEnabled(False)
        self.status.setText(f"Downloading {info.id} ({info.size_text()}) …")
        self.task.start()
        return self.task

    def cancel_download(self) -> None:
        """Stop the running download (the part already fetched is kept for a later resume)."""
        if self.task is not None:
            self.task.cancel.set()

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.status.setText(message)

    def _finish(self, message: str) -> None:
        self.task = None
        self.bar.setVisible(False)
        self.cancel_button.setVisible(False)
        self.status.setText(message)
        self.refresh()

    def _done(self, info: LanguageModelInfo) -> None:
        self._finish(f"{info.id} is installed: {info.vocab_size:,} words × {info.dims} dimensions.")

    def _failed(self, message: str) -> None:
        self._finish(message)
