"""What editors draw is visible in the light window: plots on white, an icon for every skipped image."""

from __future__ import annotations


def test_the_tokens_per_row_histogram_has_a_light_background(window):
    node = window.document.workflow.add_node("text_encoding", node_id="encode")
    dialog = window.editor.open_editor(node.id)
    assert dialog.editor.histogram.backgroundBrush().color().lightness() > 200


def test_a_skipped_image_without_a_picture_still_gets_a_visible_icon(qtbot, tmp_path):
    from embedflow_canvas.editors.image_embedding import thumbnail

    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    assert not thumbnail("broken.jpg", str(tmp_path)).isNull()
