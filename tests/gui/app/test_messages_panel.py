"""The Messages panel and status bar: a problem listed once, and why an output is missing."""

from __future__ import annotations

from tests.waiting import HANG_MS


def test_an_image_embedding_of_a_text_column_warns_once(window, qtbot, tmp_path):
    (tmp_path / "words.csv").write_text("text\nking\nqueen\n", encoding="utf-8")
    workflow = window.document.workflow
    source = workflow.add_node("input", node_id="words", settings={"path": str(tmp_path / "words.csv")})
    workflow.add_node("image_embedding", node_id="embed")
    workflow.connect(source.id, "data", "embed", "data")
    qtbot.waitUntil(lambda: window.runs.result("embed") is not None
                    and window.runs.result("embed").state == "done", timeout=HANG_MS)
    window.revalidate()  # the validator now knows the input's columns, as after any edit
    codes = [diagnostic.code for diagnostic, _ in window.messages.messages]
    assert codes.count("feature-not-image") == 1


def test_asking_for_the_output_of_a_failed_block_says_it_did_not_finish(window, qtbot, tmp_path):
    workflow = window.document.workflow
    workflow.add_node("input", node_id="gone", settings={"path": str(tmp_path / "gone.csv")})
    qtbot.waitUntil(lambda: window.runs.result("gone") is not None and window.runs.result("gone").state == "refused",
                    timeout=HANG_MS)
    assert window.editor.show_output("gone", "data") is None
    assert window.statusBar().currentMessage().endswith("has no 'data' output: it did not finish (see Messages).")
