"""Enter in a settings window's field does what the field says, and clicks none of the window's buttons."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QComboBox, QFileDialog

from tests import analysis_support
from tests.gui.words_map import ran_words_map
from tests.waiting import HANG


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


def test_enter_in_the_maps_find_box_selects_the_matches_and_opens_no_file_dialog(qtbot, monkeypatch):
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.editors.dialog import EditorDialog

    document, runs = ran_words_map(qtbot, "king queen prince princess apple banana cherry grape")
    file_dialogs: list[tuple] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (file_dialogs.append(args), ("", ""))[1])
    shown: list[tuple[str, str]] = []
    dialog = EditorDialog(EditorContext(document, runs, "map"), lambda node, port: shown.append((node, port)))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.editor.plot.search_box
    box.setFocus()
    qtbot.keyClicks(box, "queen")
    qtbot.keyClick(box, Qt.Key_Return)
    assert len(dialog.editor.plot.selection) == 1  # Enter selected the match …
    assert file_dialogs == [] and shown == []  # … and did not press Export PNG… or Show selected
    assert dialog.isVisible()
    runs.cancel()
    if runs.handle is not None:
        runs.handle.wait(HANG)


def test_ctrl_z_in_a_settings_window_undoes_its_last_change_and_ctrl_shift_z_redoes_it(window, qtbot):
    """The README's tour: pick another model in a settings window, then Ctrl+Z there puts the old one back."""
    node_id = window.document.add_node("nearest_neighbours", (0.0, 0.0))
    dialog = window.editor.open_editor(node_id)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # the keys go to it, not the main window
    combo = dialog.editor.form.rows["metric"][1].findChild(QComboBox)
    combo.setFocus()
    combo.setCurrentText("euclidean")
    combo.activated[str].emit("euclidean")  # as a pick from the list does
    assert window.document.workflow.nodes[node_id].settings["metric"] == "euclidean"
    qtbot.keyClick(combo, Qt.Key_Z, Qt.ControlModifier)
    assert window.document.workflow.nodes[node_id].settings.get("metric", "cosine") == "cosine"
    assert combo.currentText() == "cosine"
    qtbot.keyClick(combo, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.document.workflow.nodes[node_id].settings["metric"] == "euclidean"
    dialog.close()
