"""What the Scatter draws over its points: text labels (of points and of clusters) and images as points.

Both are one graphics item each that paints at most a few hundred entries, chosen after every
pan or zoom by one greedy non-overlap pass over screen positions (`spread`): entries are taken in
priority order (most isolated point first) and kept when their box overlaps no box already kept.
So every label shows when there are few, and the most separated ones when there are many.
Thumbnails are all drawn while at most MAX_IMAGES are visible, then spread the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPointF, QRectF
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap
from PyQt5.QtWidgets import QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from embedflow.blocks.scatter.label_layout import shorten, spread

from .image_thumbnails import ThumbnailCache

MAX_LABELS = 250  # labels painted at once: more are unreadable anyway
MAX_IMAGES = 300  # thumbnails painted at once (each is one drawPixmap)
LABEL_GAP = 5.0  # pixels between a point and its label
HALO = ((-1, 0), (1, 0), (0, -1), (0, 1))  # offsets of the white copies under each label
IMAGE_SIDE = (18.0, 112.0)  # smallest and largest thumbnail side in pixels, by zoom
IMAGE_BASE_SIDE = 36.0  # thumbnail side at the zoom that shows every point
FRAME_WIDTH = 3.0  # pixels of the coloured frame around a thumbnail


def _visible(view_box: pg.ViewBox, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions of the entries inside the visible range, their screen x, their screen y)."""
    (x0, x1), (y0, y1) = view_box.viewRange()
    width, height = max(view_box.width(), 1.0), max(view_box.height(), 1.0)
    with np.errstate(invalid="ignore"):
        inside = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    sx = (x[inside] - x0) * (width / (x1 - x0)) if x1 > x0 else np.zeros(len(inside))
    sy = (y1 - y[inside]) * (height / (y1 - y0)) if y1 > y0 else np.zeros(len(inside))
    return inside, sx, sy


@dataclass
class LabelGroup:
    """One set of labels: positions (data coordinates), texts and how they look; earlier groups win space."""

    x: np.ndarray
    y: np.ndarray
    texts: list[str]
    order: np.ndarray  # priority: positions into x/y/texts, most important first
    bold: bool = False
    point_size: float = 9.0
    color: QColor = field(default_factory=lambda: QColor(40, 40, 40))
    centred: bool = False  # cluster labels sit on their centre; point labels beside the point
    forced: bool = False  # always drawn, placed before every other group (the search's matches)
    gaps: np.ndarray | None = None  # per entry, pixels from the point's centre to its label (None: LABEL_GAP)
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))  # characters per text

    def __post_init__(self) -> None:
        self.lengths = np.fromiter(map(len, self.texts), dtype=np.float64, count=len(self.texts))
        self.ordered_x, self.ordered_y = self.x[self.order], self.y[self.order]  # not re-indexed per pan
        self.skipped = np.zeros(len(self.texts), dtype=bool)  # entries another group labels instead


class _Layer(QGraphicsObject):
    """An item covering the view box that paints in screen pixels (unscaled, unflipped)."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__()
        self.view_box = view_box
        self.setZValue(20)
        view_box.addItem(self, ignoreBounds=True)
        view_box.sigRangeChanged.connect(lambda *_: self.relayout())
        view_box.sigResized.connect(lambda *_: self.relayout())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The visible data range: the layer paints only there."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        return QRectF(x0, y0, x1 - x0, y1 - y0)

    def relayout(self) -> None:
        """Choose what to paint for the visible range."""
        self.prepareGeometryChange()
        self.update()

    def _device(self, painter: QPainter, x: float, y: float) -> QPointF:
        return painter.transform().map(QPointF(x, y))


RIGHT, LEFT, ABOVE, BELOW, CENTRED = range(5)  # where a label sits relative to its point
FORCED_LABELS = 60  # visible forced labels (matches) placed whatever they cover; more take turns
Boxes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # left, top, width, height in screen pixels


def _box(side: np.ndarray, sx: np.ndarray, sy: np.ndarray, widths: np.ndarray, height: float,
         gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, top) of labels of `widths` × `height` placed on `side` of their points at (sx, sy)."""
    left = np.select([side == RIGHT, side == LEFT], [sx + gap, sx - gap - widths], sx - widths / 2)
    top = np.select([side == ABOVE, side == BELOW], [sy - gap - height, sy + gap], sy - height / 2)
    return left, top


def _overlaps(left: float, top: float, width: float, height: float, boxes: Boxes) -> bool:
    bx, by, bw, bh = boxes
    return bool(np.any((left < bx + bw) & (bx < left + width) & (top < by + bh) & (by < top + height)))


class LabelLayer(_Layer):
    """Labels of named groups ("matches", "clusters", "points"…), spaced out together by one greedy pass.

    Texts longer than MAX_LABEL_CHARS are shortened. A point label goes right of its point, or left when
    that cuts less of it at the view's edge; a centred label (a cluster's name, an image's name under
    it) is moved inside the view. Forced groups come first and are always drawn, each label on the first
    side of its point (right, left, above, below) where it covers no other forced label. When images are
    drawn as points (`image_side` gives their side), point labels sit centred below their thumbnail, and
    `obstacles` (the thumbnails' boxes) are space no other label may cover.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__(view_box)
        self.setZValue(40)  # above the rings of selections and matches
        self.groups: dict[str, LabelGroup] = {}
        self.image_side: Callable[[], float | None] = lambda: None
        self.obstacles: Callable[[], Boxes | None] = lambda: None
        self.shown: dict[str, np.ndarray] = {}
        self.sides: dict[str, np.ndarray] = {}
        self.shown_gaps: dict[str, np.ndarray] = {}
        self.shifts: dict[str, np.ndarray] = {}  # per shown label, (dx, dy) pixels that keep it inside the view

    @property
    def on_left(self) -> dict[str, np.ndarray]:
        """Per group, which shown labels are written left of their point (they would cross the right edge)."""
        return {name: sides == LEFT for name, sides in self.sides.items()}

    def set_group(self, name: str, x: np.ndarray, y: np.ndarray, texts: list[str] | None,
                  order: np.ndarray | None = None, **style: Any) -> None:
        """Show `texts` at (x, y) as group `name` (None removes it); `order` lists the most important first."""
        if texts is None:
            self.groups.pop(name, None)
        else:
            finite = np.isfinite(x) & np.isfinite(y) & np.array([bool(t) for t in texts], dtype=bool)
            order = np.arange(len(texts)) if order is None else np.asarray(order, dtype=np.int64)
            self.groups[name] = LabelGroup(np.asarray(x, np.float64), np.asarray(y, np.float64),
                                           [shorten(text) for text in texts],
                                           order[finite[order]], **style)
        self.relayout()

    def set_gaps(self, name: str, gaps: np.ndarray, skipped: np.ndarray | None = None) -> None:
        """Per entry of group `name`: pixels from its point to its label, and (`skipped`) entries left out."""
        group = self.groups.get(name)
        if group is None or len(gaps) != len(group.texts):
            return
        group.gaps = np.asarray(gaps, dtype=np.float64)
        group.skipped = np.zeros(len(group.texts), dtype=bool) if skipped is None else np.asarray(skipped, bool)
        self.relayout()

    def _font(self, group: LabelGroup) -> QFont:
        font = QFont()
        font.setPointSizeF(group.point_size)
        font.setBold(group.bold)
        return font

    def _place_forced(self, sx: np.ndarray, sy: np.ndarray, widths: np.ndarray, height: float,
                      gaps: np.ndarray, below: bool, obstacles: Boxes | None) -> np.ndarray:
        """Sides for forced labels: per label, the first side where it covers no forced label placed
        before (nor a thumbnail) and stays inside the view; failing that, the least cut that covers nothing."""
        order = (BELOW, ABOVE, RIGHT, LEFT) if below else (RIGHT, LEFT, ABOVE, BELOW)
        width, view_height = self.view_box.width(), self.view_box.height()
        sides = np.full(len(sx), order[0], dtype=np.int64)
        placed = np.zeros((0, 4))  # left, top, width, height of the forced labels placed so far
        for i in range(len(sx)):
            costs = []
            for side in order:
                left, top = (float(v[0]) for v in _box(np.array([side]), sx[i:i + 1], sy[i:i + 1],
                                                       widths[i:i + 1], height, gaps[i:i + 1]))
                box = (left, top, float(widths[i]), height)
                forced: Boxes = (placed[:, 0], placed[:, 1], placed[:, 2], placed[:, 3])
                covers = _overlaps(*box, forced) or (obstacles is not None and _overlaps(*box, obstacles))
                cut = (max(0.0, -left) + max(0.0, left + widths[i] - width)  # pixels outside the view
                       + max(0.0, -top) + max(0.0, top + height - view_height))
                costs.append((covers, cut))
            sides[i] = order[costs.index(min(costs))]
            left, top = (float(v[0]) for v in _box(sides[i:i + 1], sx[i:i + 1], sy[i:i + 1],
                                                   widths[i:i + 1], height, gaps[i:i + 1]))
            placed = np.vstack([placed, [left, top, widths[i], height]])
        return sides

    def relayout(self) -> None:
        """Pick the labels to paint: forced groups, then the others in order, each label kept when it
        overlaps none kept so far."""
        self.shown, self.sides, self.shown_gaps, self.shifts = {}, {}, {}, {}
        image_side = self.image_side()
        obstacles = self.obstacles() if image_side is not None else None
        xs, ys, ws, hs, owners = [], [], [], [], []
        forced = 0
        for name, group in sorted(self.groups.items(), key=lambda item: not item[1].forced):
            inside, sx, sy = _visible(self.view_box, group.ordered_x, group.ordered_y)
            positions = group.order[inside]
            keep = ~group.skipped[positions]
            positions, sx, sy = positions[keep], sx[keep], sy[keep]
            if group.forced:
                positions, sx, sy = positions[:FORCED_LABELS], sx[:FORCED_LABELS], sy[:FORCED_LABELS]
            metrics = QFontMetricsF(self._font(group))
            # Widths from the average character: measuring a million texts would take seconds.
            widths = group.lengths[positions] * metrics.averageCharWidth() + 4
            if group.centred:  # few (one per cluster) and moved by their exact width
                widths = np.array([metrics.horizontalAdvance(group.texts[i]) + 4 for i in positions])
            height = metrics.height()
            if image_side is not None and not group.centred:
                gaps = np.full(len(positions), image_side / 2 + 2)
            else:
                gaps = group.gaps[positions] if group.gaps is not None else np.full(len(positions), LABEL_GAP)
            if group.centred:
                sides = np.full(len(positions), CENTRED)
            elif group.forced:
                sides = self._place_forced(sx, sy, widths, height, gaps, image_side is not None, obstacles)
            elif image_side is not None:  # below the thumbnail, or above it at the bottom edge
                sides = np.where(sy + gaps + height > self.view_box.height(), ABOVE, BELOW)
            else:
                right_cut = np.maximum(0.0, sx + gaps + widths - self.view_box.width())
                left_cut = np.maximum(0.0, widths + gaps - sx)
                sides = np.where((right_cut > 0) & (left_cut < right_cut), LEFT, RIGHT)
            left, top = _box(sides, sx, sy, widths, height, gaps)
            shifts = np.zeros((len(positions), 2))
            if group.centred or image_side is not None:  # centred on x: moved inside the view's width
                inside_left = np.clip(left, 0.0, np.maximum(0.0, self.view_box.width() - widths))
                inside_top = np.clip(top, 0.0, max(0.0, self.view_box.height() - height)) if group.centred else top
                shifts = np.column_stack([inside_left - left, inside_top - top])
                left, top = inside_left, inside_top
            xs.append(left)
            ys.append(top)
            ws.append(widths)
            hs.append(np.full(len(positions), height))
            owners.append((name, positions, sides, gaps, shifts))
            forced += len(positions) if group.forced else 0
        if xs:
            kept = spread(np.concatenate(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(hs),
                          MAX_LABELS, forced=forced, obstacles=obstacles)
            start = 0
            for name, positions, sides, gaps, shifts in owners:
                mine = kept[(kept >= start) & (kept < start + len(positions))] - start
                self.shown[name], self.sides[name], self.shown_gaps[name] = positions[mine], sides[mine], gaps[mine]
                self.shifts[name] = shifts[mine]
                start += len(positions)
        super().relayout()

    def shown_texts(self, name: str) -> list[str]:
        """The texts of group `name` painted now."""
        group = self.groups.get(name)
        return [] if group is None else [group.texts[i] for i in self.shown.get(name, [])]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Each label with a white halo (the text drawn offset in white first), in screen pixels."""
        for name, positions in self.shown.items():
            group = self.groups[name]
            font = self._font(group)
            metrics = QFontMetricsF(font)
            points = [self._device(painter, group.x[i], group.y[i]) for i in positions]
            painter.save()
            painter.resetTransform()
            painter.setFont(font)
            placed = []
            for point, i, side, gap, (dx, dy) in zip(points, positions, self.sides[name], self.shown_gaps[name],
                                                     self.shifts[name]):
                text = group.texts[i]
                width = metrics.horizontalAdvance(text)
                x = {RIGHT: point.x() + gap, LEFT: point.x() - gap - width}.get(int(side), point.x() - width / 2)
                y = {ABOVE: point.y() - gap - metrics.descent(),
                     BELOW: point.y() + gap + metrics.ascent()}.get(int(side), point.y() + metrics.ascent() / 2 - 1)
                placed.append((QPointF(x + dx, y + dy), text))
            # One stroked path of all texts costs seconds; offset copies cost a few drawText calls.
            painter.setPen(QColor(255, 255, 255, 230))
            for dx, dy in HALO:
                for at, text in placed:
                    painter.drawText(at + QPointF(dx, dy), text)
            painter.setPen(group.color)
            for at, text in placed:
                painter.drawText(at, text)
            painter.restore()


class ImageLayer(_Layer):
    """Images drawn as points: a thumbnail per visible point, sized by zoom, at most MAX_IMAGES at once."""

    def __init__(self, view_box: pg.ViewBox, full_span: Callable[[], float]) -> None:
        super().__init__(view_box)
        self.setZValue(10)
        self._full_span = full_span
        self.paths: list[Path] = []
        self.xs = self.ys = np.zeros(0)
        self.order = np.zeros(0, dtype=np.int64)
        self.shown = np.zeros(0, dtype=np.int64)
        self.boxes: Boxes = (np.zeros(0),) * 4  # of the shown thumbnails, in screen pixels
        self.frames: np.ndarray | None = None  # per point, the rgba of its category: the frame's colour
        self.side = IMAGE_BASE_SIDE
        self.thumbnails = ThumbnailCache(side=int(IMAGE_SIDE[1]), capacity=2 * MAX_IMAGES)
        self.setVisible(False)

    def set_images(self, x: np.ndarray, y: np.ndarray, paths: list[Path] | None, order: np.ndarray,
                   frames: np.ndarray | None = None) -> None:
        """The image of each point (None: no images); `order` lists the most isolated points first;
        `frames` (rows × rgba) colours each thumbnail's frame as its point (so the legend still reads)."""
        self.paths = paths or []
        self.frames = None if frames is None else np.asarray(frames, dtype=np.int64)
        self.xs, self.ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
        finite = np.isfinite(self.xs) & np.isfinite(self.ys)
        self.order = order[finite[order]] if paths else np.zeros(0, dtype=np.int64)
        self.relayout()

    def relayout(self) -> None:
        """Pick the thumbnails to paint and their side for the current zoom."""
        if not self.isVisible() or not self.paths:
            self.shown = np.zeros(0, dtype=np.int64)
            self.boxes = (np.zeros(0),) * 4
            super().relayout()
            return
        (x0, x1), _ = self.view_box.viewRange()
        zoom = self._full_span() / (x1 - x0) if x1 > x0 else 1.0
        self.side = float(np.clip(IMAGE_BASE_SIDE * np.sqrt(max(zoom, 1e-9)), *IMAGE_SIDE))
        inside, sx, sy = _visible(self.view_box, self.xs[self.order], self.ys[self.order])
        if len(inside) <= MAX_IMAGES:  # every visible image, overlapping like the Projector's sprites
            kept = np.arange(len(inside))
        else:  # the most isolated ones, overlapping by at most a third
            sides = np.full(len(inside), self.side * 2 / 3)
            kept = spread(sx - self.side / 3, sy - self.side / 3, sides, sides, MAX_IMAGES)
        self.shown = self.order[inside[kept]]
        full = np.full(len(kept), self.side)
        self.boxes = (sx[kept] - self.side / 2, sy[kept] - self.side / 2, full, full)
        super().relayout()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Each chosen thumbnail centred on its point, less important ones first (so the best are on top)."""
        points = [self._device(painter, self.xs[i], self.ys[i]) for i in self.shown]
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        white = QPen(QColor(255, 255, 255), 1.5)
        for point, i in reversed(list(zip(points, self.shown.tolist()))):
            pixmap: QPixmap | None = self.thumbnails.get(self.paths[i])
            if pixmap is None:
                continue
            scale = self.side / max(pixmap.width(), pixmap.height())
            w, h = pixmap.width() * scale, pixmap.height() * scale
            target = QRectF(point.x() - w / 2, point.y() - h / 2, w, h)
            painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
            if self.frames is None:
                painter.setPen(white)
                painter.drawRect(target)
            else:  # a frame in the point's colour, just outside the picture
                r, g, b, _ = (int(c) for c in self.frames[i])
                painter.setPen(QPen(QColor(r, g, b), FRAME_WIDTH))
                painter.drawRect(target.adjusted(-FRAME_WIDTH / 2, -FRAME_WIDTH / 2, FRAME_WIDTH / 2, FRAME_WIDTH / 2))
        painter.restore()
