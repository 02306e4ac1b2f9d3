"""UMAP projections with umap-learn for real: clusters, progress, cancel, sampling, the Scatter block.

umap-learn is in the `test` extra, so these run in CI. The first UMAP in a process compiles
umap-learn's numba code (~10 s here); every later one on this small data takes well under a second.
"""

import sys

import numpy as np
import pytest

from embedflow.analysis.projection import ProjectionError, project
from embedflow.core.errors import Cancelled
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests import analysis_support
from tests.waiting import HANG, reached

EPOCHS = 60


def clusters(rows=90, dims=10, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(rows) % 3
    return (rng.standard_normal((rows, dims)) + labels[:, None] * 8.0).astype(np.float32), labels


def scatter_of_random_vectors(rows=45, **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_random_vectors", settings={"rows": rows})
    block = workflow.add_node("scatter", settings={"projection": "umap", **settings})
    workflow.connect(source.id, "embeddings", block.id, "data")
    return workflow, block.id


@pytest.fixture
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


def test_umap_keeps_clusters_apart():
    vectors, labels = clusters()
    result = project(vectors, "umap", umap_epochs=EPOCHS)
    coords = result.coords
    centres = np.array([coords[labels == c].mean(axis=0) for c in range(3)])
    spread = max(np.linalg.norm(coords[labels == c] - centres[c], axis=1).mean() for c in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert result.method == "umap" and result.axes == ("UMAP 1", "UMAP 2")
    assert min(gaps) > 2 * spread


def test_umap_is_the_same_on_every_run():
    vectors, _ = clusters(60)
    first = project(vectors, "umap", umap_epochs=EPOCHS).coords
    np.testing.assert_array_equal(first, project(vectors, "umap", umap_epochs=EPOCHS).coords)


def test_umap_reports_progress_through_its_epochs_up_to_one():
    seen = []
    project(clusters(60)[0], "umap", umap_epochs=EPOCHS, progress=lambda fraction, message: seen.append(fraction))
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 1.0


def test_umap_stops_when_progress_raises_cancelled():
    calls = []

    def cancel(fraction, message):
        calls.append(message)
        if message == "optimising UMAP":
            raise Cancelled()

    with pytest.raises(Cancelled):
        project(clusters(60)[0], "umap", umap_epochs=EPOCHS, progress=cancel)
    assert calls.count("optimising UMAP") == 1


def test_after_a_cancelled_umap_another_thread_can_run_umap():
    import threading

    def cancel(fraction, message):
        if message == "optimising UMAP":
            raise Cancelled()

    with pytest.raises(Cancelled):
        project(clusters(60)[0], "umap", umap_epochs=EPOCHS, progress=cancel)
    done = []
    worker = threading.Thread(target=lambda: done.append(
        project(clusters(60)[0], "umap", umap_epochs=EPOCHS, progress=lambda fraction, message: None)),
        daemon=True)  # if it hangs, it must not keep the test process alive
    worker.start()
    worker.join(60)
    assert done and done[0].method == "umap"


def test_above_the_threshold_umap_runs_on_a_sample_with_a_note():
    result = project(clusters(120)[0], "umap", sample_size=50, umap_epochs=EPOCHS)
    assert len(result.projected) == 50
    assert "UMAP ran on a random sample of 50 of 120 rows" in dict(result.notes)["projection-sampled"]


def test_umap_of_four_rows_falls_back_to_pca_with_a_note():
    result = project(clusters(4)[0], "umap")
    assert result.method == "pca" and "projection-fallback" in dict(result.notes)


def test_umap_of_five_rows_gives_finite_coordinates():
    result = project(clusters(5)[0], "umap", umap_epochs=EPOCHS)
    assert result.method == "umap" and np.isfinite(result.coords).all()


def test_scatter_block_draws_a_umap_map(source_blocks):
    workflow, node = scatter_of_random_vectors()
    result = Engine(workflow).run()[node]
    view = result.view
    assert result.state == "done" and view.projection.method == "umap"
    assert np.isfinite(view.projection.coords).all() and "UMAP" in result.summary


def test_without_umap_learn_the_projection_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # makes `import umap` fail
    with pytest.raises(ProjectionError, match="pip install umap-learn"):
        project(clusters()[0], "umap")


def test_without_umap_learn_a_umap_scatter_is_a_validation_error(monkeypatch, source_blocks):
    monkeypatch.setitem(sys.modules, "umap", None)
    workflow, node = scatter_of_random_vectors()
    assert any(d.code == "umap-not-installed" and d.severity == "error" and d.node_id == node
               for d in validate(workflow))


def test_cancelling_a_running_umap_leaves_the_block_cancelled(source_blocks):
    import threading

    workflow, node = scatter_of_random_vectors(rows=3000)
    optimising = threading.Event()
    handle = Engine(workflow).start(
        on_event=lambda e: optimising.set() if e.node_id == node and e.message == "optimising UMAP" else None)
    assert reached(optimising, unless=lambda: not handle.running)
    handle.cancel()
    assert handle.wait(HANG)
    assert handle.results[node].state == "cancelled"
