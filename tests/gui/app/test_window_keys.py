"""Every secondary window closes with Esc and with Ctrl+W, wherever the focus is inside it."""

from __future__ import annotations

import pytest
from embedflow_canvas.help_viewer import show_help
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication


def open_window(window, qtbot, kind: str):
    if kind == "help":
        return show_help(window, window.registry)
    if kind == "settings":
        return window.editor.open_editor(window.document.add_node("t_numbers", (0.0, 0.0)))
    if kind == "result":
        node = window.document.add_node("t_numbers", (0.0, 0.0))
        qtbot.waitUntil(lambda: window.runs.state(node).state == "done", timeout=10000)
        return window.editor.show_output(node, "data")
    if kind == "add-ons":
        return window.show_add_ons()
    return window.teaching.show_welcome()


@pytest.mark.parametrize("key", ["Esc", "Ctrl+W"])
@pytest.mark.parametrize("kind", ["help", "settings", "result", "add-ons", "welcome"])
def test_a_secondary_window_closes_with_esc_and_ctrl_w(window, qtbot, kind, key):
    opened = open_window(window, qtbot, kind)
    qtbot.waitExposed(opened)
    QApplication.setActiveWindow(opened)  # shortcuts go to the active window (offscreen, nothing activates it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened, timeout=3000)
    target = opened.focusWidget() or opened
    if key == "Esc":
        QTest.keyClick(target, Qt.Key_Escape)
    else:
        QTest.keySequence(target, QKeySequence("Ctrl+W"))
    qtbot.waitUntil(lambda: not opened.isVisible(), timeout=3000)
