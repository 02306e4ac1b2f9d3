"""Closing a block's settings window stops it listening: undo and redo afterwards raise nothing."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication


def close_with_escape(dialog) -> None:
    QTest.keyClick(dialog, Qt.Key_Escape)
    # The dialog deletes itself later; let that happen, as the event loop would.
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def close_with_the_title_bar(dialog) -> None:
    dialog.close()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


@pytest.mark.parametrize("close", [close_with_escape, close_with_the_title_bar])
def test_undo_and_redo_after_closing_a_settings_window_raise_nothing(window, qtbot, close):
    node = window.document.add_node("t_scale", (0.0, 0.0))
    dialog = window.editor.open_editor(node)
    qtbot.waitExposed(dialog)
    dialog.context.apply({"factor": 3.0})
    close(dialog)
    assert window.editor.editors == {}
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    assert window.document.workflow.nodes[node].settings["factor"] == 1.0
    QTest.keyClick(window.view, Qt.Key_Y, Qt.ControlModifier)
    assert window.document.workflow.nodes[node].settings["factor"] == 3.0
