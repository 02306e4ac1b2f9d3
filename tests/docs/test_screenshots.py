"""docs/make_screenshot.py draws every documentation picture from the examples; the docs show only existing pictures."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")


def load_script():
    """docs/make_screenshot.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_screenshot", ROOT / "docs" / "make_screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pictures_in(markdown: Path) -> list[Path]:
    """The PNG files a Markdown file shows, resolved from its folder."""
    return [(markdown.parent / target).resolve() for target in PICTURE.findall(markdown.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def rendered(qapp, tmp_path_factory):
    """Every picture, drawn by the script into a temporary folder from a copy of the examples."""
    script = load_script()
    folder = tmp_path_factory.mktemp("shots")
    return script, script.render([], folder, script.copy_examples(folder / "copy"))


def test_the_script_draws_every_picture_at_its_size_and_none_is_blank(rendered):
    script, shots = rendered
    frame = (2, script.TITLE_BAR + 1)  # the drawn title bar and border around a window's picture
    expected = {"screenshot": script.CANVAS_SIZE,
                "word-map": (script.MAP_SIZE[0] + frame[0], script.MAP_SIZE[1] + frame[1]),
                "image-map": (script.MAP_SIZE[0] + frame[0], script.MAP_SIZE[1] + frame[1]),
                "image-neighbours": (script.TABLE_SIZE[0] + frame[0], script.TABLE_SIZE[1] + frame[1]),
                "analogy-answers": (script.TABLE_SIZE[0] + frame[0], script.TABLE_SIZE[1] + frame[1])}
    assert set(shots) == {*expected, "map-and-results"}
    for name, path in shots.items():
        image = Image.open(path)
        if name in expected:
            assert image.size == expected[name], name
        else:
            assert image.width == script.COMPOSITE_WIDTH and image.height > 600
        assert 20_000 < path.stat().st_size < 1_000_000, name
        colours = image.convert("RGB").resize((200, 150)).getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 200, f"{name} looks blank"


def test_the_pictures_show_what_the_docs_say(rendered):
    script, shots = rendered
    from PyQt5.QtGui import QColor, QImage

    word_map = QImage(str(shots["word-map"]))
    ring = QColor(200, 0, 160)  # MATCH_PEN: the rings around the search matches
    assert any(QColor(word_map.pixel(x, y)) == ring for x in range(0, word_map.width(), 2)
               for y in range(0, word_map.height(), 2)), "no search match is ringed"
    # Images as points: the image map has far more colours than a map of coloured dots.
    photos = Image.open(shots["image-map"]).convert("RGB").getcolors(maxcolors=1_000_000)
    dots = Image.open(shots["word-map"]).convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(photos) > 3 * len(dots)


@pytest.mark.parametrize("markdown", ["README.md", "docs/canvas.md"])
def test_the_docs_show_only_pictures_that_exist(markdown):
    shown = pictures_in(ROOT / markdown)
    assert shown, f"{markdown} shows no picture"
    assert [p for p in shown if not p.is_file()] == []


def test_every_picture_the_script_draws_is_shown_in_the_docs():
    script = load_script()
    names = {*script.RENDERERS, "map-and-results"}
    shown = {p.stem for p in pictures_in(ROOT / "README.md") + pictures_in(ROOT / "docs" / "canvas.md")}
    assert names <= shown
    assert all((ROOT / "docs" / f"{name}.png").is_file() for name in names)
