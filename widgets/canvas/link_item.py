"""A link: a curve from an output port to an input port; dashed red (or orange for a warning) when it breaks a rule.

A link that breaks a rule is routed above the blocks between its ends instead of through them,
so it never hides behind (or on top of) the valid links of a straight row of blocks.
"""

from __future__ import annotations

from html import escape

from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PyQt5.QtWidgets import QGraphicsItem, QGraphicsPathItem

from embedflow.core.diagnostics import Diagnostic

from .. import style
from .node_item import PortItem

NORMAL = QColor("#8C8C8C")
SELECTED = QColor("#2F7ED8")


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve from start to end (how data-flow links usually look)."""
    path = QPainterPath(start)
    dx = max(abs(end.x() - start.x()) / 2, 50.0)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


DETOUR_CLEARANCE = 24.0  # scene units kept free above the highest block in the way


def blocks_in_the_way(start: QPointF, end: QPointF, obstacles: list[QRectF]) -> list[QRectF]:
    """The rectangles that the straight curve from `start` to `end` would cross."""
    band = curve(start, end).boundingRect().adjusted(0, -4, 0, 4)
    return [rect for rect in obstacles if rect.intersects(band)]


def detour(start: QPointF, end: QPointF, obstacles: list[QRectF]) -> QPainterPath:
    """A path that leaves `start` to the right, runs above every obstacle in the way, and comes down into `end`.

    Without an obstacle in the way it is the ordinary curve.
    """
    blocking = blocks_in_the_way(start, end, obstacles)
    if not blocking:
        return curve(start, end)
    top = min([rect.top() for rect in blocking] + [start.y(), end.y()]) - DETOUR_CLEARANCE
    out_x, in_x = start.x() + 30, end.x() - 30
    path = QPainterPath(start)
    # Rounded corners: up from the source, along above the blocks, down into the target.
    path.cubicTo(QPointF(out_x + 20, start.y()), QPointF(out_x + 20, top), QPointF(out_x + 50, top))
    path.lineTo(QPointF(in_x - 50, top))
    path.cubicTo(QPointF(in_x - 20, top), QPointF(in_x - 20, end.y()), end)
    return path


class LinkItem(QGraphicsPathItem):
    """The drawn form of one Link; it follows its two ports when nodes move."""

    def __init__(self, link_id: str, source: PortItem, target: PortItem) -> None:
        super().__init__()
        self.link_id = link_id
        self.source = source
        self.target = target
        self.diagnostics: list[Diagnostic] = []
        self.hovered = False
        self.width_scale = 1.0  # presentation mode draws links wider
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        source.node.links.add(self)
        target.node.links.add(self)
        self.set_diagnostics([])

    def detach(self) -> None:
        """Forget the nodes (before the item leaves the scene)."""
        self.source.node.links.discard(self)
        self.target.node.links.discard(self)

    @property
    def invalid(self) -> bool:
        """True when a validation error or warning names this link."""
        return any(d.severity in ("error", "warning") for d in self.diagnostics)

    def update_path(self) -> None:
        """Redraw between the ports' current positions (above the blocks in the way when invalid)."""
        start, end = self.source.scenePos(), self.target.scenePos()
        if not self.invalid:
            self.setPath(curve(start, end))
            return
        nodes = getattr(self.scene(), "nodes", {})
        ends = (self.source.node, self.target.node)
        obstacles = [node.mapRectToScene(node.boundingRect() | node.childrenBoundingRect())
                     for node in nodes.values() if node not in ends]
        self.setPath(detour(start, end, obstacles))

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Findings about this link: drawn red and dashed, explained on hover."""
        self.diagnostics = diagnostics
        ends = (f"{self.source.node.title}.{self.source.port.name} → "
                f"{self.target.node.title}.{self.target.port.name}")
        if diagnostics:
            text = "<br>".join(f"<b>{escape(d.message)}</b>" + (f"<br><i>{escape(d.hint)}</i>" if d.hint else "")
                               for d in diagnostics)
            self.setToolTip(f"{escape(ends)}<br>{text}")
        else:
            self.setToolTip(f"{escape(ends)} ({self.source.port.type})")
        self._restyle()
        self.update_path()

    def set_width_scale(self, scale: float) -> None:
        """Draw the line `scale` times its width, and follow ports that were scaled with their block."""
        self.width_scale = scale
        self._restyle()
        self.update_path()

    def _restyle(self) -> None:
        width = (3.5 if self.hovered else 2.5) * self.width_scale
        if self.invalid:
            worst = "error" if any(d.severity == "error" for d in self.diagnostics) else "warning"
            pen = QPen(QColor(style.SEVERITY_COLOURS[worst]), width, Qt.DashLine, Qt.RoundCap)
        else:
            pen = QPen(SELECTED if self.isSelected() else NORMAL, width, Qt.SolidLine, Qt.RoundCap)
        if self.isSelected():
            pen.setWidthF(width + 1)
        self.setPen(pen)

    def shape(self) -> QPainterPath:
        """A wide band around the curve so it is easy to point at."""
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):  # noqa: N802 - Qt's name
        """Restyle when selected."""
        if change == QGraphicsItem.ItemSelectedHasChanged:
            self._restyle()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Thicken under the pointer."""
        self.hovered = True
        self._restyle()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Back to normal."""
        self.hovered = False
        self._restyle()
