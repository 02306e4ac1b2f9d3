"""Nearest Neighbours offers "Leave out the query's words" only when it searches text."""

from __future__ import annotations

from embedflow.io.resources import resource
from tests.waiting import HANG_MS


def neighbours_editor(window, qtbot, example: str):
    assert window.open_example(resource("examples", example))
    node_id = next(n.id for n in window.document.workflow.nodes.values() if n.type == "nearest_neighbours")
    qtbot.waitUntil(lambda: window.runs.state(node_id).state == "done", timeout=HANG_MS)
    dialog = window.editor.open_editor(node_id)
    qtbot.waitExposed(dialog)
    return dialog


def test_image_neighbours_do_not_offer_leaving_out_words(window, qtbot):
    dialog = neighbours_editor(window, qtbot, "image-search.embedflow")
    label, field = dialog.editor.form.rows["exclude_query_words"]
    assert not label.isVisible() and not field.isVisible()
    assert dialog.editor.form.rows["k"][1].isVisible()


def test_text_neighbours_offer_leaving_out_words(window, qtbot):
    dialog = neighbours_editor(window, qtbot, "word-similarity.embedflow")
    label, field = dialog.editor.form.rows["exclude_query_words"]
    assert label.isVisible() and field.isVisible()
