"""The Clustering and Classifier editors and the cluster labels on the Scatter, on real GloVe and image runs."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import Qt

from embedflow.api import read_workflow
from embedflow.io import resources
from tests.waiting import HANG_MS

WORD_CLUSTERS = resources.resource("examples", "word-clusters.embedflow")
TEACH = resources.resource("examples", "teach-a-classifier.embedflow")


def node_titled(window, title: str) -> str:
    return next(node.id for node in window.document.workflow.nodes.values() if node.title == title)


def open_and_run(window, qtbot, path):
    assert window.open_example(path)
    nodes = list(window.document.workflow.nodes)
    qtbot.waitUntil(lambda: not window.runs.running and all(window.runs.state(n).state == "done" for n in nodes),
                    timeout=HANG_MS)


def editor_of(window, qtbot, title: str):
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext

    node_id = node_titled(window, title)
    context = EditorContext(window.document, window.runs, node_id)
    widget = editor_factory(window.document.workflow.nodes[node_id].type)(context)
    qtbot.addWidget(widget)
    widget.resize(860, 880)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def words(window, qtbot):
    open_and_run(window, qtbot, WORD_CLUSTERS)
    return window


def test_word_clusters_on_the_canvas_recover_the_categories_and_learn_them(words):
    from sklearn.metrics import adjusted_rand_score

    clustered = words.runs.result(node_titled(words, "Clustering")).outputs["clustered"].meta
    assert adjusted_rand_score(clustered["category"], clustered["cluster"]) >= 0.9
    summary = words.runs.result(node_titled(words, "Classifier")).summary
    assert "accuracy 1.00" in summary and "baseline 0.20" in summary
    assert sum(words.messages.counts().values()) == 0


def test_clustering_editor_shows_the_sizes_silhouette_and_labels(words, qtbot, tmp_path):
    editor = editor_of(words, qtbot, "Clustering")
    assert editor.table.rowCount() == 5
    assert [editor.table.item(r, 2).text() for r in range(5)] == ["12"] * 5
    assert "silhouette <b>0.469</b>" in editor.headline.text()
    labels = editor.labels()
    assert "cat · dog · rabbit" in labels and "four · three · five" in labels
    editor.grab().save(str(tmp_path / "clustering-editor.png"))


def test_clustering_editor_follows_a_new_k(words, qtbot):
    editor = editor_of(words, qtbot, "Clustering")
    words.document.update_settings(node_titled(words, "Clustering"), {"k": 3})
    qtbot.waitUntil(lambda: editor.table.rowCount() == 3, timeout=HANG_MS)


def test_scatter_of_clusters_writes_their_labels_on_the_map(words, qtbot):
    editor = editor_of(words, qtbot, "Cluster map")
    texts = sorted(editor.plot.label_layer.shown_texts("clusters"))
    assert len(texts) == 5 and "cat · dog · rabbit" in texts
    assert editor.cluster_labels.isChecked()
    editor.cluster_labels.click()
    qtbot.waitUntil(lambda: editor.plot.label_layer.shown_texts("clusters") == [], timeout=HANG_MS)
    assert words.document.workflow.nodes[node_titled(words, "Cluster map")].settings["cluster_labels"] is False


def test_classifier_editor_shows_accuracy_beside_the_baseline_and_a_coloured_confusion_matrix(words, qtbot, tmp_path):
    editor = editor_of(words, qtbot, "Classifier")
    assert "accuracy <b>1.00</b>" in editor.headline.text() and "<b>0.20</b>" in editor.headline.text()
    assert editor.confusion.rowCount() == editor.confusion.columnCount() == 5
    diagonal = editor.confusion.item(0, 0)
    off = editor.confusion.item(0, 1)
    assert diagonal.text() == "12" and off.text() == "0"
    assert diagonal.background().color().lightness() < off.background().color().lightness()
    assert editor.per_class.rowCount() == 5
    assert not editor.on.isVisible()  # no test scores: nothing to choose
    editor.grab().save(str(tmp_path / "classifier-editor-words.png"))


def test_clicking_a_confusion_cell_lists_its_rows(words, qtbot):
    editor = editor_of(words, qtbot, "Classifier")
    rect = editor.confusion.visualItemRect(editor.confusion.item(0, 0))
    qtbot.mouseClick(editor.confusion.viewport(), Qt.LeftButton, pos=rect.center())
    assert editor.rows.count() == 12
    assert "12 'animals' row(s) predicted as 'animals'" in editor.rows_title.text()
    assert all("animals → animals" in editor.rows.item(i).text() for i in range(12))


def test_with_a_labelled_test_input_the_editor_leads_with_the_test_scores(words, qtbot, tmp_path):
    import pandas as pd

    held_out = tmp_path / "held-out.csv"
    pd.DataFrame({"word": ["giraffe", "peru", "apricot", "seventeen", "crimson", "zebra"],
                  "category": ["animals", "countries", "fruits", "numbers", "colours", "countries"]}
                 ).to_csv(held_out, index=False)
    document = words.document
    source = document.add_node("input", (0, 600), {"path": str(held_out), "feature": "word"})
    encoder = document.add_node("text_encoding", (200, 600))
    embedder = document.add_node("text_embedding", (400, 600))
    document.connect(source, "data", encoder, "data")
    document.connect(encoder, "encoded", embedder, "encoded")
    document.connect(embedder, "embeddings", node_titled(words, "Classifier"), "test")
    editor = editor_of(words, qtbot, "Classifier")
    qtbot.waitUntil(lambda: "held-out test rows" in editor.headline.text(), timeout=60000)
    headline = editor.headline.text()
    assert headline.startswith("On the 6 held-out test rows: accuracy <b>0.83</b>")
    assert "Cross-validated accuracy <b>1.00</b>" in headline
    assert editor.on.isVisible() and editor.chosen() == "test"
    assert sum(int(editor.confusion.item(i, j).text()) for i in range(editor.confusion.rowCount())
               for j in range(editor.confusion.columnCount())) == 6
    qtbot.mouseClick(editor.mistakes_button, Qt.LeftButton)
    assert editor.rows.count() == 1 and "zebra — countries → animals" in editor.rows.item(0).text()
    editor.grab().save(str(tmp_path / "classifier-editor-test.png"))
    editor.on.setCurrentIndex(editor.on.findData("cross-validation"))
    assert editor.confusion.item(0, 0).text() == "12" and editor.rows.count() == 0
    qtbot.mouseClick(editor.mistakes_button, Qt.LeftButton)
    assert editor.rows.count() == 0 and "0 row(s) predicted wrongly" in editor.rows_title.text()


def test_teach_a_classifier_lists_the_misclassified_images_with_thumbnails(window, qtbot, tmp_path):
    open_and_run(window, qtbot, TEACH)
    editor = editor_of(window, qtbot, "Classifier")
    predictions = editor._view.rows.meta
    wrong = predictions.index[predictions["correct"] == False].tolist()  # noqa: E712 - a nullable column
    assert 0 < len(wrong) < 23 / 2
    qtbot.mouseClick(editor.mistakes_button, Qt.LeftButton)
    assert editor.listed_rows() == wrong
    assert all(not editor.rows.item(i).icon().isNull() for i in range(editor.rows.count()))
    assert editor.rows.viewMode() == editor.rows.IconMode
    editor.grab().save(str(tmp_path / "classifier-editor-images.png"))


def test_the_examples_read_back_with_the_new_blocks():
    for path in (WORD_CLUSTERS, TEACH):
        workflow, diagnostics = read_workflow(path)
        assert diagnostics == [] and {"clustering", "classifier"} & {n.type for n in workflow.nodes.values()}
