"""On every shipped example, a link never runs through a block's title or summary (at their longest)."""

from __future__ import annotations

import pytest
from PyQt5.QtGui import QPainterPathStroker

from embedflow.io.resources import resource
from tests.gui.canvas.test_example_notes_clear import EXAMPLES, LONGEST


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_link_runs_through_a_block_title_or_summary(window, name):
    window.named_actions["autorun"].setChecked(False)
    assert window.open_example(resource("examples", name))
    for node in window.scene.nodes.values():
        node.set_run_state("done", summary=LONGEST)
    stroker = QPainterPathStroker()
    stroker.setWidth(2)
    clashes = []
    for link_id, link in window.scene.links.items():
        drawn = stroker.createStroke(link.mapToScene(link.path()))
        for node in window.scene.nodes.values():
            for label in (node.title_item, node.status_item):
                if drawn.intersects(label.mapToScene(label.shape())):
                    route = f"{link.source.node.title} → {link.target.node.title}"
                    clashes.append(f"{link_id} ({route}) through {node.title}")
    assert clashes == []
