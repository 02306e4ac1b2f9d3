"""Windows a user opens (block editors, data viewers) fit on the screen they open on."""

from __future__ import annotations

from PyQt5.QtWidgets import QApplication, QScrollArea


def available_size():
    return QApplication.primaryScreen().availableGeometry().size()


def test_an_editor_taller_than_the_screen_opens_within_it_and_scrolls(window, qtbot):
    node = window.document.workflow.add_node("image_embedding", node_id="embed")
    dialog = window.editor.open_editor(node.id)
    qtbot.waitExposed(dialog)
    assert dialog.editor.sizeHint().height() > available_size().height()  # the case under test
    assert dialog.height() <= available_size().height() and dialog.width() <= available_size().width()
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None and scroll.widget() is dialog.editor
    assert scroll.verticalScrollBar().maximum() > 0


def test_the_data_viewer_of_a_table_with_many_columns_fits_on_the_screen(window, qtbot):
    import pandas as pd
    from embedflow_canvas.table_view import DataViewer

    from embedflow.core.table import Table

    columns = {f"a_rather_long_column_name_{i}": ["x"] for i in range(40)}
    viewer = DataViewer(Table(pd.DataFrame(columns)), "many columns")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.width() <= available_size().width()


def test_the_data_viewer_summary_leaves_out_long_lists_in_the_provenance(qtbot):
    import pandas as pd
    from embedflow_canvas.table_view import DataViewer

    from embedflow.core.table import Table

    words = [f"word{i}" for i in range(5000)]
    table = Table(pd.DataFrame({"text": ["a"]}), provenance={"model": "my-fasttext", "extra_words": words})
    viewer = DataViewer(table, "encoded")
    qtbot.addWidget(viewer)
    assert "model: my-fasttext" in viewer.info.text() and "word4999" not in viewer.info.text()


def test_the_clustering_settings_window_widens_to_its_results_instead_of_hiding_them(window, qtbot):
    from tests import analysis_support

    analysis_support.register()
    try:
        words = window.document.add_node("t_glove_words", (0.0, 0.0))
        window.document.update_settings(words, {"words": "king queen prince princess apple pear plum peach"})
        groups = window.document.add_node("clustering", (200.0, 0.0))
        window.document.connect(words, "embeddings", groups, "data")
        dialog = window.editor.open_editor(groups)
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(lambda: window.runs.state(groups).state == "done", timeout=60000)
        scroll = dialog.findChild(QScrollArea)
        qtbot.waitUntil(lambda: scroll.horizontalScrollBar().maximum() == 0, timeout=5000)
        assert dialog.width() <= available_size().width()
    finally:
        analysis_support.unregister()


def test_a_settings_window_grows_to_show_a_message_that_appears_instead_of_hiding_it(window, qtbot):
    """A problem found while the window is open (here a missing file; in the tour, the language-model mismatch)
    adds a line: the window grows by it, within the screen, rather than hiding it behind a scroll bar."""
    from embedflow.io.resources import resource

    node = window.document.add_node("input", (0.0, 0.0))
    window.document.update_settings(node, {"path": str(resource("data", "words.csv"))})
    dialog = window.editor.open_editor(node)
    qtbot.waitExposed(dialog)
    scroll = dialog.findChild(QScrollArea)
    assert scroll.verticalScrollBar().maximum() == 0
    height = dialog.height()
    window.document.update_settings(node, {"path": "no-such-folder/words.csv"})
    qtbot.waitUntil(lambda: "does not exist" in dialog.status.text())
    qtbot.waitUntil(lambda: dialog.height() > height)
    assert scroll.verticalScrollBar().maximum() == 0
    assert dialog.frameGeometry().bottom() <= QApplication.primaryScreen().availableGeometry().bottom()


def test_a_settings_window_the_user_made_shorter_stays_shorter(window, qtbot):
    node = window.document.add_node("input", (0.0, 0.0))
    dialog = window.editor.open_editor(node)
    qtbot.waitExposed(dialog)
    dialog.resize(dialog.width(), dialog.height() - 80)
    qtbot.waitUntil(lambda: dialog.findChild(QScrollArea).verticalScrollBar().maximum() > 0)
    QApplication.processEvents()
    assert dialog.findChild(QScrollArea).verticalScrollBar().maximum() > 0
