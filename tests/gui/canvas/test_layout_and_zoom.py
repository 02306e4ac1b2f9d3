"""The window opens sized to the screen, and the workflow stays fitted as it is resized until the user zooms."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.io.resources import resource


def test_the_window_opens_at_most_of_the_screen(qapp):
    from embedflow_canvas.mainwindow import MainWindow

    window = MainWindow()
    area = QApplication.primaryScreen().availableGeometry()
    assert window.width() >= 0.85 * area.width() and window.height() >= 0.85 * area.height()
    window.close()
    window.deleteLater()


def test_a_larger_window_refits_the_workflow_until_the_user_zooms(window, qtbot):
    assert window.open_example(resource("examples", "word-similarity.embedflow"))
    QApplication.processEvents()  # the fit that opening schedules
    window.resize(700, 500)
    window.view.fit()
    small = window.view.zoom
    window.resize(1400, 1000)
    qtbot.waitUntil(lambda: window.view.zoom > small)
    fitted = window.view.zoom
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Minus, Qt.ControlModifier)
    zoomed = window.view.zoom
    assert zoomed < fitted
    window.resize(800, 600)
    QApplication.processEvents()
    assert window.view.zoom == zoomed
