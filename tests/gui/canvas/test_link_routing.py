"""Links that break a rule are routed above the blocks between their ends, not through them."""

from __future__ import annotations

from PyQt5.QtCore import QPointF, QRectF

from tests.gui.conftest import drag, port_point


def body(window, node_id: str) -> QRectF:
    """The scene rectangle of a block with its title."""
    item = window.scene.nodes[node_id]
    return item.mapRectToScene(item.boundingRect() | item.childrenBoundingRect())


def crosses(path, rect: QRectF, steps: int = 400) -> bool:
    """True when some point along `path` lies inside `rect`."""
    return any(rect.contains(path.pointAtPercent(i / steps)) for i in range(steps + 1))


def row_with_a_wrong_wire(window, qtbot):
    """Numbers → Scale valid, and a wire from Numbers across Scale into a block that needs embeddings."""
    source = window.document.add_node("t_numbers", (-300.0, 0.0))
    middle = window.document.add_node("t_scale", (0.0, 0.0))
    target = window.document.add_node("t_needs_embeddings", (300.0, 0.0))
    viewport = window.view.viewport()
    drag(viewport, port_point(window, source, "out", "data"), port_point(window, middle, "in", "data"))
    drag(viewport, port_point(window, source, "out", "data"), port_point(window, target, "in", "data"))
    links = window.scene.links.values()
    [wrong] = [link for link in links if link.target.node.node_id == target]
    qtbot.waitUntil(lambda: wrong.invalid)
    return source, middle, target, wrong


def test_an_invalid_link_rises_above_the_blocks_between_its_ends(window, qtbot):
    source, middle, target, wrong = row_with_a_wrong_wire(window, qtbot)
    path = wrong.path()
    assert not crosses(path, body(window, middle))
    assert path.boundingRect().top() < body(window, middle).top()
    assert path.pointAtPercent(0) == wrong.source.scenePos()
    assert path.pointAtPercent(1) == wrong.target.scenePos()
    window.grab().save("/tmp/views13/link-routing.png")


def test_a_valid_link_stays_the_plain_curve(window, qtbot):
    source, middle, target, wrong = row_with_a_wrong_wire(window, qtbot)
    [good] = [link for link in window.scene.links.values() if link is not wrong]
    assert good.path().boundingRect().top() >= body(window, middle).top()


def test_the_detour_follows_a_block_moved_into_its_way(window, qtbot):
    source, middle, target, wrong = row_with_a_wrong_wire(window, qtbot)
    window.scene.nodes[middle].setPos(QPointF(0.0, 250.0))
    assert wrong.path().boundingRect().top() >= wrong.source.scenePos().y() - 1  # nothing in the way: plain
    window.scene.nodes[middle].setPos(QPointF(60.0, -20.0))
    assert not crosses(wrong.path(), body(window, middle))
    assert wrong.path().boundingRect().top() < body(window, middle).top()
