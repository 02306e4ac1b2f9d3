"""Files on the canvas: open, save, title, unsaved changes, corrupt files, autosave and recovery, examples."""

from __future__ import annotations

from pathlib import Path

from embedflow_canvas import app, recent
from embedflow_canvas.autosave import find_recoveries
from embedflow_canvas.mainwindow import MainWindow
from embedflow_canvas.welcome import set_show_at_startup, show_at_startup
from PyQt5.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt5.QtTest import QTest

from embedflow.api import read_workflow
from embedflow.core.workflow import Workflow
from embedflow.io.resources import examples
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from tests.gui.canvas.test_canvas_editing import drop_mime
from tests.gui.conftest import view_point


def saved_workflow(path: Path) -> Path:
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_numbers", (0, 0))
    target = workflow.add_node("t_scale", (200, 0))
    workflow.connect(source.id, "data", target.id, "data")
    write_workflow(workflow, path)
    return path


def test_opening_a_corrupt_file_explains_why_and_keeps_the_current_workflow(window, tmp_path):
    node = window.document.add_node("t_numbers", (0.0, 0.0))
    window.document.undo_stack.setClean()
    corrupt = tmp_path / "broken.embedflow"
    corrupt.write_text('{"format": "embedflow-workflow", "version": 1, "nodes": [', encoding="utf-8")
    errors = []
    window.show_error = lambda title, message: errors.append(message)
    assert not window.open_file(str(corrupt))
    assert "looks truncated" in errors[0] and "broken.embedflow" in errors[0]
    assert list(window.document.workflow.nodes) == [node]
    assert list(window.scene.nodes) == [node]


def test_opening_a_file_shows_its_blocks_links_and_name(window, tmp_path):
    path = saved_workflow(tmp_path / "numbers.embedflow")
    assert window.open_file(str(path))
    assert len(window.scene.nodes) == 2 and len(window.scene.links) == 1
    assert window.windowTitle() == "numbers[*] — embedflow"
    assert not window.isWindowModified()
    assert recent.recent_files() == [str(path.resolve())]


def test_an_edit_marks_the_title_unsaved_and_saving_clears_the_mark(window, tmp_path):
    window.open_file(str(saved_workflow(tmp_path / "numbers.embedflow")))
    window.document.add_node("t_slow", (0.0, 200.0))
    assert window.isWindowModified()
    assert window.named_actions["save"].trigger() is None and not window.isWindowModified()
    workflow, _ = read_workflow(tmp_path / "numbers.embedflow")
    assert len(workflow.nodes) == 3
    assert (tmp_path / "numbers.embedflow.bak").exists()


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(window):
    window.document.add_node("t_numbers", (0.0, 0.0))
    asked = []
    window.ask_save_changes = lambda: asked.append(True) or "cancel"
    assert not window.close()
    assert asked and window.isVisible()
    window.ask_save_changes = lambda: "discard"
    assert window.close()


def test_closing_with_save_chosen_writes_the_file_first(window, tmp_path):
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.ask_save_changes = lambda: "save"
    window.choose_save_path = lambda: str(tmp_path / "kept")
    assert window.close()
    workflow, _ = read_workflow(tmp_path / "kept.embedflow")
    assert [n.type for n in workflow.nodes.values()] == ["t_numbers"]


def test_after_a_crash_the_next_start_offers_the_autosave_and_restores_the_edits(window, tmp_path, qtbot,
                                                                                   monkeypatch):
    path = saved_workflow(tmp_path / "numbers.embedflow")
    window.open_file(str(path))
    window.document.rename("n1", "Edited but not saved")
    window.files.autosave()
    # The session "crashes": its recovery file stays; a new start finds it.
    offered = []
    monkeypatch.setattr(MainWindow, "ask_recover", lambda self, recovery: offered.append(recovery) or True)
    restored = app.create_window(None, default_registry())
    try:
        assert offered and offered[0].original == str(path.resolve())
        assert restored.document.workflow.nodes["n1"].title == "Edited but not saved"
        assert restored.isWindowModified() and restored.document.path == str(path.resolve())
        assert not find_recoveries() or all(r.workflow_path != offered[0].workflow_path for r in find_recoveries())
    finally:
        restored.document.undo_stack.setClean()
        restored.close()


def test_a_normal_close_leaves_nothing_to_recover(window):
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.files.autosave()
    assert window.files.autosaver.workflow_path.exists()
    window.ask_save_changes = lambda: "discard"
    window.close()
    assert not window.files.autosaver.workflow_path.exists()


def test_without_the_welcome_screen_the_first_start_opens_the_example_and_later_starts_do_not(qtbot):
    set_show_at_startup(False)
    first = app.create_window(None, default_registry())
    second = app.create_window(None, default_registry())
    try:
        assert examples() and first.files.display_name.endswith("(example)")
        expected, _ = read_workflow(app.first_example())
        assert list(first.document.workflow.nodes) == list(expected.nodes)
        input_node = next(n for n in first.document.workflow.nodes.values() if n.type == "input")
        assert Path(input_node.settings["path"]).exists()
        assert first.document.path is None
        assert not second.document.workflow.nodes
    finally:
        first.close()
        second.close()


def test_dropping_a_workflow_file_on_the_canvas_opens_it(window, tmp_path):
    path = saved_workflow(tmp_path / "dropped.embedflow")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop_mime(window, mime, view_point(window, QPointF(0, 0)))
    assert window.document.path == str(path.resolve())
    assert len(window.scene.nodes) == 2


def test_the_embedflow_command_opens_the_file_in_the_canvas_and_exits_cleanly(qapp, tmp_path):
    from PyQt5.QtCore import QTimer

    from embedflow import cli

    path = saved_workflow(tmp_path / "cli.embedflow")
    seen = []

    def look_and_close():
        window = next(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        seen.append((window.document.path, len(window.scene.nodes)))
        window.close()
        qapp.quit()

    QTimer.singleShot(0, look_and_close)
    assert cli.main([str(path)]) == 0
    assert seen == [(str(path.resolve()), 2)]


def test_save_as_into_another_folder_keeps_data_paths_pointing_at_the_same_file(window, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "data.csv").write_text("text\nhello\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    workflow.add_node("input", (0, 0), {"path": "data.csv", "feature": "", "format": "auto"})
    write_workflow(workflow, first / "flow.embedflow")
    window.open_file(str(first / "flow.embedflow"))
    assert window.files.save_to(str(second / "flow.embedflow"))
    moved, _ = read_workflow(second / "flow.embedflow")
    assert Path(moved.nodes["n1"].settings["path"]) == (first / "data.csv").resolve()
    window.revalidate()
    assert not [d for d in window.diagnostics if d.code == "missing-file"]


def folders_with_data(tmp_path: Path) -> tuple[Path, Path]:
    """first/ holds flow.embedflow with an Input reading data.csv (relative) beside it; second/ is empty."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for name in ("data.csv", "older.csv"):
        (first / name).write_text("text,label\nhello,a\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    workflow.add_node("input", (0, 0), {"path": "data.csv", "feature": "", "format": "auto"})
    write_workflow(workflow, first / "flow.embedflow")
    return first, second


def save_as_with_the_menu(window, path: Path) -> None:
    window.choose_save_path = lambda: str(path)
    window.named_actions["save_as"].trigger()
    assert window.document.path == str(path)


def test_undoing_an_earlier_change_after_save_as_into_another_folder_keeps_the_data_file(window, tmp_path):
    first, second = folders_with_data(tmp_path)
    window.open_file(str(first / "flow.embedflow"))
    window.document.update_settings("n1", {"feature": "label"})
    save_as_with_the_menu(window, second / "flow.embedflow")
    QTest.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    settings = window.document.workflow.nodes["n1"].settings
    assert settings["feature"] == ""
    assert Path(settings["path"]) == (first / "data.csv").resolve()
    window.revalidate()
    assert not [d for d in window.diagnostics if d.code == "missing-file"]


def test_undoing_a_path_change_after_save_as_brings_back_the_same_file_as_before(window, tmp_path):
    first, second = folders_with_data(tmp_path)
    window.open_file(str(first / "flow.embedflow"))
    window.document.update_settings("n1", {"path": "older.csv"})
    save_as_with_the_menu(window, second / "flow.embedflow")
    assert Path(window.document.workflow.nodes["n1"].settings["path"]) == (first / "older.csv").resolve()
    window.named_actions["undo"].trigger()
    assert Path(window.document.workflow.nodes["n1"].settings["path"]) == (first / "data.csv").resolve()
    window.named_actions["redo"].trigger()
    assert Path(window.document.workflow.nodes["n1"].settings["path"]) == (first / "older.csv").resolve()
    window.revalidate()
    assert not [d for d in window.diagnostics if d.code == "missing-file"]


def test_a_block_deleted_before_save_as_comes_back_with_its_data_file(window, tmp_path):
    first, second = folders_with_data(tmp_path)
    window.open_file(str(first / "flow.embedflow"))
    window.document.remove(["n1"])
    save_as_with_the_menu(window, second / "flow.embedflow")
    window.named_actions["undo"].trigger()
    assert Path(window.document.workflow.nodes["n1"].settings["path"]) == (first / "data.csv").resolve()


def test_what_reading_a_file_reported_is_listed_until_the_workflow_is_saved(window, tmp_path, qtbot):
    path = tmp_path / "dangling.embedflow"
    path.write_text('{"format": "embedflow-workflow", "version": 1, "nodes": [{"id": "n1", "type": "t_numbers"}],'
                    ' "links": [{"id": "l1", "source": "n1", "source_port": "data", "target": "n9",'
                    ' "target_port": "data"}]}', encoding="utf-8")
    window.open_file(str(path))
    assert [d.code for d, _ in window.messages.messages] == ["dangling-link"]
    window.named_actions["save"].trigger()
    qtbot.waitUntil(lambda: not window.messages.messages)


def test_the_real_unsaved_changes_question_offers_save_discard_and_cancel(window):
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication, QMessageBox

    window.document.add_node("t_numbers", (0.0, 0.0))
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        seen.append((box.text(), [box.buttonRole(b) for b in box.buttons()]))
        box.button(QMessageBox.Discard).click()

    QTimer.singleShot(0, answer)
    assert window.close()
    assert "unsaved changes" in seen[0][0] and len(seen[0][1]) == 3


def test_a_bug_in_a_callback_is_reported_and_the_work_autosaved(window, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    window.document.add_node("t_numbers", (0.0, 0.0))
    errors = []
    window.show_error = lambda title, message: errors.append(message)
    app.install_error_hook(window)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "RuntimeError: boom" in errors[0]
    assert window.files.autosaver.workflow_path.exists()


def test_a_block_of_unknown_type_keeps_its_links_visible_and_is_marked(window, tmp_path, qtbot):
    path = tmp_path / "future.embedflow"
    path.write_text('{"format": "embedflow-workflow", "version": 1, "nodes": ['
                    '{"id": "n1", "type": "t_numbers"}, {"id": "n2", "type": "from_the_future",'
                    ' "settings": {"depth": 3}}], "links": [{"id": "l1", "source": "n1", "source_port": "data",'
                    ' "target": "n2", "target_port": "stuff"}]}', encoding="utf-8")
    assert window.open_file(str(path))
    assert "l1" in window.scene.links
    assert window.scene.nodes["n2"].port("in", "stuff") is window.scene.links["l1"].target
    qtbot.waitUntil(lambda: window.scene.nodes["n2"].severity == "error")
    window.named_actions["save"].trigger()
    assert '"depth": 3' in path.read_text(encoding="utf-8")


def test_a_plain_start_with_the_welcome_screen_opens_nothing_behind_it(qtbot):
    window = app.create_window(None, default_registry())
    try:
        assert show_at_startup()
        assert not window.document.workflow.nodes
        assert window.files.display_name == "Untitled"
    finally:
        window.close()
