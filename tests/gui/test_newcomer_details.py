"""Small things a newcomer meets: message codes in Messages, save dialogs that know the workflow's name."""

from __future__ import annotations

from pathlib import Path

from embedflow.io.resources import resource


def test_messages_show_the_code_as_embedflow_validate_does(window, qtbot):
    assert window.open_file(str(resource("examples", "why-invalid.embedflow")))
    qtbot.waitUntil(lambda: window.messages.topLevelItemCount() > 0)
    shown = [window.messages.topLevelItem(i).text(4) for i in range(window.messages.topLevelItemCount())]
    assert "language-model-mismatch" in shown
    assert window.messages.headerItem().text(4) == "Code"


def test_saving_an_example_suggests_its_name_in_the_last_folder_used(window, tmp_path):
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.choose_save_path = lambda: str(tmp_path / "mine.embedflow")
    window.save_action.trigger()
    assert window.open_example(resource("examples", "word-similarity.embedflow"))
    assert window.save_suggestion(".embedflow") == tmp_path / "word-similarity.embedflow"


def test_a_saved_workflow_suggests_its_own_file(window, tmp_path):
    window.choose_save_path = lambda: str(tmp_path / "lesson.embedflow")
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.save_action.trigger()
    assert window.save_suggestion(".svg") == Path(tmp_path / "lesson.svg")
