"""The help window and the welcome screen on a small screen (a projector, a laptop), and the help page list."""

from __future__ import annotations

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
