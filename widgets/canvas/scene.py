"""The canvas scene: mirrors the Workflow model through its events, and shows diagnostics and run states."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PyQt5.QtCore import QLineF, QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QTransform
from PyQt5.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.workflow import Annotation, Link, Node, Workflow, WorkflowEvent

from .annotation_item import AnnotationItem, ArrowAnnotationItem, TextAnnotationItem
from .link_drag import LinkDrag
from .link_item import LinkItem
from .node_item import NodeItem, PortItem
from .presentation_layout import PresentationLayout, choose_layout

GRID = 20.0


class CanvasScene(QGraphicsScene):
    """Items for every node, link and annotation of one Workflow; it changes only on model events.

    Signals: nodeActivated(node id) on double-click; linkRequested(source, source port, target,
    target port) when the user draws a link; linkDroppedOnEmpty(node id, port name, port kind,
    scene position) when a link is let go over empty canvas; movesFinished(node moves, note rects);
    renameRequested(node id, title); annotationEdited(annotation id, text); linkMoved(link id, source,
    source port, target, target port) and unlinkRequested(link id) when an input end is dragged away.
    """

    nodeActivated = pyqtSignal(str)
    linkRequested = pyqtSignal(str, str, str, str)
    linkDroppedOnEmpty = pyqtSignal(str, str, str, QPointF)
    renameRequested = pyqtSignal(str, str)
    annotationEdited = pyqtSignal(str, str)
    movesFinished = pyqtSignal(dict, dict)
    linkMoved = pyqtSignal(str, str, str, str, str)
    unlinkRequested = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackgroundBrush(QColor("#FAFAFA"))
        self.setItemIndexMethod(QGraphicsScene.NoIndex)
        self.workflow: Workflow | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.links: dict[str, LinkItem] = {}
        self.annotations: dict[str, AnnotationItem] = {}
        self.snap_to_grid = False
        self.link_drag: LinkDrag | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._press_positions: dict[NodeItem, QPointF] = {}
        self._press_rects: dict[AnnotationItem, tuple[float, ...]] = {}
        self.layout = PresentationLayout()  # how much larger and further apart things are drawn (presentation)

    # -- model ------------------------------------------------------------------------
    def set_workflow(self, workflow: Workflow) -> None:
        """Show `workflow` and follow its events from now on."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.workflow = workflow
        self._unsubscribe = workflow.subscribe(self._on_event)
        self._rebuild()

    def _rebuild(self) -> None:
        self.link_drag = None
        self.clear()
        self.nodes.clear()
        self.links.clear()
        self.annotations.clear()
        assert self.workflow is not None
        for node in self.workflow.nodes.values():
            self._add_node(node)
        for link in self.workflow.links.values():
            self._add_link(link)
        for annotation in self.workflow.annotations.values():
            self._add_annotation(annotation)

    def _on_event(self, event: WorkflowEvent) -> None:
        kind, item = event.kind, event.item
        if kind == "node-added":
            self._add_node(item)
        elif kind == "node-removed":
            node_item = self.nodes.pop(item.id)
            self.removeItem(node_item)
        elif kind == "node-moved":
            self.nodes[item.id].setPos(*item.position)
            self._present(self.nodes[item.id])
        elif kind == "settings-changed" and self._ports_changed(item):
            self._replace_node(item)
        elif kind == "title-changed":
            self.nodes[item.id].set_title(item.title)
            for link in self.nodes[item.id].links:
                link.set_diagnostics(link.diagnostics)
        elif kind == "link-added":
            self._add_link(item)
        elif kind == "link-removed":
            link_item = self.links.pop(item.id, None)
            if link_item is not None:
                link_item.detach()
                self.removeItem(link_item)
        elif kind == "annotation-added":
            self._add_annotation(item)
        elif kind == "annotation-removed":
            self.removeItem(self.annotations.pop(item.id))
        elif kind == "annotation-changed":
            annotation_item = self.annotations[item.id]
            annotation_item.set_rect(item.rect)
            self._present(annotation_item)
            if isinstance(annotation_item, TextAnnotationItem):
                annotation_item.set_text(item.text)
        elif kind == "reset":
            self._rebuild()

    def set_layout(self, layout: PresentationLayout) -> None:
        """Draw blocks, notes and link widths `layout.scale` times their size, each around its own place,
        and spread their places from the layout's origin (presentation mode); the model's positions stay."""
        self.layout = layout
        items: list[NodeItem | AnnotationItem] = [*self.nodes.values(), *self.annotations.values()]
        for item in items:
            self._present(item)
        for link in self.links.values():
            link.set_width_scale(layout.scale)

    def lay_out_for(self, viewport: tuple[float, float], zoom_limit: float,
                    scale_limit: float) -> PresentationLayout:
        """The largest layout for a view of `viewport` pixels (presentation_layout.choose_layout)."""
        boxes, anchors, points = [], [], []
        for item in [*self.nodes.values(), *self.annotations.values()]:
            if isinstance(item, ArrowAnnotationItem):
                x1, y1, x2, y2 = item.model_rect()
                points += [(x1, y1), (x2, y2)]
                continue
            local = item.boundingRect()
            if isinstance(item, NodeItem):  # with its title and summary
                local = local.united(item.childrenBoundingRect())
            box = local.translated(item.pos())
            boxes.append((box.left(), box.top(), box.right(), box.bottom()))
            anchors.append((item.pos().x(), item.pos().y()))
        return choose_layout(np.array(boxes), np.array(anchors), np.array(points), viewport, zoom_limit,
                             scale_limit)

    def _present(self, item: NodeItem | AnnotationItem) -> None:
        layout = self.layout
        item.setTransform(QTransform.fromTranslate(*layout.offset(item.pos().x(), item.pos().y())))
        if isinstance(item, ArrowAnnotationItem):  # an arrow keeps its ends where they point
            item.set_spread(layout.spread_x, layout.spread_y)
        else:
            item.setScale(layout.scale)

    def _add_node(self, node: Node) -> None:
        assert self.workflow is not None
        item = NodeItem(node.id, node.type, node.title, self.workflow.spec_of(node))
        item.setPos(*node.position)
        self._present(item)
        item.on_rename = self.renameRequested.emit
        item.snap = self._snap
        self.addItem(item)
        self.nodes[node.id] = item

    def _ports_changed(self, node: Node) -> bool:
        """True when the ports of a block that takes them from its settings (a group) were edited."""
        assert self.workflow is not None
        spec, item = self.workflow.spec_of(node), self.nodes.get(node.id)
        if spec is None or spec.instance is None or item is None or item.spec is None:
            return False
        return (spec.inputs, spec.outputs) != (item.spec.inputs, item.spec.outputs)

    def _replace_node(self, node: Node) -> None:
        """Draw a node afresh with its links (its ports changed)."""
        assert self.workflow is not None
        old = self.nodes.pop(node.id)
        selected, diagnostics = old.isSelected(), old.diagnostics
        for link in [*self.workflow.links_into(node.id), *self.workflow.links_from(node.id)]:
            link_item = self.links.pop(link.id, None)
            if link_item is not None:
                link_item.detach()
                self.removeItem(link_item)
        self.removeItem(old)
        self._add_node(node)
        self.nodes[node.id].setSelected(selected)
        self.nodes[node.id].set_diagnostics(diagnostics)
        for link in [*self.workflow.links_into(node.id), *self.workflow.links_from(node.id)]:
            self._add_link(link)

    def _add_link(self, link: Link) -> None:
        source, target = self.nodes.get(link.source), self.nodes.get(link.target)
        if source is None or target is None:
            return
        source_port = source.port("out", link.source_port)
        target_port = target.port("in", link.target_port)
        if source_port is None and source.spec is None:
            source_port = source.placeholder_port("out", link.source_port)
        if target_port is None and target.spec is None:
            target_port = target.placeholder_port("in", link.target_port)
        if source_port is None or target_port is None:
            return
        item = LinkItem(link.id, source_port, target_port)
        self.addItem(item)
        item.set_width_scale(self.layout.scale)
        self.links[link.id] = item

    def _add_annotation(self, annotation: Annotation) -> None:
        item: AnnotationItem
        if annotation.kind == "text":
            item = TextAnnotationItem(annotation.id, annotation.rect, annotation.text)
            item.on_text_changed = self.annotationEdited.emit
        else:
            item = ArrowAnnotationItem(annotation.id, annotation.rect)
        self._present(item)
        self.addItem(item)
        self.annotations[annotation.id] = item

    def _snap(self, position: QPointF) -> QPointF:
        if not self.snap_to_grid:
            return position
        return QPointF(round(position.x() / GRID) * GRID, round(position.y() / GRID) * GRID)

    # -- diagnostics and states ----------------------------------------------------------
    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Badges on nodes and red dashed links for the validator's findings."""
        by_node: dict[str, list[Diagnostic]] = {}
        by_link: dict[str, list[Diagnostic]] = {}
        for d in diagnostics:
            if d.link_id:
                by_link.setdefault(d.link_id, []).append(d)
            if d.node_id:  # a block inside a group (g1/m) shows on its group's badge
                by_node.setdefault(d.node_id.split("/", 1)[0], []).append(d)
        for node_id, item in self.nodes.items():
            found = by_node.get(node_id, [])
            if found != item.diagnostics:
                item.set_diagnostics(found)
        for link_id, link in self.links.items():
            found = by_link.get(link_id, [])
            if found != link.diagnostics:
                link.set_diagnostics(found)

    # -- selection ----------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in model order."""
        return [node_id for node_id, item in self.nodes.items() if item.isSelected()]

    def selected_link_ids(self) -> list[str]:
        """Ids of the selected links."""
        return [link_id for link_id, item in self.links.items() if item.isSelected()]

    def selected_annotation_ids(self) -> list[str]:
        """Ids of the selected annotations."""
        return [a_id for a_id, item in self.annotations.items() if item.isSelected()]

    def select_only(self, node_ids: list[str]) -> None:
        """Select exactly these nodes."""
        self.clearSelection()
        for node_id in node_ids:
            if node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def items_rect(self) -> QRectF:
        """The bounding box of everything on the canvas, with a margin."""
        return self.itemsBoundingRect().adjusted(-40, -40, 40, 40)

    def port_at(self, position: QPointF) -> PortItem | None:
        """The port under `position` nearest to it, if any (two inputs' grab areas overlap between their dots)."""
        ports = [item for item in self.items(QRectF(position.x() - 6, position.y() - 6, 12, 12))
                 if isinstance(item, PortItem)]
        return min(ports, key=lambda port: QLineF(port.scenePos(), position).length(), default=None)

    def node_at(self, position: QPointF) -> NodeItem | None:
        """The node under `position`, if any."""
        for item in self.items(position):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    # -- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        """A press on a port starts drawing a link; otherwise remember positions to detect moves."""
        port = self.port_at(event.scenePos()) if event.button() == Qt.LeftButton else None
        if port is not None:
            linked = next((link for link in self.links.values() if link.target is port), None)
            # Grabbing a linked input picks up that link's end (as in Orange); otherwise draw a new link.
            self.link_drag = LinkDrag(self, linked.source, linked) if linked else LinkDrag(self, port)
            event.accept()
            return
        super().mousePressEvent(event)
        self._press_positions = {item: item.pos() for item in self.selectedItems() if isinstance(item, NodeItem)}
        self._press_rects = {item: item.model_rect() for item in self.selectedItems()
                             if isinstance(item, AnnotationItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Drag the link being drawn."""
        if self.link_drag is not None:
            self.link_drag.move_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Finish a link, or report the nodes and notes the user moved."""
        if self.link_drag is not None:
            drag, self.link_drag = self.link_drag, None
            drag.finish(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        node_moves: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        note_moves: dict[str, tuple[float, ...]] = {}
        for item, before in self._press_positions.items():
            if item.scene() is self and item.pos() != before:
                node_moves[item.node_id] = ((before.x(), before.y()), (item.pos().x(), item.pos().y()))
        # Moved or reshaped notes and arrows: compare what the model would store.
        for note, rect in self._press_rects.items():
            if note.scene() is self and note.model_rect() != rect:
                note_moves[note.annotation_id] = note.model_rect()
        self._press_positions, self._press_rects = {}, {}
        if node_moves or note_moves:
            self.movesFinished.emit(node_moves, note_moves)
