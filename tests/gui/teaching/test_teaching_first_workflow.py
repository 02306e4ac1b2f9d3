"""A new user follows the welcome screen's guide and builds the word-similarity workflow from scratch."""

from __future__ import annotations

from embedflow_canvas.result_window import ResultWindow
from embedflow_canvas.welcome import FIRST_WORKFLOW
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PyQt5.QtWidgets import QApplication, QLineEdit, QPushButton

from embedflow.io import resources
from tests.gui.conftest import drag, port_point, view_point
from tests.waiting import HANG_MS

WORDS = resources.resource("data", "words.csv")


def drag_from_toolbox(window, type_name: str, x: float) -> str:
    """Drag a block from the Blocks list onto the canvas at (x, 0); returns its node id."""
    mime = window.toolbox.tree.mimeData([window.toolbox.item_for(type_name)])
    target, pos = window.view.viewport(), view_point(window, QPointF(x, 0.0))
    actions = Qt.CopyAction | Qt.MoveAction
    QApplication.sendEvent(target, QDragEnterEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(target, QDragMoveEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(target, QDropEvent(QPointF(pos), actions, mime, Qt.LeftButton, Qt.NoModifier))
    return next(n.id for n in window.document.workflow.nodes.values() if n.type == type_name)


def link(window, source: str, source_port: str, target: str, target_port: str) -> None:
    drag(window.view.viewport(), port_point(window, source, "out", source_port),
         port_point(window, target, "in", target_port))


def test_the_guide_names_the_blocks_and_the_data_file_it_asks_for():
    for needed in ("Input", str(resources.resource("data", "words.csv")), "Text Encoding", "Text Embedding",
                   "Nearest Neighbours", "Show neighbours", "F1"):
        assert needed in FIRST_WORKFLOW


def test_a_new_user_builds_word_similarity_from_scratch_and_finds_queen_near_king(window, qtbot):
    window.view.set_zoom(0.8)
    window.view.centerOn(250, 0)
    words = drag_from_toolbox(window, "input", -100)
    editor = window.editor.open_editor(words)
    path_field = next(f for f in editor.findChildren(QLineEdit) if f.placeholderText() == "" and f.isVisible())
    path_field.setText(str(WORDS))
    path_field.editingFinished.emit()
    editor.close()
    encoding = drag_from_toolbox(window, "text_encoding", 80)
    embedding = drag_from_toolbox(window, "text_embedding", 260)
    neighbours = drag_from_toolbox(window, "nearest_neighbours", 440)
    link(window, words, "data", encoding, "data")
    link(window, encoding, "encoded", embedding, "encoded")
    link(window, embedding, "embeddings", neighbours, "data")

    assert len(window.document.workflow.links) == 3
    qtbot.waitUntil(lambda: window.runs.state(neighbours).state == "done", timeout=HANG_MS)
    assert window.diagnostics == []
    dialog = window.editor.open_editor(neighbours)
    show = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Show neighbours")
    show.click()
    (viewer,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, ResultWindow) and w.isVisible()]
    result = window.runs.result(neighbours).outputs["neighbours"].meta
    assert viewer.viewer.model.rowCount() == len(result) == 158 * 5
    assert "queen" in set(result.loc[result.query_word == "king", "neighbour_word"])
    viewer.close()
