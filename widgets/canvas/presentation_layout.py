"""Where presentation mode draws a workflow: how much larger, and how far apart, so the class reads most.

Each block and note is drawn `scale` times larger around its own anchor, and the anchors are moved
away from the workflow's centre by `spread` (per axis, between 1 and `scale`). With the spread equal
to the scale the picture is the old one enlarged, so nothing can come to cover anything; with less
spread the gaps between blocks absorb the growth. The layout chosen is the one whose contents are
largest on screen once the whole workflow is fitted into the view (up to a zoom limit), without any
block or note covering one it did not cover before. Pure geometry on numpy arrays: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARGIN = 40.0  # the canvas's fit leaves this much around the workflow (CanvasScene.items_rect)


@dataclass(frozen=True)
class PresentationLayout:
    """Contents `scale` times larger around their anchors; anchors `spread_x`/`spread_y` times as far
    from `origin`; `zoom` the view's scale at which the whole workflow fits."""

    scale: float = 1.0
    spread_x: float = 1.0
    spread_y: float = 1.0
    origin: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0

    def offset(self, x: float, y: float) -> tuple[float, float]:
        """How far the spread moves an anchor at (x, y)."""
        return ((x - self.origin[0]) * (self.spread_x - 1.0), (y - self.origin[1]) * (self.spread_y - 1.0))


def choose_layout(boxes: np.ndarray, anchors: np.ndarray, points: np.ndarray, viewport: tuple[float, float],
                  zoom_limit: float, scale_limit: float, step: float = 0.05) -> PresentationLayout:
    """The layout whose contents are largest on screen (scale × fitted zoom) without a new overlap.

    boxes: (n, 4) x0, y0, x1, y1 of each block (with its title and summary) and note at normal size;
    anchors: (n, 2) the point each grows around; points: (m, 2) ends of arrows (spread, not grown);
    viewport: the view's width and height in pixels. Among equally large layouts the least spread wins.
    """
    boxes, anchors = np.asarray(boxes, float).reshape(-1, 4), np.asarray(anchors, float).reshape(-1, 2)
    points = np.asarray(points, float).reshape(-1, 2)
    if len(boxes) == 0:
        return PresentationLayout(scale=scale_limit, zoom=zoom_limit)
    everything = np.vstack([boxes[:, :2], boxes[:, 2:], points])
    origin = (everything.min(axis=0) + everything.max(axis=0)) / 2
    allowed = _overlaps(boxes)
    best: tuple[float, float, PresentationLayout] | None = None
    for scale in _steps(1.0, scale_limit, step):
        for spread_x in _steps(1.0, scale, step):
            for spread_y in _steps(1.0, scale, step):
                spread = np.array([spread_x, spread_y])
                moved = origin + (anchors - origin) * spread
                drawn = np.hstack([moved + (boxes[:, :2] - anchors) * scale, moved + (boxes[:, 2:] - anchors) * scale])
                if (_overlaps(drawn) & ~allowed).any():
                    continue
                ends = origin + (points - origin) * spread
                low = np.vstack([drawn[:, :2], ends]).min(axis=0) - MARGIN
                high = np.vstack([drawn[:, 2:], ends]).max(axis=0) + MARGIN
                zoom = float(min(zoom_limit, viewport[0] / (high[0] - low[0]), viewport[1] / (high[1] - low[1])))
                shown = round(scale * zoom, 4)
                candidate = (shown, -(spread_x + spread_y))
                if best is None or candidate > best[:2]:
                    best = (*candidate, PresentationLayout(scale, spread_x, spread_y,
                                                           (float(origin[0]), float(origin[1])), zoom))
    assert best is not None  # scale 1 without spread adds no overlap
    return best[2]


def _steps(low: float, high: float, step: float) -> list[float]:
    """low, low + step, … up to high (inclusive, rounded against float drift)."""
    count = int(round((high - low) / step + 1e-9))
    return [round(low + i * step, 6) for i in range(count + 1)]


def _overlaps(boxes: np.ndarray) -> np.ndarray:
    """(n, n) True where two different boxes overlap (touching edges do not)."""
    x0, y0, x1, y1 = (boxes[:, i] for i in range(4))
    result = ((x0[:, None] < x1[None, :]) & (x0[None, :] < x1[:, None])
              & (y0[:, None] < y1[None, :]) & (y0[None, :] < y1[:, None]))
    np.fill_diagonal(result, False)
    return result
