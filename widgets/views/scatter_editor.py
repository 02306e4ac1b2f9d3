"""The Scatter block's editor: its settings bar, notes, the plot and an image grid of the selection.

Plugs into the canvas through widgets.editors.register_editor; the plot itself is scatter_plot.ScatterPlot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from embedflow.analysis.projection import LARGE_DATA, PROJECTIONS
from embedflow.blocks.scatter.block import ScatterView, selection_rows
from embedflow.blocks.scatter.projector_export import export_projector, image_paths
from embedflow.blocks.scatter.style import CLUSTER_LABEL_COLUMN, color_mapping, labels, point_sizes
from embedflow.core.rows import RowSet

from .. import status
from ..editors import register_editor
from ..editors.context import EditorContext
from .html_map_export import export_html_map
from .image_grid import ImageGrid
from .scatter_plot import MODES, ScatterPlot

GRID_LIMIT = 5_000  # images listed beside the map; a selection can hold a million rows


class ScatterEditor(QWidget):
    """The Scatter block's editor: settings bar, notes, and the plot; selections go to the model."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._view: ScatterView | None = None
        self.setWindowTitle(context.node.title)
        self.setMinimumSize(640, 480)

        self.projection = QComboBox()
        self.projection.addItems(PROJECTIONS)
        self.color, self.label, self.point_size = QComboBox(), QComboBox(), QComboBox()
        self.large = QComboBox()
        self.large.addItems(LARGE_DATA)
        self.k = QSpinBox()
        self.k.setRange(1, 100)
        self.k.setValue(5)
        self.k.setToolTip("Neighbours highlighted when you click a point")
        bar = QHBoxLayout()
        for text, widget in (("Projection", self.projection), ("Colour", self.color), ("Label", self.label),
                             ("Size", self.point_size), ("Large data", self.large), ("k", self.k)):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        self.cluster_labels = QCheckBox("Cluster labels")
        bar.addWidget(self.cluster_labels)
        bar.addStretch(1)

        tools = QHBoxLayout()
        self.modes = QButtonGroup(self)
        for i, mode in enumerate(MODES):
            button = QToolButton()
            button.setText(mode.capitalize())
            button.setCheckable(True)
            button.setChecked(i == 0)
            self.modes.addButton(button, i)
            tools.addWidget(button)
        self.modes.buttonClicked[int].connect(lambda i: setattr(self.plot, "mode", MODES[i]))
        self.images_as_points = QCheckBox("Images as points")
        self.images_as_points.setToolTip("Draw each point as its image; thumbnails grow as you zoom in")
        self.images_as_points.hide()
        tools.addWidget(self.images_as_points)
        self.export_png, self.export_svg = QPushButton("Export PNG…"), QPushButton("Export SVG…")
        self.export_html = QPushButton("Export HTML…")
        self.export_html.setToolTip(
            "One HTML page with every point, search and selection: opens in any browser, offline")
        self.export_projector = QPushButton("Projector…")
        self.export_projector.setToolTip("Write vectors.tsv, metadata.tsv (and a sprite) for projector.tensorflow.org")
        for export in (self.export_png, self.export_svg, self.export_html, self.export_projector):
            tools.addWidget(export)
        self.status = QLabel("")
        tools.addStretch(1)
        tools.addWidget(self.status)

        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #8a4b00;")
        self.project_all = QPushButton("Project all rows")
        self.project_all.hide()
        notes_row = QHBoxLayout()
        notes_row.addWidget(self.notes, 1)
        notes_row.addWidget(self.project_all)

        self.plot = ScatterPlot()
        self.grid = ImageGrid()
        self.grid_title = QLabel("")
        grid_panel = QWidget()
        grid_layout = QVBoxLayout(grid_panel)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.grid_title)
        grid_layout.addWidget(self.grid, 1)
        self.grid_panel = grid_panel
        self.grid_panel.hide()
        # Enter in Find selects the matches; no button here is the window's default (its frame
        # made Export PNG… look like the action Enter takes).
        for push in (self.export_png, self.export_svg, self.export_html, self.export_projector, self.project_all):
            push.setAutoDefault(False)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.plot)
        split.addWidget(self.grid_panel)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(tools)
        layout.addLayout(notes_row)
        layout.addWidget(split, 1)

        self.projection.activated[str].connect(lambda v: self.context.apply({"projection": v}))
        self.large.activated[str].connect(lambda v: self.context.apply({"large_data": v}))
        for name, combo in (("color", self.color), ("label", self.label), ("size", self.point_size)):
            combo.activated.connect(lambda _, n=name, c=combo: self.context.apply({n: c.currentData() or ""}))
        self.k.valueChanged.connect(lambda v: setattr(self.plot, "k", int(v)))
        self.cluster_labels.clicked.connect(lambda on: self.context.apply({"cluster_labels": bool(on)}))
        self.project_all.clicked.connect(lambda: self.context.apply({"large_data": "all"}))
        self.plot.selectionChanged.connect(self._on_selection)
        self.images_as_points.toggled.connect(self.plot.show_images)
        self.plot.neighboursShown.connect(self._on_neighbours)
        self.export_png.clicked.connect(lambda: self._export_image("PNG image (*.png)", ".png"))
        self.export_svg.clicked.connect(lambda: self._export_image("SVG drawing (*.svg)", ".svg"))
        self.export_html.clicked.connect(self._export_html)
        self.export_projector.clicked.connect(self._export_projector)
        context.settingsChanged.connect(lambda _: self.refresh())
        context.resultChanged.connect(self.refresh)
        context.titleChanged.connect(self.setWindowTitle)
        self.refresh()

    def refresh(self) -> None:
        """Follow the block: settings into the bar, and the latest result into the plot."""
        settings = self.context.settings()
        self._fill_columns()
        for combo, value in ((self.projection, settings["projection"]), (self.large, settings["large_data"])):
            combo.setCurrentText(value)
        self._show_cluster_labels_choice(bool(settings["cluster_labels"]))
        view = self.context.view()
        if not isinstance(view, ScatterView):
            # No map for these settings: no older map (and its tooltips) left standing, the whole reason in view.
            self.plot.setVisible(False)
            self._view = None
            self.status.setText("")
            self.notes.setText(status.editor_status(self.context.runs.state(self.context.node_id),
                                                    self.context.result()).removeprefix("State: "))
            self.notes.setVisible(True)
            return
        self.plot.setVisible(True)
        meta = view.data.meta
        if self._view is None or view.projection is not self._view.projection or view.data is not self._view.data:
            images = image_paths(view.data)
            self.plot.set_data(view.projection.coords, color_mapping(meta, view.color), point_sizes(meta, view.size),
                               labels(meta, view.label or view.data.feature or ""), images,
                               view.data.vectors, view.projection.axes, meta)
            self.images_as_points.setVisible(images is not None)
            self.plot.show_images(images is not None and self.images_as_points.isChecked())
            self.grid_panel.setVisible(images is not None)
        elif (view.color, view.size, view.label) != (self._view.color, self._view.size, self._view.label):
            self.plot.set_styles(color_mapping(meta, view.color), point_sizes(meta, view.size),
                                 labels(meta, view.label or view.data.feature or ""))
        # The saved setting, not the last result: right after a selection (or its undo) the
        # block has not re-run yet, and the plot must not flash back to the old selection.
        self.plot.set_selection(selection_rows(settings["selection"], len(view.data))[0])
        if self._view is None or view.centres != self._view.centres:
            self.plot.set_cluster_labels(np.array([c[1] for c in view.centres], dtype=float),
                                         np.array([c[2] for c in view.centres], dtype=float),
                                         [c[0] for c in view.centres] or None)
        self._view = view
        self._fill_grid()
        notes = [note for _, note in view.projection.notes]
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.project_all.setVisible(any(code == "projection-sampled" for code, _ in view.projection.notes))
        self._update_status()

    def _show_cluster_labels_choice(self, wanted: bool) -> None:
        """The saved choice when the rows carry a cluster label; greyed and unticked (setting kept) when not."""
        available = CLUSTER_LABEL_COLUMN in self.context.columns()
        self.cluster_labels.setEnabled(available)
        self.cluster_labels.setChecked(wanted and available)
        self.cluster_labels.setToolTip(
            "Write each cluster's label at its centre (data from Clustering)" if available else
            "Needs clustered rows: put a Clustering block upstream of this Scatter to label its clusters")

    def _fill_columns(self) -> None:
        settings = self.context.settings()
        columns = self.context.columns()
        view = self.context.view()
        # What an empty choice draws: the clusters as colours, the feature as labels (so say so, not "(none)").
        drawn = {"color": view.color, "label": view.data.feature} if isinstance(view, ScatterView) else {}
        for name, combo in (("color", self.color), ("label", self.label), ("size", self.point_size)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(f"(automatic: {drawn[name]})" if drawn.get(name) and not settings.get(name) else "(none)", "")
            for column in columns:
                combo.addItem(column, column)
            index = combo.findData(settings.get(name) or "")
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _on_selection(self, rows: RowSet) -> None:
        self.context.apply({"selection": rows})
        self._fill_grid()
        self._update_status()

    def _fill_grid(self) -> None:
        """The images of the selected points in the grid beside the map (of all points when none is selected)."""
        images = self.plot._images
        if images is None:
            return
        rows = self.plot.selection.tolist() if len(self.plot.selection) else list(range(len(images)))
        shown = rows[:GRID_LIMIT]
        # Captions are the labels alone: the grid's tooltip adds the row ("astronaut  (row 0)" was cut to "astrona…").
        self.grid.set_images(shown, [images[r] for r in shown], [self.plot.label_text(r) or f"row {r}" for r in shown])
        what = "selected" if len(self.plot.selection) else "all"
        more = f" (first {GRID_LIMIT:,})" if len(rows) > GRID_LIMIT else ""
        self.grid_title.setText(f"{len(rows):,} images, {what}{more}")

    def _on_neighbours(self, row: int, rows: list[int]) -> None:
        if row < 0:
            self._update_status()
            return
        names = [self.plot.hover_text(r) for r in rows]
        self.status.setText(f"Nearest to {self.plot.hover_text(row)}: {', '.join(names)}")

    def _update_status(self) -> None:
        shown = len(self.plot._shown)
        self.status.setText(f"{shown:,} points; {len(self.plot.selection):,} selected")

    def _export_image(self, file_filter: str, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", f"{self.context.node.title}{suffix}", file_filter)
        if path:
            self.plot.export_image(path if path.lower().endswith(suffix) else path + suffix)

    def _export_html(self) -> None:
        if self._view is not None:
            path = self.context.document.path  # the page names the workflow, then the groups the Scatter sits in
            workflow = " › ".join([Path(path).stem, *self.context.crumbs[1:]]) if path else ""
            export_html_map(self, self._view, Path(f"{self.context.node.title}.html"), workflow)

    def _export_projector(self) -> None:
        if self._view is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder for the Embedding Projector files")
        if not folder:
            return
        try:
            written = export_projector(self._view.data, folder, name=self.context.node.title)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write to {folder}: {exc}")
            return
        QMessageBox.information(self, "Exported", "Wrote " + ", ".join(Path(p).name for p in written)
                                + ". Load vectors.tsv and metadata.tsv at projector.tensorflow.org.")


register_editor("scatter", ScatterEditor)
