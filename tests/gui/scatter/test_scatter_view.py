"""The Scatter view: arrays in, hover, rectangle/lasso selection into the model, neighbours, export."""

import numpy as np
import pandas as pd
import pytest
from embedflow_canvas.views.scatter_plot import ScatterPlot
from PIL import Image
from PyQt5.QtCore import QPoint, QPointF, QRectF, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.analysis.neighbours import search
from embedflow.blocks.scatter.style import color_mapping, point_sizes
from embedflow.core.rows import RowSet
from tests import analysis_support
from tests.gui.conftest import drag, mouse_move
from tests.gui.words_map import ran_words_map
from tests.waiting import HANG, HANG_MS


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


def grid_plot(qtbot, rows=100, images=None, vectors=None):
    """A shown plot of a 10 × 10 grid of points, coloured by a category column."""
    plot = ScatterPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 500)
    plot.show()
    qtbot.waitExposed(plot)
    side = int(np.sqrt(rows))
    coords = np.array([(i % side, i // side) for i in range(rows)], dtype=np.float32)
    meta = pd.DataFrame({"name": [f"p{i}" for i in range(rows)], "group": [str(i % 3) for i in range(rows)]})
    plot.set_data(coords, color_mapping(meta, "group"), point_sizes(meta, ""), meta["name"].to_numpy(),
                  images, vectors)
    plot.view_box.setRange(xRange=(-0.5, side - 0.5), yRange=(-0.5, side - 0.5), padding=0)
    QTest.qWait(QApplication.doubleClickInterval() + 50)  # a press soon after another test's is a double click
    return plot, coords


def screen(plot, x, y):
    """Viewport position of a data point."""
    scene = plot.view_box.mapViewToScene(QPointF(x, y))
    return plot.plot.mapFromScene(scene)


def test_points_are_one_scatter_item_fed_arrays(qtbot):
    plot, coords = grid_plot(qtbot)
    assert len(plot.scatter.data) == 100
    brushes = {id(b) for b in plot.scatter.data["brush"]}
    assert len(brushes) == 3  # one shared brush per category, not one per point
    assert [item.name for _, item in plot.legend.items] if False else len(plot.legend.items) == 3


def test_rectangle_drag_selects_the_points_inside(qtbot):
    plot, coords = grid_plot(qtbot)
    with qtbot.waitSignal(plot.selectionChanged) as signal:
        drag(plot.plot.viewport(), screen(plot, 1.5, 1.5), screen(plot, 3.5, 4.5))
    expected = np.flatnonzero((coords[:, 0] > 1.5) & (coords[:, 0] < 3.5) & (coords[:, 1] > 1.5) & (coords[:, 1] < 4.5))
    assert signal.args[0] == RowSet.of(expected)
    assert len(expected) == 6


def test_shift_drag_adds_to_the_selection(qtbot):
    plot, _ = grid_plot(qtbot)
    drag(plot.plot.viewport(), screen(plot, -0.4, -0.4), screen(plot, 0.4, 0.4))
    QTest.qWait(QApplication.doubleClickInterval() + 50)  # a quick second press would be a double click
    drag(plot.plot.viewport(), screen(plot, 8.6, -0.4), screen(plot, 9.4, 0.4), modifier=Qt.ShiftModifier)
    assert plot.selection.tolist() == [0, 9]


def test_lasso_drag_selects_the_points_inside_the_drawn_shape(qtbot):
    plot, coords = grid_plot(qtbot)
    plot.mode = "lasso"
    viewport = plot.plot.viewport()
    corners = [(0.5, 0.5), (6.7, 0.5), (0.5, 6.7)]  # a triangle; no point on its edges
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, screen(plot, *corners[0]))
    for (x1, y1), (x2, y2) in zip(corners, [*corners[1:], corners[0]]):
        for t in np.linspace(0.2, 1.0, 5):
            mouse_move(viewport, screen(plot, x1 + (x2 - x1) * t, y1 + (y2 - y1) * t))
            QTest.qWait(20)  # pyqtgraph drops mouse moves faster than its rate limit
    with qtbot.waitSignal(plot.selectionChanged) as signal:
        QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, screen(plot, *corners[0]))
    expected = np.flatnonzero((coords[:, 0] > 0.5) & (coords[:, 1] > 0.5) & (coords[:, 0] + coords[:, 1] < 7.2))
    assert signal.args[0] == RowSet.of(expected)


def test_pan_mode_drags_the_view_instead_of_selecting(qtbot):
    plot, _ = grid_plot(qtbot)
    plot.mode = "pan"
    before = plot.view_box.viewRange()[0][0]
    drag(plot.plot.viewport(), screen(plot, 5, 5), screen(plot, 2, 5))
    assert plot.view_box.viewRange()[0][0] > before + 1 and len(plot.selection) == 0


def test_hover_shows_the_label_of_the_point_under_the_mouse(qtbot):
    plot, _ = grid_plot(qtbot)
    QTest.mouseMove(plot.plot.viewport(), screen(plot, 4, 2) + QPoint(3, 0))
    qtbot.waitUntil(plot.hover_label.isVisible, timeout=2000)
    assert plot.hovered == 24 and plot.hover_label.text() == "p24  (row 24)"
    QTest.qWait(50)  # pyqtgraph drops mouse moves faster than its rate limit
    QTest.mouseMove(plot.plot.viewport(), screen(plot, 4.5, 2.5))
    qtbot.waitUntil(lambda: not plot.hover_label.isVisible(), timeout=2000)


def test_hover_on_image_data_shows_a_thumbnail_loaded_on_demand(qtbot, tmp_path):
    paths = []
    for i in range(4):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (400, 300), (60 * i, 100, 200)).save(path)
        paths.append(path)
    plot, _ = grid_plot(qtbot, rows=4, images=paths)
    assert plot._thumbnails._cache == {}
    QTest.mouseMove(plot.plot.viewport(), screen(plot, 1, 1))
    qtbot.waitUntil(plot.hover_label.isVisible, timeout=2000)
    pixmap = plot.hover_label.pixmap()
    assert pixmap is not None and pixmap.width() == 128 and pixmap.height() == 96
    assert list(plot._thumbnails._cache) == [str(paths[3])]


def test_click_highlights_the_k_nearest_neighbours_in_the_original_space(qtbot):
    vectors = np.random.default_rng(0).standard_normal((100, 6)).astype(np.float32)
    plot, _ = grid_plot(qtbot, vectors=vectors)
    plot.k = 4
    with qtbot.waitSignal(plot.neighboursShown) as signal:
        QTest.mouseClick(plot.plot.viewport(), Qt.LeftButton, Qt.NoModifier, screen(plot, 7, 3))
    expected = search(vectors, vectors[[37]], k=5).indices[0]
    assert signal.args[0] == 37
    assert signal.args[1] == [int(r) for r in expected if r != 37][:4]
    assert len(plot.neighbour_item.data) == 4


def test_export_writes_png_and_svg(qtbot, tmp_path):
    plot, _ = grid_plot(qtbot)
    plot.export_image(str(tmp_path / "map.png"))
    plot.export_image(str(tmp_path / "map.svg"))
    with Image.open(tmp_path / "map.png") as image:
        assert image.format == "PNG" and image.width >= 800
    svg = (tmp_path / "map.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "map.svg"]


def test_many_points_are_drawn_as_one_image_in_their_colours(qtbot):
    plot = ScatterPlot()
    plot.raster_threshold = 50
    qtbot.addWidget(plot)
    plot.resize(600, 500)
    plot.show()
    qtbot.waitExposed(plot)
    coords = np.array([(i % 10, i // 10) for i in range(100)], dtype=np.float32)
    meta = pd.DataFrame({"group": [str(i % 3) for i in range(100)]})
    colors = color_mapping(meta, "group")
    plot.set_data(coords, colors, point_sizes(meta, ""))
    QTest.qWait(20)
    assert plot.raster_mode and len(plot.scatter.data) == 0
    image = plot.raster.image  # indexed [x, y], y upwards
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    for row in (0, 37, 99):
        px = int((coords[row, 0] - x0) / (x1 - x0) * image.shape[0])
        py = int((coords[row, 1] - y0) / (y1 - y0) * image.shape[1])
        assert tuple(image[px, py]) == tuple(colors.colors[colors.index[row]])
    assert image[2, 2, 3] == 0  # transparent between points


def test_million_points_load_without_a_symbol_per_point(qtbot):
    plot = ScatterPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 500)
    plot.show()
    rng = np.random.default_rng(0)
    coords = rng.standard_normal((1_000_000, 2)).astype(np.float32)
    meta = pd.DataFrame({"c": rng.integers(0, 5, 1_000_000)})
    plot.set_data(coords, color_mapping(meta, "c"), point_sizes(meta, ""))
    assert plot.raster_mode and len(plot.scatter.data) == 0
    assert plot.raster.image is not None and (plot.raster.image[..., 3] > 0).mean() > 0.1


# -- the editor on the canvas ---------------------------------------------------------------------

@pytest.fixture
def editor(qtbot):
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext

    document, runs = ran_words_map(qtbot, "king queen prince princess apple banana cherry grape car truck")
    workflow = document.workflow
    context = EditorContext(document, runs, "map")
    widget = editor_factory("scatter")(context)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget, runs, workflow
    runs.cancel()
    if runs.handle is not None:
        runs.handle.wait(HANG)


def test_scatter_editor_is_registered_for_the_scatter_block(editor):
    widget, _, _ = editor
    assert type(widget).__name__ == "ScatterEditor"
    assert len(widget.plot.scatter.data) == 10


def test_selection_in_the_view_reaches_the_selected_output(qtbot, editor):
    widget, runs, workflow = editor
    plot = widget.plot
    coords = plot.coords
    plot.view_box.setRange(xRange=(coords[:, 0].min() - 0.1, coords[:, 0].max() + 0.1),
                           yRange=(coords[:, 1].min() - 0.1, coords[:, 1].max() + 0.1), padding=0)
    QTest.qWait(20)
    king, queen = coords[0], coords[1]
    low, high = np.minimum(king, queen) - 0.02, np.maximum(king, queen) + 0.02
    drag(plot.plot.viewport(), screen(plot, low[0], low[1]), screen(plot, high[0], high[1]))
    inside = np.flatnonzero(((coords >= low) & (coords <= high)).all(axis=1)).tolist()
    assert workflow.nodes["map"].settings["selection"] == RowSet.of(inside)
    qtbot.waitUntil(lambda: runs.result("map").state == "done"
                    and len(runs.result("map").outputs["selected"]) == len(inside), timeout=HANG_MS)
    words = runs.result("map").outputs["selected"].meta["word"].tolist()
    assert {"king", "queen"} <= set(words)


def test_editor_shows_a_project_all_choice_when_tsne_was_sampled(qtbot, editor, monkeypatch):
    widget, runs, workflow = editor
    assert widget.project_all.isHidden()
    import embedflow.analysis.projection as projection
    import embedflow.blocks.scatter.block as scatter_module

    # The sampling and its note are real; only t-SNE's optimiser (seconds of JIT compiling on a
    # loaded machine) is replaced by PCA, so the test does not depend on how fast the machine is.
    monkeypatch.setattr(projection, "_tsne", lambda subset, perplexity, seed, progress: projection.pca(subset, seed)[0])
    original = scatter_module.project

    def sampled(vectors, method, **kwargs):
        return original(vectors, method, **{**kwargs, "sample_size": 6})

    scatter_module.project = sampled
    try:
        widget.context.apply({"projection": "tsne"})
        qtbot.waitUntil(lambda: not widget.project_all.isHidden(), timeout=HANG_MS)
    finally:
        scatter_module.project = original
    assert "random sample of 6 of 10 rows" in widget.notes.text()
    widget.project_all.click()
    assert workflow.nodes["map"].settings["large_data"] == "all"


def test_image_map_editor_shows_a_thumbnail_on_hover(qtbot):
    from embedflow_canvas.document.document import WorkflowDocument
    from embedflow_canvas.editors import editor_factory
    from embedflow_canvas.editors.context import EditorContext
    from embedflow_canvas.run_controller import RunController

    from embedflow.api import read_workflow
    from embedflow.io.resources import resource

    path = resource("examples", "image-map.embedflow")
    document = WorkflowDocument()
    workflow, _ = read_workflow(path)
    document.replace(workflow, str(path))
    runs = RunController()
    runs.set_workflow(workflow, document.base_dir)
    try:
        qtbot.waitUntil(lambda: runs.result("n3") is not None and runs.result("n3").state == "done", timeout=HANG_MS)
        widget = editor_factory("scatter")(EditorContext(document, runs, "n3"))
        qtbot.addWidget(widget)
        widget.resize(900, 600)
        widget.show()
        qtbot.waitExposed(widget)
        plot = widget.plot
        row = plot._shown[0]
        QTest.mouseMove(plot.plot.viewport(), screen(plot, *plot.coords[row]))
        qtbot.waitUntil(plot.hover_label.isVisible, timeout=2000)
        pixmap = plot.hover_label.pixmap()
        assert pixmap is not None and not pixmap.isNull() and max(pixmap.width(), pixmap.height()) <= 128
        name = runs.result("n3").view.data.meta["name"].iloc[plot.hovered]
        assert plot.hover_label.toolTip() == f"{name}  (row {plot.hovered})"
    finally:
        runs.cancel()
        if runs.handle is not None:
            runs.handle.wait(HANG)


def test_undoing_a_selection_restores_the_previous_one_in_the_view(qtbot, editor):
    widget, runs, workflow = editor
    widget.plot.select_rect(QRectF(-100, -100, 200, 200))
    assert len(widget.plot.selection) == 10
    widget.context.document.undo_stack.undo()
    assert widget.context.settings()["selection"] == RowSet()
    assert len(widget.plot.selection) == 0


def test_hover_lookup_stays_exact_after_zooming_without_rebuilding_its_index(qtbot):
    plot, _ = grid_plot(qtbot)
    assert plot.point_at(QPointF(4, 2)) == 24
    tree = plot._tree
    plot.view_box.scaleBy((0.5, 0.5), center=QPointF(4, 2))
    QTest.qWait(20)
    pixel_x = plot.view_box.viewPixelSize()[0]
    assert plot.point_at(QPointF(4 + 8 * pixel_x, 2)) == 24
    assert plot.point_at(QPointF(4 + 12 * pixel_x, 2)) is None
    assert plot._tree is tree


def test_a_million_row_selection_is_an_undo_step_that_shares_its_compact_rows(qtbot):
    from embedflow_canvas.document.document import WorkflowDocument

    document = WorkflowDocument()
    node = document.add_node("scatter", (0.0, 0.0))
    rows = RowSet.of(np.arange(1_000_000))
    document.update_settings(node, {"selection": rows})
    step = document.undo_stack.command(document.undo_stack.count() - 1)
    # Neither the model nor the undo step holds a copy of a million row numbers.
    assert document.workflow.nodes[node].settings["selection"] is rows and step.changes["selection"] is rows
    assert rows.ranges.tolist() == [[0, 1_000_000]]
    document.undo_stack.undo()
    assert document.workflow.nodes[node].settings["selection"] == RowSet()
