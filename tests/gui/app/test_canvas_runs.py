"""Runs seen on the canvas: states, progress, cancel, failures, messages, editors and the data viewer."""

from __future__ import annotations

from pathlib import Path

from embedflow_canvas.editors import register_editor, unregister_editor
from embedflow_canvas.editors.form import SettingsForm
from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox

from embedflow.registry import installed_registry
from tests import helpers
from tests.waiting import HANG_MS


def chain(window, second: str = "t_scale"):
    doc = window.document
    source = doc.add_node("t_numbers", (-150.0, 0.0))
    target = doc.add_node(second, (150.0, 0.0))
    doc.connect(source, "data", target, "data")
    return source, target


def state(window, node_id: str) -> str:
    return window.runs.state(node_id).state


def test_an_edit_runs_the_workflow_off_the_ui_thread_and_paints_done_with_the_summary(window, qtbot):
    source, target = chain(window)
    qtbot.waitUntil(lambda: state(window, target) == "done", timeout=HANG_MS)
    item = window.scene.nodes[source]
    assert item.state == "done"
    assert "3 rows" in item.status_item.text()
    assert "3 rows" in item.toolTip()


def test_a_running_node_shows_its_progress_and_escape_cancels_it(window, qtbot):
    helpers.started.clear()
    source, slow = chain(window, "t_slow")
    qtbot.waitUntil(lambda: (window.runs.state(slow).fraction or 0) > 0.01, timeout=HANG_MS)
    item = window.scene.nodes[slow]
    assert item.state == "running"
    assert item.status_item.text().startswith("running ")
    assert window.named_actions["cancel"].isEnabled()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Escape)
    qtbot.waitUntil(lambda: state(window, slow) == "cancelled", timeout=HANG_MS)
    qtbot.waitUntil(lambda: not window.named_actions["cancel"].isEnabled(), timeout=HANG_MS)
    assert window.scene.nodes[source].state == "done"


def test_a_failing_block_is_painted_failed_and_its_error_listed_in_messages(window, qtbot):
    source, target = chain(window)
    window.document.update_settings(target, {"fail": True})
    qtbot.waitUntil(lambda: state(window, target) == "failed", timeout=HANG_MS)
    qtbot.waitUntil(lambda: any(d.code == "test-failure" for d, _ in window.messages.messages), timeout=HANG_MS)
    assert "asked to fail" in window.scene.nodes[target].toolTip()
    assert window.scene.nodes[target].severity == "error"


def test_validation_runs_after_every_edit_and_feeds_badges_and_messages(window, qtbot):
    node = window.document.add_node("t_scale", (0.0, 0.0))
    qtbot.waitUntil(lambda: window.scene.nodes[node].severity == "error")
    assert [d.code for d, _ in window.messages.messages] == ["missing-input"]
    source = window.document.add_node("t_numbers", (-200.0, 0.0))
    window.document.connect(source, "data", node, "data")
    qtbot.waitUntil(lambda: window.scene.nodes[node].severity is None)


def test_clicking_a_message_selects_its_block(window, qtbot):
    node = window.document.add_node("t_scale", (400.0, 300.0))
    qtbot.waitUntil(lambda: len(window.messages.messages) == 1)
    item = window.messages.topLevelItem(0)
    rect = window.messages.visualItemRect(item)
    QTest.mouseClick(window.messages.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert window.scene.selected_node_ids() == [node]


def test_with_auto_run_off_an_edited_block_waits_until_run_is_pressed(window, qtbot):
    source, target = chain(window)
    qtbot.waitUntil(lambda: state(window, target) == "done", timeout=HANG_MS)
    window.named_actions["autorun"].trigger()
    window.document.update_settings(target, {"factor": 3.0})
    assert state(window, target) == "idle" and state(window, source) == "done"
    window.named_actions["run"].trigger()
    qtbot.waitUntil(lambda: state(window, target) == "done", timeout=HANG_MS)
    assert window.runs.result(target).outputs["embeddings"].vectors[2, 0] == 6.0


def test_double_click_opens_a_form_generated_from_the_settings_schema(window, qtbot):
    node = window.document.add_node("input", (0.0, 0.0))
    dialog = window.editor.open_editor(node)
    form = dialog.editor
    assert isinstance(form, SettingsForm)
    combo = form.fields["format"].editor
    assert isinstance(combo, QComboBox) and combo.itemText(0) == "auto" and combo.count() >= 7
    helps = [label.text() for label in form.findChildren(QLabel)]
    assert any("folder of images" in text for text in helps)
    numbers = window.document.add_node("t_numbers", (0.0, 200.0))
    spin = window.editor.open_editor(numbers).editor.fields["rows"].editor
    assert isinstance(spin, QSpinBox) and (spin.minimum(), spin.maximum()) == (1, 1000)


def test_a_setting_changed_in_the_form_is_undoable_and_the_form_follows_undo(window, qtbot):
    node = window.document.add_node("t_numbers", (0.0, 0.0))
    spin = window.editor.open_editor(node).editor.fields["rows"].editor
    spin.setValue(12)
    assert window.document.workflow.nodes[node].settings["rows"] == 12
    assert window.document.undo_stack.undoText().startswith("Change Rows")
    window.named_actions["undo"].trigger()
    assert window.document.workflow.nodes[node].settings["rows"] == 3
    assert spin.value() == 3
    qtbot.waitUntil(lambda: state(window, node) == "done", timeout=HANG_MS)


def test_a_registered_editor_replaces_the_generated_form(window):
    seen = []

    def factory(context):
        seen.append(context.node_id)
        return QLabel(f"custom for {context.node.title}")

    register_editor("t_numbers", factory)
    try:
        node = window.document.add_node("t_numbers", (0.0, 0.0))
        dialog = window.editor.open_editor(node)
        assert seen == [node] and dialog.editor.text() == "custom for Numbers"
    finally:
        unregister_editor("t_numbers")


def test_an_output_opens_as_a_table(window, qtbot):
    source, target = chain(window)
    qtbot.waitUntil(lambda: state(window, target) == "done", timeout=HANG_MS)
    shown = window.editor.show_output(target, "embeddings")
    model = shown.viewer.model
    assert model.rowCount() == 3 and model.columnCount() == 2
    assert model.headerData(1, Qt.Horizontal) == "vector (2-d)"
    assert model.data(model.index(2, 1)).startswith("[2.000, 2.000]")
    shown.close()


def test_the_editor_window_closes_when_its_block_is_deleted(window, qtbot):
    node = window.document.add_node("t_numbers", (0.0, 0.0))
    dialog = window.editor.open_editor(node)
    window.scene.select_only([node])
    window.editor.delete_selection()
    assert not dialog.isVisible()
    assert node not in window.editor.editors


def test_a_block_refused_for_a_validation_error_is_shown_as_not_run_rather_than_failed(window, qtbot):
    node = window.document.add_node("t_scale", (0.0, 0.0))
    qtbot.waitUntil(lambda: window.scene.nodes[node].state == "invalid", timeout=HANG_MS)
    assert window.scene.nodes[node].status_item.text() == "not run: see its problems"
    assert window.scene.nodes[node].severity == "error"


def test_reports_from_a_run_of_a_replaced_workflow_do_not_paint_the_new_one(window, qtbot, tmp_path):
    source, slow = chain(window, "t_slow")
    qtbot.waitUntil(lambda: window.runs.state(slow).state == "running", timeout=HANG_MS)
    old_run = window.runs.handle
    window.named_actions["autorun"].trigger()
    window.document.undo_stack.setClean()
    window.named_actions["new"].trigger()
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.document.add_node("t_numbers", (0.0, 200.0))
    qtbot.waitUntil(lambda: not old_run.running, timeout=HANG_MS)
    QTest.qWait(50)
    assert [window.runs.state(n).state for n in window.document.workflow.nodes] == ["idle", "idle"]


def test_the_help_button_shows_the_blocks_help_page(window):
    node = window.document.add_node("input", (0.0, 0.0))
    dialog = window.editor.open_editor(node)
    page = dialog.findChild(QPushButton, "help")
    viewer = dialog.show_help(Path(page.property("page")))
    assert "Input" in viewer.browser.toPlainText()
    viewer.close()


def test_a_broken_editor_module_leaves_the_generated_form_for_other_blocks(qtbot, tmp_path, monkeypatch, capsys):
    import embedflow_canvas.editors as editors
    from embedflow_canvas.mainwindow import MainWindow

    (tmp_path / "broken_editor_plugin.py").write_text("raise RuntimeError('half-written plugin')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(editors, "PLUGIN_MODULES", ("broken_editor_plugin",))
    main = MainWindow(installed_registry())  # a registry of its own: its editors load now, with the broken one
    qtbot.addWidget(main)
    source = main.document.add_node("input", (0.0, 0.0))
    encoding = main.document.add_node("text_encoding", (200.0, 0.0))
    assert isinstance(main.editor.open_editor(source).editor, SettingsForm)
    assert type(main.editor.open_editor(encoding).editor).__name__ == "TextEncodingEditor"
    assert [f.source for f in main.registry.editor_failures] == ["editor module broken_editor_plugin"]
    assert "broken_editor_plugin failed to load: RuntimeError: half-written plugin" in capsys.readouterr().err
    main.document.undo_stack.setClean()


def test_list_settings_are_typed_as_comma_separated_values():
    from embedflow_canvas.editors.form import parse_list

    assert parse_list("3, 1.5, cat, , 7") == [3, 1.5, "cat", 7]


def test_the_status_bar_says_how_the_run_ended(window, qtbot):
    source, target = chain(window)
    window.document.update_settings(target, {"fail": True})
    qtbot.waitUntil(lambda: "1 failed" in window.statusBar().currentMessage(), timeout=HANG_MS)


def test_editors_hear_of_state_changes_but_not_of_every_progress_tick(window, qtbot):
    source, slow = chain(window, "t_slow")
    dialog = window.editor.open_editor(slow)
    heard = []
    dialog.context.resultChanged.connect(lambda: heard.append(window.runs.state(slow).state))
    qtbot.waitUntil(lambda: (window.runs.state(slow).fraction or 0) > 0.05, timeout=HANG_MS)
    window.runs.cancel()
    qtbot.waitUntil(lambda: window.runs.state(slow).state == "cancelled", timeout=HANG_MS)
    assert heard.count("running") <= 1 and heard[-1] == "cancelled"
    assert dialog.status.text().startswith("State: cancelled")


def test_a_closed_editor_window_opens_again(window, qtbot):
    node = window.document.add_node("t_numbers", (0.0, 0.0))
    first = window.editor.open_editor(node)
    first.close()
    assert node not in window.editor.editors
    second = window.editor.open_editor(node)
    assert second is not first and second.isVisible()
