"""Where labels go on a map, shared by the canvas's plot and the PNG: one greedy non-overlap pass
over screen boxes in priority order, and sentences shortened to a label's length."""

from __future__ import annotations

import numpy as np

PRETHIN_ABOVE = 2_000  # above this many boxes, keep one candidate per label-sized cell first
MAX_LABEL_CHARS = 32  # a longer label (a sentence) is shortened with "…"; the hover shows it whole


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """`text` cut to at most `limit` characters at a word boundary when there is one, ending in "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:  # the cut falls inside a word: drop that word
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def spread(x: np.ndarray, y: np.ndarray, widths: np.ndarray, heights: np.ndarray,
           limit: int, cell: tuple[float, float] | None = None, forced: int = 0,
           obstacles: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Positions (into x) of the boxes kept by a greedy non-overlap pass in input (priority) order.

    Box i spans [x_i, x_i + widths_i] × [y_i, y_i + heights_i] in screen pixels. The first `forced`
    boxes are always kept (they take their space first); of the others, a box is kept when it
    overlaps no box kept so far and none of the `obstacles` (x, y, widths, heights: thumbnails
    drawn on the map), up to `limit` boxes in all. Above PRETHIN_ABOVE boxes only the first one of
    each grid cell (of size `cell`, by default the median box) is considered, which keeps the pass
    linear in the kept count.
    """
    count = len(x)
    if count == 0 or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    forced = min(forced, count)
    candidates = np.arange(forced, count)
    if len(candidates) > PRETHIN_ABOVE:
        candidates = _first_per_cell(x[forced:], y[forced:], widths, heights, cell) + forced
    ox, oy, ow, oh = obstacles if obstacles is not None else (np.zeros(0),) * 4
    # Obstacles and boxes in one set of arrays: obstacles first, never returned.
    bx, by = np.concatenate([ox, x]), np.concatenate([oy, y])
    bw, bh = np.concatenate([ow, widths]), np.concatenate([oh, heights])
    shift = len(ox)
    considered = np.concatenate([np.arange(shift + forced), candidates + shift])
    bucket = max(float(np.max(bw[considered])), float(np.max(bh[considered])), 1.0)
    grid: dict[tuple[int, int], list[int]] = {}
    kept: list[int] = []
    for i in considered.tolist():
        left, top = bx[i], by[i]
        right, bottom = left + bw[i], top + bh[i]
        cells = [(cx, cy) for cx in range(int(left // bucket), int(right // bucket) + 1)
                 for cy in range(int(top // bucket), int(bottom // bucket) + 1)]
        if i >= shift + forced:
            if len(kept) >= limit:
                break
            if any(left < bx[j] + bw[j] and bx[j] < right and top < by[j] + bh[j] and by[j] < bottom
                   for key in cells for j in grid.get(key, ())):
                continue
        if i >= shift:
            kept.append(i - shift)
        for key in cells:
            grid.setdefault(key, []).append(i)
    return np.asarray(kept, dtype=np.int64)


def _first_per_cell(x: np.ndarray, y: np.ndarray, widths: np.ndarray, heights: np.ndarray,
                    cell: tuple[float, float] | None) -> np.ndarray:
    """Positions of the first box of each grid cell (of size `cell`, by default the median box), in order."""
    cw, ch = cell if cell is not None else (float(np.median(widths)), float(np.median(heights)))
    cw, ch = max(cw, 1.0), max(ch, 1.0)
    cx = np.floor((x - x.min()) / cw).astype(np.int64)
    cy = np.floor((y - y.min()) / ch).astype(np.int64)
    keys = cy * (int(cx.max()) + 1) + cx
    # The first entry of each cell: written in reverse, the last write (the first entry) stays.
    first = np.full(int(keys.max()) + 1, -1, dtype=np.int64)
    first[keys[::-1]] = np.arange(len(keys) - 1, -1, -1)
    return np.sort(first[first >= 0])
