"""Renders the documentation's screenshots from the shipped examples, run by the real engine.

Run with `QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py` (from the repository root);
it writes, in docs/:

- screenshot.png          the canvas with the documents-map example after its run
- word-map.png            word-similarity's *Word map*: GloVe words, drawn labels, legend beside the
                          plot, and "royalty" typed in *Find* with its matches ringed
- image-map.png           image-map's *Image map* with *Images as points* ticked
- image-neighbours.png    image-search's *Most similar* output: thumbnails of query and neighbours
- analogy-answers.png     word-similarity's *Analogy answers* output: meaningful columns first
- map-and-results.png     the two maps above the two result windows, in one picture (README)

`python docs/make_screenshot.py word-map image-map` renders only those (a composite renders what it
is made of). Everything is drawn offscreen at a fixed size, so the pictures do not depend on the
screen; the examples run from a copy in $TMPDIR/embedflow-examples (as `embedflow examples --copy`
makes), so the data paths the tables name are not the source tree's.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDFLOW_CONFIG_DIR", tempfile.mkdtemp(prefix="embedflow-shot-"))

from PIL import Image  # noqa: E402
from PyQt5.QtCore import QBuffer, QIODevice, QRect, Qt  # noqa: E402
from PyQt5.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402
from PyQt5.QtWidgets import QApplication, QWidget  # noqa: E402

if TYPE_CHECKING:
    from embedflow_canvas.mainwindow import MainWindow

DOCS = ROOT / "docs"
EXAMPLES_COPY = Path(tempfile.gettempdir()) / "embedflow-examples"
CANVAS_SIZE = (1440, 960)
MAP_SIZE = (1280, 860)
TABLE_SIZE = (1100, 660)
COMPOSITE_WIDTH = 1600
TITLE_BAR = 30  # pixels of the drawn title bar above a window's picture
FINISHED = ("done", "failed", "blocked", "cancelled")


def copy_examples(target: Path = EXAMPLES_COPY) -> Path:
    """The shipped examples and their data copied to `target` (as `embedflow examples --copy` does),
    so the pictures show a neutral data path rather than the source tree's."""
    from embedflow.cli.examples import copy_examples as copy
    from embedflow.cli.examples import installed_examples
    from embedflow.registry import default_registry

    copy(installed_examples(default_registry()), target, overwrite=True)
    return target / "examples"


def open_example(name: str, examples: Path, timeout_s: float = 120.0) -> MainWindow:
    """A shown main window with the example `examples/name.embedflow` opened and run to the end
    (a QApplication must exist)."""
    from embedflow_canvas.mainwindow import MainWindow

    window = MainWindow()
    window.resize(*CANVAS_SIZE)
    window.show()
    window.open_example(examples / f"{name}.embedflow")
    for _ in range(int(timeout_s * 10)):
        QTest.qWait(100)
        states = [window.runs.state(node_id).state for node_id in window.document.workflow.nodes]
        if states and all(state in FINISHED for state in states) and not window.runs.running:
            break
    failed = {n: window.runs.state(n).state for n in window.document.workflow.nodes
              if window.runs.state(n).state != "done"}
    if failed:
        raise RuntimeError(f"{name}: blocks did not finish: {failed}")
    return window


def close(window: MainWindow) -> None:
    """Close the window and its settings and result windows without asking to save."""
    window.editor.close_windows()
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def settle(widget: QWidget, size: tuple[int, int]) -> None:
    """Show `widget` at `size` and let layouts, overlays and thumbnails catch up."""
    widget.resize(*size)
    widget.show()
    for _ in range(5):
        QTest.qWait(50)


def with_title(picture: QImage, title: str) -> QImage:
    """`picture` under a plain title bar naming the window, as a reader sees it on the desktop."""
    framed = QImage(picture.width() + 2, picture.height() + TITLE_BAR + 1, QImage.Format_RGB32)
    framed.fill(QColor("#9a9a9a"))
    painter = QPainter(framed)
    painter.fillRect(QRect(1, 1, picture.width(), TITLE_BAR - 1), QColor("#e6e6e6"))
    font = QFont(painter.font())
    font.setPixelSize(15)
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    painter.drawText(QRect(12, 1, picture.width() - 24, TITLE_BAR - 1), Qt.AlignVCenter | Qt.AlignLeft, title)
    painter.drawImage(1, TITLE_BAR, picture)
    painter.end()
    return framed


def grab_canvas(window: MainWindow, node_id: str = "n3") -> QImage:
    """The whole main window, the workflow fitted and `node_id` selected."""
    window.resize(*CANVAS_SIZE)
    QTest.qWait(100)
    window.view.fit()
    window.scene.select_only([node_id])
    QApplication.processEvents()
    return window.grab().toImage()


def grab_map(window: MainWindow, node_id: str, find: str = "", images: bool = False) -> QImage:
    """The settings window of Scatter `node_id`: its map, optionally searched or with images as points."""
    dialog = window.editor.open_editor(node_id)
    editor = dialog.editor
    settle(dialog, MAP_SIZE)
    if images:
        editor.images_as_points.setChecked(True)
    editor.plot.search_box.setText(find)
    settle(dialog, MAP_SIZE)
    picture = with_title(dialog.grab().toImage(), dialog.windowTitle())
    dialog.close()
    return picture


def grab_result(window: MainWindow, node_id: str, port: str) -> QImage:
    """The result window of one output, as *Show output* opens it (the table only, no banner)."""
    result = window.editor.show_output(node_id, port)
    if result is None:
        raise RuntimeError(f"{node_id}.{port} has no output to show")
    settle(result, TABLE_SIZE)
    picture = with_title(result.grab().toImage(), result.windowTitle())
    result.close()
    return picture


def side_by_side(pictures: list[QImage], width: int, gap: int) -> QImage:
    """The pictures in one row at one height, scaled together to `width` pixels."""
    height = max(p.height() for p in pictures)
    scaled = [p.scaledToHeight(height, Qt.SmoothTransformation) for p in pictures]
    row = QImage(sum(p.width() for p in scaled) + gap * (len(scaled) - 1), height, QImage.Format_RGB32)
    row.fill(QColor("white"))
    painter = QPainter(row)
    x = 0
    for picture in scaled:
        painter.drawImage(x, 0, picture)
        x += picture.width() + gap
    painter.end()
    return row.scaledToWidth(width, Qt.SmoothTransformation)


def compose(rows: list[list[QImage]], width: int = COMPOSITE_WIDTH, gap: int = 16) -> QImage:
    """Rows of pictures, each row scaled to `width`, stacked with `gap` pixels between them."""
    lines = [side_by_side(row, width, gap) for row in rows]
    sheet = QImage(width, sum(line.height() for line in lines) + gap * (len(lines) - 1), QImage.Format_RGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    y = 0
    for line in lines:
        painter.drawImage(0, y, line)
        y += line.height() + gap
    painter.end()
    return sheet


def save_png(picture: QImage, target: Path) -> Path:
    """Write `picture` as an optimised PNG (Pillow's optimize; no colour loss)."""
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    picture.save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    image.save(target, "PNG", optimize=True)
    return target


def render_word_shots(folder: Path, examples: Path) -> dict[str, Path]:
    """word-map.png and analogy-answers.png from the word-similarity example."""
    window = open_example("word-similarity", examples)
    try:
        return {"word-map": save_png(grab_map(window, "n5", find="royalty"), folder / "word-map.png"),
                "analogy-answers": save_png(grab_result(window, "n9", "neighbours"),
                                            folder / "analogy-answers.png")}
    finally:
        close(window)


def render_image_shots(folder: Path, examples: Path) -> dict[str, Path]:
    """image-map.png (images as points) and image-neighbours.png (thumbnails in the table)."""
    maps = open_example("image-map", examples)
    try:
        image_map = save_png(grab_map(maps, "n3", images=True), folder / "image-map.png")
    finally:
        close(maps)
    search = open_example("image-search", examples)
    try:
        neighbours = save_png(grab_result(search, "n5", "neighbours"), folder / "image-neighbours.png")
    finally:
        close(search)
    return {"image-map": image_map, "image-neighbours": neighbours}


def render_canvas(folder: Path, examples: Path) -> dict[str, Path]:
    """screenshot.png: the canvas with the documents-map example after its run."""
    window = open_example("documents-map", examples)
    try:
        return {"screenshot": save_png(grab_canvas(window), folder / "screenshot.png")}
    finally:
        close(window)


COMPOSITE = (("word-map", "image-map"), ("image-neighbours", "analogy-answers"))


def render_composite(shots: dict[str, Path], folder: Path) -> Path:
    """map-and-results.png: the two maps above, the two result windows below (for the README)."""
    rows = [[QImage(str(shots[name])) for name in row] for row in COMPOSITE]
    return save_png(compose(rows), folder / "map-and-results.png")


RENDERERS: dict[str, Callable[[Path, Path], dict[str, Path]]] = {
    "screenshot": render_canvas,
    "word-map": render_word_shots,
    "analogy-answers": render_word_shots,
    "image-map": render_image_shots,
    "image-neighbours": render_image_shots,
}


def render(names: list[str], folder: Path = DOCS, examples: Path | None = None) -> dict[str, Path]:
    """Render the named pictures (all when `names` is empty) into `folder`, from the examples in
    `examples` (by default a fresh copy in EXAMPLES_COPY); returns name → path."""
    examples = examples or copy_examples()
    wanted = set(names) or {*RENDERERS, "map-and-results"}
    if "map-and-results" in wanted:
        wanted |= {name for row in COMPOSITE for name in row}
    shots: dict[str, Path] = {}
    for name in RENDERERS:
        if name in wanted and name not in shots:
            shots.update(RENDERERS[name](folder, examples))
    if "map-and-results" in wanted:
        shots["map-and-results"] = render_composite(shots, folder)
    return shots


def main(argv: list[str]) -> int:
    """Render the pictures named on the command line (all by default) into docs/."""
    unknown = set(argv) - {*RENDERERS, "map-and-results"}
    if unknown:
        print(f"unknown picture(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    for name, path in render(argv).items():
        size = QImage(str(path)).size()
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{size.width()}×{size.height()}, {path.stat().st_size / 1024:.0f} KB ({name})")
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
