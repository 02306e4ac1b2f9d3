"""Teaching annotations: a text note and an arrow, both movable; notes are edited in place."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PyQt5.QtCore import QLineF, QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PyQt5.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsTextItem, QStyleOptionGraphicsItem, QWidget

ARROW_COLOUR = QColor("#C0392B")
_CODE = re.compile(r"`([^`\n]+)`")


def note_html(text: str) -> str:
    """A note's text as shown: `code` spans (commands) in a monospaced font, where -- reads as two
    hyphens, without their backticks; everything else as typed."""
    escaped = html.escape(text, quote=False)
    body = _CODE.sub(lambda match: f'<span style="font-family: monospace">{match.group(1)}</span>', escaped)
    return f'<div style="white-space: pre-wrap">{body}</div>'


class AnnotationItem(QGraphicsObject):
    """Base of notes and arrows: its position is the annotation's first corner."""

    def __init__(self, annotation_id: str) -> None:
        super().__init__()
        self.annotation_id = annotation_id
        self._grip: str | None = None
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable)
        self.setZValue(-1)

    def model_rect(self) -> tuple[float, float, float, float]:
        """The annotation's rect as stored in the workflow, from where the item now is."""
        raise NotImplementedError

    def grip_at(self, position: QPointF) -> str | None:
        """The handle under `position` (item coordinates) of a selected annotation, if any."""
        return None

    def drag_grip(self, grip: str, position: QPointF) -> None:
        """Reshape by dragging `grip` to `position` (item coordinates)."""

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A press on a handle reshapes instead of moving; the scene records the result as one step."""
        self._grip = self.grip_at(event.pos()) if self.isSelected() else None
        if self._grip is None:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Reshape while a handle is held, else move."""
        if self._grip is not None:
            self.drag_grip(self._grip, event.pos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Let go of the handle."""
        self._grip = None
        super().mouseReleaseEvent(event)

    def set_rect(self, rect: tuple[float, ...]) -> None:
        """Show the annotation at `rect`."""
        raise NotImplementedError


class NoteTextItem(QGraphicsTextItem):
    """The editable text of a note; leaving it commits the change."""

    def __init__(self, parent: TextAnnotationItem) -> None:
        super().__init__(parent)
        self.note = parent
        self.setAcceptedMouseButtons(Qt.NoButton)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Stop editing and report the new text."""
        super().focusOutEvent(event)
        if self.textInteractionFlags() & Qt.TextEditorInteraction:
            self.setTextInteractionFlags(Qt.NoTextInteraction)
            self.setAcceptedMouseButtons(Qt.NoButton)
            typed = self.toPlainText()
            self.note.set_text(typed)
            if self.note.on_text_changed is not None:
                self.note.on_text_changed(self.note.annotation_id, typed)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Escape ends editing."""
        if event.key() == Qt.Key_Escape:
            self.clearFocus()
            return
        super().keyPressEvent(event)


class TextAnnotationItem(AnnotationItem):
    """A note: text with a coloured bar on its left, like Orange's text annotations."""

    def __init__(self, annotation_id: str, rect: tuple[float, ...], text: str) -> None:
        super().__init__(annotation_id)
        self.size = (rect[2], rect[3])
        self.on_text_changed: Callable[[str, str], None] | None = None
        self.text = text  # as typed; shown with its `code` spans rendered
        self.text_item = NoteTextItem(self)
        font = QFont()
        font.setPointSizeF(10.5)
        self.text_item.setFont(font)
        self.text_item.setDefaultTextColor(QColor("#303030"))
        self.text_item.setPos(6, 0)
        self.set_rect(rect)
        self.set_text(text)

    def set_rect(self, rect: tuple[float, ...]) -> None:
        """Place the note at rect = (x, y, width, height)."""
        self.prepareGeometryChange()
        self.size = (max(rect[2], 40.0), max(rect[3], 20.0))
        self.text_item.setTextWidth(self.size[0] - 8)
        self.setPos(rect[0], rect[1])

    def set_text(self, text: str) -> None:
        """Show `text` (its `code` spans rendered) unless the user is typing in it."""
        if not self.text_item.hasFocus():
            self.text = text
            self.text_item.setHtml(note_html(text))
        self.prepareGeometryChange()

    def model_rect(self) -> tuple[float, float, float, float]:
        """(x, y, width, height)."""
        return (self.pos().x(), self.pos().y(), self.size[0], self.size[1])

    def grip_at(self, position: QPointF) -> str | None:
        """The bottom-right corner resizes the note."""
        corner = self.boundingRect().bottomRight()
        return "corner" if QLineF(position, corner).length() < 12 else None

    def drag_grip(self, grip: str, position: QPointF) -> None:
        """Resize to the pointer (text wraps to the new width)."""
        self.set_rect((self.pos().x(), self.pos().y(), position.x(), position.y()))

    def start_editing(self) -> None:
        """Edit the text in place, as typed (backticks and all)."""
        self.text_item.setPlainText(self.text)
        self.text_item.setAcceptedMouseButtons(Qt.AllButtons)
        self.text_item.setTextInteractionFlags(Qt.TextEditorInteraction)
        self.text_item.setFocus(Qt.OtherFocusReason)
        cursor = self.text_item.textCursor()
        cursor.select(cursor.Document)
        self.text_item.setTextCursor(cursor)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The note's rect, grown to fit its text."""
        height = max(self.size[1], self.text_item.boundingRect().height())
        return QRectF(0, 0, self.size[0], height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """A left bar, and a light outline while selected."""
        rect = self.boundingRect()
        painter.setPen(QPen(QColor("#F0A30A"), 3))
        painter.drawLine(QPointF(1.5, 2), QPointF(1.5, rect.height() - 2))
        if self.isSelected():
            painter.setPen(QPen(QColor("#2F7ED8"), 1, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(rect)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor("#2F7ED8"))
            corner = rect.bottomRight()
            painter.drawPolygon(QPolygonF([corner, corner - QPointF(9, 0), corner - QPointF(0, 9)]))

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Double-click edits the text."""
        self.start_editing()


class ArrowAnnotationItem(AnnotationItem):
    """An arrow from (x1, y1) to (x2, y2) pointing at something worth a look."""

    def __init__(self, annotation_id: str, rect: tuple[float, ...]) -> None:
        super().__init__(annotation_id)
        self.vector = QPointF(0, 0)
        self.spread = (1.0, 1.0)  # presentation mode draws the arrow this much longer, per axis
        self.set_rect(rect)

    def set_rect(self, rect: tuple[float, ...]) -> None:
        """Place the arrow: rect = (x1, y1, x2, y2)."""
        self.prepareGeometryChange()
        self.vector = QPointF(rect[2] - rect[0], rect[3] - rect[1])
        self.setPos(rect[0], rect[1])

    def set_spread(self, x: float, y: float) -> None:
        """Draw the arrow `x` times as wide and `y` times as tall (its ends spread with the blocks)."""
        self.prepareGeometryChange()
        self.spread = (x, y)

    def _drawn(self) -> QPointF:
        """The head as drawn, from the tail."""
        return QPointF(self.vector.x() * self.spread[0], self.vector.y() * self.spread[1])

    def _model_point(self, position: QPointF) -> QPointF:
        """Where a point drawn at `position` (item coordinates) lies in the workflow."""
        return self.pos() + QPointF(position.x() / self.spread[0], position.y() / self.spread[1])

    def model_rect(self) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2)."""
        x, y = self.pos().x(), self.pos().y()
        return (x, y, x + self.vector.x(), y + self.vector.y())

    def grip_at(self, position: QPointF) -> str | None:
        """Either end of the arrow can be dragged."""
        if QLineF(position, self._drawn()).length() < 10:
            return "head"
        return "tail" if QLineF(position, QPointF(0, 0)).length() < 10 else None

    def drag_grip(self, grip: str, position: QPointF) -> None:
        """Move one end, keeping the other in place."""
        x1, y1, x2, y2 = self.model_rect()
        end = self._model_point(position)
        if grip == "head":
            self.set_rect((x1, y1, end.x(), end.y()))
        else:
            self.set_rect((end.x(), end.y(), x2, y2))

    def _path(self) -> QPainterPath:
        line = QLineF(QPointF(0, 0), self._drawn())
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        return path

    def _head(self) -> QPolygonF:
        line = QLineF(self._drawn(), QPointF(0, 0))
        if line.length() < 1:
            return QPolygonF()
        left, right = QLineF(line), QLineF(line)
        left.setLength(16)
        right.setLength(16)
        left.setAngle(line.angle() + 25)
        right.setAngle(line.angle() - 25)
        return QPolygonF([self._drawn(), left.p2(), right.p2()])

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The line's box with room for the head."""
        return QRectF(QPointF(0, 0), self._drawn()).normalized().adjusted(-14, -14, 14, 14)

    def shape(self) -> QPainterPath:
        """A band around the shaft."""
        stroker = QPainterPathStroker()
        stroker.setWidth(14)
        path = stroker.createStroke(self._path())
        path.addPolygon(self._head())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """A thick line with a filled head."""
        painter.setRenderHint(QPainter.Antialiasing)
        colour = ARROW_COLOUR.lighter(130) if self.isSelected() else ARROW_COLOUR
        painter.setPen(QPen(colour, 4, Qt.SolidLine, Qt.RoundCap))
        head = self._head()
        # Stop the shaft short of the tip so the head stays sharp.
        shaft = QLineF(QPointF(0, 0), self._drawn())
        if shaft.length() > 12:
            shaft.setLength(shaft.length() - 10)
        painter.drawLine(shaft)
        painter.setPen(QPen(colour, 1))
        painter.setBrush(colour)
        painter.drawPolygon(head)
        if self.isSelected():
            painter.setPen(QPen(QColor("#2F7ED8"), 1.5))
            painter.setBrush(QColor("white"))
            for end in (QPointF(0, 0), self._drawn()):
                painter.drawEllipse(end, 4, 4)
