"""Canvas benchmark: open and paint a 300-node, 400-link workflow offscreen, against loading it into the
model alone (same run); and the data viewer on 1,000,000 rows against 1,000 rows.

Run with `QT_QPA_PLATFORM=offscreen python benchmarks/bench_canvas.py`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EMBEDFLOW_CONFIG_DIR", tempfile.mkdtemp(prefix="embedflow-bench-"))

import numpy as np
import pandas as pd
from PyQt5.QtWidgets import QApplication

from embedflow.api import read_workflow
from embedflow.core.table import Table
from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate

GROUPS = 50  # each: Input → Text Encoding → Text Embedding → 3 × Nearest Neighbours = 6 nodes, 8 links


def big_workflow() -> Workflow:
    """300 real blocks and 400 links (each neighbours block also queries the previous group's embeddings)."""
    workflow = Workflow(default_registry())
    embeddings = []
    searches = []
    for g in range(GROUPS):
        x, y = (g % 10) * 700.0, (g // 10) * 420.0
        source = workflow.add_node("input", (x, y), {"path": f"data-{g}.csv", "feature": "text"})
        encode = workflow.add_node("text_encoding", (x + 150, y))
        embed = workflow.add_node("text_embedding", (x + 300, y))
        workflow.connect(source.id, "data", encode.id, "data")
        workflow.connect(encode.id, "encoded", embed.id, "encoded")
        group = []
        for k in range(3):
            search = workflow.add_node("nearest_neighbours", (x + 480, y - 120 + 120 * k))
            workflow.connect(embed.id, "embeddings", search.id, "data")
            group.append(search)
        embeddings.append(embed)
        searches.append(group)
    for g, group in enumerate(searches):
        for search in group:
            workflow.connect(embeddings[g - 1].id, "embeddings", search.id, "query")
    assert len(workflow.nodes) == 300 and len(workflow.links) == 400
    return workflow


def timed(function, repeats: int) -> float:
    """Median seconds of `repeats` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    """Print the figures."""
    app = QApplication.instance() or QApplication([])
    from embedflow_canvas.mainwindow import MainWindow
    from embedflow_canvas.table_view import DataViewer

    folder = Path(tempfile.mkdtemp(prefix="embedflow-bench-"))
    path = folder / "big.embedflow"
    write_workflow(big_workflow(), path)
    print(f"workflow: 300 nodes, 400 links, {path.stat().st_size / 1024:.0f} KiB")

    model_only = timed(lambda: read_workflow(path), 5)
    workflow, _ = read_workflow(path)
    validation = timed(lambda: validate(workflow, str(folder)), 5)

    window = MainWindow()
    window.runs.set_auto_run(False)  # measure the canvas, not the blocks
    window.named_actions["autorun"].setChecked(False)
    window.resize(1280, 800)
    window.show()
    app.processEvents()

    def open_and_paint() -> None:
        window.open_file(str(path))
        app.processEvents()
        window.view.fit()
        window.grab()

    open_and_paint()  # warm-up: fonts, icons
    canvas = timed(open_and_paint, 5)
    repaint = timed(window.grab, 5)
    window.document.undo_stack.setClean()
    window.close()

    def line(label: str, seconds: float, note: str) -> None:
        print(f"{label:<46}{seconds * 1000:8.1f} ms   ({note})")

    line("load into the model alone (read_workflow):", model_only, "baseline")
    line("validate the loaded model:", validation, f"{validation / model_only:.1f}x baseline")
    line("open in the canvas and paint (fit, grab):", canvas, f"{canvas / model_only:.1f}x baseline")
    line("repaint the whole window again:", repaint, f"{repaint / model_only:.1f}x baseline")

    def viewer_figures(rows: int) -> tuple[float, float]:
        meta = pd.DataFrame({"score": np.random.default_rng(0).permutation(rows),
                             "text": pd.Series(np.arange(rows)).astype(str)})
        table = Table(meta, np.ones((rows, 50), dtype=np.float32))
        started = time.perf_counter()
        viewer = DataViewer(table, "bench")
        viewer.show()
        viewer.grab()
        shown = time.perf_counter() - started
        started = time.perf_counter()
        viewer.model.sort(1)
        viewer.grab()
        sorted_ = time.perf_counter() - started
        viewer.close()
        return shown, sorted_

    small_show, small_sort = viewer_figures(1_000)
    big_show, big_sort = viewer_figures(1_000_000)
    print(f"data viewer, 1,000 rows: show {small_show * 1000:7.1f} ms, "
          f"sort by text + repaint {small_sort * 1000:7.1f} ms   (baseline)")
    print(f"data viewer, 1,000,000 rows: show {big_show * 1000:7.1f} ms ({big_show / small_show:.1f}x), "
          f"sort by text + repaint {big_sort * 1000:7.1f} ms ({big_sort / max(small_sort, 1e-9):.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
