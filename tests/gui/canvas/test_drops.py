"""Dropping photos (files, not their folder) on the canvas explains what to drop instead of adding broken Inputs."""

from __future__ import annotations

from PIL import Image
from PyQt5.QtCore import QMimeData, QPointF, QUrl

from tests.gui.canvas.test_canvas_editing import drop_mime
from tests.gui.conftest import view_point


def test_dropped_image_files_add_no_input_and_say_to_drop_their_folder(window, tmp_path):
    mime = QMimeData()
    paths = [tmp_path / f"photo{i}.jpg" for i in range(2)]
    for path in paths:
        Image.new("RGB", (8, 8), "red").save(path)
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    drop_mime(window, mime, view_point(window, QPointF(0, 0)))
    assert not window.document.workflow.nodes
    assert "drop the folder that holds the images instead" in window.statusBar().currentMessage()
