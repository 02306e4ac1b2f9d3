"""On every shipped example, a block (circle, title and summary at their longest) never runs into a note or arrow."""

from __future__ import annotations

import pytest
from embedflow_canvas.canvas.annotation_item import ArrowAnnotationItem
from PyQt5.QtCore import QLineF, QPointF
from PyQt5.QtGui import QPainterPath, QPainterPathStroker, QPolygonF
from PyQt5.QtWidgets import QGraphicsItem

from embedflow.io.resources import resource

EXAMPLES = sorted(p.name for p in resource("examples").iterdir() if p.suffix == ".embedflow")
# Long enough to fill every line a summary may use, so the test needs no run.
LONGEST = "48 rows × 64 word pieces with all-minilm-l6-v2; 0.0% of pieces unknown; 0 rows cut short " * 3


def drawn(arrow: ArrowAnnotationItem) -> QPainterPath:
    """What an arrow paints, in scene coordinates: its 4-px shaft and its head (its shape is a wider grip band)."""
    x1, y1, x2, y2 = arrow.model_rect()
    shaft = QPainterPath(QPointF(x1, y1))
    shaft.lineTo(QPointF(x2, y2))
    stroker = QPainterPathStroker()
    stroker.setWidth(4)
    path = stroker.createStroke(shaft)
    back = QLineF(QPointF(x2, y2), QPointF(x1, y1))
    left, right = QLineF(back), QLineF(back)
    for side, turn in ((left, 25), (right, -25)):
        side.setLength(16)
        side.setAngle(back.angle() + turn)
    path.addPolygon(QPolygonF([QPointF(x2, y2), left.p2(), right.p2()]))
    return path


def covers(label: QGraphicsItem, note: QGraphicsItem) -> bool:
    """True when a block's circle or label and a note (its text box, or the line and head of an arrow) overlap."""
    outline = label.mapToScene(label.shape())  # a block's circle; a text's rectangle
    if isinstance(note, ArrowAnnotationItem):
        return drawn(note).intersects(outline)
    return outline.intersects(note.sceneBoundingRect())


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_block_summary_or_title_runs_into_a_note(window, name):
    window.named_actions["autorun"].setChecked(False)
    assert window.open_example(resource("examples", name))
    clashes = []
    for node in window.scene.nodes.values():
        node.set_run_state("done", summary=LONGEST)
        assert node.status_item.text().count("\n") >= 1  # the summary really is at its longest
        for label in (node, node.title_item, node.status_item):
            for a_id, note in window.scene.annotations.items():
                if covers(label, note):
                    clashes.append(f"{node.title} / {a_id}")
    assert clashes == []
