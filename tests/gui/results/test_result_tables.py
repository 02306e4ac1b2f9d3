"""Result tables as a user reads them: meaningful columns first, thumbnails of images, a filter, Esc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from embedflow_canvas.table_view import DataViewer
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QPixmap

from embedflow.api import read_workflow
from embedflow.blocks.nearest_neighbours import neighbours_table
from embedflow.core.table import Table
from embedflow.engine import Engine
from embedflow.io import resources


def word_neighbours() -> Table:
    """Nearest neighbours of three words among five, as the block writes them."""
    words = Table(pd.DataFrame({"word": ["king", "queen", "man", "woman", "prince"]}), feature="word",
                  provenance={"kind": "text"})
    indices = np.array([[1, 4], [0, 3], [3, 0]])
    distances = np.array([[0.1, 0.2], [0.1, 0.3], [0.2, 0.4]])
    return neighbours_table(words, words.take([0, 1, 2]), indices, distances, 1 - distances, "cosine")


def headers(viewer: DataViewer) -> list[str]:
    model = viewer.model
    return [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]


def shown_column(viewer: DataViewer, name: str) -> list[str]:
    model = viewer.model
    column = headers(viewer).index(name)
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_a_neighbours_table_reads_query_neighbour_rank_similarity_distance_with_row_numbers_last(qtbot):
    viewer = DataViewer(word_neighbours(), "neighbours")
    qtbot.addWidget(viewer)
    assert headers(viewer)[:5] == ["query_word", "neighbour_word", "rank", "similarity", "distance"]
    assert headers(viewer)[-2:] == ["query_row", "neighbour_row"]
    assert shown_column(viewer, "neighbour_word")[:2] == ["queen", "prince"]


def test_columns_are_sized_to_their_content(qtbot):
    viewer = DataViewer(word_neighbours(), "neighbours")
    qtbot.addWidget(viewer)
    viewer.show()
    metrics = viewer.table.fontMetrics()
    rank = headers(viewer).index("rank")
    assert viewer.table.columnWidth(0) >= metrics.horizontalAdvance("neighbour_word") - 20
    assert viewer.table.columnWidth(rank) < 100  # a number column is not 140 px of white


def test_typing_in_the_filter_box_keeps_the_matching_rows(qtbot):
    viewer = DataViewer(word_neighbours(), "neighbours")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.keyClicks(viewer.filter, "WOMAN")
    assert shown_column(viewer, "neighbour_word") == ["woman", "woman"]
    assert "2 of 6 rows match" in viewer.info.text()
    viewer.filter.clear()
    assert viewer.model.rowCount() == 6


def test_the_filter_and_sorting_work_together(qtbot):
    viewer = DataViewer(word_neighbours(), "neighbours")
    qtbot.addWidget(viewer)
    viewer.table.horizontalHeader().setSortIndicator(headers(viewer).index("distance"), Qt.DescendingOrder)
    qtbot.keyClicks(viewer.filter, "woman")
    assert shown_column(viewer, "distance") == ["0.3", "0.2"]


def test_escape_closes_the_table(qtbot):
    viewer = DataViewer(word_neighbours(), "neighbours")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.activateWindow()
    viewer.table.setFocus()
    qtbot.keyClick(viewer.table, Qt.Key_Escape)
    assert not viewer.isVisible()


@pytest.fixture(scope="module")
def image_search_results():
    path = resources.resource("examples", "image-search.embedflow")
    workflow, _ = read_workflow(path)
    return Engine(workflow, base_dir=str(path.parent)).run()


def test_a_table_of_image_neighbours_shows_the_query_and_each_neighbour_as_thumbnails(qtbot, image_search_results):
    [table] = [r.outputs["neighbours"] for r in image_search_results.values() if "neighbours" in r.outputs]
    viewer = DataViewer(table, "Most similar — neighbours")
    qtbot.addWidget(viewer)
    viewer.resize(900, 500)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert headers(viewer)[:2] == ["query_image", "neighbour_image"]
    model = viewer.model
    for column in (0, 1):
        picture = model.data(model.index(0, column), Qt.DecorationRole)
        assert isinstance(picture, QPixmap) and not picture.isNull()
    assert viewer.table.rowHeight(0) >= 48
    viewer.grab().save("/tmp/views13/table-image-neighbours.png")


def test_a_table_of_input_images_shows_thumbnails(qtbot, image_search_results):
    tables = [r.outputs["data"] for r in image_search_results.values() if "data" in r.outputs]
    viewer = DataViewer(tables[0], "images")
    qtbot.addWidget(viewer)
    model = viewer.model
    picture = model.data(model.index(0, headers(viewer).index("image")), Qt.DecorationRole)
    assert isinstance(picture, QPixmap) and not picture.isNull()


def test_image_neighbours_open_wide_enough_for_query_neighbour_rank_and_similarity(qtbot, image_search_results):
    [table] = [r.outputs["neighbours"] for r in image_search_results.values() if "neighbours" in r.outputs]
    viewer = DataViewer(table, "Most similar — neighbours")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    similarity = headers(viewer).index("similarity")
    assert similarity == 3 and headers(viewer)[2] == "rank"
    right = viewer.table.columnViewportPosition(similarity) + viewer.table.columnWidth(similarity)
    assert right <= viewer.table.viewport().width()  # rank and similarity in sight, not off the right edge
    viewer.resize(200, 400)  # as a placement squeezed beside a settings window would
    assert viewer.width() >= viewer.content_width(4)
