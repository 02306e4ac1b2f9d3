"""Presentation mode's layout: as large on screen as the view allows, spread where the gaps are too small."""

from __future__ import annotations

import numpy as np
import pytest
from embedflow_canvas.canvas.presentation_layout import PresentationLayout, _overlaps, choose_layout


def drawn(layout: PresentationLayout, boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    origin = np.array(layout.origin)
    moved = origin + (anchors - origin) * np.array([layout.spread_x, layout.spread_y])
    return np.hstack([moved + (boxes[:, :2] - anchors) * layout.scale, moved + (boxes[:, 2:] - anchors) * layout.scale])


def test_a_lone_block_grows_to_the_limit_without_spreading():
    layout = choose_layout(np.array([[0, 0, 100, 60]]), np.array([[50, 30]]), np.empty((0, 2)), (2000, 1000),
                           zoom_limit=1.6, scale_limit=1.5)
    assert (layout.scale, layout.spread_x, layout.spread_y) == (1.5, 1.0, 1.0)
    assert layout.zoom == pytest.approx(1.6)


def test_blocks_close_side_by_side_in_a_wide_view_spread_sideways_only():
    boxes = np.array([[0, 0, 100, 60], [110, 0, 210, 60], [220, 0, 320, 60]], float)
    anchors = (boxes[:, :2] + boxes[:, 2:]) / 2
    layout = choose_layout(boxes, anchors, np.empty((0, 2)), (3000, 400), zoom_limit=1.6, scale_limit=1.5)
    assert layout.scale == 1.5
    assert layout.spread_x > 1.0 and layout.spread_y == 1.0
    assert not _overlaps(drawn(layout, boxes, anchors)).any()


def test_growing_in_place_wins_when_the_gaps_are_wide_enough():
    boxes = np.array([[0, 0, 100, 60], [400, 0, 500, 60]], float)
    anchors = (boxes[:, :2] + boxes[:, 2:]) / 2
    layout = choose_layout(boxes, anchors, np.empty((0, 2)), (1000, 600), zoom_limit=1.6, scale_limit=1.5)
    assert (layout.scale, layout.spread_x, layout.spread_y) == (1.5, 1.0, 1.0)


def test_no_layout_adds_an_overlap_and_overlaps_already_there_are_allowed():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 600, size=(12, 2))
    boxes = np.hstack([corners, corners + rng.uniform(30, 120, size=(12, 2))])
    anchors = boxes[:, :2]
    before = _overlaps(boxes)
    for viewport in ((800, 600), (1600, 500), (500, 1200)):
        layout = choose_layout(boxes, anchors, np.empty((0, 2)), viewport, zoom_limit=1.6, scale_limit=1.5)
        assert not (_overlaps(drawn(layout, boxes, anchors)) & ~before).any()


def test_arrow_ends_count_towards_the_fitted_size():
    box = np.array([[0, 0, 100, 60]], float)
    alone = choose_layout(box, np.array([[50, 30]]), np.empty((0, 2)), (400, 400), zoom_limit=5, scale_limit=1.0)
    with_arrow = choose_layout(box, np.array([[50, 30]]), np.array([[50, 30], [50, 900]]), (400, 400),
                               zoom_limit=5, scale_limit=1.0)
    assert with_arrow.zoom < alone.zoom


def test_an_empty_canvas_gets_the_largest_scale():
    layout = choose_layout(np.empty((0, 4)), np.empty((0, 2)), np.empty((0, 2)), (800, 600), 1.6, 1.5)
    assert layout.scale == 1.5 and layout.offset(10, 10) == (0.0, 0.0)
