"""Clustering editor: the settings, then the clusters found: their sizes, labels and the silhouette."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QTableWidgetItem, QWidget

from embedflow.core.table import Table

from . import register_editor
from .context import EditorContext
from .form_and_table import FormAndTableEditor

COLUMNS = ("Cluster", "Label", "Size", "Most central rows")
BAR_COLOR = QColor(31, 119, 180, 70)


def silhouette_words(value: float) -> str:
    """What a silhouette score says, in a student's words."""
    if value > 0.5:
        return "the clusters are clearly apart"
    if value > 0.25:
        return "the clusters are apart but overlap at their edges"
    return "there is little cluster structure"


class ClusteringEditor(FormAndTableEditor):
    """The generated settings form above a table of the clusters and a line on their quality."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, COLUMNS, (560, 520), parent)
        self.refresh()

    def refresh(self) -> None:
        """Show the clusters of the block's last result (or say why there are none)."""
        clusters = self.context.output("clusters")
        self.table.setRowCount(0)
        if not isinstance(clusters, Table):
            result = self.context.result()
            self.headline.setText(result.error if result is not None and result.error else
                                 "Run the workflow to see the clusters.")
            return
        frame = clusters.meta
        provenance = clusters.provenance
        silhouette = provenance.get("silhouette")
        text = f"<b>{int((frame['cluster'] >= 0).sum())} clusters</b> of {int(frame['size'].sum()):,} rows"
        if isinstance(silhouette, float):
            text += f"; silhouette <b>{silhouette:.3f}</b>: {silhouette_words(silhouette)}"
        if provenance.get("auto_k"):
            text += f". k = {provenance['auto_k']} was chosen automatically (the highest silhouette)"
        self.headline.setText(text + ".")
        largest = max(int(frame["size"].max()), 1) if len(frame) else 1
        self.table.setRowCount(len(frame))
        for row, record in enumerate(frame.itertuples(index=False)):
            size = QTableWidgetItem(f"{int(record.size):,}")
            size.setTextAlignment(int(Qt.AlignRight | Qt.AlignVCenter))
            # The size cell's colour grows with the cluster, so the sizes read as a bar chart.
            shade = QColor(BAR_COLOR)
            shade.setAlpha(int(40 + 180 * int(record.size) / largest))
            size.setBackground(shade)
            central = record.central or record.central_rows
            cells = (QTableWidgetItem(str(record.cluster)), QTableWidgetItem(record.cluster_label),
                     size, QTableWidgetItem(str(central)))
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)

    def labels(self) -> list[str]:
        """The cluster labels shown, top to bottom."""
        return [item.text() if (item := self.table.item(r, 1)) else "" for r in range(self.table.rowCount())]


register_editor("clustering", ClusteringEditor)
