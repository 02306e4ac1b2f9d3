"""The image grid beside the image map captions each picture with its label, not cut by a row number."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from tests.gui.test_teaching_examples import finished

from embedflow.io import resources


def test_the_grid_beside_the_image_map_captions_each_image_with_its_name(window, qtbot):
    assert window.open_example(resources.resource("examples", "image-map.embedflow"))
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=60000)
    editor = window.editor.open_editor("n3").editor
    model, plot = editor.grid.model(), editor.plot
    assert model.captions == [plot.label_text(r) for r in model.rows]
    assert "astronaut" in model.captions and not any("(row" in caption for caption in model.captions)
    assert model.data(model.index(model.rows.index(0)), Qt.ToolTipRole).count("(row 0)") == 1  # the tooltip names it
