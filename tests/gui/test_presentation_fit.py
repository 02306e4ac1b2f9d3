"""Presentation mode (F5) fits the whole workflow at the larger sizes, and Fit keeps it large."""

from __future__ import annotations

from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.io.resources import resource


def shown_rect(window) -> QRectF:
    """The part of the scene the canvas shows."""
    return window.view.mapToScene(window.view.viewport().rect()).boundingRect()


def workflow_rect(window) -> QRectF:
    """Every block with its title and summary."""
    rect = QRectF()
    for item in window.scene.nodes.values():
        rect = rect.united(item.sceneBoundingRect()).united(item.title_item.sceneBoundingRect())
    return rect


def present(window) -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_F5)
    QApplication.processEvents()  # the docks grow with the larger fonts


def test_f5_never_crops_the_workflow(window):
    window.resize(1200, 860)
    assert window.open_example(resource("examples", "documents-map.embedflow"))
    window.reset_zoom_action.trigger()  # the user has zoomed to 100 %
    try:
        present(window)
        assert window.teaching.presentation.active
        assert shown_rect(window).contains(workflow_rect(window))
    finally:
        window.teaching.presentation.set_active(False)


def test_f5_draws_blocks_larger_when_there_is_room_and_fit_keeps_them_so(window):
    window.resize(1800, 1200)
    assert window.open_example(resource("examples", "documents-map.embedflow"))
    try:
        present(window)
        presented = window.view.zoom
        window.fit_action.trigger()
        assert window.view.zoom > 1.0
        assert window.view.zoom == presented
        assert shown_rect(window).contains(workflow_rect(window))
    finally:
        window.teaching.presentation.set_active(False)
