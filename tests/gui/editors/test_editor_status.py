"""A block refused for a validation error says in its editor, as on the canvas, that it never ran."""

from __future__ import annotations

from embedflow.io.resources import resource
from tests.waiting import HANG_MS


def test_a_refused_block_says_not_run_in_its_editor_not_failed(window, qtbot):
    assert window.open_file(str(resource("examples", "why-invalid.embedflow")))
    qtbot.waitUntil(lambda: window.runs.handle is not None and not window.runs.running, timeout=HANG_MS)
    dialog = window.editor.open_editor("n3")
    reason = window.runs.result("n3").diagnostic.message
    qtbot.waitUntil(lambda: dialog.status.text() == f"State: not run: {reason}", timeout=HANG_MS)
    assert window.scene.nodes["n3"].status_item.text().startswith("not run")


def test_a_decimal_setting_shows_the_places_it_needs_not_four(window):
    from PyQt5.QtWidgets import QDoubleSpinBox

    node = window.document.workflow.add_node("image_embedding", node_id="embed")
    dialog = window.editor.open_editor(node.id)
    assert [spin.text() for spin in dialog.findChildren(QDoubleSpinBox)] == ["10.0"]


def test_every_help_text_under_a_setting_is_shown_whole(window, qtbot):
    from embedflow_canvas.editors.form import SettingsForm
    from PyQt5.QtWidgets import QLabel

    node = window.document.workflow.add_node("image_embedding", node_id="embed")
    dialog = window.editor.open_editor(node.id)
    qtbot.waitExposed(dialog)
    form = dialog.findChild(SettingsForm)
    helps = [label for label in form.findChildren(QLabel) if "font-size: 8pt" in label.styleSheet()]
    assert len(helps) == sum(1 for field in form.fields.values() if field.setting.help)
    cut = [label.text() for label in helps if label.height() < label.heightForWidth(label.width())]
    assert cut == []


def test_show_output_buttons_are_enabled_only_for_outputs_that_exist(window, qtbot):
    assert window.open_file(str(resource("examples", "why-invalid.embedflow")))
    qtbot.waitUntil(lambda: window.runs.handle is not None and not window.runs.running, timeout=HANG_MS)
    refused, loaded = window.editor.open_editor("n3"), window.editor.open_editor("n1")
    qtbot.waitUntil(lambda: loaded.show_buttons["data"].isEnabled(), timeout=HANG_MS)
    assert not refused.show_buttons["embeddings"].isEnabled()
