"""Small things a newcomer meets: message codes in Messages, save dialogs that know the workflow's name."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QFileDialog

from embedflow.io.resources import resource
from embedflow.registry import default_registry


def dialog_starts(monkeypatch) -> list[str]:
    """Record where each save dialog starts; every dialog is answered with Cancel."""
    starts: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda parent, caption, start, *rest: (starts.append(start), ("", ""))[1]))
    return starts


def test_messages_show_the_code_as_embedflow_validate_does(window, qtbot):
    assert window.open_file(str(resource("examples", "why-invalid.embedflow")))
    qtbot.waitUntil(lambda: window.messages.topLevelItemCount() > 0)
    shown = [window.messages.topLevelItem(i).text(4) for i in range(window.messages.topLevelItemCount())]
    assert "language-model-mismatch" in shown
    assert window.messages.headerItem().text(4) == "Code"


def test_saving_an_example_suggests_its_name_in_the_last_folder_used(window, tmp_path, monkeypatch):
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.choose_save_path = lambda: str(tmp_path / "mine.embedflow")
    window.named_actions["save"].trigger()
    del window.choose_save_path  # from here on the real Save dialog
    assert window.open_example(resource("examples", "word-similarity.embedflow"))
    starts = dialog_starts(monkeypatch)
    window.named_actions["save"].trigger()  # an example is protected: Save asks where
    assert [Path(s) for s in starts] == [tmp_path / "word-similarity.embedflow"]


def test_a_saved_workflow_suggests_its_own_file(window, tmp_path, monkeypatch):
    window.choose_save_path = lambda: str(tmp_path / "lesson.embedflow")
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.named_actions["save"].trigger()
    starts = dialog_starts(monkeypatch)
    window.named_actions["export_svg"].trigger()
    assert [Path(s) for s in starts] == [tmp_path / "lesson.svg"]


def test_a_workflow_is_named_as_its_file_is_spelled(window, tmp_path):
    from embedflow_canvas.welcome import WelcomeDialog

    window.choose_save_path = lambda: str(tmp_path / "my-words.embedflow")
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.named_actions["save"].trigger()
    assert window.windowTitle() == "my-words[*] — embedflow"
    window.recent_menu.aboutToShow.emit()
    assert window.recent_menu.actions()[0].text() == "my-words"
    welcome = WelcomeDialog([str(tmp_path / "my-words.embedflow")], default_registry())
    assert welcome.recent.item(0).text() == "my-words"
    welcome.deleteLater()


def test_recent_workflows_of_one_name_are_told_apart_by_their_folder(qtbot, tmp_path):
    from embedflow_canvas.welcome import WelcomeDialog

    paths = [tmp_path / "week1" / "lesson.embedflow", tmp_path / "week2" / "lesson.embedflow",
             tmp_path / "words.embedflow"]
    welcome = WelcomeDialog([str(p) for p in paths], default_registry())
    qtbot.addWidget(welcome)
    shown = [welcome.recent.item(i).text() for i in range(welcome.recent.count())]
    assert shown == [f"lesson — {paths[0].parent}", f"lesson — {paths[1].parent}", "words"]

