"""A block on the canvas: icon in a coloured circle, title, state, badge, and its ports."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPainterPath, QPen, QRadialGradient
from PyQt5.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.ports import PortType
from embedflow.core.specs import NodeSpec, Port

from .. import style

if TYPE_CHECKING:
    from .link_item import LinkItem

RADIUS = 30.0
PORT_RADIUS = 5.5
TITLE_WIDTH = 150.0
# The state line under the title wraps at this width (about the space between two blocks), onto at most
# SUMMARY_LINES lines.
SUMMARY_WIDTH = 165.0
SUMMARY_LINES = 3
UNKNOWN = PortType("unknown")
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


class PortItem(QGraphicsItem):
    """An input (left) or output (right) port; highlighted or dimmed while a link is dragged."""

    def __init__(self, node: NodeItem, port: Port, kind: str) -> None:
        super().__init__(node)
        self.node = node
        self.port = port
        self.kind = kind  # "in" or "out"
        self.highlight: str | None = None  # "ok", "no" or None
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.label = QGraphicsSimpleTextItem(port.name, self)
        self.label.setFont(_small_font())
        self.label.setBrush(QColor("#505050"))
        width = self.label.boundingRect().width()
        self.label.setPos(-width - 9 if kind == "in" else 9, -8)
        self.label.setVisible(False)
        self.reset_tooltip()

    def reset_tooltip(self) -> None:
        """The port's name, type and description as its tooltip."""
        text = f"<b>{self.port.name}</b> ({self.port.type})"
        if self.port.description:
            text += f"<br>{self.port.description}"
        if self.kind == "in" and not self.port.required:
            text += "<br><i>optional</i>"
        self.setToolTip(text)

    def set_highlight(self, highlight: str | None, reason: str = "") -> None:
        """Mark as a compatible ("ok") or incompatible ("no") end for the link being dragged."""
        self.highlight = highlight
        self.setOpacity(0.35 if highlight == "no" else 1.0)
        self.label.setVisible(highlight == "ok" or self.hovered)
        if reason:
            self.setToolTip(reason)
        else:
            self.reset_tooltip()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The port circle with room to grow on hover."""
        r = PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        """A generous hit area so ports are easy to grab."""
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """A white dot with the node's border colour; green when it accepts the dragged link."""
        r = PORT_RADIUS + (2 if self.hovered or self.highlight == "ok" else 0)
        fill = QColor("#6CC24A") if self.highlight == "ok" else QColor("white")
        painter.setPen(QPen(style.node_colour(self.node.spec).darker(150), 1.5))
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Grow and show the port's name."""
        self.hovered = True
        self.label.setVisible(True)
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Back to normal size."""
        self.hovered = False
        self.label.setVisible(self.highlight == "ok" or self.node.hovered)
        self.update()


class TitleItem(QGraphicsTextItem):
    """The node's title, edited in place (double-click or F2); Enter commits, Esc cancels."""

    def __init__(self, node: NodeItem) -> None:
        super().__init__(node)
        self.node = node
        self.setFont(_title_font())
        self.setDefaultTextColor(QColor("#202020"))
        # Clicks go through to the node (select, drag) unless the title is being edited.
        self.setAcceptedMouseButtons(Qt.NoButton)
        self._before = ""

    def set_title(self, title: str) -> None:
        """Show `title` centred under the circle, wrapped when it is long."""
        self.setTextWidth(-1)
        self.setPlainText(title)
        if self.document().idealWidth() > TITLE_WIDTH:
            self.setTextWidth(TITLE_WIDTH)
            option = self.document().defaultTextOption()
            option.setAlignment(Qt.AlignHCenter)
            self.document().setDefaultTextOption(option)
        self.recentre()

    def recentre(self) -> None:
        """Keep the text centred below the node."""
        self.setPos(-self.boundingRect().width() / 2, RADIUS + 4)

    def start_editing(self) -> None:
        """Make the title editable with all text selected."""
        self._before = self.toPlainText()
        self.setAcceptedMouseButtons(Qt.AllButtons)
        self.setTextInteractionFlags(Qt.TextEditorInteraction)
        self.setFocus(Qt.OtherFocusReason)
        cursor = self.textCursor()
        cursor.select(cursor.Document)
        self.setTextCursor(cursor)

    @property
    def editing(self) -> bool:
        """True while the user edits the title."""
        return bool(self.textInteractionFlags() & Qt.TextEditorInteraction)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter commits, Escape restores the old title."""
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.clearFocus()
            return
        if event.key() == Qt.Key_Escape:
            self.setPlainText(self._before)
            self.clearFocus()
            return
        super().keyPressEvent(event)
        self.recentre()

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Leaving the field commits the new title."""
        super().focusOutEvent(event)
        if not self.editing:
            return
        self.setTextInteractionFlags(Qt.NoTextInteraction)
        self.setAcceptedMouseButtons(Qt.NoButton)
        text = self.toPlainText().strip()
        self.set_title(self._before)
        if text and text != self._before and self.node.on_rename is not None:
            self.node.on_rename(self.node.node_id, text)


class NodeItem(QGraphicsObject):
    """A block: its position is the centre of the circle; ports sit on the circle's left and right."""

    def __init__(self, node_id: str, type_name: str, title: str, spec: NodeSpec | None) -> None:
        super().__init__()
        self.node_id = node_id
        self.type_name = type_name
        self.spec = spec
        self.links: set[LinkItem] = set()
        self.on_rename: Callable[[str, str], None] | None = None
        self.on_moved: Callable[[NodeItem], None] | None = None
        self.snap: Callable[[QPointF], QPointF] | None = None
        self.hovered = False
        self.state = "idle"
        self.fraction: float | None = None
        self.state_text = ""
        self.summary = ""
        self.diagnostics: list[Diagnostic] = []
        self.run_messages: list[Diagnostic] = []
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable
                      | QGraphicsItem.ItemSendsGeometryChanges | QGraphicsItem.ItemIsFocusable)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.pixmap = style.node_pixmap(spec, 72)
        self.colour = style.node_colour(spec)
        self.title_item = TitleItem(self)
        self.title_item.set_title(title)
        self.status_item = QGraphicsSimpleTextItem(self)
        self.status_item.setFont(_small_font())
        self.inputs = self._make_ports(self.spec.inputs if self.spec else (), "in")
        self.outputs = self._make_ports(self.spec.outputs if self.spec else (), "out")
        self._refresh_status()

    # -- ports ------------------------------------------------------------------------
    def _make_ports(self, ports: tuple[Port, ...], kind: str) -> dict[str, PortItem]:
        items = {port.name: PortItem(self, port, kind) for port in ports}
        _spread(list(items.values()), kind)
        return items

    def placeholder_port(self, kind: str, name: str) -> PortItem:
        """A port of a block of unknown type, made for a link the file names, so the link stays visible."""
        ports = self.inputs if kind == "in" else self.outputs
        if name not in ports:
            ports[name] = PortItem(self, Port(name, UNKNOWN, description="of a block type this embedflow does "
                                                                          "not know"), kind)
            _spread(list(ports.values()), kind)
        return ports[name]

    def port(self, kind: str, name: str) -> PortItem | None:
        """The input ("in") or output ("out") port item called `name`."""
        return (self.inputs if kind == "in" else self.outputs).get(name)

    def ports(self) -> list[PortItem]:
        """All port items, inputs first."""
        return [*self.inputs.values(), *self.outputs.values()]

    # -- state ------------------------------------------------------------------------
    @property
    def title(self) -> str:
        """The shown title."""
        return self.title_item.toPlainText()

    def set_title(self, title: str) -> None:
        """Show a new title."""
        self.title_item.set_title(title)
        self._refresh_status()

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Validation findings for this node (drawn as a badge)."""
        self.diagnostics = diagnostics
        self._refresh_tooltip()
        self.update()

    def set_run_state(self, state: str, fraction: float | None = None, text: str = "",
                      summary: str = "", messages: list[Diagnostic] | None = None) -> None:
        """Paint the run state: idle, queued, running (with progress), done, failed, blocked, cancelled,
        or invalid (the engine refused to run it because of a validation error; the badge says why)."""
        self.state, self.fraction, self.state_text = state, fraction, text
        self.summary = summary
        if messages is not None:
            self.run_messages = messages
        self._refresh_status()
        self.update()

    @property
    def severity(self) -> str | None:
        """The worst severity among validation and run messages, or None."""
        found = [d.severity for d in (*self.diagnostics, *self.run_messages)]
        return min(found, key=_SEVERITY_RANK.__getitem__) if found else None

    def _refresh_status(self) -> None:
        if self.state == "running":
            text = f"running {self.fraction:.0%}" if self.fraction is not None else "running"
            if self.state_text:
                text += f" · {self.state_text}"
        elif self.state == "done":
            text = self.summary
        elif self.state in ("failed", "blocked", "cancelled"):
            text = f"{self.state}: {self.state_text}" if self.state_text else self.state
        elif self.state == "queued":
            text = "waiting"
        elif self.state == "invalid":
            text = "not run: see its problems"
        else:
            text = ""
        self.status_item.setText(wrap_lines(text, QFontMetrics(_small_font()), SUMMARY_WIDTH, SUMMARY_LINES))
        self.status_item.setBrush(QColor(style.STATE_COLOURS.get(self.state, "#707070")
                                         if self.state != "done" else "#606060"))
        width = self.status_item.boundingRect().width()
        self.status_item.setPos(-width / 2, RADIUS + 4 + self.title_item.boundingRect().height() - 2)
        self._refresh_tooltip()

    def _refresh_tooltip(self) -> None:
        spec = self.spec
        kind = spec.title if spec else self.type_name
        lines = [f"<b>{escape(self.title)}</b> <span style='color:#777'>({kind})</span>"]
        if spec:
            lines.append(escape(spec.description))
        lines.append(f"State: {self.state}" + (f" ({self.fraction:.0%})" if self.state == "running"
                                                and self.fraction is not None else ""))
        if self.summary:
            lines.append(escape(self.summary))
        if self.state_text and self.state in ("failed", "blocked", "cancelled"):
            lines.append(escape(self.state_text))
        for d in (*self.diagnostics, *self.run_messages):
            colour = style.SEVERITY_COLOURS[d.severity]
            line = f"<span style='color:{colour}'>{d.severity}</span>: {escape(d.message)}"
            if d.hint:
                line += f"<br><i>{escape(d.hint)}</i>"
            lines.append(line)
        self.setToolTip("<br>".join(lines))

    # -- geometry and painting ---------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The circle with its progress ring and badge."""
        r = RADIUS + 9
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        """Only the circle reacts to the mouse."""
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), RADIUS + 2, RADIUS + 2)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Circle, icon, state ring and badge."""
        painter.setRenderHint(QPainter.Antialiasing)
        selected = self.isSelected()
        if selected or self.hovered:
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(47, 126, 216, 70 if selected else 35))
            painter.drawEllipse(QPointF(0, 0), RADIUS + 7, RADIUS + 7)
        gradient = QRadialGradient(QPointF(-8, -10), RADIUS * 1.6)
        gradient.setColorAt(0, self.colour.lighter(125))
        gradient.setColorAt(1, self.colour)
        painter.setBrush(QBrush(gradient))
        painter.setPen(QPen(self.colour.darker(135), 1.5))
        painter.drawEllipse(QPointF(0, 0), RADIUS, RADIUS)
        painter.drawPixmap(QRectF(-19, -19, 38, 38), self.pixmap, QRectF(self.pixmap.rect()))
        self._paint_state(painter)
        self._paint_badge(painter)

    def _paint_state(self, painter: QPainter) -> None:
        ring = QRectF(-RADIUS - 4, -RADIUS - 4, 2 * RADIUS + 8, 2 * RADIUS + 8)
        colour = QColor(style.STATE_COLOURS.get(self.state, "#9E9E9E"))
        painter.setBrush(Qt.NoBrush)
        if self.state == "running":
            painter.setPen(QPen(QColor("#D0D0D0"), 3))
            painter.drawEllipse(ring)
            painter.setPen(QPen(colour, 3, Qt.SolidLine, Qt.RoundCap))
            span = int(-360 * 16 * (self.fraction or 0.02))
            painter.drawArc(ring, 90 * 16, span)
        elif self.state == "queued":
            painter.setPen(QPen(colour, 2, Qt.DotLine))
            painter.drawEllipse(ring)
        elif self.state in ("failed", "blocked", "cancelled"):
            painter.setPen(QPen(colour, 2.5, Qt.SolidLine if self.state == "failed" else Qt.DashLine))
            painter.drawEllipse(ring)

    def _paint_badge(self, painter: QPainter) -> None:
        severity = self.severity
        if severity is None:
            return
        centre = QPointF(RADIUS * 0.72, -RADIUS * 0.72)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(QColor(style.SEVERITY_COLOURS[severity]))
        painter.drawEllipse(centre, 8.5, 8.5)
        font = QFont(_small_font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(centre.x() - 8, centre.y() - 8, 16, 16), Qt.AlignCenter,
                         "i" if severity == "info" else "!")

    # -- interaction ------------------------------------------------------------------
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):  # noqa: N802 - Qt's name
        """Snap while dragging (when on) and keep links attached."""
        if change == QGraphicsItem.ItemPositionChange and self.snap is not None:
            return self.snap(value)
        if change == QGraphicsItem.ItemPositionHasChanged:
            # Invalid links elsewhere route around this node, so they follow it too.
            detouring = {link for link in getattr(self.scene(), "links", {}).values() if link.invalid}
            for link in self.links | detouring:
                link.update_path()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Show port names while the pointer is over the node."""
        self.hovered = True
        for port in self.ports():
            port.label.setVisible(True)
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Hide port names again."""
        self.hovered = False
        for port in self.ports():
            port.label.setVisible(port.highlight == "ok")
        self.update()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Double-click on the title renames; elsewhere the scene opens the editor."""
        if self.title_item.contains(self.title_item.mapFromScene(event.scenePos())):
            self.title_item.start_editing()
            return
        scene = self.scene()
        if scene is not None and hasattr(scene, "nodeActivated"):
            scene.nodeActivated.emit(self.node_id)


def wrap_lines(text: str, metrics: QFontMetrics, width: float, lines: int) -> str:
    """`text` broken at spaces into lines no wider than `width`; only the last of `lines` lines is elided."""
    words, out, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    if len(out) > lines:
        out = [*out[:lines - 1], " ".join(out[lines - 1:])]
    out[-1] = metrics.elidedText(out[-1], Qt.ElideRight, int(width))
    return "\n".join(line for line in out if line)


def _spread(ports: list[PortItem], kind: str) -> None:
    """Place ports on an arc of the circle's left (inputs) or right (outputs) side, like Orange's anchors."""
    count = len(ports)
    for i, item in enumerate(ports):
        offset = (i - (count - 1) / 2) * 16.0
        x = (RADIUS * RADIUS - offset * offset) ** 0.5
        item.setPos(-x if kind == "in" else x, offset)


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.0)
    return font


def _title_font() -> QFont:
    font = QFont()
    font.setPointSizeF(9.5)
    return font
