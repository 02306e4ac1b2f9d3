"""The action table: menus, toolbar and shortcuts of the main window all come from it."""

from __future__ import annotations

from embedflow_canvas.actions import ACTIONS, MENU_SLOTS, MENUS, SEPARATOR, TOOLBAR
from PyQt5.QtGui import QKeySequence
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QToolBar


def menu_entries(widget) -> list[str]:
    """The entries of a menu or toolbar as action ids, separators as "-"."""
    return [SEPARATOR if a.isSeparator() else a.objectName() for a in widget.actions()]


def test_every_action_of_the_table_is_in_a_menu_and_every_laid_out_id_is_an_action_or_a_slot():
    laid_out = {entry for _title, entries in MENUS for entry in entries} | set(TOOLBAR)
    ids = {spec.id for spec in ACTIONS}
    assert ids <= laid_out
    assert laid_out - {SEPARATOR} <= ids | set(MENU_SLOTS) | {"undo_tool", "redo_tool"}
    assert len(ids) == len(ACTIONS)


def test_no_two_actions_share_a_shortcut(window):
    keys = [key.toString() for action in window.named_actions.values() for key in action.shortcuts()]
    assert keys and len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_the_menus_and_the_toolbar_are_laid_out_as_the_table_says(window):
    for title, entries in MENUS:
        assert menu_entries(window.menus[title.replace("&", "")]) == list(entries), title
    assert menu_entries(window.findChild(QToolBar, "main-toolbar")) == list(TOOLBAR)


def test_each_action_shows_its_table_text_tip_and_shortcut(window):
    for spec in ACTIONS:
        action = window.named_actions[spec.id]
        assert action.text() == spec.text and action.toolTip() == spec.tooltip()
        # A standard key this platform does not bind (Quit on some) gives an empty sequence Qt leaves out.
        assert action.shortcuts() == [k for k in map(QKeySequence, spec.shortcuts) if not k.isEmpty()]
        assert action.isCheckable() == spec.checkable


def test_a_shortcut_from_the_table_triggers_its_action(window, qtbot, tmp_path):
    window.files.save_to(str(tmp_path / "first.embedflow"))
    window.document.add_node("t_numbers", (0.0, 0.0))
    assert window.document.modified
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence(QKeySequence.Save))
    qtbot.waitUntil(lambda: not window.document.modified, timeout=5000)


def test_cancel_is_enabled_only_while_a_run_goes_on(window, qtbot):
    cancel = window.named_actions["cancel"]
    assert not cancel.isEnabled()
    source = window.document.add_node("t_numbers", (-150.0, 0.0))
    slow = window.document.add_node("t_slow", (150.0, 0.0))
    window.document.connect(source, "data", slow, "data")
    qtbot.waitUntil(cancel.isEnabled, timeout=10000)
    cancel.trigger()
    qtbot.waitUntil(lambda: not cancel.isEnabled(), timeout=10000)


def test_stopping_runs_for_a_closing_window_leaves_no_thread_that_could_still_signal(window, qtbot, monkeypatch):
    """The run's waiter thread ends with a signal through the controller's relay: after stop() (the window
    closing, the app quitting) none may be left, or that signal meets a deleted relay (a segfault at exit,
    seen once in CI). The waiter is made late, as on a loaded machine, by starting the real one 0.5 s late."""
    import threading
    import time

    from embedflow_canvas import run_controller

    real_wait = run_controller._wait
    monkeypatch.setattr(run_controller, "_wait", lambda relay, handle: (time.sleep(0.5), real_wait(relay, handle)))
    source = window.document.add_node("t_numbers", (-150.0, 0.0))
    slow = window.document.add_node("t_slow", (150.0, 0.0))
    window.document.connect(source, "data", slow, "data")
    qtbot.waitUntil(lambda: window.runs.running, timeout=10000)
    assert window.runs.stop()
    assert not [thread for thread in threading.enumerate() if thread.name == "embedflow-run-waiter"]
