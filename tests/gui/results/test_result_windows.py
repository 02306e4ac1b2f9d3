"""A result window shows its block's current output: it follows re-runs, says when it is updating or
failed, and each output has one window."""

from __future__ import annotations

from embedflow_canvas.result_window import ResultWindow
from PyQt5.QtCore import QPoint, QRect, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication, QCheckBox, QDoubleSpinBox, QSpinBox, QToolBar

from tests import helpers
from tests.waiting import HANG_MS


def open_windows() -> list[ResultWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ResultWindow) and w.isVisible()]


def numbers_into(window, qtbot, second: str) -> tuple[str, str]:
    doc = window.document
    source = doc.add_node("t_numbers", (-150.0, 0.0))
    target = doc.add_node(second, (150.0, 0.0))
    doc.connect(source, "data", target, "data")
    return source, target


def test_an_open_result_follows_a_settings_change_and_show_again_raises_the_same_window(window, qtbot):
    _source, scale = numbers_into(window, qtbot, "t_scale")
    qtbot.waitUntil(lambda: window.runs.state(scale).state == "done", timeout=HANG_MS)
    dialog = window.editor.open_editor(scale)
    dialog.show_buttons["embeddings"].click()
    (shown,) = open_windows()
    assert shown.windowTitle() == "Scale — embeddings"
    assert shown.viewer.model.data(shown.viewer.model.index(2, 1)).startswith("[2.000, 2.000]")
    dialog.findChild(QDoubleSpinBox).setValue(10.0)
    qtbot.waitUntil(lambda: shown.viewer.model.data(shown.viewer.model.index(2, 1)).startswith("[20.00"),
                    timeout=HANG_MS)
    assert not shown.banner.isVisible()
    qtbot.waitUntil(lambda: dialog.show_buttons["embeddings"].isEnabled(), timeout=HANG_MS)
    dialog.show_buttons["embeddings"].click()
    assert open_windows() == [shown]


def test_a_result_window_says_updating_while_its_block_runs(window, qtbot):
    helpers.gate_open.set()
    source, gate = numbers_into(window, qtbot, "t_gate")
    qtbot.waitUntil(lambda: window.runs.state(gate).state == "done", timeout=HANG_MS)
    shown = window.editor.show_output(gate, "data")
    assert shown.viewer.model.rowCount() == 3
    helpers.gate_open.clear()
    helpers.gate_entered.clear()
    window.editor.open_editor(source).findChild(QSpinBox).setValue(7)
    qtbot.waitUntil(helpers.gate_entered.is_set, timeout=HANG_MS)
    qtbot.waitUntil(lambda: shown.banner.isVisible(), timeout=HANG_MS)
    assert shown.banner.text() == "Updating…"
    helpers.gate_open.set()
    qtbot.waitUntil(lambda: shown.viewer.model.rowCount() == 7, timeout=HANG_MS)
    assert not shown.banner.isVisible()


def test_a_result_window_says_when_its_block_failed(window, qtbot):
    _source, scale = numbers_into(window, qtbot, "t_scale")
    qtbot.waitUntil(lambda: window.runs.state(scale).state == "done", timeout=HANG_MS)
    shown = window.editor.show_output(scale, "embeddings")
    window.editor.open_editor(scale).findChild(QCheckBox).setChecked(True)
    qtbot.waitUntil(lambda: shown.banner.text().startswith("This block failed: asked to fail"), timeout=HANG_MS)
    assert shown.banner.isVisible()
    assert shown.viewer.model.rowCount() == 3


def test_a_result_window_closes_with_escape_and_when_its_block_is_deleted(window, qtbot):
    _source, scale = numbers_into(window, qtbot, "t_scale")
    qtbot.waitUntil(lambda: window.runs.state(scale).state == "done", timeout=HANG_MS)
    QTest.keyClick(window.editor.show_output(scale, "embeddings").viewer.table, Qt.Key_Escape)
    assert open_windows() == [] and window.editor.results == {}
    window.editor.show_output(scale, "embeddings")
    window.scene.select_only([scale])
    window.editor.delete_selection()
    assert open_windows() == [] and window.editor.results == {}


def global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def canvas_area(window) -> QRect:
    """The canvas's part of the screen (the offscreen screen is smaller than the test's window)."""
    return global_rect(window.editor).intersected(window.screen().availableGeometry())


def assert_on_the_canvas(window, shown) -> None:
    """Inside the canvas's part of the screen: not over the toolbar, the Blocks or the Messages panel."""
    assert canvas_area(window).contains(shown.frameGeometry())
    toolbar = window.findChild(QToolBar, "main-toolbar")
    for covered in (window.messages_dock, window.toolbox_dock, toolbar):
        assert not shown.frameGeometry().intersects(global_rect(covered)), covered.windowTitle()


def test_a_result_window_opens_beside_or_cascaded_from_its_settings_window_on_the_canvas(window, qtbot):
    _source, scale = numbers_into(window, qtbot, "t_scale")
    qtbot.waitUntil(lambda: window.runs.state(scale).state == "done", timeout=HANG_MS)
    dialog = window.editor.open_editor(scale)
    dialog.move(canvas_area(window).topLeft() + QPoint(20, 20))  # the small offscreen screen has room below it
    dialog.show_buttons["embeddings"].click()
    (shown,) = open_windows()
    assert_on_the_canvas(window, shown)
    beside = not shown.frameGeometry().intersects(dialog.frameGeometry())
    cascaded = shown.pos() == dialog.pos() + QPoint(32, 32)  # the settings window's title stays in sight
    assert beside or cascaded, (shown.frameGeometry(), dialog.frameGeometry())


def test_a_result_window_opened_from_the_canvas_sits_at_the_canvas_top_right(window, qtbot):
    _source, scale = numbers_into(window, qtbot, "t_scale")
    qtbot.waitUntil(lambda: window.runs.state(scale).state == "done", timeout=HANG_MS)
    shown = window.editor.show_output(scale, "embeddings")
    assert_on_the_canvas(window, shown)
    canvas = canvas_area(window)
    assert canvas.right() - shown.frameGeometry().right() < 40
    assert shown.frameGeometry().top() - canvas.top() < 40


def test_with_room_beside_its_settings_window_a_result_window_goes_there_narrower(window, qtbot):
    from embedflow_canvas.screen_fit import BESIDE_WIDTH, place_on_canvas
    from PyQt5.QtWidgets import QWidget

    window.toolbox_dock.hide()  # room on the small offscreen screen
    qtbot.waitUntil(lambda: canvas_area(window).left() < 100)
    settings = QWidget(window, Qt.Window)
    settings.resize(120, 200)
    settings.move(canvas_area(window).topLeft() + QPoint(10, 10))
    settings.show()
    qtbot.waitExposed(settings)
    result = ResultWindow("n1", "data", window)
    qtbot.addWidget(result)
    result.resize(820, 520)
    place_on_canvas(result, window.editor, settings)
    result.show()
    assert result.frameGeometry().left() > settings.frameGeometry().right()
    assert abs(result.frameGeometry().top() - settings.frameGeometry().top()) <= 8  # level with it, in the area
    assert BESIDE_WIDTH <= result.width() < 820
    assert canvas_area(window).contains(result.frameGeometry())
    settings.close()
