"""The Image Embedding editor: models with status and download, server test, skipped images strip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from embedflow.images import catalog
from embedflow.images.catalog import ImageModel
from embedflow.images.preprocess import Preprocess
from embedflow.server import ServerConfig, create_app
from tests.image_support import Served, channel_mean_model, http_server, photo, running_server
from tests.waiting import HANG, HANG_MS


@pytest.fixture
def editor(qtbot, tmp_path: Path):
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.run_controller import RunController

    photo("chelsea").save(tmp_path / "cat.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    document = WorkflowDocument()
    runs = RunController()
    workflow = document.workflow
    source = workflow.add_node("input", node_id="pics", settings={"path": str(tmp_path)})
    node = workflow.add_node("image_embedding", node_id="embed")
    workflow.connect(source.id, "data", node.id, "data")
    runs.set_workflow(workflow, None)
    qtbot.waitUntil(lambda: runs.result("embed") is not None and runs.result("embed").state == "done",
                    timeout=HANG_MS)
    widget = editor_factory("image_embedding")(EditorContext(document, runs, "embed"))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget, workflow
    runs.cancel()
    if runs.handle is not None:
        runs.handle.wait(HANG)


def statuses(widget) -> dict[str, str]:
    tree = widget.models
    return {tree.topLevelItem(i).data(0, 256): tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())}


def test_models_are_listed_with_their_status(editor) -> None:
    widget, _ = editor
    found = statuses(widget)
    assert found["squeezenet"] == "built in" and found["shufflenet-v2"] == "download 9 MB"
    assert widget.selected_model().id == "squeezenet" and not widget.download_button.isEnabled()


def test_clicking_a_model_sets_the_blocks_model(editor) -> None:
    widget, workflow = editor
    tree = widget.models
    item = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                if tree.topLevelItem(i).data(0, 256) == "shufflenet-v2")
    tree.setCurrentItem(item)
    widget._model_clicked(item)
    assert workflow.nodes["embed"].settings["model"] == "shufflenet-v2"
    assert widget.download_button.isEnabled()


def test_skipped_images_are_shown_with_their_reasons(editor) -> None:
    widget, _ = editor
    assert widget.skipped.count() == 1
    item = widget.skipped.item(0)
    assert item.text() == "row 0" and "not an image" in item.toolTip()


def test_download_button_fetches_the_model_with_progress(qtbot, editor, monkeypatch) -> None:
    widget, _ = editor
    body = channel_mean_model()
    with http_server(Served(files={"/tiny.onnx": body})) as url:
        tiny = ImageModel("tiny", "Tiny", 3, Preprocess(8, 8, "stretch"), "tiny.onnx", url=f"{url}/tiny.onnx",
                          sha256=hashlib.sha256(body).hexdigest(), size_bytes=len(body))
        monkeypatch.setitem(catalog.CATALOG, "tiny", tiny)
        widget.refresh_models()
        tree = widget.models
        tree.setCurrentItem(next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                                 if tree.topLevelItem(i).data(0, 256) == "tiny"))
        task = widget.download_selected()
        with qtbot.waitSignal(task.finished, timeout=HANG_MS):
            pass
    qtbot.waitUntil(lambda: statuses(widget)["tiny"] == "downloaded")
    assert widget.download_status.text() == "Tiny is ready."


def test_test_connection_reports_the_server_and_its_models(qtbot, editor) -> None:
    widget, workflow = editor
    with running_server(create_app(ServerConfig(token="t"))) as url:
        widget.context.apply({"server_url": url, "server_token": "t"})
        task = widget.test_connection()
        qtbot.waitUntil(lambda: widget.server_status.text().startswith("Connected"), timeout=HANG_MS)
    assert "squeezenet" in widget.server_status.text()
    assert task is not None


def test_test_connection_explains_an_unreachable_server(qtbot, editor) -> None:
    widget, _ = editor
    with http_server(Served()) as url:
        pass
    widget.context.apply({"server_url": url})
    widget.test_connection()
    qtbot.waitUntil(lambda: widget.server_status.text().startswith("Failed"), timeout=HANG_MS)
    assert "Cannot reach the embedding server" in widget.server_status.text()
