"""Run → Run on…: the canvas running a workflow on a real two-worker Dask cluster (LocalCluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from embedflow_canvas import status  # noqa: E402
from embedflow_canvas.run_on import RunOnDialog  # noqa: E402
from PyQt5.QtWidgets import QMenu  # noqa: E402

from embedflow.engine import Engine  # noqa: E402
from embedflow.engine.dask_executor import DaskExecutor  # noqa: E402
from embedflow.engine.partitions import Partitioned  # noqa: E402
from tests.text_support import write_csv  # noqa: E402
from tests.waiting import HANG_MS  # noqa: E402


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a two-worker cluster (worker processes of one thread each) for this module."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=":0")
    with cluster:
        yield cluster.scheduler_address


def text_chain(window: Any, tmp_path: Path) -> tuple[str, str]:
    """Input → Text Encoding → Text Embedding on the canvas; (encoder id, embedder id)."""
    path = write_csv(tmp_path, [f"the cat sat on the mat {i}" for i in range(200)])
    doc = window.document
    source = doc.add_node("input", (-300.0, 0.0), {"path": str(path), "feature": "text"})
    encoder = doc.add_node("text_encoding", (0.0, 0.0))
    embedder = doc.add_node("text_embedding", (300.0, 0.0))
    doc.connect(source, "data", encoder, "data")
    doc.connect(encoder, "encoded", embedder, "encoded")
    return encoder, embedder


def test_run_on_is_in_the_run_menu(window: Any) -> None:
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    run = next(m for m in menus if m.title() == "&Run")
    assert window.named_actions["run_on"] in run.actions()


def test_the_dialog_gives_the_scheduler_address_or_this_computer(qtbot: Any) -> None:
    dialog = RunOnDialog("")
    qtbot.addWidget(dialog)
    assert dialog.here.isChecked() and dialog.address() == ""
    dialog.cluster.setChecked(True)
    dialog.scheduler.setText(" tcp://10.0.0.5:8786 ")
    assert dialog.address() == "tcp://10.0.0.5:8786"
    dialog.here.setChecked(True)
    assert dialog.address() == ""


def test_a_run_on_a_scheduler_shows_per_block_progress_and_equals_the_local_run(
        window: Any, qtbot: Any, tmp_path: Path, scheduler: str) -> None:
    runs = window.runs
    runs.set_auto_run(False)
    encoder, embedder = text_chain(window, tmp_path)
    with qtbot.waitSignal(runs.executorChanged, timeout=HANG_MS) as changed:
        runs.use_scheduler(scheduler)
    assert changed.args == [scheduler]
    assert isinstance(runs.engine.executor, DaskExecutor)
    runs.engine.executor.partition_bytes = 3_000  # several partitions of this small corpus
    seen: list[tuple[str, str]] = []
    runs.nodeStateChanged.connect(lambda node: seen.append((node, runs.state(node).message)))
    with qtbot.waitSignal(runs.runFinished, timeout=HANG_MS):
        runs.run()
    assert runs.state(embedder).state == "done"
    assert any(node == encoder and "partitions" in message for node, message in seen)  # progress from the cluster
    assert isinstance(runs.result(embedder).outputs["embeddings"], Partitioned)
    local = Engine(window.document.workflow).run()[embedder].outputs["embeddings"]
    shown = status.output_value(runs.state(embedder), runs.result(embedder), "embeddings")  # what a view gets
    assert np.array_equal(shown.vectors, local.vectors)

    with qtbot.waitSignal(runs.executorChanged, timeout=HANG_MS):
        runs.use_this_computer()
    assert runs.engine.executor is not None and not isinstance(runs.engine.executor, DaskExecutor)
    assert runs.result(embedder) is None  # results made on the cluster were dropped with its cache
    assert runs.state(embedder).state == "idle"


def test_an_unreachable_scheduler_is_reported_and_runs_stay_here(window: Any, qtbot: Any) -> None:
    with qtbot.waitSignal(window.runs.executorFailed, timeout=HANG_MS) as failed:
        window.runs.use_scheduler("tcp://127.0.0.1:9")
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in failed.args[0]
    assert window.runs.executor is None
