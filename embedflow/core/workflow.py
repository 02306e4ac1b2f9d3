"""The workflow model: nodes, links and annotations, with change events a GUI can observe."""

from __future__ import annotations

import copy
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from .errors import EmbedflowError
from .specs import NodeSpec, SpecSource, node_spec


@dataclass
class Node:
    """A block placed on the canvas. `settings` holds what the user set (defaults fill the rest)."""

    id: str
    type: str
    title: str
    position: tuple[float, float] = (0.0, 0.0)
    settings: dict[str, Any] = field(default_factory=dict)
    node_version: int = 1


@dataclass
class Link:
    """A connection from an output port of one node to an input port of another."""

    id: str
    source: str
    source_port: str
    target: str
    target_port: str


class AnnotationKind(StrEnum):
    """A teaching note's kind: text in a rectangle, or an arrow from (x1, y1) to (x2, y2)."""

    TEXT = "text"
    ARROW = "arrow"


@dataclass
class Annotation:
    """A teaching note on the canvas: kind "text" (rect + text) or "arrow" (rect = x1, y1, x2, y2)."""

    id: str
    kind: AnnotationKind
    rect: tuple[float, float, float, float]
    text: str = ""


class EventKind(StrEnum):
    """What changed in the model."""

    NODE_ADDED = "node-added"
    NODE_REMOVED = "node-removed"
    NODE_MOVED = "node-moved"
    TITLE_CHANGED = "title-changed"
    SETTINGS_CHANGED = "settings-changed"
    LINK_ADDED = "link-added"
    LINK_REMOVED = "link-removed"
    ANNOTATION_ADDED = "annotation-added"
    ANNOTATION_REMOVED = "annotation-removed"
    ANNOTATION_CHANGED = "annotation-changed"
    RESET = "reset"


@dataclass(frozen=True)
class WorkflowEvent:
    """A change to the model; `item` is the node, link or annotation (the workflow for a reset)."""

    kind: EventKind
    item: Any
    old: Any = None
    new: Any = None


class _NoSpecs:
    """A workflow built without block specs knows no block types (every node is a placeholder)."""

    def get(self, type_name: str) -> NodeSpec | None:
        return None


# For reading what a workflow file says about itself (its notes) without knowing any block type.
NO_BLOCKS: SpecSource = _NoSpecs()

Listener = Callable[[WorkflowEvent], None]
T = TypeVar("T")


class Workflow:
    """Nodes, links and annotations, edited only through methods that emit WorkflowEvents.

    specs: where block types are looked up (defaults, port names, titles); usually the Registry.
    """

    def __init__(self, specs: SpecSource | None = None) -> None:
        self.specs: SpecSource = specs if specs is not None else _NoSpecs()
        self.nodes: dict[str, Node] = {}
        self.links: dict[str, Link] = {}
        self.annotations: dict[str, Annotation] = {}
        self._listeners: list[Listener] = []
        self._next_id: dict[str, int] = {}
        # Indexes over `links`, so opening, validating and editing stay linear in the number of links.
        self._into: dict[tuple[str, str], str] = {}
        self._touching: dict[str, dict[str, None]] = {}

    # -- events -----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change; returns a function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, kind: EventKind, item: Any, old: Any = None, new: Any = None) -> None:
        if not self._listeners:  # opening a large file: no one to tell yet
            return
        event = WorkflowEvent(kind, item, old, new)
        for listener in list(self._listeners):
            listener(event)

    # -- ids --------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh id like n3, l7 or a2 that no node, link or annotation uses."""
        # Counting on from the last id handed out keeps opening a file of many id-less nodes linear.
        start = self._next_id.get(prefix, 1)
        for i in itertools.count(start):
            candidate = f"{prefix}{i}"
            if candidate not in self.nodes and candidate not in self.links and candidate not in self.annotations:
                self._next_id[prefix] = i + 1
                return candidate
        raise AssertionError("unreachable")

    # -- nodes ------------------------------------------------------------------
    def add_node(self, type_name: str, position: tuple[float, float] = (0.0, 0.0),
                 settings: dict[str, Any] | None = None, title: str | None = None,
                 node_id: str | None = None, node_version: int | None = None) -> Node:
        """Add a block; unset settings take the block's defaults. Unknown types become placeholders."""
        spec = self.specs.get(type_name)
        if node_id is not None and node_id in self.nodes:
            raise EmbedflowError(f"A node with id {node_id!r} already exists")
        stored = dict(settings or {})
        if spec is not None and settings is None:
            stored = spec.defaults()
        node = Node(
            id=node_id or self.new_id("n"),
            type=type_name,
            title=title if title is not None else (spec.title if spec else type_name),
            position=(float(position[0]), float(position[1])),
            settings=stored,
            node_version=node_version if node_version is not None else (spec.version if spec else 1),
        )
        self.nodes[node.id] = node
        self._emit(EventKind.NODE_ADDED, node)
        return node

    def spec_of(self, node: Node) -> NodeSpec | None:
        """The spec of one node: its type's, or for a block whose ports depend on its settings (a group) its own."""
        return node_spec(self.specs, node.type, node.settings)

    def remove_node(self, node_id: str) -> list[Link]:
        """Remove a node and its links (link-removed events come first); returns the removed links."""
        node = self._node(node_id)
        removed = [self.links[link_id] for link_id in self._touching.get(node_id, {})]
        for link in removed:
            self.disconnect(link.id)
        self._touching.pop(node_id, None)
        del self.nodes[node_id]
        self._emit(EventKind.NODE_REMOVED, node)
        return removed

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        """Place a node at `position`."""
        node = self._node(node_id)
        old, node.position = node.position, (float(position[0]), float(position[1]))
        self._emit(EventKind.NODE_MOVED, node, old, node.position)

    def set_title(self, node_id: str, title: str) -> None:
        """Rename a node."""
        node = self._node(node_id)
        old, node.title = node.title, title
        self._emit(EventKind.TITLE_CHANGED, node, old, title)

    def update_settings(self, node_id: str, changes: dict[str, Any], remove: Iterable[str] = ()) -> None:
        """Set some settings of a node and drop those named in `remove` (others keep their values).

        The event carries the old and new values of the touched keys only (a key not stored is absent),
        so an edit costs what it changes, not a copy of every setting.
        """
        node = self._node(node_id)
        keys = [*changes, *(key for key in remove if key not in changes)]
        old = {key: node.settings[key] for key in keys if key in node.settings}
        for key in remove:
            node.settings.pop(key, None)
        node.settings.update(copy.deepcopy(changes))
        new = {key: node.settings[key] for key in keys if key in node.settings}
        self._emit(EventKind.SETTINGS_CHANGED, node, old, new)

    # -- links ------------------------------------------------------------------
    def connect(self, source: str, source_port: str, target: str, target_port: str,
                link_id: str | None = None) -> Link:
        """Link an output port to an input port. An input port takes one link: an existing one is replaced.

        Raises EmbedflowError for unknown nodes or ports and for a link that already exists;
        type mismatches and cycles are left for the validator to explain.
        """
        for node_id in (source, target):
            self._node(node_id)
        if source == target:
            raise EmbedflowError("A node cannot be linked to itself")
        source_spec, target_spec = self.spec_of(self.nodes[source]), self.spec_of(self.nodes[target])
        if source_spec and source_spec.output(source_port) is None:
            raise EmbedflowError(f"{self.nodes[source].title} has no output called {source_port!r}")
        if target_spec and target_spec.input(target_port) is None:
            raise EmbedflowError(f"{self.nodes[target].title} has no input called {target_port!r}")
        if link_id is not None and link_id in self.links:
            raise EmbedflowError(f"A link with id {link_id!r} already exists")
        existing = self._into.get((target, target_port))
        if existing is not None:
            old = self.links[existing]
            if old.source == source and old.source_port == source_port:
                raise EmbedflowError("These ports are already linked")
            self.disconnect(existing)
        link = Link(link_id or self.new_id("l"), source, source_port, target, target_port)
        self.links[link.id] = link
        self._index(link)
        self._emit(EventKind.LINK_ADDED, link)
        return link

    def disconnect(self, link_id: str) -> Link:
        """Remove a link; returns it."""
        if link_id not in self.links:
            raise EmbedflowError(f"No link with id {link_id!r}")
        link = self.links.pop(link_id)
        if self._into.get((link.target, link.target_port)) == link_id:
            del self._into[(link.target, link.target_port)]
        for end in (link.source, link.target):
            self._touching.get(end, {}).pop(link_id, None)
        self._emit(EventKind.LINK_REMOVED, link)
        return link

    def _index(self, link: Link) -> None:
        self._into[(link.target, link.target_port)] = link.id
        for end in (link.source, link.target):
            self._touching.setdefault(end, {})[link.id] = None

    def _reindex(self) -> None:
        """Rebuild the link indexes in the order of `links`."""
        self._into.clear()
        self._touching.clear()
        for link in self.links.values():
            self._index(link)

    def links_into(self, node_id: str) -> list[Link]:
        """Links whose target is `node_id`."""
        return [link for link in map(self.links.__getitem__, self._touching.get(node_id, {}))
                if link.target == node_id]

    def links_from(self, node_id: str) -> list[Link]:
        """Links whose source is `node_id`."""
        return [link for link in map(self.links.__getitem__, self._touching.get(node_id, {}))
                if link.source == node_id]

    def upstream_of(self, node_id: str, port: str) -> tuple[Node, str] | None:
        """The (node, output port) feeding input `port` of `node_id`, if linked."""
        link_id = self._into.get((node_id, port))
        if link_id is None or self.links[link_id].source not in self.nodes:
            return None
        link = self.links[link_id]
        return self.nodes[link.source], link.source_port

    # -- annotations ------------------------------------------------------------
    def add_annotation(self, kind: AnnotationKind | str, rect: Iterable[float], text: str = "",
                       annotation_id: str | None = None) -> Annotation:
        """Add a text note or an arrow."""
        try:
            checked = AnnotationKind(kind)
        except ValueError:
            raise EmbedflowError(f"Unknown annotation kind {kind!r}") from None
        annotation = Annotation(annotation_id or self.new_id("a"), checked, _rect(rect), text)
        self.annotations[annotation.id] = annotation
        self._emit(EventKind.ANNOTATION_ADDED, annotation)
        return annotation

    def update_annotation(self, annotation_id: str, rect: Iterable[float] | None = None,
                          text: str | None = None) -> None:
        """Move/resize an annotation or change its text."""
        annotation = self.annotations[annotation_id]
        old = copy.copy(annotation)
        if rect is not None:
            annotation.rect = _rect(rect)
        if text is not None:
            annotation.text = text
        self._emit(EventKind.ANNOTATION_CHANGED, annotation, old, copy.copy(annotation))

    def remove_annotation(self, annotation_id: str) -> Annotation:
        """Remove an annotation; returns it."""
        annotation = self.annotations.pop(annotation_id)
        self._emit(EventKind.ANNOTATION_REMOVED, annotation)
        return annotation

    # -- whole workflow -------------------------------------------------------------
    def reorder(self, node_ids: Iterable[str] = (), link_ids: Iterable[str] = (),
                annotation_ids: Iterable[str] = ()) -> None:
        """Put the listed items first, in that order (undo uses it so a saved file comes back byte-identical)."""
        _put_first(self.nodes, node_ids)
        _put_first(self.links, link_ids)
        _put_first(self.annotations, annotation_ids)
        self._reindex()

    def clear(self) -> None:
        """Remove everything (one "reset" event)."""
        self.nodes.clear()
        self.links.clear()
        self.annotations.clear()
        self._next_id.clear()
        self._reindex()
        self._emit(EventKind.RESET, self)

    def topological_order(self, partial: bool = False) -> list[str] | None:
        """Node ids with every node after its sources, or None when the links form a cycle.

        partial: instead of None, return the nodes that are neither in a cycle nor below one.
        """
        indegree = {node_id: 0 for node_id in self.nodes}
        children: dict[str, list[str]] = {node_id: [] for node_id in self.nodes}
        for link in self.links.values():
            if link.source in self.nodes and link.target in self.nodes:
                indegree[link.target] += 1
                children[link.source].append(link.target)
        ready = deque(node_id for node_id, count in indegree.items() if count == 0)
        order: list[str] = []
        while ready:
            node_id = ready.popleft()
            order.append(node_id)
            for child in children[node_id]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return order if partial or len(order) == len(self.nodes) else None

    def links_in_cycles(self) -> list[Link]:
        """The links that lie on a loop (both ends in one strongly connected component), in link order."""
        component = self._components()
        return [link for link in self.links.values()
                if link.source in component and component.get(link.source) == component.get(link.target)]

    def _components(self) -> dict[str, int]:
        """Strongly connected component number of each node (Tarjan's algorithm, without recursion)."""
        children: dict[str, list[str]] = {node_id: [] for node_id in self.nodes}
        for link in self.links.values():
            if link.source in self.nodes and link.target in self.nodes:
                children[link.source].append(link.target)
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        component: dict[str, int] = {}
        count = 0
        for root in self.nodes:
            if root in index:
                continue
            work = [(root, 0)]
            while work:
                node_id, child_index = work.pop()
                if child_index == 0:
                    index[node_id] = low[node_id] = len(index)
                    stack.append(node_id)
                    on_stack.add(node_id)
                elif child_index <= len(children[node_id]):
                    child = children[node_id][child_index - 1]
                    low[node_id] = min(low[node_id], low[child])
                for position in range(child_index, len(children[node_id])):
                    child = children[node_id][position]
                    if child not in index:
                        work.append((node_id, position + 1))
                        work.append((child, 0))
                        break
                    if child in on_stack:
                        low[node_id] = min(low[node_id], index[child])
                else:
                    if low[node_id] == index[node_id]:
                        count += 1
                        while True:
                            member = stack.pop()
                            on_stack.discard(member)
                            component[member] = count
                            if member == node_id:
                                break
        return component

    def downstream_of(self, node_id: str) -> set[str]:
        """Every node reachable from `node_id` along links (not including itself)."""
        seen: set[str] = set()
        stack = [node_id]
        while stack:
            for link in self.links_from(stack.pop()):
                if link.target not in seen:
                    seen.add(link.target)
                    stack.append(link.target)
        return seen

    def _node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise EmbedflowError(f"No node with id {node_id!r}") from None


def _put_first(items: dict[str, T], order: Iterable[str]) -> None:
    """Reorder `items` in place: the listed keys first, in that order, then the rest as they were."""
    listed = [key for key in order if key in items]
    chosen = set(listed)
    reordered = {key: items[key] for key in listed + [key for key in items if key not in chosen]}
    items.clear()
    items.update(reordered)


def _rect(values: Iterable[float]) -> tuple[float, float, float, float]:
    """An annotation's rectangle (or arrow ends) as four floats."""
    numbers = tuple(float(v) for v in values)
    if len(numbers) != 4:
        raise EmbedflowError(f"An annotation needs four numbers (x1, y1, x2, y2), not {len(numbers)}")
    return numbers[0], numbers[1], numbers[2], numbers[3]
