"""A Scatter fed GloVe words (analysis_support's t_glove_words), run until its map is done: the map windows' tests."""

from __future__ import annotations

from typing import Any

from tests.waiting import HANG_MS


def ran_words_map(qtbot: Any, words: str, clustered: bool = False) -> tuple[Any, Any]:
    """(document, runs) of words → Scatter "map" (through a 2-cluster Clustering when `clustered`), run to done."""
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.run_controller import RunController

    document = WorkflowDocument()
    runs = RunController()
    workflow = document.workflow
    source = workflow.add_node("t_glove_words", node_id="words", settings={"words": words})
    scatter = workflow.add_node("scatter", node_id="map", settings={"label": "word", "projection": "none"})
    if clustered:
        clusters = workflow.add_node("clustering", node_id="clusters", settings={"k": 2})
        workflow.connect(source.id, "embeddings", clusters.id, "data")
        workflow.connect(clusters.id, "clustered", scatter.id, "data")
    else:
        workflow.connect(source.id, "embeddings", scatter.id, "data")
    runs.set_workflow(workflow, None)
    qtbot.waitUntil(lambda: runs.result("map") is not None and runs.result("map").state == "done", timeout=HANG_MS)
    return document, runs
