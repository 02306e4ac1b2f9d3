"""The Text Encoding and Text Embedding editors: model picker, download, preview, histogram, mismatch fix."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from embedflow.core.ports import ENCODED_TEXT
from embedflow.core.specs import NodeSpec, OutputDescription, Port
from embedflow.registry import installed_registry
from embedflow.text import gensim_data, models
from tests.image_support import Served, http_server
from tests.text_support import write_csv
from tests.waiting import HANG, HANG_MS


@pytest.fixture
def blocks(qtbot, tmp_path):
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.run_controller import RunController

    path = write_csv(tmp_path, ["The King zzqxv rules", "", "queen " * 80])
    document = WorkflowDocument()
    runs = RunController()
    workflow = document.workflow
    source = workflow.add_node("input", node_id="texts", settings={"path": str(path), "feature": "text"})
    encoder = workflow.add_node("text_encoding", node_id="enc")
    embedder = workflow.add_node("text_embedding", node_id="emb")
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    runs.set_workflow(workflow, None)
    qtbot.waitUntil(lambda: runs.result("emb") is not None and runs.result("emb").state == "done", timeout=HANG_MS)
    editors = {}
    for node_id, kind in (("enc", "text_encoding"), ("emb", "text_embedding")):
        widget = editor_factory(kind)(EditorContext(document, runs, node_id))
        qtbot.addWidget(widget)
        editors[node_id] = widget
    yield editors, workflow
    runs.cancel()
    if runs.handle is not None:
        runs.handle.wait(HANG)


def statuses(picker) -> dict[str, str]:
    tree = picker.tree
    return {tree.topLevelItem(i).data(0, 256): tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())}


def test_picker_lists_installed_and_downloadable_models_with_sizes(blocks):
    editors, _ = blocks
    found = statuses(editors["enc"].picker)
    assert found["glove-6b-50d"] == "built in"
    assert found["word2vec-google-news-300"] == "download 1.7 GB"
    assert found["trained-word2vec"] == "trained when run"
    assert editors["enc"].picker.selected().id == "glove-6b-50d"


def test_preview_marks_unknown_tokens_and_empty_rows(qtbot, blocks):
    editor = blocks[0]["enc"]
    qtbot.waitUntil(lambda: editor.preview is not None, timeout=HANG_MS)
    first = editor.preview.rows[0]
    assert first == [("the", True), ("king", True), ("zzqxv", False), ("rules", True)]
    from embedflow_canvas.editors.text_encoding import preview_html

    assert '<span style="color:#c62828;text-decoration:line-through" title="unknown">zzqxv</span>' in preview_html(
        editor.preview, 64)
    assert "1  empty after tokenization" in editor.text.toPlainText()


def test_histogram_shows_how_many_rows_the_sequence_length_cuts(qtbot, blocks):
    editor = blocks[0]["enc"]
    qtbot.waitUntil(lambda: editor.preview is not None, timeout=HANG_MS)
    assert editor.preview.lengths.tolist() == [4, 0, 80]
    assert editor.cut_line.value() == 64
    assert editor.cut_label.text().startswith("1 of 3 rows have more than 64 tokens")


def test_embedding_editor_offers_the_encoding_model_on_a_mismatch(blocks):
    editors, workflow = blocks
    editor = editors["emb"]
    assert not editor.use_button.isVisibleTo(editor)
    editor.context.apply({"language_model": "glove-wiki-gigaword-100"})
    assert editor.use_button.isVisibleTo(editor) and editor.use_button.text() == "Use glove-6b-50d"
    editor.use_button.click()
    assert workflow.nodes["emb"].settings["language_model"] == "glove-6b-50d"


def test_download_button_installs_a_catalogue_model_with_progress(qtbot, blocks, monkeypatch):
    editors, workflow = blocks
    picker = editors["enc"].picker
    body = gzip.compress(b"2 3\nking 1 0 0\nqueen 0.9 0.1 0\n")
    monkeypatch.setitem(gensim_data.CATALOGUE, "tiny-gui-vectors", gensim_data.CatalogueEntry(
        "tiny-gui-vectors", "Tiny", 3, 2, len(body), hashlib.md5(body).hexdigest(), False,
        models.GLOVE_TOKENIZER, "test"))
    with http_server(Served(files={"/tiny-gui-vectors/tiny-gui-vectors.gz": body})) as url:
        monkeypatch.setenv("EMBEDFLOW_GENSIM_DATA_URL", url)
        picker.refresh()
        item = next(picker.tree.topLevelItem(i) for i in range(picker.tree.topLevelItemCount())
                    if picker.tree.topLevelItem(i).data(0, 256) == "tiny-gui-vectors")
        picker.tree.setCurrentItem(item)
        picker._clicked(item)
        assert workflow.nodes["enc"].settings["language_model"] == "tiny-gui-vectors"
        assert picker.download_button.isEnabled()
        assert picker.download_selected() is not None
        # The picker's own slot clears `task` when the finished signal arrives on the GUI thread.
        qtbot.waitUntil(lambda: picker.task is None, timeout=HANG_MS)
    assert statuses(picker)["tiny-gui-vectors"] == "installed", picker.status.text()
    assert "2 words" in picker.status.text()
    models.forget("tiny-gui-vectors")


def test_the_model_is_chosen_in_one_place_only(blocks):
    from PyQt5.QtWidgets import QLineEdit

    editors, _workflow = blocks
    for editor in editors.values():
        assert editor.picker.isVisibleTo(editor)
        shown = [line.text() for line in editor.findChildren(QLineEdit) if line.isVisibleTo(editor)]
        assert "glove-6b-50d" not in shown


def test_an_editor_deleted_while_its_block_lives_stops_listening(blocks, qtbot):
    """A settings form rebuilt or closed inside a live window must not be called after it is gone."""
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.editors.form import SettingsForm
    from PyQt5 import sip

    editors, workflow = blocks
    context = editors["enc"].form.context
    for widget in (SettingsForm(context), editor_factory("text_encoding")(context),
                   editor_factory("text_embedding")(EditorContext(context.document, context.runs, "emb"))):
        sip.delete(widget)  # the widgets are gone, the block's context is not
    with qtbot.captureExceptions() as errors:
        context.document.update_settings("enc", {"sequence_length": 48})
        context.resultChanged.emit()
        context.diagnosticsChanged.emit([])
    assert not errors, errors[0][1]
    assert editors["enc"].form.fields["sequence_length"].editor.value() == 48


def test_embedding_editor_asks_what_the_encoded_input_describes_not_its_type_name(qtbot):
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.run_controller import RunController

    registry = installed_registry()
    registry.register(NodeSpec(
        type="own_encoding", title="Own encoding", category="Text", description="Encodes text its own way.",
        icon="text_encoding", inputs=(), outputs=(Port(name="encoded", type=ENCODED_TEXT),), settings=(),
        run=lambda ctx: {},
        describes_output=lambda settings, port, upstream: OutputDescription("glove-wiki-gigaword-100", "text")))
    document = WorkflowDocument(registry=registry)
    source, embedder = document.workflow.add_node("own_encoding"), document.workflow.add_node("text_embedding")
    document.workflow.connect(source.id, "encoded", embedder.id, "encoded")
    editor = editor_factory("text_embedding", registry)(EditorContext(document, RunController(), embedder.id))
    qtbot.addWidget(editor)
    assert editor.use_button.isVisibleTo(editor) and editor.use_button.text() == "Use glove-wiki-gigaword-100"
    assert "encoded with glove-wiki-gigaword-100" in editor.encoding_label.text()
