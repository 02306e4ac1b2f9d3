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
    """Every block with its title and summary, and every note and arrow."""
    return window.scene.items_rect()


def open_at_actual_size(window, name: str) -> None:
    """Open an example (it fits itself once shown), then zoom to 100 % as a user would."""
    assert window.open_example(resource("examples", name))
    QApplication.processEvents()  # the fit the opening queued
    window.named_actions["reset_zoom"].trigger()
    assert window.view.zoom == 1.0


def present(window) -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_F5)
    QApplication.processEvents()  # the docks grow with the larger fonts


def test_f5_never_crops_the_workflow(window):
    window.resize(1200, 860)
    open_at_actual_size(window, "documents-map.embedflow")
    assert not shown_rect(window).contains(workflow_rect(window))  # at 100 % it does not fit
    try:
        present(window)
        assert window.teaching.presentation.active
        shown, workflow = shown_rect(window), workflow_rect(window)
        assert shown.contains(workflow)
        # Fitted to the viewport the larger fonts left, not merely shrunk: it spans one side of it.
        assert max(workflow.width() / shown.width(), workflow.height() / shown.height()) > 0.9
    finally:
        window.teaching.presentation.set_active(False)


def test_f5_draws_blocks_larger_when_there_is_room_and_fit_keeps_them_so(window):
    window.resize(1800, 1200)
    open_at_actual_size(window, "documents-map.embedflow")
    try:
        present(window)
        presented = window.view.zoom
        window.named_actions["fit"].trigger()
        assert window.view.zoom > 1.0
        assert window.view.zoom == presented
        assert shown_rect(window).contains(workflow_rect(window))
    finally:
        window.teaching.presentation.set_active(False)
