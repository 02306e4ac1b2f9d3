"""The Scatter view's numeric kernels, alone: no Qt is needed to check them."""

import numpy as np
from embedflow_canvas.views.scatter_kernels import (
    DENSITY_ALPHAS,
    density_alpha,
    density_levels,
    points_in_polygon,
    rasterize,
)


def test_points_in_polygon_matches_a_square():
    x, y = np.array([0.5, 1.5, 0.2, -1.0]), np.array([0.5, 0.5, 0.9, 0.0])
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert points_in_polygon(x, y, square).tolist() == [True, False, True, False]


def test_points_in_polygon_with_fewer_than_three_corners_holds_nothing():
    assert not points_in_polygon(np.zeros(3), np.zeros(3), np.array([[0.0, 0.0], [1.0, 1.0]])).any()


def test_rasterize_grows_each_point_into_a_disc_coloured_by_the_nearest_point():
    canvas = rasterize(np.array([2, 3]), np.array([2, 2]), np.array([7, 8]), 6, 5, 1)
    assert canvas[2, 2] == 7 and canvas[2, 3] == 8 and canvas[1, 2] == 7 and canvas[2, 4] == 8
    assert canvas[0, 0] == -1 and (canvas >= 0).sum() == 12  # two overlapping 3 × 3 discs


def test_density_levels_make_a_dense_blob_fainter_than_an_isolated_point():
    rng = np.random.default_rng(0)
    coords = np.vstack([rng.normal(0, 0.01, (5_000, 2)), [[10.0, 10.0]]])
    levels = density_levels(coords, np.full(len(coords), 6.0), (1000.0, 1000.0))
    assert levels[-1] == 0  # the lone point stays solid
    assert levels[:-1].min() > 0 and levels.max() <= len(DENSITY_ALPHAS) - 1
    assert density_levels(np.zeros((0, 2)), np.zeros(0), (400.0, 400.0)).shape == (0,)


def test_density_alpha_is_most_opaque_where_the_points_crowd():
    px = np.array([1] * 50 + [8])
    py = np.array([1] * 50 + [8])
    alpha = density_alpha(px, py, 10, 10, 1)
    assert alpha.shape == (10, 10) and alpha[1, 1] >= 250 and 60 < alpha[8, 8] < alpha[1, 1]
    assert alpha[5, 5] == 60  # no point nearby: the floor
