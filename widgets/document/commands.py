"""QUndoCommands: each one is a call on the Workflow model and its exact inverse."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PyQt5.QtWidgets import QUndoCommand, QUndoStack

from embedflow.core.workflow import Annotation, Link, Node, Workflow

# fix(block type, settings) -> the settings it rewrites (e.g. relative data paths made absolute)
SettingsFix = Callable[[str, dict[str, Any]], dict[str, Any]]


def rewrite_history(stack: QUndoStack, fix: SettingsFix) -> None:
    """Apply `fix` to the settings every step on `stack` would set or restore, done or undone.

    Saving into another folder makes relative data paths absolute in the model; the history gets the
    same rewrite, so undo and redo afterwards bring back values that name the same files.
    """
    def visit(command: QUndoCommand) -> None:
        rewrite = getattr(command, "rewrite_settings", None)
        if rewrite is not None:
            rewrite(fix)
        for index in range(command.childCount()):
            visit(command.child(index))

    for index in range(stack.count()):
        visit(stack.command(index))


def _order(workflow: Workflow) -> tuple[list[str], list[str], list[str]]:
    return list(workflow.nodes), list(workflow.links), list(workflow.annotations)


class AddNode(QUndoCommand):
    """Add a block; undo removes it."""

    def __init__(self, workflow: Workflow, type_name: str, position: tuple[float, float],
                 settings: dict[str, Any] | None = None, title: str | None = None,
                 node_id: str | None = None, node_version: int | None = None) -> None:
        super().__init__()
        self.workflow = workflow
        self.args = (type_name, position, copy.deepcopy(settings), title)
        self.node_version = node_version
        self.node_id = node_id or workflow.new_id("n")
        self.setText(f"Add {title or type_name}")

    def redo(self) -> None:
        type_name, position, settings, title = self.args
        node = self.workflow.add_node(type_name, position, copy.deepcopy(settings), title,
                                      self.node_id, self.node_version)
        self.setText(f"Add {node.title}")

    def undo(self) -> None:
        self.workflow.remove_node(self.node_id)

    def rewrite_settings(self, fix: SettingsFix) -> None:
        """Apply `fix` to the settings the block is added with."""
        type_name, position, settings, title = self.args
        if settings is not None:
            self.args = (type_name, position, {**settings, **fix(type_name, settings)}, title)


class RemoveNode(QUndoCommand):
    """Remove a block with its links; undo puts both back in their former order."""

    def __init__(self, workflow: Workflow, node_id: str) -> None:
        super().__init__()
        self.workflow = workflow
        self.node_id = node_id
        self.node: Node | None = None
        self.links: list[Link] = []
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])
        self.setText(f"Remove {workflow.nodes[node_id].title}")

    def redo(self) -> None:
        self.order = _order(self.workflow)
        self.node = copy.deepcopy(self.workflow.nodes[self.node_id])
        self.links = [copy.copy(link) for link in self.workflow.remove_node(self.node_id)]

    def undo(self) -> None:
        node = self.node
        assert node is not None
        self.workflow.add_node(node.type, node.position, copy.deepcopy(node.settings), node.title,
                               node.id, node.node_version)
        for link in self.links:
            self.workflow.connect(link.source, link.source_port, link.target, link.target_port, link.id)
        self.workflow.reorder(*self.order)

    def rewrite_settings(self, fix: SettingsFix) -> None:
        """Apply `fix` to the settings undo brings the block back with."""
        if self.node is not None:
            self.node.settings = {**self.node.settings, **fix(self.node.type, self.node.settings)}


class MoveNodes(QUndoCommand):
    """Move several blocks at once (one drag)."""

    def __init__(self, workflow: Workflow, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> None:
        super().__init__("Move" if len(moves) > 1 else f"Move {workflow.nodes[next(iter(moves))].title}")
        self.workflow = workflow
        self.moves = moves

    def redo(self) -> None:
        for node_id, (_, new) in self.moves.items():
            self.workflow.move_node(node_id, new)

    def undo(self) -> None:
        for node_id, (old, _) in self.moves.items():
            self.workflow.move_node(node_id, old)


class Connect(QUndoCommand):
    """Link an output to an input; an existing link into that input is replaced (and restored on undo)."""

    def __init__(self, workflow: Workflow, source: str, source_port: str, target: str, target_port: str,
                 link_id: str | None = None) -> None:
        super().__init__(f"Link {workflow.nodes[source].title} → {workflow.nodes[target].title}")
        self.workflow = workflow
        self.ends = (source, source_port, target, target_port)
        self.link_id = link_id or workflow.new_id("l")
        self.replaced: Link | None = None
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])

    def redo(self) -> None:
        source, source_port, target, target_port = self.ends
        self.order = _order(self.workflow)
        self.replaced = next((copy.copy(link) for link in self.workflow.links.values()
                              if link.target == target and link.target_port == target_port), None)
        self.workflow.connect(source, source_port, target, target_port, self.link_id)

    def undo(self) -> None:
        self.workflow.disconnect(self.link_id)
        if self.replaced is not None:
            link = self.replaced
            self.workflow.connect(link.source, link.source_port, link.target, link.target_port, link.id)
        self.workflow.reorder(*self.order)


class Disconnect(QUndoCommand):
    """Remove a link; undo restores it in place."""

    def __init__(self, workflow: Workflow, link_id: str) -> None:
        super().__init__("Remove link")
        self.workflow = workflow
        self.link = copy.copy(workflow.links[link_id])
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])

    def redo(self) -> None:
        self.order = _order(self.workflow)
        self.workflow.disconnect(self.link.id)

    def undo(self) -> None:
        link = self.link
        self.workflow.connect(link.source, link.source_port, link.target, link.target_port, link.id)
        self.workflow.reorder(*self.order)


class Rename(QUndoCommand):
    """Change a block's title."""

    def __init__(self, workflow: Workflow, node_id: str, title: str) -> None:
        super().__init__(f"Rename to {title}")
        self.workflow = workflow
        self.node_id = node_id
        self.old, self.new = workflow.nodes[node_id].title, title

    def redo(self) -> None:
        self.workflow.set_title(self.node_id, self.new)

    def undo(self) -> None:
        self.workflow.set_title(self.node_id, self.old)


class ChangeSettings(QUndoCommand):
    """Change some settings of a block: one undo step per committed change.

    With `merge`, a change still being made (a spin box stepped click by click) merges with the one
    before it when that one merges too and changes the same settings of the same block.
    Stores only the changed keys (their new and former values), never a copy of every setting.
    """

    MERGE_ID = 7101

    def __init__(self, workflow: Workflow, node_id: str, changes: dict[str, Any], merge: bool = False) -> None:
        node = workflow.nodes[node_id]
        spec = workflow.specs.get(node.type)
        settings = [spec.setting(key) if spec else None for key in changes]
        # The settings' labels, as the editor shows them: the internal keys mean nothing to a user.
        names = [s.display_name if s is not None else key for s, key in zip(settings, changes)]
        super().__init__(f"Change {', '.join(names)} of {node.title}")
        self.workflow = workflow
        self.node_id = node_id
        self.type_name = node.type
        self.changes = copy.deepcopy(changes)
        self.old = {key: copy.deepcopy(node.settings[key]) for key in changes if key in node.settings}
        self.absent = tuple(key for key in changes if key not in node.settings)
        self.merge = merge

    def id(self) -> int:
        """Lets Qt merge consecutive steps of one change in the making (-1: this step never merges)."""
        return self.MERGE_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Absorb a later change of the same settings of the same block."""
        if not isinstance(other, ChangeSettings) or other.node_id != self.node_id \
                or other.changes.keys() != self.changes.keys():
            return False
        self.changes = copy.deepcopy(other.changes)
        return True

    def redo(self) -> None:
        self.workflow.update_settings(self.node_id, self.changes)

    def undo(self) -> None:
        self.workflow.update_settings(self.node_id, self.old, remove=self.absent)

    def rewrite_settings(self, fix: SettingsFix) -> None:
        """Apply `fix` to the values this step sets and restores."""
        self.changes = {**self.changes, **fix(self.type_name, self.changes)}
        self.old = {**self.old, **fix(self.type_name, self.old)}


class AddAnnotation(QUndoCommand):
    """Add a text note or an arrow."""

    def __init__(self, workflow: Workflow, kind: str, rect: tuple[float, ...], text: str = "",
                 annotation_id: str | None = None) -> None:
        super().__init__("Add note" if kind == "text" else "Add arrow")
        self.workflow = workflow
        self.args = (kind, tuple(rect), text)
        self.annotation_id = annotation_id or workflow.new_id("a")

    def redo(self) -> None:
        kind, rect, text = self.args
        self.workflow.add_annotation(kind, rect, text, self.annotation_id)

    def undo(self) -> None:
        self.workflow.remove_annotation(self.annotation_id)


class UpdateAnnotation(QUndoCommand):
    """Move, resize or retext an annotation."""

    def __init__(self, workflow: Workflow, annotation_id: str, rect: tuple[float, ...] | None = None,
                 text: str | None = None) -> None:
        super().__init__("Edit note" if text is not None else "Move note")
        self.workflow = workflow
        self.annotation_id = annotation_id
        old = workflow.annotations[annotation_id]
        self.old = (old.rect, old.text)
        self.new = (tuple(rect) if rect is not None else old.rect, text if text is not None else old.text)

    def redo(self) -> None:
        self.workflow.update_annotation(self.annotation_id, *self.new)

    def undo(self) -> None:
        self.workflow.update_annotation(self.annotation_id, *self.old)


class RemoveAnnotation(QUndoCommand):
    """Remove an annotation; undo restores it in place."""

    def __init__(self, workflow: Workflow, annotation_id: str) -> None:
        super().__init__("Remove note")
        self.workflow = workflow
        self.annotation: Annotation = copy.copy(workflow.annotations[annotation_id])
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])

    def redo(self) -> None:
        self.order = _order(self.workflow)
        self.workflow.remove_annotation(self.annotation.id)

    def undo(self) -> None:
        a = self.annotation
        self.workflow.add_annotation(a.kind, a.rect, a.text, a.id)
        self.workflow.reorder(*self.order)
