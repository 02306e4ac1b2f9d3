"""The welcome screen: the examples gallery with thumbnails, recent files, and how to build a first workflow."""

from __future__ import annotations

import json
from pathlib import Path

from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QPixmap
from PyQt5.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from embedflow.core.specs import SpecSource
from embedflow.io.atomic import atomic_write
from embedflow.io.examples import example_note as example_intro
from embedflow.io.examples import title_and_description
from embedflow.io.resources import examples, resource
from embedflow.io.user_dirs import config_dir

from .qt_items import list_items
from .recent import distinct_names
from .screen_fit import fit_to_screen
from .thumbnails import SIZE, thumbnail
from .window_keys import close_with_keys

SETTINGS_FILE = "welcome.json"
COLUMNS = 3  # examples side by side at the dialog's usual size
SIDE_WIDTH = 380
TEXT_LINES = 5  # under each thumbnail: the title (up to two lines) and the description (up to three)
RECENT_ROWS = 6  # the Recent list grows with its entries up to this many rows, then scrolls
# The example a new user should meet first, then the rest in file-name order.
FIRST = ("documents-map", "word-similarity")

# The sample file as it is installed here: the same words work from a clone and from an installed wheel.
FIRST_WORKFLOW = f"""<b>Build your first workflow</b> (word similarity, 2 minutes):
<ol>
<li>Drag <b>Input</b> from <i>Blocks</i> onto the canvas. Double-click it and choose the sample file
<code>{resource("data", "words.csv")}</code> (or drop that file on the canvas); its Feature becomes
<code>word</code> by itself.</li>
<li>Drag <b>Text Encoding</b> next to it. Drag from the Input's right dot to the Text Encoding's left dot.</li>
<li>Add <b>Text Embedding</b> after it the same way, then <b>Nearest Neighbours</b>.</li>
<li>Double-click Nearest Neighbours and press <i>Show neighbours</i>: the 5 closest words of every word.</li>
</ol>
Stuck? A block with a red badge says what is wrong in <i>Messages</i>. Press <b>F1</b> for help on a block."""


def example_title(path: Path) -> str:
    """The name shown for an example: the first line of its title note when short, else from the file name."""
    return title_and_description(path)[0]


def ordered_examples() -> list[Path]:
    """The shipped examples, the ones for a first session first."""
    shipped = examples()
    rank = {name: i for i, name in enumerate(FIRST)}
    return sorted(shipped, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def show_at_startup() -> bool:
    """Whether the welcome screen opens when embedflow starts without a file (default yes)."""
    try:
        return bool(json.loads((config_dir() / SETTINGS_FILE).read_text(encoding="utf-8"))["show_at_startup"])
    except (OSError, ValueError, KeyError, TypeError):
        return True


def set_show_at_startup(on: bool) -> None:
    """Remember the "Show at startup" choice."""
    try:
        with atomic_write(config_dir() / SETTINGS_FILE, "w") as handle:
            json.dump({"show_at_startup": bool(on)}, handle)
    except OSError:
        pass  # a read-only config folder only means the screen shows again next time


class WelcomeDialog(QDialog):
    """Start here: open an example, a recent workflow, an empty canvas, or a file.

    Signals: exampleChosen(path), recentChosen(path), newChosen(), openChosen(). The dialog closes
    after any of them.
    """

    exampleChosen = pyqtSignal(Path)
    recentChosen = pyqtSignal(str)
    newChosen = pyqtSignal()
    openChosen = pyqtSignal()

    def __init__(self, recent: list[str], specs: SpecSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to embedflow")
        close_with_keys(self)
        self.gallery = QListWidget()
        self.gallery.setObjectName("examples")
        self.gallery.setViewMode(QListView.IconMode)
        self.gallery.setIconSize(SIZE)
        self.gallery.setGridSize(QSize(SIZE.width() + 16, SIZE.height() + 12
                                       + TEXT_LINES * self.gallery.fontMetrics().lineSpacing()))
        self.gallery.setResizeMode(QListView.Adjust)
        self.gallery.setMovement(QListView.Static)
        self.gallery.setWordWrap(True)
        # One column at least: the grid wraps, so a 1024-pixel projector still shows the whole dialog.
        self.gallery.setMinimumWidth(SIZE.width() + 16 + 30)
        for path in ordered_examples():
            note = example_intro(path)
            title, description = title_and_description(path, note)
            item = QListWidgetItem(QIcon(QPixmap.fromImage(thumbnail(path, specs))),
                                   f"{title}\n{description}" if description else title)
            item.setData(Qt.UserRole, str(path))
            item.setToolTip(note)
            self.gallery.addItem(item)
        self.gallery.itemActivated.connect(self._example_activated)
        self.recent = QListWidget()
        self.recent.setObjectName("recent")
        for recent_path, name in zip(recent, distinct_names(recent)):
            item = QListWidgetItem(name)
            item.setData(Qt.UserRole, recent_path)
            item.setToolTip(recent_path)
            if not Path(recent_path).exists():
                item.setFlags(Qt.NoItemFlags)
                item.setToolTip(f"{path} (moved or deleted)")
            self.recent.addItem(item)
        if not recent:
            placeholder = QListWidgetItem("No recent workflows yet")
            placeholder.setFlags(Qt.NoItemFlags)
            self.recent.addItem(placeholder)
        self.recent.itemActivated.connect(self._recent_activated)
        self.new_button = QPushButton("New workflow")
        self.new_button.clicked.connect(lambda: self._choose(self.newChosen.emit))
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(lambda: self._choose(self.openChosen.emit))
        self.startup = QCheckBox("Show this at startup")
        self.startup.setChecked(show_at_startup())
        self.startup.toggled.connect(set_show_at_startup)
        guide = QLabel(FIRST_WORKFLOW)
        guide.setWordWrap(True)
        guide.setObjectName("first-workflow")

        heading = QLabel("<h2>Welcome to embedflow</h2>Turn words, texts and images into vectors, find what is "
                         "similar and draw maps. Open an example (double-click) to see how it works, or build "
                         "your own.")
        heading.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Recent workflows</b>"))
        # As tall as its entries (up to RECENT_ROWS): no empty box under the heading when there are few.
        rows = min(self.recent.count(), RECENT_ROWS)
        self.recent.setFixedHeight(rows * self.recent.sizeHintForRow(0) + 2 * self.recent.frameWidth())
        side.addWidget(self.recent)
        side.addWidget(self.new_button)
        side.addWidget(self.open_button)
        side.addSpacing(12)
        side.addWidget(guide)
        side.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Examples</b>"))
        left.addWidget(self.gallery, 1)
        side_panel = QWidget()
        side_panel.setLayout(side)
        side_panel.setMaximumWidth(SIDE_WIDTH)
        side.setContentsMargins(0, 0, 0, 0)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(side_panel)
        bottom = QHBoxLayout()
        bottom.addWidget(self.startup)
        bottom.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        self.resize(fit_to_screen(self, self.usual_size()))

    def usual_size(self) -> QSize:
        """Wide enough for COLUMNS examples beside the side panel, tall enough for two rows of them."""
        grid = self.gallery.gridSize()
        return QSize(COLUMNS * grid.width() + 60 + SIDE_WIDTH, 2 * grid.height() + 260)

    def example_paths(self) -> list[Path]:
        """The examples in gallery order."""
        return [Path(item.data(Qt.UserRole)) for item in list_items(self.gallery)]

    def _choose(self, emit) -> None:
        self.accept()
        emit()

    def _example_activated(self, item: QListWidgetItem) -> None:
        self._choose(lambda: self.exampleChosen.emit(Path(item.data(Qt.UserRole))))

    def _recent_activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.UserRole)
        if path:
            self._choose(lambda: self.recentChosen.emit(path))
