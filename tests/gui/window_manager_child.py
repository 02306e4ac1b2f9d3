"""Run under a real X server with a window manager (see test_windows_under_a_window_manager.py): open the
main window, the help window and a block's settings window, and print their frames as JSON."""

from __future__ import annotations

import json
import time

from PyQt5.QtCore import QRect
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication, QWidget

from tests.waiting import HANG


def settled(window: QWidget) -> QRect:
    """The window's frame once the window manager has decorated it (its frame grows past its geometry)."""
    give_up = time.monotonic() + HANG
    while window.frameGeometry() == window.geometry() and time.monotonic() < give_up:
        QTest.qWait(50)
    QTest.qWait(200)  # the manager's placement move follows its decoration
    return window.frameGeometry()


def main() -> None:
    app = QApplication([])
    from embedflow_canvas.mainwindow import MainWindow

    from embedflow.io.resources import resource

    window = MainWindow()
    window.show()
    frames = {"main": settled(window)}
    window.open_example(resource("examples", "word-similarity.embedflow"))
    help_window = window.teaching.show_help()
    frames["help"] = settled(help_window)
    # Not a frame: how much of the page list's longest title a horizontal scroll bar hides (0: none).
    cut = help_window.pages.horizontalScrollBar().maximum()
    first = next(iter(window.document.workflow.nodes))
    frames["settings"] = settled(window.editor.open_editor(first))
    menu = window.menuBar()
    frames["menu"] = QRect(menu.mapToGlobal(menu.rect().topLeft()), menu.size())
    frames["screen"] = window.screen().availableGeometry()
    print(json.dumps({**{name: rect.getRect() for name, rect in frames.items()}, "help_list_cut": cut}))
    window.runs.cancel()
    window.document.undo_stack.setClean()
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
