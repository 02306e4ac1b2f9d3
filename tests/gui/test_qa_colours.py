"""Plots in editors share the window's light look (the scatter view's white background)."""

from __future__ import annotations


def test_the_tokens_per_row_histogram_has_a_light_background(window):
    node = window.document.workflow.add_node("text_encoding", node_id="encode")
    dialog = window.open_editor(node.id)
    assert dialog.editor.histogram.backgroundBrush().color().lightness() > 200
