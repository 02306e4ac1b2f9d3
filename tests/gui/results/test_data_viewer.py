"""The data viewer as users read it: row numbers from 0 like messages, `query_row` and `skipped.row`; plain counts."""

from __future__ import annotations

from PyQt5.QtCore import Qt

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from tests.image_support import photo


def test_a_skipped_images_row_number_finds_it_in_the_data_viewer(tmp_path):
    from embedflow_canvas.table_view import TableModel

    photo("chelsea").save(tmp_path / "a-cat.jpg")
    (tmp_path / "b-broken.jpg").write_bytes(b"not a picture")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path)})
    node = workflow.add_node("image_embedding")
    workflow.connect(source.id, "data", node.id, "data")
    results = Engine(workflow).run()
    skipped = results[node.id].outputs["skipped"].meta
    viewer = TableModel(results[source.id].outputs["data"])
    shown_as = {viewer.headerData(r, Qt.Vertical): viewer.data(viewer.index(r, 0)) for r in range(viewer.rowCount())}
    assert shown_as[str(skipped["row"][0])] == skipped["image"][0] == "b-broken.jpg"


def test_a_one_token_row_says_1_token():
    import numpy as np
    import pandas as pd
    from embedflow_canvas.table_view import TableModel

    from embedflow.core.table import EncodedText, Table

    source = Table(pd.DataFrame({"text": ["king"]}))
    model = TableModel(EncodedText(np.array([[691, -1]], dtype=np.int32), np.array([1]), "m", source))
    assert model.data(model.index(0, 1)) == "691  (1 token)"
