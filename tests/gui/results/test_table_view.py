"""The data viewer's lazy table model: a million rows, sorting, summarised vectors and tokens."""

from __future__ import annotations

import numpy as np
import pandas as pd
from embedflow_canvas.table_view import DataViewer, TableModel
from PyQt5.QtCore import Qt

from embedflow.core.table import EncodedText, Table


def test_a_million_rows_are_shown_lazily_and_sorted_by_a_column(qtbot):
    rows = 1_000_000
    rng = np.random.default_rng(0)
    meta = pd.DataFrame({"score": rng.permutation(rows), "name": pd.Series(np.arange(rows)).astype(str)})
    table = Table(meta, np.ones((rows, 4), dtype=np.float32))
    viewer = DataViewer(table, "big")
    qtbot.addWidget(viewer)
    model = viewer.model
    assert model.rowCount() == rows and model.columnCount() == 3
    assert model.data(model.index(rows - 1, 1)) == str(rows - 1)
    viewer.table.horizontalHeader().setSortIndicator(0, Qt.DescendingOrder)
    assert model.data(model.index(0, 0)) == str(rows - 1)
    assert model.data(model.index(rows - 1, 0)) == "0"


def test_vectors_are_one_summarised_column_with_the_full_vector_as_tooltip():
    table = Table(pd.DataFrame({"text": ["a"]}), np.arange(8, dtype=np.float32).reshape(1, 8))
    model = TableModel(table)
    cell = model.data(model.index(0, 1))
    assert cell.startswith("[0.000, 1.000, 2.000, 3.000, …]") and "‖v‖" in cell
    assert model.data(model.index(0, 1), Qt.ToolTipRole).count(",") == 7


def test_encoded_text_shows_each_rows_token_ids_up_to_its_length():
    source = Table(pd.DataFrame({"text": ["a b", "c"]}))
    encoded = EncodedText(np.array([[4, 9, -1], [7, -1, -1]], dtype=np.int32), np.array([2, 1]), "m", source)
    model = TableModel(encoded)
    assert model.headerData(1, Qt.Horizontal) == "tokens (3)"
    assert model.data(model.index(0, 1)) == "4 9  (2 tokens)"


def test_missing_values_sort_last():
    model = TableModel(pd.DataFrame({"x": [2.0, None, 1.0]}))
    model.sort(0, Qt.AscendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["1", "2", ""]
