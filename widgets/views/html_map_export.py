"""Export a Scatter's map as one HTML page from the canvas: the Scatter window's button and File → Export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt5.QtWidgets import QFileDialog, QMessageBox, QWidget

from embedflow.blocks.scatter.block import ScatterView
from embedflow.blocks.scatter.html_map import content_of, write_html_map

HTML_FILTER = "HTML page (*.html)"


def is_map(view: Any) -> bool:
    """True when a block's view is a map that can be exported as HTML."""
    return isinstance(view, ScatterView)


def save_html_map(view: ScatterView, path: str | Path, workflow: str = "") -> str:
    """Write the map to `path` (".html" added when missing), atomically; returns the path written."""
    target = Path(path) if str(path).lower().endswith((".html", ".htm")) else Path(f"{path}.html")
    return write_html_map(content_of(view, workflow), target)


def export_html_map(parent: QWidget, view: ScatterView, suggestion: Path, workflow: str = "") -> str | None:
    """Ask where to save the map (starting at `suggestion`) and write it; problems go to a message box."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export HTML map", str(suggestion), HTML_FILTER)
    if not path:
        return None
    try:
        return save_html_map(view, path, workflow)
    except OSError as exc:
        QMessageBox.warning(parent, "Export failed", str(exc) if exc.strerror is None else
                            f"Could not write {path}: {exc.strerror}")
        return None
