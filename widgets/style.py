"""Shared look: block icons from resources/icons, category colours, state and severity colours."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PyQt5.QtGui import QColor, QIcon, QPixmap

from embedflow.core.specs import NodeSpec
from embedflow.io.resources import resource

CATEGORY_COLOURS = {
    "Data": "#FFD39F",
    "Text": "#B7E4B0",
    "Image": "#A8D4F2",
    "Analysis": "#E4C1F9",
    "Visualise": "#FFB7B1",
}
FALLBACK_COLOUR = "#D9D9D9"
SEVERITY_COLOURS = {"error": "#D62728", "warning": "#F0A30A", "info": "#2F7ED8"}
STATE_COLOURS = {
    "idle": "#9E9E9E", "queued": "#9E9E9E", "running": "#2F7ED8", "done": "#3A9D3A",
    "failed": "#D62728", "blocked": "#B07A00", "cancelled": "#7F7F7F", "invalid": "#8A8A8A",
}


def category_colour(category: str) -> QColor:
    """The pastel colour of a toolbox category."""
    return QColor(CATEGORY_COLOURS.get(category, FALLBACK_COLOUR))


def node_colour(spec: NodeSpec | None) -> QColor:
    """The colour of a block type (from its category; grey for unknown types)."""
    return category_colour(spec.category if spec else "")


@cache
def icon_path(name: str) -> str:
    """The file of an icon: a shipped icon's name, or an add-on's own SVG/PNG path; else the fallback icon."""
    own = Path(name)
    if own.is_absolute() and own.suffix.lower() in (".svg", ".png") and own.is_file():
        return str(own)
    path = resource("icons", f"{name}.svg")
    return str(path if name and path.exists() else resource("icons", "block.svg"))


def node_icon(spec: NodeSpec | None) -> QIcon:
    """The icon of a block type (NodeSpec.icon), or the fallback icon for unknown types."""
    return _icon(icon_path(spec.icon if spec else ""))


@cache
def _icon(path: str) -> QIcon:
    # Parsing an SVG costs far more than drawing it: one QIcon per file.
    return QIcon(path)


@cache
def _pixmap(path: str, size: int) -> QPixmap:
    return _icon(path).pixmap(size, size)


def node_pixmap(spec: NodeSpec | None, size: int) -> QPixmap:
    """The block's icon rendered once at `size` pixels (painting 300 nodes reuses it)."""
    return _pixmap(icon_path(spec.icon if spec else ""), size)
