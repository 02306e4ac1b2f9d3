"""The sentence model on the canvas: a run offline, spinning off in the canvas process, word pieces in the preview."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import QTimer

from embedflow.io.workflow_file import write_workflow
from embedflow.text import transformer
from tests.text_support import text_workflow, write_csv
from tests.waiting import HANG, HANG_MS

REFERENCE = json.loads((Path(__file__).parents[2] / "text" / "data" / "minilm_reference.json").read_text("utf-8"))
MINILM = {"language_model": "all-minilm-l6-v2"}


def sentence_file(tmp_path: Path, texts: list[str]) -> tuple[Path, str, str]:
    """A saved Input → Text Encoding → Text Embedding workflow on the sentence model."""
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, texts),
                                                   encoding={**MINILM, "sequence_length": 256}, embedding=dict(MINILM))
    path = tmp_path / "sentences.embedflow"
    write_workflow(workflow, path)
    return path, encoder, embedder


def test_the_canvas_runs_the_sentence_model_offline_and_matches_the_reference(window, qtbot, tmp_path):
    texts = [row["text"] for row in REFERENCE["sentences"] if row["text"].strip()]
    path, _, embedder = sentence_file(tmp_path, texts)
    window.open_file(str(path))
    qtbot.waitUntil(lambda: window.runs.result(embedder) is not None and window.runs.result(embedder).state == "done",
                    timeout=HANG_MS)
    output = window.runs.result(embedder).outputs["embeddings"]
    assert output.vectors.shape == (len(texts), 384)
    reference = {row["text"]: np.array(row["vector"]) for row in REFERENCE["sentences"]}
    assert min(float(v @ reference[t]) for t, v in zip(output.meta["text"], output.vectors)) > 0.995


def test_the_canvas_process_keeps_onnxruntime_threads_from_spinning(qapp, tmp_path, monkeypatch):
    from embedflow_canvas.mainwindow import MainWindow

    from embedflow.cli import main as cli_main

    monkeypatch.setenv(transformer.SPINNING_ENV, "1")  # restored after the test
    path, _, _ = sentence_file(tmp_path, ["a sentence"])
    seen = []

    def look_and_close():
        seen.append((transformer.spinning_allowed(), transformer.process_model().allow_spinning))
        for widget in qapp.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                widget.runs.cancel()
                widget.document.undo_stack.setClean()
                widget.close()
        qapp.quit()

    QTimer.singleShot(0, look_and_close)
    assert cli_main([str(path)]) == 0
    assert seen == [(False, False)]


@pytest.fixture
def encoding_editor(qtbot, tmp_path):
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.run_controller import RunController

    document, runs = WorkflowDocument(), RunController()
    workflow = document.workflow
    source = workflow.add_node("input", node_id="texts",
                               settings={"path": str(write_csv(tmp_path, ["embedding 😀", "word " * 600])),
                                         "feature": "text"})
    encoder = workflow.add_node("text_encoding", node_id="enc", settings={**MINILM, "sequence_length": 8})
    workflow.connect(source.id, "data", encoder.id, "data")
    runs.set_workflow(workflow, None)
    qtbot.waitUntil(lambda: runs.result("enc") is not None and runs.result("enc").state == "done", timeout=HANG_MS)
    editor = editor_factory("text_encoding")(EditorContext(document, runs, "enc"))
    qtbot.addWidget(editor)
    yield editor
    runs.cancel()
    if runs.handle is not None:
        runs.handle.wait(HANG)


def test_the_preview_shows_word_pieces_and_marks_unknown_characters(qtbot, encoding_editor):
    qtbot.waitUntil(lambda: encoding_editor.preview is not None, timeout=HANG_MS)
    preview = encoding_editor.preview
    assert preview.rows[0] == [("em", True), ("##bed", True), ("##ding", True), ("[UNK]", False)]
    assert "em ##bed ##ding" in encoding_editor.text.toPlainText()
    assert "[CLS]" in preview.note and "attention mask" in preview.note


def test_the_histogram_counts_word_pieces_and_the_cut_leaves_room_for_cls_and_sep(qtbot, encoding_editor):
    qtbot.waitUntil(lambda: encoding_editor.preview is not None, timeout=HANG_MS)
    assert encoding_editor.preview.lengths.tolist() == [4, 510]
    assert encoding_editor.cut_label.text().startswith(
        "1 of 2 rows have more than 6 word pieces (the sequence length 8 keeps 2 places for the model's own [CLS] "
        "and [SEP] markers) and are cut")


def test_the_model_picker_lists_the_sentence_model_and_remote_entries(qtbot, encoding_editor):
    from embedflow.text import models

    models.add_remote("classroom", "http://127.0.0.1:9", "all-minilm-l6-v2")
    encoding_editor.picker.refresh()
    tree = encoding_editor.picker.tree
    found = {tree.topLevelItem(i).data(0, 256): tree.topLevelItem(i).text(3) for i in range(tree.topLevelItemCount())}
    assert found["all-minilm-l6-v2"] == "built in" and found["classroom"] == "remote: http://127.0.0.1:9"
