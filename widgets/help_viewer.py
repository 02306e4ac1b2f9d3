"""The help window: the Markdown pages of resources/help/, with a page list, links between pages and history."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSize, Qt, QUrl
from PyQt5.QtGui import QDesktopServices, QKeySequence, QTextDocument
from PyQt5.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QShortcut,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from embedflow import help as help_pages
from embedflow.registry import Registry

from .qt_items import list_items
from .screen_fit import fit_to_screen, place_on_canvas
from .window_keys import close_with_keys

START_PAGE = "embeddings"
TEXT_WIDTH = 560  # the page text's width beside a page list wide enough for its longest title


class HelpViewer(QWidget):
    """A window showing one help page at a time; links to other pages open in place, web links in the browser."""

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.registry = registry
        self.setWindowTitle("embedflow help")
        self.pages = QListWidget()
        self.pages.setObjectName("help-pages")
        self._fill_page_list()
        # Only clicks and Enter open a page: the list also moves its current item by itself (on focus).
        self.pages.itemClicked.connect(self._page_chosen)
        self.pages.itemActivated.connect(self._page_chosen)
        self.browser = QTextBrowser()
        self.browser.setObjectName("help-text")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self.follow_link)
        self.browser.sourceChanged.connect(self._source_changed)
        self.back_button = QPushButton("Back")
        self.back_button.setEnabled(False)
        self.back_button.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.forward_button = QPushButton("Forward")
        self.forward_button.setEnabled(False)
        self.forward_button.clicked.connect(self.browser.forward)
        self.browser.forwardAvailable.connect(self.forward_button.setEnabled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.forward_button)
        buttons.addStretch(1)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addWidget(self.browser, 1)
        splitter = QSplitter()
        splitter.addWidget(self.pages)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        # The page list as wide as its longest title ("Pooling: from word vectors …" was cut at 250 px).
        list_width = max(250, self.pages.sizeHintForColumn(0) + 2 * self.pages.frameWidth()
                         + self.pages.verticalScrollBar().sizeHint().width())
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        QShortcut(QKeySequence.Back, self, self.browser.backward)
        QShortcut(QKeySequence.Forward, self, self.browser.forward)
        close_with_keys(self)
        size = fit_to_screen(self, QSize(list_width + 640, 660))
        self.resize(size)
        # The page text keeps TEXT_WIDTH beside the whole list; on a small screen the text comes first.
        list_width = min(list_width, max(size.width() // 3, size.width() - TEXT_WIDTH))
        splitter.setSizes([list_width, size.width() - list_width])

    def _fill_page_list(self) -> None:
        def heading(text: str) -> None:
            item = QListWidgetItem(text)
            item.setFlags(Qt.NoItemFlags)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.pages.addItem(item)

        heading("Blocks")
        for spec in self.registry.specs():
            if help_pages.block_page(spec.type, self.registry) is not None:
                self._page_item(spec.title, help_pages.page_name(spec.type, self.registry))
        heading("Ideas")
        for name, title in help_pages.CONCEPTS:
            if help_pages.page_path(name).is_file():
                self._page_item(title, name)

    def _page_item(self, text: str, name: str) -> None:
        item = QListWidgetItem(f"  {text}")
        item.setData(Qt.UserRole, name)
        self.pages.addItem(item)

    @property
    def page(self) -> str:
        """The name of the page shown ("" before any)."""
        source = self.browser.source()
        return Path(source.toLocalFile()).stem if source.isLocalFile() else ""

    def show_page(self, name: str) -> bool:
        """Show resources/help/<name>.md; False when there is no such page."""
        path = help_pages.page_path(name)
        if not path.is_file():
            return False
        self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.MarkdownResource)
        return True

    def show_block(self, type_name: str) -> bool:
        """Show the help page of a block type (the start page when it has none)."""
        page = help_pages.block_page(type_name, self.registry)
        return self.show_page(page.stem if page is not None else START_PAGE)

    def follow_link(self, url: QUrl) -> None:
        """Open a help page link here and anything else (web addresses) outside."""
        target = self.browser.source().resolved(url) if url.isRelative() else url
        if target.isLocalFile() and target.toLocalFile().endswith(".md") and Path(target.toLocalFile()).is_file():
            self.browser.setSource(target, QTextDocument.MarkdownResource)
        elif target.scheme() in ("http", "https"):
            QDesktopServices.openUrl(target)

    def _source_changed(self, url: QUrl) -> None:
        # From `url`: while this signal is delivered, browser.source() can still be the previous page.
        name = Path(url.toLocalFile()).stem if url.isLocalFile() else ""
        title = name
        for item in list_items(self.pages):
            if item.data(Qt.UserRole) == name:
                self.pages.blockSignals(True)
                self.pages.setCurrentItem(item)
                self.pages.blockSignals(False)
                title = item.text().strip()
                break
        self.setWindowTitle(f"{title} — embedflow help")

    def _page_chosen(self, item: QListWidgetItem | None) -> None:
        name = item.data(Qt.UserRole) if item is not None else None
        if name and name != self.page:
            self.show_page(name)


def help_window(owner: QWidget, registry: Registry) -> HelpViewer:
    """The one help window of `owner` (a main window), created on first use."""
    viewer = getattr(owner, "_help_viewer", None)
    if viewer is None:
        viewer = HelpViewer(registry, owner)
        # Over the canvas, whole on the screen: not at (0, 0) over the menus where no window manager places it.
        main = owner.window()
        place_on_canvas(viewer, main.centralWidget() if isinstance(main, QMainWindow) else main)
        owner._help_viewer = viewer  # type: ignore[attr-defined]
    return viewer


def show_help(owner: QWidget, registry: Registry, type_name: str | None = None,
              page: str | None = None) -> HelpViewer:
    """Open the help window of `owner` on a page, a block's page (in `registry`), or the start page."""
    viewer = help_window(owner, registry)
    if page is not None:
        viewer.show_page(page)
    elif type_name is not None:
        viewer.show_block(type_name)
    else:
        viewer.show_page(START_PAGE)
    viewer.show()
    viewer.raise_()
    viewer.activateWindow()
    return viewer
