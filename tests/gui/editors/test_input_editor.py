"""The Input block's settings window: the file dialog's folder, the picked feature, a wide path field."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QFileDialog, QPushButton

from embedflow.io.resources import resource
from tests.waiting import HANG_MS


def input_editor(window, qtbot, path: str):
    node_id = window.document.add_node("input", (0.0, 0.0))
    if path:
        window.document.update_settings(node_id, {"path": path})
    dialog = window.editor.open_editor(node_id)
    qtbot.waitExposed(dialog)
    return node_id, dialog.editor.fields


def click_file_button(fields, monkeypatch) -> str:
    """Press *File…* and return the folder the dialog opened in (the dialog is answered with Cancel)."""
    opened: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, caption, start, *rest: (opened.append(start), ("", ""))[1]))
    button = next(b for b in fields["path"].widget.findChildren(QPushButton) if b.text() == "File…")
    button.click()
    return opened[0]


def test_a_new_workflows_file_dialog_opens_in_the_sample_data(window, qtbot, monkeypatch):
    _, fields = input_editor(window, qtbot, "")
    assert Path(click_file_button(fields, monkeypatch)) == resource("data")


def test_a_saved_workflows_file_dialog_opens_in_its_folder(window, qtbot, monkeypatch, tmp_path):
    window.choose_save_path = lambda: str(tmp_path / "lesson.embedflow")
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.named_actions["save"].trigger()
    _, fields = input_editor(window, qtbot, "")
    assert Path(click_file_button(fields, monkeypatch)) == tmp_path


def test_the_feature_shows_the_column_the_run_picked(window, qtbot):
    node_id, fields = input_editor(window, qtbot, str(resource("data", "words.csv")))
    qtbot.waitUntil(lambda: window.runs.state(node_id).state == "done", timeout=HANG_MS)
    combo = fields["feature"].editor
    assert combo.currentText() == ""
    assert "word" in combo.lineEdit().placeholderText()


def test_the_path_field_has_room_for_a_path(window, qtbot):
    _, fields = input_editor(window, qtbot, "")
    assert fields["path"].editor.width() >= 300


def test_the_file_dialog_offers_data_files_orange_tab_among_them(window, qtbot, monkeypatch):
    _, fields = input_editor(window, qtbot, "")
    filters: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, caption, start, *rest: (filters.extend(rest), ("", ""))[1]))
    next(b for b in fields["path"].widget.findChildren(QPushButton) if b.text() == "File…").click()
    data_files, every_file = filters[0].split(";;")
    assert data_files.startswith("Data files (") and "*.tab" in data_files.split() and "*.csv" in data_files
    assert every_file == "All files (*)"
