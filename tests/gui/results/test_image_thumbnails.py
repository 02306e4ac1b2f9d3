"""Thumbnails in result views: images are scaled, and a FIFO named like an image is refused, not read."""

from __future__ import annotations

import os
from pathlib import Path

from embedflow_canvas.views.image_thumbnails import ThumbnailCache
from PIL import Image


def test_an_image_gets_a_thumbnail_no_larger_than_the_side(qtbot, tmp_path: Path):
    Image.new("RGB", (400, 200), (200, 30, 30)).save(tmp_path / "red.png")
    pixmap = ThumbnailCache(side=64).get(tmp_path / "red.png")
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (64, 32)


def test_a_fifo_named_like_an_image_is_refused_without_blocking(qtbot, tmp_path: Path):
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # reading it would block the UI thread until someone writes to it
    assert ThumbnailCache().get(fifo) is None
