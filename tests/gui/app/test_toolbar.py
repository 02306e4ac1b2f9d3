"""The toolbar keeps its layout; undo steps name settings by their labels."""

from __future__ import annotations

from PyQt5.QtWidgets import QToolBar


def button_positions(window) -> dict[str, int]:
    toolbar = window.findChild(QToolBar, "main-toolbar")
    return {action.text(): toolbar.widgetForAction(action).x() for action in toolbar.actions()
            if toolbar.widgetForAction(action) is not None and action.text()}


def test_an_undo_step_moves_no_toolbar_button_and_names_the_setting_by_its_label(window, qtbot):
    node = window.document.add_node("input", (0.0, 0.0))
    before = button_positions(window)
    window.editor.open_editor(node)
    window.document.update_settings(node, {"path": "/somewhere/a/rather/long/file/name/reviews.csv"})
    qtbot.waitUntil(lambda: button_positions(window) == before)
    assert window.named_actions["undo"].text() == "&Undo Change File or folder of Input"
    assert window.named_actions["undo_tool"].text() == "Undo"
    assert window.named_actions["undo_tool"].toolTip() == "Undo Change File or folder of Input"
    window.named_actions["undo"].trigger()
    assert window.named_actions["redo_tool"].toolTip() == "Redo Change File or folder of Input"
    assert button_positions(window) == before
