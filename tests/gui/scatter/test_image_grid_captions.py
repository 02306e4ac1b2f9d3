"""The image grid beside the image map captions each picture with its label, not cut by a row number."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from embedflow.io import resources
from tests.gui.teaching.test_teaching_examples import finished
from tests.waiting import HANG_MS


def test_the_grid_beside_the_image_map_captions_each_image_with_its_name(window, qtbot):
    assert window.open_example(resources.resource("examples", "image-map.embedflow"))
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=HANG_MS)
    editor = window.editor.open_editor("n3").editor
    model, plot = editor.grid.model(), editor.plot
    assert model.captions == [plot.label_text(r) for r in model.rows]
    assert "astronaut" in model.captions and not any("(row" in caption for caption in model.captions)
    assert model.data(model.index(model.rows.index(0)), Qt.ToolTipRole).count("(row 0)") == 1  # the tooltip names it


def test_long_names_under_the_grid_s_thumbnails_stay_readable(qtbot, tmp_path):
    from embedflow_canvas.views.image_grid import ImageGrid
    from PIL import Image
    from PyQt5.QtGui import QFontMetrics

    picture = tmp_path / "red.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(picture)
    names = ["cameraman", "astronaut-face", "hubbledeepfielddetail", "cat"]
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(300, 400)
    grid.show()
    grid.set_images(list(range(4)), [picture] * 4, names)
    qtbot.waitExposed(grid)
    metrics, model = QFontMetrics(grid.font()), grid.model()
    width = grid.visualRect(model.index(0)).width()
    for name in ("cameraman", "astronaut-", "face"):  # whole, or wrapped at the hyphen
        assert metrics.horizontalAdvance(name) <= width - 4, name
    shown = metrics.elidedText(names[2], grid.textElideMode(), width - 4)
    assert shown != names[2] and shown.startswith("hubb") and shown.endswith("tail")  # start and end kept
    assert names[2] in model.data(model.index(2), Qt.ToolTipRole)
    grid.grab().save("/tmp/views13/grid-captions.png")


def test_the_grid_beside_the_image_map_shows_whole_tiles_with_whole_names(window, qtbot):
    assert window.open_example(resources.resource("examples", "image-map.embedflow"))
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=HANG_MS)
    dialog = window.editor.open_editor("n3")
    grid = dialog.editor.grid
    qtbot.waitUntil(grid.isVisible, timeout=HANG_MS)
    dialog.resize(400, dialog.height())  # as narrow as the user may make it: the map gives way, not the grid
    qtbot.waitUntil(lambda: grid.viewport().width() > 0, timeout=HANG_MS)
    model = grid.model()
    first = grid.visualRect(model.index(0))
    assert grid.viewport().rect().contains(first)  # the first tile, caption included, is not cut at the right
