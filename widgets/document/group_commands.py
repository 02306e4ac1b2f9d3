"""Undo commands for groups: fold the selected blocks into a group, and unfold a group again."""

from __future__ import annotations

import copy

from PyQt5.QtWidgets import QUndoCommand

from embedflow.core.workflow import Annotation, Link, Node, Workflow
from embedflow.grouping import group_nodes, rename_port, ungroup


class _Replace(QUndoCommand):
    """Replaces some blocks by others; undo removes the new ones and puts the old ones (and their links) back."""

    def __init__(self, workflow: Workflow, text: str) -> None:
        super().__init__(text)
        self.workflow = workflow
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])
        self.removed: list[Node] = []
        self.links: list[Link] = []
        self.notes: list[Annotation] = []
        self.added: list[str] = []

    def _remember(self, node_ids: list[str]) -> None:
        workflow = self.workflow
        self.order = (list(workflow.nodes), list(workflow.links), list(workflow.annotations))
        self.notes = [copy.copy(note) for note in workflow.annotations.values()]
        self.removed = [copy.deepcopy(workflow.nodes[node_id]) for node_id in node_ids]
        touching = {link_id: None for node_id in node_ids
                    for link_id in [link.id for link in workflow.links_into(node_id) + workflow.links_from(node_id)]}
        self.links = [copy.copy(workflow.links[link_id]) for link_id in workflow.links if link_id in touching]

    def undo(self) -> None:
        for node_id in self.added:
            self.workflow.remove_node(node_id)
        for note in self.notes:  # notes folded into the group come back, notes unfolded from it go
            if note.id not in self.workflow.annotations:
                self.workflow.add_annotation(note.kind, note.rect, note.text, note.id)
        before = {note.id for note in self.notes}
        for note_id in [a for a in self.workflow.annotations if a not in before]:
            self.workflow.remove_annotation(note_id)
        for node in self.removed:
            self.workflow.add_node(node.type, node.position, copy.deepcopy(node.settings), node.title,
                                   node.id, node.node_version)
        for link in self.links:
            self.workflow.connect(link.source, link.source_port, link.target, link.target_port, link.id)
        self.workflow.reorder(*self.order)


class GroupNodes(_Replace):
    """Fold blocks into one group whose ports are the links that crossed the selection's border."""

    def __init__(self, workflow: Workflow, node_ids: list[str], title: str = "Group",
                 annotation_ids: list[str] | None = None) -> None:
        super().__init__(workflow, f"Group {len(node_ids)} blocks")
        self.node_ids = list(node_ids)
        self.annotation_ids = list(annotation_ids or [])
        self.title = title
        self.group_id = workflow.new_id("g")

    def redo(self) -> None:
        self._remember(self.node_ids)
        group = group_nodes(self.workflow, self.node_ids, self.title, self.group_id, self.annotation_ids)
        self.added = [group.id]


class UngroupNode(_Replace):
    """Put a group's blocks back where they were, linked as the group was."""

    def __init__(self, workflow: Workflow, group_id: str) -> None:
        super().__init__(workflow, f"Ungroup {workflow.nodes[group_id].title}")
        self.group_id = group_id

    def redo(self) -> None:
        self._remember([self.group_id])
        self.added = ungroup(self.workflow, self.group_id)


class RenamePort(QUndoCommand):
    """Rename an exposed port of a group; the outer links follow it."""

    def __init__(self, workflow: Workflow, group_id: str, key: str, old: str, new: str) -> None:
        super().__init__(f"Rename {key[:-1]} '{old}' of {workflow.nodes[group_id].title}")
        self.workflow, self.args = workflow, (group_id, key, old, new)
        self.order: tuple[list[str], list[str], list[str]] = ([], [], [])

    def redo(self) -> None:
        workflow = self.workflow
        self.order = (list(workflow.nodes), list(workflow.links), list(workflow.annotations))
        rename_port(workflow, *self.args)

    def undo(self) -> None:
        group_id, key, old, new = self.args
        rename_port(self.workflow, group_id, key, new, old)
        self.workflow.reorder(*self.order)
