"""A new user's first session with the real blocks: build the text pipeline by mouse, run, save, reopen."""

from __future__ import annotations

from PyQt5.QtCore import QMimeData, QPointF, QUrl

from embedflow.io.resources import resource
from tests.gui.canvas.test_canvas_editing import drop_mime
from tests.gui.conftest import drag, port_point, view_point
from tests.waiting import HANG_MS


def test_build_run_save_and_reopen_the_text_pipeline_with_the_mouse(window, qtbot, tmp_path):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(resource("data", "short_documents.csv")))])
    drop_mime(window, data, view_point(window, QPointF(-300, 0)))
    for type_name, x in (("text_encoding", -100), ("text_embedding", 100), ("nearest_neighbours", 300)):
        drop_mime(window, window.toolbox.tree.mimeData([window.toolbox.item_for(type_name)]),
                  view_point(window, QPointF(x, 0)))
    source, encode, embed, search = window.document.workflow.nodes
    viewport = window.view.viewport()
    drag(viewport, port_point(window, source, "out", "data"), port_point(window, encode, "in", "data"))
    drag(viewport, port_point(window, encode, "out", "encoded"), port_point(window, embed, "in", "encoded"))
    drag(viewport, port_point(window, embed, "out", "embeddings"), port_point(window, search, "in", "data"))
    assert len(window.document.workflow.links) == 3
    qtbot.waitUntil(lambda: window.runs.state(search).state == "done", timeout=HANG_MS)
    assert window.scene.nodes[embed].summary.startswith("48 rows")
    assert not [d for d in window.diagnostics if d.severity == "error"]

    window.choose_save_path = lambda: str(tmp_path / "first")
    window.named_actions["save"].trigger()
    window.named_actions["new"].trigger()
    assert not window.scene.nodes
    assert window.open_file(str(tmp_path / "first.embedflow"))
    assert len(window.scene.links) == 3
    qtbot.waitUntil(lambda: window.runs.state(search).state == "done", timeout=HANG_MS)
    assert len(window.runs.result(search).outputs["neighbours"]) == 48 * 5
