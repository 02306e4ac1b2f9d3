"""Numeric kernels of the Scatter's view, with no Qt: density levels, lasso hit tests and rasterizing.

Arrays in, arrays out, so they are unit-tested alone and the plot in scatter_plot stays about drawing.
"""

from __future__ import annotations

import numpy as np

DENSITY_ALPHAS = (235, 160, 105, 70, 45, 30, 20, 12)  # by density level, sparse to dense (log steps)
DENSITY_BINS = 96  # per axis, for the density estimate


def density_levels(coords: np.ndarray, sizes: np.ndarray, view: tuple[float, float],
                   bins: int = DENSITY_BINS) -> np.ndarray:
    """Per point, 0 (sparse) … len(DENSITY_ALPHAS) - 1 (dense): how many dots overlap where it lies.

    From a 2-D histogram over the points: a bin's overlap is the area of its dots over the bin's
    area on a `view`-sized screen; the level is chosen so that opacity × overlap stays about 1.5,
    which keeps the inside of a blob graded instead of one flat colour.
    """
    if len(coords) == 0:
        return np.zeros(0, dtype=np.int64)
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    cells = np.minimum(((coords - low) / span * bins).astype(np.int64), bins - 1)
    flat = cells[:, 0] * bins + cells[:, 1]
    area = np.bincount(flat, weights=np.pi * (sizes.astype(np.float64) / 2) ** 2, minlength=bins * bins)
    overlap = area[flat] / max(view[0] * view[1] / bins ** 2, 1.0)
    wanted = 255 * 1.5 / np.maximum(overlap, 1e-9)
    alphas = np.asarray(DENSITY_ALPHAS, dtype=np.float64)
    return np.minimum(np.searchsorted(-alphas, -wanted, side="left"), len(alphas) - 1)


def density_alpha(px: np.ndarray, py: np.ndarray, width: int, height: int, radius: int) -> np.ndarray:
    """A (height, width) opacity image (60…255) growing with the log of the points' density around each pixel."""
    from scipy.ndimage import uniform_filter

    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    counts = np.bincount(py[inside] * width + px[inside], minlength=width * height).reshape(height, width)
    smooth = uniform_filter(counts.astype(np.float32), size=2 * radius + 1)
    peak = float(smooth.max())
    if peak <= 0:
        return np.full((height, width), 255, dtype=np.uint8)
    return (60 + 195 * np.log1p(smooth * 9 / peak) / np.log(10.0)).astype(np.uint8)


def points_in_polygon(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of points inside `polygon` (even-odd rule), vectorised over points."""
    inside = np.zeros(len(x), dtype=bool)
    if len(polygon) < 3:
        return inside
    low, high = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero((x >= low[0]) & (x <= high[0]) & (y >= low[1]) & (y <= high[1]))
    px, py = x[candidates], y[candidates]
    result = np.zeros(len(candidates), dtype=bool)
    x1, y1 = polygon[:, 0], polygon[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    for ax, ay, bx, by in zip(x1, y1, x2, y2):
        crosses = (ay > py) != (by > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ax + (py - ay) * (bx - ax) / (by - ay)
        result ^= crosses & (px < at)
    inside[candidates] = result
    return inside


def rasterize(px: np.ndarray, py: np.ndarray, color_index: np.ndarray, width: int, height: int,
              radius: int) -> np.ndarray:
    """A (height, width) image of colour indices (-1 = empty) with a disc of `radius` at each point.

    Points are written in order (later ones win a shared pixel), then grown into discs by shifting
    the image, nearest offsets first, so a pixel takes the colour of the closest point; this costs
    a few passes over the pixels instead of one pass per point and pixel.
    """
    canvas = np.full((height, width), -1, dtype=np.int32)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    canvas[py[inside], px[inside]] = color_index[inside]
    if radius <= 0:
        return canvas
    grown = canvas.copy()
    offsets = [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
               if 0 < dx * dx + dy * dy <= radius * radius + radius]
    for dy, dx in sorted(offsets, key=lambda o: o[0] ** 2 + o[1] ** 2):
        target = grown[max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)]
        source = canvas[max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
        np.copyto(target, source, where=(target < 0) & (source >= 0))
    return grown
