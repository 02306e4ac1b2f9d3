"""The Scatter's plot: a pyqtgraph map of the projection with hover, selection, search and neighbours.

ScatterPlot is a standalone widget fed arrays (one ScatterPlotItem, one shared brush per
distinct colour and density level, no per-point Python objects we create), with the legend beside
the plot, labels and images as points drawn by the overlays in scatter_overlays, and a search box.
The numeric work with no Qt (density, lasso hit test, rasterizing) is in scatter_kernels.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pyqtgraph.exporters
from PyQt5.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPainterPath
from PyQt5.QtWidgets import (
    QFrame,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from embedflow.analysis.neighbours import search
from embedflow.blocks.scatter.style import ColorMapping, isolation_order
from embedflow.core.rows import RowSet, sorted_unique

from .image_thumbnails import ThumbnailCache
from .scatter_kernels import DENSITY_ALPHAS, density_alpha, density_levels, points_in_polygon, rasterize
from .scatter_overlays import FRAME_WIDTH, IMAGE_BASE_SIDE, ImageLayer, LabelLayer

MODES = ("select", "lasso", "pan")
# Above this many points the view draws them as one image computed with numpy for the visible
# range (≈25 frames/s for 1M points) instead of one symbol each (≈3 frames/s); see docs/analysis.md.
RASTER_THRESHOLD = 200_000
MAX_RINGS = 50_000  # selection rings drawn as symbols; more would make panning slow again
HOVER_RADIUS = 10.0  # pixels
SEARCH_EDGE = 16.0  # pixels: a match closer than this to the view's edge (its ring cut) is brought in
THUMBNAIL_SIDE = 128
IMAGE_MARGIN = IMAGE_BASE_SIDE / 2 + FRAME_WIDTH + 16  # pixels: half a thumbnail, its frame and a name below
SELECTED_PEN = pg.mkPen(20, 20, 20, width=2)
NEIGHBOUR_PEN = pg.mkPen(230, 85, 13, width=2.5)
MATCH_PEN = pg.mkPen(200, 0, 160, width=2.5)
SELECTED_GROW, NEIGHBOUR_GROW, MATCH_GROW = 5.0, 7.0, 9.0  # a ring's diameter beyond its point's
# How much wider than its point a ring reaches, its pen included: labels start beyond it.
SELECTED_RING, NEIGHBOUR_RING, MATCH_RING = SELECTED_GROW + 2.0, NEIGHBOUR_GROW + 2.5, MATCH_GROW + 2.5
LABEL_CLEARANCE = 3.0  # pixels between a point (or its ring) and its label
MATCH_TEXT = QColor(150, 0, 120)  # the matches' labels, in the rings' hue
POINT_PEN = pg.mkPen(60, 60, 60, 90, width=0.6)
NO_PEN = pg.mkPen(None)
# From this many points each point's opacity follows the density around it (dense points are
# faint, so overlaps add up and the structure inside a blob shows; isolated points stay solid).
DENSITY_FROM = 5_000


class _SelectViewBox(pg.ViewBox):
    """A ViewBox whose left drag selects (rectangle or lasso) unless the plot is in pan mode."""

    def __init__(self, plot: ScatterPlot) -> None:
        super().__init__()
        self._plot = plot
        self._start: QPointF | None = None
        self._lasso: list[QPointF] = []
        self._band = QGraphicsRectItem()
        self._band.setPen(pg.mkPen(40, 90, 200, width=1.5, style=Qt.DashLine))
        self._band.setBrush(pg.mkBrush(40, 90, 200, 40))
        self._path = QGraphicsPathItem()
        self._path.setPen(pg.mkPen(40, 90, 200, width=1.5))
        self._path.setBrush(pg.mkBrush(40, 90, 200, 40))
        for item in (self._band, self._path):
            item.setZValue(1e9)
            item.hide()
            self.addItem(item, ignoreBounds=True)

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:  # noqa: N802 - pyqtgraph's name
        if self._plot.mode == "pan" or ev.button() != Qt.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        position = self.mapSceneToView(ev.scenePos())
        add = bool(ev.modifiers() & Qt.ShiftModifier)
        if self._plot.mode == "select":
            if ev.isStart():
                self._start = self.mapSceneToView(ev.buttonDownScenePos())
            rect = QRectF(self._start if self._start is not None else position, position).normalized()
            self._band.setRect(rect)
            self._band.show()
            if ev.isFinish():
                self._band.hide()
                self._plot.select_rect(rect, add=add)
            return
        if ev.isStart():
            self._lasso = [self.mapSceneToView(ev.buttonDownScenePos())]
        self._lasso.append(position)
        path = QPainterPath(self._lasso[0])
        for point in self._lasso[1:]:
            path.lineTo(point)
        path.closeSubpath()
        self._path.setPath(path)
        self._path.show()
        if ev.isFinish():
            self._path.hide()
            self._plot.select_polygon(np.array([(p.x(), p.y()) for p in self._lasso]), add=add)

    def mouseClickEvent(self, ev: Any) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() == Qt.LeftButton:
            ev.accept()
            row = self._plot.point_at(self.mapSceneToView(ev.scenePos()))
            self._plot.show_neighbours(row)
            return
        super().mouseClickEvent(ev)


class ScatterPlot(QWidget):
    """A 2-D scatter of many points: colours/legend, hover label, rectangle/lasso selection,
    click-to-show nearest neighbours in the original space, PNG/SVG export.

    Signals: selectionChanged(RowSet) after a user selection;
    neighboursShown(row, list of neighbour rows) after a click (row -1 clears).
    """

    selectionChanged = pyqtSignal(object)
    neighboursShown = pyqtSignal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "select"
        self.k = 5
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self.selection = np.zeros(0, dtype=np.int64)
        self.neighbours: list[int] = []
        self.hovered: int | None = None
        self._labels: np.ndarray | None = None
        self._images: list[Path] | None = None
        self._vectors: np.ndarray | None = None
        self._sizes = np.zeros(0, dtype=np.float32)
        self._shown = np.zeros(0, dtype=np.int64)
        self._tree: Any = None
        self._tree_scale = np.zeros(2)
        self._thumbnails = ThumbnailCache(side=THUMBNAIL_SIDE)
        self._meta: pd.DataFrame | None = None
        self._searchable: dict[str, pd.Series] = {}
        self.matches = np.zeros(0, dtype=np.int64)
        self._search_span: np.ndarray | None = None  # the view's size when the search began
        self._search_zoom: np.ndarray | None = None  # the view's size after a search zoomed out to fit
        self._order = np.zeros(0, dtype=np.int64)
        self._full_span = 1.0
        self._last_scene_pos: QPointF | None = None

        self.view_box = _SelectViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view_box, background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):  # projection axes have no unit: "PC1 (x0.001)" would be noise
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.scatter = pg.ScatterPlotItem(pxMode=True, pen=POINT_PEN)
        self.selected_item = pg.ScatterPlotItem(pxMode=True, brush=None, pen=SELECTED_PEN)
        self.neighbour_item = pg.ScatterPlotItem(pxMode=True, brush=None, pen=NEIGHBOUR_PEN)
        self.match_item = pg.ScatterPlotItem(pxMode=True, brush=None, pen=MATCH_PEN)
        self.neighbour_lines = pg.PlotCurveItem(pen=pg.mkPen(230, 85, 13, 160, width=1.2), connect="pairs")
        for item in (self.scatter, self.selected_item, self.neighbour_lines, self.neighbour_item, self.match_item):
            self.plot.addItem(item)
        self.match_item.setZValue(30)
        self.image_layer = ImageLayer(self.view_box, lambda: self._full_span)
        self.label_layer = LabelLayer(self.view_box)
        # With images drawn, labels go below their thumbnail and keep off the others.
        self.label_layer.image_side = lambda: self.image_layer.side if self.image_layer.isVisible() else None
        self.label_layer.obstacles = lambda: self.image_layer.boxes
        self.raster = pg.ImageItem()
        self.raster.setZValue(-1)
        self.plot.addItem(self.raster, ignoreBounds=True)
        self.raster_threshold = RASTER_THRESHOLD
        self._colors: ColorMapping | None = None
        self.view_box.sigRangeChanged.connect(lambda *_: self._update_raster())
        self.view_box.sigResized.connect(lambda *_: self._update_raster())
        # The legend is a cell of the plot's layout right of the axes, never on the points.
        self.legend = pg.LegendItem(labelTextColor=(40, 40, 40))
        self.legend.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.plot.plotItem.layout.addItem(self.legend, 2, 3)
        self.plot.plotItem.layout.setAlignment(self.legend, Qt.AlignTop)
        self.plot.plotItem.layout.setColumnStretchFactor(3, 0)

        self.hover_label = QLabel(self.plot)
        self.hover_label.setFrameShape(QFrame.StyledPanel)
        self.hover_label.setStyleSheet("background: #fffff4; color: #222; padding: 4px;")
        self.hover_label.hide()
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        # A click on a point is taken by the ScatterPlotItem; a click on empty space by the ViewBox.
        self.scatter.sigClicked.connect(
            lambda item, points, ev: self.show_neighbours(self.point_at(self.view_box.mapSceneToView(ev.scenePos()))))

        self.search_box = QLineEdit()
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText("Find: a word or any column value (Enter selects the matches)")
        self.search_box.textChanged.connect(self.find)
        self.search_box.returnPressed.connect(self.select_matches)
        self.search_status = QLabel("")
        self.search_status.setStyleSheet("color: #555;")
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.search_status)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(search_row)
        layout.addWidget(self.plot)

    # -- data ---------------------------------------------------------------------------------
    def set_data(self, coords: np.ndarray, colors: ColorMapping, sizes: np.ndarray,
                 point_labels: np.ndarray | None = None, images: list[Path] | None = None,
                 vectors: np.ndarray | None = None, axes: tuple[str, str] = ("x", "y"),
                 meta: pd.DataFrame | None = None) -> None:
        """Show `coords` (rows × 2; NaN rows are left out) with per-row colours and sizes.

        `meta` (one row per point) is what the search box looks in; without it, the labels.
        """
        moved = not (len(coords) == len(self.coords) and np.array_equal(coords, self.coords, equal_nan=True))
        self.coords = np.asarray(coords, dtype=np.float64)
        self._shown = np.flatnonzero(np.isfinite(self.coords).all(axis=1))
        self._labels, self._images, self._vectors = point_labels, images, vectors
        self._sizes = np.asarray(sizes, dtype=np.float32)
        if meta is not None:
            self._meta, self._searchable = meta, {}
        self._colors = colors
        if moved:
            self._tree = None
            self._order = self._shown[isolation_order(self.coords[self._shown])]
        self._draw_points(colors)
        self.raster.setVisible(self.raster_mode)
        self.plot.setLabel("bottom", axes[0])
        self.plot.setLabel("left", axes[1])
        self._set_legend(colors)
        self.selection = self.selection[self.selection < len(self.coords)]
        self.neighbours = []
        self._draw_selection()
        self._draw_neighbours(-1)
        x, y = self.coords[:, 0], self.coords[:, 1]
        texts = None if point_labels is None else [str(t) for t in point_labels]
        self.label_layer.set_group("points", x, y, texts, self._order)
        frames = None if colors.kind == "none" else np.asarray(colors.colors)[colors.index]
        self.image_layer.set_images(x, y, images, self._order, frames)
        if moved:
            self.reset_range()
        self.find(self.search_box.text())
        self._refresh_hover()

    def _draw_points(self, colors: ColorMapping) -> None:
        """The points as symbols (shared brushes per colour and density level), or nothing in raster mode."""
        if self.raster_mode:
            self.scatter.clear()
            return
        shown = self._shown
        rgba = np.asarray(colors.colors, dtype=np.int64)
        if len(shown) >= DENSITY_FROM:
            levels = density_levels(self.coords[shown], self._sizes[shown],
                                    (max(self.view_box.width(), 100.0), max(self.view_box.height(), 100.0)))
            table = np.array([pg.mkBrush(int(r), int(g), int(b), alpha) for r, g, b, _ in rgba
                              for alpha in DENSITY_ALPHAS], dtype=object)
            brushes = table[colors.index[shown] * len(DENSITY_ALPHAS) + levels]
            pen = NO_PEN  # outlines of thousands of points merge into a grey blob
        else:
            shared = np.array([pg.mkBrush(*(int(c) for c in color)) for color in rgba], dtype=object)
            brushes, pen = shared[colors.index[shown]], POINT_PEN
        self.scatter.setData(x=self.coords[shown, 0], y=self.coords[shown, 1], size=self._sizes[shown],
                             brush=brushes, pen=pen)

    def set_cluster_labels(self, x: np.ndarray, y: np.ndarray, texts: list[str] | None) -> None:
        """Write `texts` centred at (x, y) (cluster centres), bold; they take space before point labels."""
        self.label_layer.set_group("clusters", x, y, texts, bold=True, point_size=11.0, centred=True)
        if "points" in self.label_layer.groups:  # keep cluster labels first in the greedy pass
            self.label_layer.groups["points"] = self.label_layer.groups.pop("points")
            self.label_layer.relayout()

    def show_images(self, on: bool) -> None:
        """Draw each point's image (thumbnails sized by zoom) instead of only a dot; the view is fitted
        again so that every thumbnail (and the name under it) lies inside the plot."""
        self.image_layer.setVisible(on and bool(self._images))
        self.reset_range()
        self.image_layer.relayout()
        self.label_layer.relayout()

    @property
    def raster_mode(self) -> bool:
        """True when there are so many points that they are drawn as one image."""
        return len(self._shown) > self.raster_threshold

    def reset_range(self) -> None:
        """Zoom to show every point (with images drawn, every whole thumbnail and its name)."""
        if len(self._shown) == 0:
            return
        shown = self.coords[self._shown]
        low, high = shown.min(axis=0), shown.max(axis=0)
        centre, span = (low + high) / 2, high - low
        # One point (or all at one place): a unit square around it, not a 1e-9 range with the point in a corner.
        span = np.where(span > 1e-6 * np.maximum(np.abs(centre), 1.0), span, 1.0)
        pixels = np.array([self.view_box.width(), self.view_box.height()], dtype=np.float64)
        if self.image_layer.isVisible() and (pixels > 4 * IMAGE_MARGIN).all():
            # A thumbnail reaches IMAGE_MARGIN pixels beyond its point at this zoom: leave that much room.
            pad = span * IMAGE_MARGIN / (pixels - 2 * IMAGE_MARGIN)
        else:
            pad = span * 0.05
        low, high = centre - span / 2 - pad, centre + span / 2 + pad
        self._full_span = float(high[0] - low[0])
        self.view_box.setRange(xRange=(low[0], high[0]), yRange=(low[1], high[1]), padding=0)

    def _update_raster(self) -> None:
        """Redraw the image of the points for the visible range (raster mode only)."""
        if not self.raster_mode or self._colors is None:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        width, height = int(self.view_box.width()), int(self.view_box.height())
        if width < 2 or height < 2 or x1 <= x0 or y1 <= y0:
            return
        shown = self._shown
        px = ((self.coords[shown, 0] - x0) * (width / (x1 - x0))).astype(np.int64)
        py = ((self.coords[shown, 1] - y0) * (height / (y1 - y0))).astype(np.int64)
        radius = int(max(1, round(float(np.median(self._sizes[shown])) / 2 - 1)))
        canvas = rasterize(px, py, self._colors.index[shown], width, height, radius)
        lut = np.vstack([self._colors.colors, np.zeros((1, 4), np.uint8)])
        empty = canvas < 0
        canvas[empty] = len(lut) - 1
        image = lut[canvas]
        # Opacity by density: a blob of 1M points shows where it is thick instead of one flat colour.
        image[..., 3] = np.where(empty, 0, np.minimum(image[..., 3], density_alpha(px, py, width, height, radius)))
        # ImageItem indexes images [x, y] with y growing upwards, like the data.
        self.raster.setImage(image.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        self.raster.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_styles(self, colors: ColorMapping, sizes: np.ndarray, point_labels: np.ndarray | None) -> None:
        """Change colours, sizes and labels without moving any point (or the view)."""
        self.set_data(self.coords, colors, sizes, point_labels, self._images, self._vectors,
                      (self.plot.getAxis("bottom").labelText, self.plot.getAxis("left").labelText))

    # -- search -----------------------------------------------------------------------------------
    def _search_columns(self) -> dict[str, pd.Series]:
        if not self._searchable:
            frame = self._meta if self._meta is not None else (
                pd.DataFrame({"label": self._labels}) if self._labels is not None else pd.DataFrame())
            for column in frame.columns:
                values = frame[column].reset_index(drop=True)
                self._searchable[str(column)] = values.astype(str).str.lower().where(values.notna(), "")
        return self._searchable

    def find(self, text: str) -> np.ndarray:  # type: ignore[override]  # QWidget.find (by window id) is unused here
        """Highlight and label the rows whose value in some column is `text` (ignoring case) — or,
        when none is, contains it — bringing them into view; '' clears. Returns the matching rows."""
        needle = text.strip().lower()
        if not needle:
            self._search_span = self._search_zoom = None
        elif self._search_span is None:
            (x0, x1), (y0, y1) = self.view_box.viewRange()
            self._search_span = np.array([x1 - x0, y1 - y0])
        rows = np.zeros(0, dtype=np.int64)
        if needle and len(self.coords):
            columns = self._search_columns().values()
            exact = np.zeros(len(self.coords), dtype=bool)
            for values in columns:
                exact |= (values == needle).to_numpy(dtype=bool)[: len(self.coords)]
            if not exact.any():
                for values in columns:
                    exact |= values.str.contains(needle, regex=False).to_numpy(dtype=bool)[: len(self.coords)]
            rows = np.flatnonzero(exact & np.isfinite(self.coords).all(axis=1))
        self.matches = rows
        if 0 < len(rows) <= MAX_RINGS:
            self.match_item.setData(x=self.coords[rows, 0], y=self.coords[rows, 1], size=self._sizes[rows] + MATCH_GROW)
        else:
            self.match_item.clear()
        self.search_status.setText("" if not needle else f"{len(rows):,} match" + ("" if len(rows) == 1 else "es"))
        self._label_matches()
        if len(rows):
            self._bring_into_view(rows)
        return rows

    def _bring_into_view(self, rows: np.ndarray) -> None:
        """Move the view only when some of `rows` lie outside it or near its edge, then centred on them;
        zoom out only if they do not fit (and back in when a narrower search fits again)."""
        found = self.coords[rows]
        low, high = found.min(axis=0), found.max(axis=0)
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        current = np.array([x1 - x0, y1 - y0])
        # Sized from the view before the search: typing "k", "ki", "kin" must not leave it zoomed out.
        span = self._search_span if self._search_span is not None else current
        half = np.maximum(span / 2, (high - low) / 2 * 1.15)
        margin = np.abs(np.array(self.view_box.viewPixelSize(), dtype=np.float64)) * SEARCH_EDGE
        inside = bool((low >= np.array([x0, y0]) + margin).all() and (high <= np.array([x1, y1]) - margin).all())
        zoomed_out_by_search = self._search_zoom is not None and np.allclose(current, self._search_zoom)
        if inside and not (zoomed_out_by_search and (2 * half < current * 0.999).any()):
            return
        centre = (low + high) / 2
        self.view_box.setRange(xRange=(centre[0] - half[0], centre[0] + half[0]),
                               yRange=(centre[1] - half[1], centre[1] + half[1]), padding=0)
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        self._search_zoom = np.array([x1 - x0, y1 - y0]) if (2 * half > span * 1.001).any() else None

    def _label_matches(self) -> None:
        """The matches' labels: always drawn (before any other), bold, clear of their rings; the
        points' own labels of those rows give way."""
        labels = self._labels
        rows = self.matches if labels is not None else np.zeros(0, dtype=np.int64)
        self._update_label_gaps()
        if labels is None or len(rows) == 0:
            self.label_layer.set_group("matches", np.zeros(0), np.zeros(0), None)
            return
        self.label_layer.set_group("matches", self.coords[rows, 0], self.coords[rows, 1],
                                   [str(labels[r]) for r in rows], bold=True, color=MATCH_TEXT, forced=True,
                                   gaps=self._sizes[rows] / 2 + MATCH_RING / 2 + LABEL_CLEARANCE)

    def _update_label_gaps(self) -> None:
        """Point labels start clear of their point and of any ring drawn around it (selection, neighbour)."""
        gaps = self._sizes.astype(np.float64) / 2 + LABEL_CLEARANCE
        for rows, ring in ((self.selection, SELECTED_RING), (self.neighbours, NEIGHBOUR_RING)):
            rows = np.asarray(rows, dtype=np.int64)
            gaps[rows] = self._sizes[rows] / 2 + ring / 2 + LABEL_CLEARANCE
        skipped = np.zeros(len(gaps), dtype=bool)
        skipped[self.matches[self.matches < len(gaps)]] = self._labels is not None
        self.label_layer.set_gaps("points", gaps, skipped)

    def select_matches(self) -> None:
        """Make the search matches the selection (what Enter in the search box does)."""
        if len(self.matches) == 0:
            return
        mask = np.zeros(len(self.coords), dtype=bool)
        mask[self.matches] = True
        self._select(mask, add=False)

    def _set_legend(self, colors: ColorMapping) -> None:
        self.legend.clear()
        if colors.kind == "categorical":
            entries = [(name, colors.colors[index]) for name, index in colors.legend]
        elif colors.kind == "continuous" and colors.value_range is not None:
            low, high = colors.value_range
            steps = len(colors.colors) - 1
            entries = [(f"{low + (high - low) * f:.3g}", colors.colors[int(round(f * (steps - 1)))])
                       for f in (1.0, 0.75, 0.5, 0.25, 0.0)]
        else:
            entries = []
        for name, rgba in entries:
            sample = pg.ScatterPlotItem(size=10, pen=POINT_PEN, brush=pg.mkBrush(*(int(c) for c in rgba)))
            self.legend.addItem(sample, name)
        if entries:
            self.legend.setLabelTextSize("9pt")
        self.plot.plotItem.layout.activate()  # place the legend column now, not at the next event

    # -- selection ------------------------------------------------------------------------------
    def set_selection(self, rows: Any) -> None:
        """Show `rows` as selected (no signal: used when the saved selection is loaded)."""
        rows = sorted_unique(np.asarray(rows, dtype=np.int64).ravel())
        self.selection = rows[(rows >= 0) & (rows < len(self.coords))]
        self._draw_selection()

    def _select(self, mask: np.ndarray, add: bool) -> None:
        rows = np.flatnonzero(mask)
        if add:
            rows = np.concatenate([self.selection, rows])
        self.set_selection(rows)
        self.selectionChanged.emit(RowSet.of(self.selection))

    def select_rect(self, rect: QRectF, add: bool = False) -> None:
        """Select the points inside `rect` (data coordinates); add to the selection with `add`."""
        x, y = self.coords[:, 0], self.coords[:, 1]
        with np.errstate(invalid="ignore"):
            mask = (x >= rect.left()) & (x <= rect.right()) & (y >= rect.top()) & (y <= rect.bottom())
        self._select(mask, add)

    def select_polygon(self, polygon: np.ndarray, add: bool = False) -> None:
        """Select the points inside the lasso `polygon` (data coordinates, n × 2)."""
        finite = np.isfinite(self.coords).all(axis=1)
        mask = np.zeros(len(self.coords), dtype=bool)
        mask[finite] = points_in_polygon(self.coords[finite, 0], self.coords[finite, 1], polygon)
        self._select(mask, add)

    def _draw_selection(self) -> None:
        rows = (self.selection[np.isfinite(self.coords[self.selection]).all(axis=1)] if len(self.selection)
                else np.zeros(0, dtype=np.int64))
        if 0 < len(rows) <= MAX_RINGS:
            self.selected_item.setData(x=self.coords[rows, 0], y=self.coords[rows, 1],
                                       size=self._sizes[rows] + SELECTED_GROW)
        else:
            self.selected_item.clear()
        self._update_label_gaps()

    # -- hover and neighbours -------------------------------------------------------------------
    def point_at(self, position: QPointF) -> int | None:
        """The row whose point is closest to `position` (data coordinates) within HOVER_RADIUS pixels."""
        if len(self._shown) == 0:
            return None
        from scipy.spatial import cKDTree

        pixel = self.view_box.viewPixelSize()
        if not all(np.isfinite(pixel)) or min(pixel) <= 0:
            return None
        scale = np.array(pixel, dtype=np.float64)
        change = scale / self._tree_scale if self._tree is not None else np.array([np.inf, np.inf])
        if not (0.25 <= change.min() and change.max() <= 4.0):
            # The tree lives in pixel units of the zoom it was built at; it is rebuilt only after
            # the zoom changed more than 4x (a 1M-point tree takes about a second to build).
            self._tree = cKDTree(self.coords[self._shown] / scale)
            self._tree_scale = scale
            change = np.ones(2)
        # A point within HOVER_RADIUS screen pixels is within HOVER_RADIUS·max(change) tree units.
        centre = np.array([position.x(), position.y()])
        candidates = self._tree.query_ball_point(centre / self._tree_scale, HOVER_RADIUS * float(change.max()))
        if not candidates:
            return None
        offsets = (self.coords[self._shown[candidates]] - centre) / scale
        distances = np.hypot(offsets[:, 0], offsets[:, 1])
        best = int(np.argmin(distances))
        return int(self._shown[candidates[best]]) if distances[best] <= HOVER_RADIUS else None

    def label_text(self, row: int) -> str:
        """The label of `row` ("" when the map has none)."""
        return str(self._labels[row]) if self._labels is not None else ""

    def hover_text(self, row: int) -> str:
        """What the hover label says about `row`."""
        text = self.label_text(row)
        return f"{text}  (row {row})" if text else f"row {row}"

    def _refresh_hover(self) -> None:
        """After the points changed, the hover label describes the point now under the pointer."""
        if self.hover_label.isVisible() and self._last_scene_pos is not None:
            self._on_mouse_moved(self._last_scene_pos)
        else:
            self.hover_label.hide()
            self.hovered = None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        self._last_scene_pos = scene_pos
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            self.hover_label.hide()
            return
        row = self.point_at(self.view_box.mapSceneToView(scene_pos))
        self.hovered = row
        if row is None:
            self.hover_label.hide()
            return
        pixmap = self._thumbnails.get(self._images[row]) if self._images is not None else None
        if pixmap is not None:
            self.hover_label.setPixmap(pixmap)
        else:
            self.hover_label.setText(self.hover_text(row))
        self.hover_label.setToolTip(self.hover_text(row))
        self.hover_label.adjustSize()
        widget_pos = self.plot.mapFromScene(scene_pos)
        x = min(widget_pos.x() + 14, max(0, self.plot.width() - self.hover_label.width()))
        y = min(widget_pos.y() + 14, max(0, self.plot.height() - self.hover_label.height()))
        self.hover_label.move(x, y)
        self.hover_label.show()
        self.hover_label.raise_()

    def show_neighbours(self, row: int | None) -> list[int]:
        """Highlight the k nearest rows of `row` in the original vector space (None clears)."""
        if row is None or self._vectors is None or len(self._vectors) < 2:
            self._draw_neighbours(-1)
            return []
        found = search(self._vectors, self._vectors[[row]], k=min(self.k + 1, len(self._vectors)))
        rows = [int(r) for r in found.indices[0] if r >= 0 and r != row][: self.k]
        self.neighbours = rows
        self._draw_neighbours(row)
        return rows

    def _draw_neighbours(self, row: int) -> None:
        rows = [r for r in self.neighbours if np.isfinite(self.coords[r]).all()] if row >= 0 else []
        if not rows:
            self.neighbours = [] if row < 0 else self.neighbours
            self.neighbour_item.clear()
            self.neighbour_lines.setData([], [])
        else:
            self.neighbour_item.setData(x=self.coords[rows, 0], y=self.coords[rows, 1],
                                        size=self._sizes[rows] + NEIGHBOUR_GROW)
            pairs = np.empty((2 * len(rows), 2))
            pairs[0::2] = self.coords[row]
            pairs[1::2] = self.coords[rows]
            self.neighbour_lines.setData(pairs[:, 0], pairs[:, 1])
        self._update_label_gaps()
        self.neighboursShown.emit(row, list(self.neighbours) if row >= 0 else [])

    # -- export ---------------------------------------------------------------------------------
    def export_image(self, path: str) -> None:
        """Save the plot as PNG or SVG (by suffix), atomically."""
        target = Path(path)
        suffix = target.suffix.lower()
        exporter_class = pg.exporters.SVGExporter if suffix == ".svg" else pg.exporters.ImageExporter
        fd, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or ".png", dir=target.parent)
        os.close(fd)
        try:
            exporter = exporter_class(self.plot.plotItem)
            if exporter_class is pg.exporters.ImageExporter:
                exporter.parameters()["width"] = max(800, self.plot.width() * 2)
            exporter.export(temp)
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
