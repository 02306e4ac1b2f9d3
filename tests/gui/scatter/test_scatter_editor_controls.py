"""The map's settings window as a user meets it: no default button, a cluster-labels choice saying when it applies."""

from __future__ import annotations

import pytest
from PyQt5.QtWidgets import QPushButton

from tests import analysis_support
from tests.gui.words_map import ran_words_map
from tests.waiting import HANG, HANG_MS

WORDS = "king queen prince princess apple banana cherry grape"


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


@pytest.fixture
def open_map(qtbot):
    """Opens the settings window of a Scatter fed GloVe words, directly or through a Clustering block."""
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.editors.dialog import EditorDialog

    started = []

    def make(clustered: bool):
        document, runs = ran_words_map(qtbot, WORDS, clustered)
        started.append(runs)
        dialog = EditorDialog(EditorContext(document, runs, "map"), lambda node, port: None)
        # pyqtgraph's own cleanup before the window is deleted, so no paint reaches its half-deleted axes
        qtbot.addWidget(dialog, before_close_func=lambda window: window.editor.plot.close())
        dialog.resize(1000, 700)
        dialog.show()
        qtbot.waitExposed(dialog)
        return document, dialog

    yield make
    for runs in started:
        runs.cancel()
        if runs.handle is not None:
            runs.handle.wait(HANG)


def test_no_button_of_the_map_window_looks_like_the_default_one(open_map):
    _, dialog = open_map(clustered=False)
    buttons = dialog.findChildren(QPushButton)
    assert {b.text() for b in buttons} >= {"Export PNG…", "Export SVG…", "Projector…", "Show selected"}
    assert [b.text() for b in buttons if b.isDefault() or b.autoDefault()] == []
    dialog.grab().save("/tmp/views13/map-window-buttons.png")


def test_cluster_labels_is_greyed_and_unticked_without_clustering_and_keeps_the_saved_setting(open_map):
    document, dialog = open_map(clustered=False)
    choice = dialog.editor.cluster_labels
    assert not choice.isEnabled() and not choice.isChecked()
    assert "Clustering block upstream" in choice.toolTip()
    assert "cluster_labels" not in document.workflow.nodes["map"].settings  # the stored default is untouched
    assert dialog.editor.context.settings()["cluster_labels"] is True
    dialog.grab().save("/tmp/views13/cluster-labels-off.png")


def test_cluster_labels_is_a_live_choice_when_the_rows_come_from_clustering(open_map, qtbot):
    document, dialog = open_map(clustered=True)
    choice = dialog.editor.cluster_labels
    assert choice.isEnabled() and choice.isChecked()
    assert "Needs" not in choice.toolTip()
    choice.click()
    assert document.workflow.nodes["map"].settings["cluster_labels"] is False


def test_a_projection_that_cannot_run_clears_the_map_and_says_why_in_full(open_map, qtbot, monkeypatch):
    from embedflow.blocks.scatter import block

    document, dialog = open_map(False)
    editor = dialog.editor
    assert editor.plot.isVisible()
    monkeypatch.setattr(block, "umap_available", lambda: False)  # as without the umap extra
    document.update_settings("map", {"projection": "umap"})
    qtbot.waitUntil(lambda: not editor.plot.isVisible(), timeout=HANG_MS)
    assert editor.notes.isVisible() and editor.notes.wordWrap()
    assert "UMAP needs the optional package umap-learn" in editor.notes.text()
    assert "pip install umap-learn" in editor.notes.text()
    document.update_settings("map", {"projection": "pca"})
    runs = editor.context.runs
    # The map is back once the new run is over: a window closed while its run still reports is not this test's.
    qtbot.waitUntil(lambda: editor.plot.isVisible() and not runs.running and runs.result("map").state == "done",
                    timeout=HANG_MS)


def test_empty_colour_and_label_say_what_is_drawn(open_map, qtbot):
    document, dialog = open_map(True)
    editor = dialog.editor
    document.update_settings("map", {"label": ""})
    qtbot.waitUntil(lambda: editor.label.currentText() == "(automatic: word)", timeout=HANG_MS)
    assert editor.color.currentText() == "(automatic: cluster_label)"
    assert editor.point_size.currentText() == "(none)"
    document.update_settings("map", {"color": "word"})
    qtbot.waitUntil(lambda: editor.color.currentText() == "word", timeout=HANG_MS)
