"""The interactive map as a user reads it: legend beside the plot, labels, search, density, images as points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from embedflow_canvas.views.scatter_overlays import FRAME_WIDTH, MAX_IMAGES, MAX_LABELS, spread
from embedflow_canvas.views.scatter_plot import ScatterPlot
from PIL import Image
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QFontMetricsF

from embedflow.blocks.scatter.style import color_mapping, point_sizes
from embedflow.core.rows import RowSet
from embedflow.io import resources
from tests.gui.conftest import mouse_move
from tests.gui.teaching.test_teaching_examples import finished
from tests.waiting import HANG_MS


def shown_plot(qtbot, coords, meta, labels="name", images=None, size=(640, 520)):
    plot = ScatterPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_data(np.asarray(coords, dtype=np.float32), color_mapping(meta, "group"), point_sizes(meta, ""),
                  meta[labels].to_numpy() if labels else None, images, None, meta=meta)
    return plot


def grid(rows=100):
    side = int(np.sqrt(rows))
    coords = np.array([(i % side, i // side) for i in range(rows)], dtype=np.float32)
    meta = pd.DataFrame({"name": [f"p{i}" for i in range(rows)], "group": [f"g{i % 3}" for i in range(rows)]})
    return coords, meta


def screen(plot, x, y):
    return plot.plot.mapFromScene(plot.view_box.mapViewToScene(QPointF(x, y)))


def test_the_legend_sits_beside_the_plot_not_on_the_points(qtbot):
    plot = shown_plot(qtbot, *grid())
    assert len(plot.legend.items) == 3
    assert plot.legend.sceneBoundingRect().left() >= plot.view_box.sceneBoundingRect().right() - 1


def test_every_label_is_drawn_when_there_are_few(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta, size=(900, 520))
    assert sorted(plot.label_layer.shown_texts("points")) == sorted(meta["name"])
    with_labels = plot.plot.grab().toImage()
    plot.set_styles(color_mapping(meta, "group"), point_sizes(meta, ""), None)
    assert plot.label_layer.shown_texts("points") == []
    assert plot.plot.grab().toImage() != with_labels  # the labels are painted, not only chosen


def test_a_label_that_would_cross_the_right_edge_is_written_left_of_its_point(qtbot):
    coords, meta = grid(4)
    plot = shown_plot(qtbot, coords, meta.assign(name=["a", "b", "c", "a rather long label"]))
    plot.view_box.setRange(xRange=(-0.5, 1.05), yRange=(-0.5, 1.5), padding=0)
    shown = dict(zip(plot.label_layer.shown_texts("points"), plot.label_layer.on_left["points"]))
    assert shown["a rather long label"] and not shown["a"]


def test_with_many_labels_the_most_separated_are_drawn_without_overlap(qtbot):
    rng = np.random.default_rng(0)
    coords = np.vstack([rng.normal(0, 0.3, (20_000, 2)), [[4.0, 4.0]]])
    meta = pd.DataFrame({"name": [f"w{i}" for i in range(20_000)] + ["lonely"], "group": "a"})
    plot = shown_plot(qtbot, coords, meta)
    shown = plot.label_layer.shown_texts("points")
    assert 20 < len(shown) <= MAX_LABELS
    assert "lonely" in shown
    plot.plot.grab().save("/tmp/views13/map-20k-labels.png")


def test_spread_keeps_boxes_in_priority_order_that_do_not_overlap():
    x = np.array([0.0, 5.0, 30.0, 31.0])
    kept = spread(x, np.zeros(4), np.full(4, 20.0), np.full(4, 10.0), limit=10)
    assert kept.tolist() == [0, 2]


def test_labels_follow_zoom_showing_more_of_a_dense_cluster(qtbot):
    rng = np.random.default_rng(1)
    coords = rng.normal(0, 1, (3_000, 2))
    meta = pd.DataFrame({"name": [f"w{i}" for i in range(3_000)], "group": "a"})
    plot = shown_plot(qtbot, coords, meta)
    before = set(plot.label_layer.shown_texts("points"))
    plot.view_box.setRange(xRange=(-0.3, 0.3), yRange=(-0.3, 0.3), padding=0)
    inside = {meta["name"][i] for i in np.flatnonzero((np.abs(coords) < 0.3).all(axis=1))}
    after = set(plot.label_layer.shown_texts("points"))
    assert after <= inside and len(after & inside) > len(before & inside)


def test_after_a_projection_change_the_hover_label_names_the_point_now_under_the_pointer(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.view_box.setRange(xRange=(-0.5, 9.5), yRange=(-0.5, 9.5), padding=0)
    mouse_move(plot.plot.viewport(), screen(plot, 0, 0))
    assert plot.hovered == 0 and "p0" in plot.hover_label.text()
    moved = np.roll(coords, 55, axis=0)  # now row 55 sits at (0, 0)
    plot.set_data(moved, color_mapping(meta, "group"), point_sizes(meta, ""), meta["name"].to_numpy(), meta=meta)
    plot.view_box.setRange(xRange=(-0.5, 9.5), yRange=(-0.5, 9.5), padding=0)
    assert plot.hovered == 55 and "p55" in plot.hover_label.text()


def test_typing_a_word_highlights_it_centres_the_view_and_enter_selects_it(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.view_box.setRange(xRange=(-0.5, 2.5), yRange=(-0.5, 2.5), padding=0)
    qtbot.keyClicks(plot.search_box, "P87")
    assert plot.matches.tolist() == [87]
    assert len(plot.match_item.data) == 1
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert (x0 + x1) / 2 == pytest.approx(7) and (y0 + y1) / 2 == pytest.approx(8)
    assert x1 - x0 == pytest.approx(3)  # centred, not zoomed
    with qtbot.waitSignal(plot.selectionChanged) as signal:
        qtbot.keyClick(plot.search_box, Qt.Key_Return)
    assert signal.args[0] == RowSet.of([87])
    assert "1 match" in plot.search_status.text()


def test_finding_words_already_well_inside_the_view_leaves_the_view_where_it_is(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    before = plot.view_box.viewRange()
    for word in ("p44", "p0", "p99", "g2"):  # the middle, two corners of the whole map, a third of it
        plot.search_box.clear()
        qtbot.keyClicks(plot.search_box, word)
        assert len(plot.matches) and plot.view_box.viewRange() == before, word
    with qtbot.waitSignal(plot.selectionChanged) as signal:
        qtbot.keyClick(plot.search_box, Qt.Key_Return)
    assert signal.args[0] == RowSet.of(range(2, 100, 3))
    plot.grab().save("/tmp/views13/find-in-view.png")


def test_a_match_at_the_edge_of_the_view_is_brought_in_keeping_the_zoom(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.view_box.setRange(xRange=(-0.5, 4.02), yRange=(-0.5, 4.5), padding=0)
    qtbot.keyClicks(plot.search_box, "p4")  # at (4, 0): its ring cut by the right edge
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert (x0 + x1) / 2 == pytest.approx(4) and x1 - x0 == pytest.approx(4.52)


def test_a_search_that_zoomed_out_to_fit_zooms_back_in_when_narrowed(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.view_box.setRange(xRange=(-0.5, 2.5), yRange=(-0.5, 2.5), padding=0)
    qtbot.keyClicks(plot.search_box, "1")  # p1, p10…p19, p21, …: all over the map
    (x0, x1), _ = plot.view_box.viewRange()
    assert x1 - x0 > 8
    qtbot.keyClicks(plot.search_box, "9")  # p19 alone, at (9, 1)
    assert plot.matches.tolist() == [19]
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert x1 - x0 == pytest.approx(3) and (x0 + x1) / 2 == pytest.approx(9) and (y0 + y1) / 2 == pytest.approx(1)


def test_any_column_value_finds_its_rows_and_a_part_of_a_word_finds_words_containing_it(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    qtbot.keyClicks(plot.search_box, "g1")
    assert plot.matches.tolist() == list(range(1, 100, 3))
    plot.search_box.clear()
    assert len(plot.matches) == 0 and len(plot.match_item.data) == 0
    qtbot.keyClicks(plot.search_box, "p9")  # p9 itself, exactly
    assert plot.matches.tolist() == [9]
    plot.search_box.clear()
    meta2 = meta.assign(name=[f"word{i}" for i in range(100)])
    plot.set_data(coords, color_mapping(meta2, "group"), point_sizes(meta2, ""), meta2["name"].to_numpy(), meta=meta2)
    qtbot.keyClicks(plot.search_box, "rd9")
    assert plot.matches.tolist() == [9, *range(90, 100)]


def test_twenty_thousand_points_fade_by_density_so_a_blob_shows_its_core(qtbot):
    rng = np.random.default_rng(2)
    coords = np.vstack([rng.normal(0, 0.2, (20_000, 2)), rng.uniform(-3, 3, (50, 2))])
    meta = pd.DataFrame({"name": "", "group": "a"}, index=range(len(coords)))
    plot = shown_plot(qtbot, coords, meta, labels=None)
    alphas = np.array([brush.color().alpha() for brush in plot.scatter.data["brush"]])
    centre = np.flatnonzero(np.hypot(*coords.T) < 0.1)
    assert alphas[centre].max() < alphas[-50:].min()
    assert plot.scatter.opts["pen"].style() == Qt.NoPen
    plot.plot.grab().save("/tmp/views13/map-20k-density.png")


def test_a_million_points_drawn_as_an_image_are_opaque_where_dense_and_faint_where_sparse(qtbot):
    rng = np.random.default_rng(3)
    coords = np.vstack([rng.normal(0, 0.2, (300_000, 2)), rng.uniform(-3, 3, (300, 2))])
    meta = pd.DataFrame({"group": np.zeros(len(coords), dtype=int).astype(str)})
    plot = shown_plot(qtbot, coords, meta, labels=None)
    assert plot.raster_mode
    image = plot.raster.image  # [x, y, rgba]
    painted = image[..., 3][image[..., 3] > 0]
    assert painted.max() >= 200 and painted.min() <= 120


@pytest.fixture
def photos(tmp_path):
    """A red, a green and a blue picture for every third point."""
    paths = []
    for name, colour in (("red", (230, 0, 0)), ("green", (0, 200, 0)), ("blue", (0, 0, 230))):
        path = tmp_path / f"{name}.png"
        Image.new("RGB", (64, 48), colour).save(path)
        paths.append(path)
    return paths


def test_images_as_points_draw_a_thumbnail_at_each_point_growing_with_zoom(qtbot, photos):
    coords, meta = grid()
    images = [photos[i % 3] for i in range(100)]
    plot = shown_plot(qtbot, coords, meta, images=images)
    assert len(plot.image_layer.shown) == 0
    plot.show_images(True)
    assert len(plot.image_layer.shown) == 100
    small = plot.image_layer.side
    picture = plot.plot.grab().toImage()
    at = screen(plot, 0, 0)  # row 0: red
    assert QColor(picture.pixel(at.x(), at.y())).red() > 200 and QColor(picture.pixel(at.x(), at.y())).green() < 60
    plot.plot.grab().save("/tmp/views13/map-images.png")
    plot.view_box.setRange(xRange=(-0.5, 3.5), yRange=(-0.5, 3.5), padding=0)
    assert plot.image_layer.side > small
    assert set(plot.image_layer.shown.tolist()) <= {i for i in range(100) if i % 10 <= 3 and i // 10 <= 3}


def test_thousands_of_images_draw_at_most_a_few_hundred_thumbnails(qtbot, photos):
    rng = np.random.default_rng(4)
    coords = rng.normal(0, 1, (5_000, 2))
    meta = pd.DataFrame({"name": [f"i{i}" for i in range(5_000)], "group": "a"})
    plot = shown_plot(qtbot, coords, meta, images=[photos[i % 3] for i in range(5_000)])
    plot.show_images(True)
    assert 30 < len(plot.image_layer.shown) <= MAX_IMAGES


def test_cluster_labels_and_point_labels_share_one_layer_and_clusters_win_space(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.set_cluster_labels(np.array([4.3]), np.array([4.0]), ["middle cluster"])
    assert plot.label_layer.shown_texts("clusters") == ["middle cluster"]
    assert len(plot.label_layer.shown_texts("points")) < 100  # those under the cluster label give way
    assert list(plot.label_layer.groups) == ["clusters", "points"]


def test_the_image_map_editor_shows_images_as_points_and_the_selected_images_in_a_grid(window, qtbot):
    assert window.open_example(resources.resource("examples", "image-map.embedflow"))
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=HANG_MS)
    [scatter] = [n.id for n in window.document.workflow.nodes.values() if n.type == "scatter"]
    editor = window.editor.open_editor(scatter).editor
    assert editor.images_as_points.isVisible() and editor.grid_panel.isVisible()
    assert editor.grid.model().rowCount() == 23  # nothing selected: every image
    editor.images_as_points.click()
    assert len(editor.plot.image_layer.shown) == 23
    plot = editor.plot
    plot.select_rect(plot.view_box.viewRect())  # as a rectangle drag over the whole map
    rows = plot.selection[:5]
    plot.select_polygon(np.array([[plot.coords[r, 0] + dx, plot.coords[r, 1] + dy]
                                  for r in rows[:1] for dx, dy in ((-1e-3, -1e-3), (1e-3, -1e-3), (0, 1e-3))]))
    assert editor.grid.model().rowCount() == 1
    assert editor.grid.model().paths[0] == plot._images[rows[0]]
    assert "1 images, selected" in editor.grid_title.text() or "1 image" in editor.grid_title.text()
    editor.window().grab().save("/tmp/views13/image-map-editor.png")


def label_boxes(plot, name):
    """(left, top, right, bottom) of each label of group `name` painted now, in view-box pixels."""
    from embedflow_canvas.views.scatter_overlays import _box

    layer, group = plot.label_layer, plot.label_layer.groups[name]
    rows = layer.shown[name]
    at = [plot.view_box.mapViewToScene(QPointF(group.x[i], group.y[i])) - plot.view_box.sceneBoundingRect().topLeft()
          for i in rows]
    metrics = QFontMetricsF(layer._font(group))
    widths = np.array([metrics.horizontalAdvance(group.texts[i]) for i in rows])
    left, top = _box(layer.sides[name], np.array([p.x() for p in at]), np.array([p.y() for p in at]), widths,
                     metrics.height(), layer.shown_gaps[name])
    left, top = left + layer.shifts[name][:, 0], top + layer.shifts[name][:, 1]
    return [(x, t, x + w, t + metrics.height()) for x, t, w in zip(left, top, widths)]


def test_the_searched_word_is_labelled_even_inside_a_crowd_of_labels(qtbot):
    rng = np.random.default_rng(5)
    coords = np.vstack([[[0.0, 0.0]], rng.normal(0, 0.3, (20_000, 2))])
    meta = pd.DataFrame({"name": ["king"] + [f"w{i}" for i in range(20_000)], "group": "a"})
    plot = shown_plot(qtbot, coords, meta)
    assert "king" not in plot.label_layer.shown_texts("points")  # the greedy placement drops it
    before = plot.plot.grab().toImage()
    qtbot.keyClicks(plot.search_box, "king")
    assert plot.label_layer.shown_texts("matches") == ["king"]
    assert "king" not in plot.label_layer.shown_texts("points")  # written once
    [(left, top, right, bottom)] = label_boxes(plot, "matches")
    for name in ("points", "clusters"):  # nothing else is written over it
        for x, t, r, b in label_boxes(plot, name) if name in plot.label_layer.groups else []:
            assert r <= left or x >= right or b <= top or t >= bottom
    after = plot.plot.grab().toImage()
    offset = plot.view_box.sceneBoundingRect().topLeft()
    changed = [(x, y) for x in range(int(left + offset.x()) + 2, int(right + offset.x()) - 2)
               for y in range(int(top + offset.y()) + 3, int(bottom + offset.y()) - 3)
               if after.pixel(x, y) != before.pixel(x, y)]
    assert len(changed) > 20  # the word is painted there
    after.save("/tmp/views13/find-king-in-crowd.png")


def ring_radius(rings):
    """How far from its point's centre the (only) ring drawn by `rings` reaches, its pen included."""
    [size] = rings.data["size"]
    return size / 2 + rings.opts["pen"].widthF() / 2


def test_labels_of_ringed_points_start_beyond_their_ring(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    qtbot.keyClicks(plot.search_box, "p44")
    point = screen(plot, 4, 4) - plot.plot.mapFromScene(plot.view_box.sceneBoundingRect().topLeft())
    [(left, _, _, _)] = label_boxes(plot, "matches")
    ring_edge = point.x() + ring_radius(plot.match_item)
    assert left >= ring_edge + 1  # the "p" of p44 is not under the ring
    plot.select_rect(QRectF(2.9, 2.9, 0.2, 0.2))  # as a small rectangle drag around p33
    assert plot.selection.tolist() == [33]
    plot.search_box.clear()
    shown = dict(zip(plot.label_layer.shown_texts("points"), label_boxes(plot, "points")))
    point = screen(plot, 3, 3) - plot.plot.mapFromScene(plot.view_box.sceneBoundingRect().topLeft())
    assert shown["p33"][0] >= point.x() + ring_radius(plot.selected_item) + 1
    plot.plot.grab().save("/tmp/views13/ringed-labels.png")


def test_matches_close_together_are_each_labelled_without_covering_each_other(qtbot):
    coords = np.array([[0.0, 0.0], [0.02, 0.0], [0.0, 0.02], [3.0, 3.0], [-3.0, -3.0]])
    meta = pd.DataFrame({"name": ["kingdom", "kingfisher", "kingpin", "apple", "pear"], "group": "a"})
    plot = shown_plot(qtbot, coords, meta)
    qtbot.keyClicks(plot.search_box, "king")
    assert sorted(plot.label_layer.shown_texts("matches")) == ["kingdom", "kingfisher", "kingpin"]
    boxes = label_boxes(plot, "matches")
    for i, (x, t, r, b) in enumerate(boxes):
        for x2, t2, r2, b2 in boxes[i + 1:]:
            assert r <= x2 or x >= r2 or b <= t2 or t >= b2
    plot.plot.grab().save("/tmp/views13/close-matches.png")


@pytest.mark.parametrize("rows", [16, 100])  # room for every label; labels only where they cover no picture
def test_with_images_as_points_labels_sit_below_their_thumbnail_and_cover_no_other(qtbot, photos, rows):
    coords, meta = grid(rows)
    plot = shown_plot(qtbot, coords, meta, images=[photos[i % 3] for i in range(rows)])
    plot.show_images(True)
    layer, side = plot.image_layer, plot.image_layer.side
    thumbnails = list(zip(*layer.boxes))
    labels = label_boxes(plot, "points")
    assert len(labels) == 16 if rows == 16 else len(labels) < rows
    height = plot.view_box.sceneBoundingRect().height()
    origin = plot.view_box.sceneBoundingRect().topLeft()
    for row, (x0, t, r, b) in zip(plot.label_layer.shown["points"], labels):
        point = plot.view_box.mapViewToScene(QPointF(*coords[row])) - origin
        assert x0 < point.x() < r and 0 <= t and b <= height  # centred on its point, inside the view
        assert t >= point.y() + side / 2 or b <= point.y() - side / 2  # below its picture (above at the bottom)
        for x, y, w, h in thumbnails:
            assert r <= x or x0 >= x + w or b <= y or t >= y + h, meta["name"][row]
    plot.plot.grab().save(f"/tmp/views13/image-labels-{rows}.png")


def test_each_thumbnail_is_framed_in_its_point_s_colour_so_the_legend_still_reads(qtbot, photos):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta, images=[photos[i % 3] for i in range(100)])
    plot.show_images(True)
    picture = plot.plot.grab().toImage()
    colors = color_mapping(meta, "group")
    for row in (0, 1, 2):  # red, green and blue pictures in the colours of g0, g1 and g2
        pixmap = plot.image_layer.thumbnails.get(plot._images[row])
        scale = plot.image_layer.side / max(pixmap.width(), pixmap.height())
        at = screen(plot, *coords[row])
        edge = QColor(picture.pixel(at.x(), int(at.y() - pixmap.height() * scale / 2 - 2)))
        expected = colors.colors[colors.index[row]]
        assert max(abs(edge.red() - int(expected[0])), abs(edge.green() - int(expected[1])),
                   abs(edge.blue() - int(expected[2]))) < 40, row


def test_projection_axis_titles_carry_no_si_prefix_for_small_coordinates(qtbot):
    plot = ScatterPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 500)
    plot.show()
    meta = pd.DataFrame({"g": ["a"] * 50})
    coords = np.random.default_rng(0).normal(size=(50, 2)) * 0.001
    plot.set_data(coords, color_mapping(meta, ""), point_sizes(meta, ""), axes=("PC1 (27.0%)", "PC2 (10.0%)"))
    for side, title in (("bottom", "PC1 (27.0%)"), ("left", "PC2 (10.0%)")):
        shown = plot.plot.getAxis(side).labelString()
        assert title in shown and "(x" not in shown


SENTENCES = ["The goalkeeper dived and saved the shot in the very last minute of the game.",
             "The pianist played a sonata.", "Stars are born in clouds of gas and dust far away.", "Short one."]


def test_a_sentence_label_is_shortened_at_a_word_and_the_hover_names_it_whole(qtbot):
    coords = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    meta = pd.DataFrame({"name": SENTENCES, "group": "a"})
    plot = shown_plot(qtbot, coords, meta, size=(900, 520))
    shown = plot.label_layer.shown_texts("points")
    assert "The goalkeeper dived and saved…" in shown and "Short one." in shown
    assert all(len(text) <= 32 for text in shown)
    assert plot.hover_text(0).startswith(SENTENCES[0])


def test_a_label_too_long_for_either_side_goes_where_less_of_it_is_cut_never_past_the_left_edge(qtbot):
    coords = np.array([[0.0, 0.0], [1.0, 0.0], [0.2, 1.0], [0.8, 1.0]])
    meta = pd.DataFrame({"name": ["Astronomers discovered a planet far away", "b", "c", "d"], "group": "a"})
    plot = shown_plot(qtbot, coords, meta, size=(380, 300))
    plot.view_box.setRange(xRange=(-0.6, 1.2), yRange=(-0.5, 1.5), padding=0)
    shown = dict(zip(plot.label_layer.shown_texts("points"), label_boxes(plot, "points")))
    left, _, right, _ = shown["Astronomers discovered a planet…"]
    assert left >= 0 and right > plot.view_box.width()  # cut at the right by less than it would be at the left


def test_a_cluster_name_at_the_edge_of_the_view_is_moved_inside_it(qtbot):
    coords, meta = grid()
    plot = shown_plot(qtbot, coords, meta)
    plot.set_cluster_labels(np.array([-0.4, 9.4]), np.array([5.0, 0.0]),
                            ["mango · peach · pear", "four · three · five"])
    boxes = label_boxes(plot, "clusters")
    assert len(boxes) == 2
    for left, top, right, bottom in boxes:
        assert left >= 0 and right <= plot.view_box.width() and top >= 0 and bottom <= plot.view_box.height()


def test_images_as_points_fit_whole_inside_the_plot_with_their_names(qtbot, photos):
    coords = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0], [5.0, 5.0]])
    meta = pd.DataFrame({"name": ["gravel-2", "coffee-cup", "cat", "retina", "middle"], "group": "a"})
    plot = shown_plot(qtbot, coords, meta, images=[photos[i % 3] for i in range(5)])
    plot.show_images(True)
    assert len(plot.image_layer.shown) == 5
    left, top, width, height = plot.image_layer.boxes
    assert (left - FRAME_WIDTH >= 0).all() and (left + width + FRAME_WIDTH <= plot.view_box.width()).all()
    assert (top - FRAME_WIDTH >= 0).all() and (top + height + FRAME_WIDTH <= plot.view_box.height()).all()
    assert sorted(plot.label_layer.shown_texts("points")) == sorted(meta["name"])
    for x, t, r, b in label_boxes(plot, "points"):
        assert x >= 0 and r <= plot.view_box.width() and t >= 0 and b <= plot.view_box.height()
