"""The Recommend and Category Embedding editors on the shipped examples, run on the canvas."""

from __future__ import annotations

from embedflow.io import resources
from tests.gui.editors.test_analysis_editors import editor_of, open_and_run

FLIGHTS = resources.resource("examples", "flights-you-might-take.embedflow")
CATEGORIES = resources.resource("examples", "categories-as-vectors.embedflow")


def test_recommend_editor_shows_the_evaluation_and_one_planes_history_beside_its_recommendations(window, qtbot,
                                                                                                   tmp_path):
    open_and_run(window, qtbot, FLIGHTS)
    editor = editor_of(window, qtbot, "Recommend")
    assert "hit rate@10 <b>" in editor.headline.text() and "vs popularity" in editor.headline.text()
    assert editor.users.count() == 1_500
    editor.users.setCurrentText("N0EGMQ")
    history = [editor.history.item(r).text().split(" ")[0] for r in range(editor.history.count())]
    recommended = [editor.recommended.item(r).text() for r in range(editor.recommended.count())]
    assert "CLT" in history and len(recommended) == 10
    assert recommended[0].startswith("1. ") and not any(f". {h} " in r for h in history for r in recommended)
    editor.grab().save(str(tmp_path / "recommend-editor.png"))


def test_category_embedding_editor_lists_each_column_with_its_values_and_width(window, qtbot, tmp_path):
    open_and_run(window, qtbot, CATEGORIES)
    editor = editor_of(window, qtbot, "Category Embedding")
    rows = {editor.table.item(r, 0).text(): (editor.table.item(r, 1).text(), editor.table.item(r, 2).text())
            for r in range(editor.table.rowCount())}
    assert rows["tailnum"] == ("3,086", "16") and rows["carrier"] == ("16", "8") and rows["origin"] == ("3", "3")
    assert "one-hot columns → 49 dimensions" in editor.headline.text()
    editor.grab().save(str(tmp_path / "category-editor.png"))


def test_item_embedding_editor_lists_the_busiest_airports_with_the_airports_closest_to_them(window, qtbot, tmp_path):
    open_and_run(window, qtbot, FLIGHTS)
    editor = editor_of(window, qtbot, "Item Embedding")
    assert editor.table.rowCount() == 103
    counts = [int(editor.table.item(r, 1).text().replace(",", "")) for r in range(editor.table.rowCount())]
    assert counts == sorted(counts, reverse=True)
    first = editor.table.item(0, 0).text()
    closest = editor.table.item(0, 2).text().split(", ")
    assert len(closest) == 3 and first not in closest
    assert "103 items and 1,500 users" in editor.headline.text()
    editor.grab().save(str(tmp_path / "item-editor.png"))
