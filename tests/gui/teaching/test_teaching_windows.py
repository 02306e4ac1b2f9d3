"""The help window and the welcome screen on a small screen (a projector, a laptop), and the help page list."""

from __future__ import annotations

from embedflow_canvas.help_viewer import show_help
from PyQt5.QtCore import QPoint, QRect
from PyQt5.QtWidgets import QApplication


def available_size():
    return QApplication.primaryScreen().availableGeometry().size()


def test_the_help_page_list_marks_the_page_shown(window):
    from embedflow_canvas.help_viewer import show_help

    viewer = show_help(window, window.registry, type_name="text_encoding")
    assert viewer.page == "text_encoding"
    assert viewer.pages.currentItem().text().strip() == "Text Encoding"
    assert viewer.windowTitle() == "Text Encoding — embedflow help"


def test_the_help_window_and_the_welcome_screen_fit_on_the_screen(window, qtbot):
    from embedflow_canvas.help_viewer import show_help
    from embedflow_canvas.welcome import WelcomeDialog

    viewer = show_help(window, window.registry)
    welcome = WelcomeDialog([], window.registry, window)
    welcome.show()
    qtbot.waitExposed(welcome)
    for shown in (viewer, welcome):
        assert shown.width() <= available_size().width() and shown.height() <= available_size().height()
    welcome.close()


def test_the_help_window_opens_over_the_canvas_whole_on_the_screen(window, qtbot):
    window.move(0, 0)
    viewer = show_help(window, window.registry)
    qtbot.waitExposed(viewer)
    frame = viewer.frameGeometry()
    assert viewer.screen().availableGeometry().contains(frame)
    menus = window.menuBar()
    assert frame.top() > menus.mapToGlobal(menus.rect().bottomLeft()).y()  # not over the menus
    canvas = window.editor
    assert frame.intersects(QRect(canvas.mapToGlobal(QPoint(0, 0)), canvas.size()))
    viewer.close()
