"""Drawing a link from a port: a gesture on the scene alone (the scene reports the result as signals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QColor, QPen
from PyQt5.QtWidgets import QGraphicsPathItem

from embedflow.core.ports import accepts

from .link_item import curve
from .node_item import PortItem

if TYPE_CHECKING:
    from .link_item import LinkItem
    from .scene import CanvasScene


def port_problem(output: PortItem, input_: PortItem) -> str:
    """Why `output` cannot feed `input_`, or "" when it can."""
    if output.node is input_.node:
        return "A block cannot be linked to itself."
    if not accepts(input_.port.type, output.port.type):
        return (f"'{input_.port.name}' expects {input_.port.type}; "
                f"{output.node.title}.{output.port.name} gives {output.port.type}.")
    return ""


class LinkDrag:
    """A link being drawn from a port: a rubber curve, with the possible other ends highlighted.

    `detached` is an existing link whose input end the user grabbed: it follows the pointer and is
    moved to the port where it is let go, or removed when let go over empty canvas.
    """

    def __init__(self, scene: CanvasScene, origin: PortItem, detached: LinkItem | None = None) -> None:
        self.scene = scene
        self.origin = origin
        self.detached = detached
        if detached is not None:
            detached.setVisible(False)
        self.path_item = QGraphicsPathItem()
        self.path_item.setPen(QPen(QColor("#2F7ED8"), 2.5, Qt.DashLine, Qt.RoundCap))
        self.path_item.setZValue(3)
        scene.addItem(self.path_item)
        want = "in" if origin.kind == "out" else "out"
        for node in scene.nodes.values():
            for port in node.ports():
                if port.kind != want:
                    continue
                problem = self._problem(port)
                port.set_highlight("no" if problem else "ok", problem)
        self.move_to(origin.scenePos())

    def _problem(self, other: PortItem) -> str:
        return port_problem(self.origin, other) if self.origin.kind == "out" else port_problem(other, self.origin)

    def move_to(self, position: QPointF) -> None:
        """Follow the pointer."""
        start = self.origin.scenePos()
        ends = (start, position) if self.origin.kind == "out" else (position, start)
        self.path_item.setPath(curve(*ends))

    def fitting_origin(self, target: PortItem) -> PortItem:
        """The port the link starts from: the one grabbed, or — when that one does not fit `target` — another
        output of the same block that does (Clustering's `clustered`, not its `clusters` table, into a Scatter)."""
        if self.origin.kind != "out" or not self._problem(target):
            return self.origin
        fits = [p for p in self.origin.node.outputs.values() if not port_problem(p, target)]
        return fits[0] if fits else self.origin

    def target_at(self, position: QPointF) -> PortItem | None:
        """The port the link would end on: the port under the pointer, or the best port of the node there."""
        want = "in" if self.origin.kind == "out" else "out"
        port = self.scene.port_at(position)
        if port is not None and port.kind == want and port.node is not self.origin.node:
            return port
        node = self.scene.node_at(position)
        if node is None or node is self.origin.node:
            return None
        candidates = list((node.inputs if want == "in" else node.outputs).values())
        compatible = [p for p in candidates if not self._problem(p) or self.fitting_origin(p) is not self.origin]
        if compatible:
            return compatible[0]
        # An incompatible link is still made when there is just one choice: the validator explains it.
        return candidates[0] if len(candidates) == 1 else None

    def finish(self, position: QPointF) -> None:
        """Make the link (via the scene's signal), or offer blocks when dropped on empty canvas."""
        self.scene.removeItem(self.path_item)
        for node in self.scene.nodes.values():
            for port in node.ports():
                port.set_highlight(None)
        target = self.target_at(position)
        origin = self.origin
        if self.detached is not None:
            self._finish_detached(target, position)
            return
        if target is not None:
            output, input_ = (self.fitting_origin(target), target) if origin.kind == "out" else (target, origin)
            self.scene.linkRequested.emit(output.node.node_id, output.port.name,
                                          input_.node.node_id, input_.port.name)
        elif self.scene.node_at(position) is None:
            self.scene.linkDroppedOnEmpty.emit(origin.node.node_id, origin.port.name, origin.kind, position)


    def _finish_detached(self, target: PortItem | None, position: QPointF) -> None:
        link = self.detached
        assert link is not None
        if target is not None and target is not link.target:
            self.scene.linkMoved.emit(link.link_id, self.origin.node.node_id, self.origin.port.name,
                                      target.node.node_id, target.port.name)
        elif target is None and self.scene.node_at(position) is None:
            self.scene.unlinkRequested.emit(link.link_id)
        else:
            link.setVisible(True)
