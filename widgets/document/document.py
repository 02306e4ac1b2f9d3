"""The open workflow: its model, file path, undo stack, and every user edit as an undo command."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QUndoStack

from embedflow.core.errors import EmbedflowError
from embedflow.core.specs import SpecSource
from embedflow.core.workflow import Workflow
from embedflow.grouping import check_ungroup, with_inner_setting
from embedflow.groups import exposed, flatten
from embedflow.io.workflow_file import dumps, loads, write_workflow
from embedflow.registry import Registry, default_registry

from . import commands, group_commands

CLIPBOARD_MIME = "application/x-embedflow-workflow"


class WorkflowDocument(QObject):
    """Owns the Workflow being edited; edits go through `undo_stack` so each can be undone.

    registry: the block types and editors of this canvas (the process's registry unless one is given).
    Signal pathChanged(str) after New, Open and Save As.
    """

    pathChanged = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None, registry: Registry | None = None) -> None:
        super().__init__(parent)
        self.registry = registry if registry is not None else default_registry()
        self.workflow = Workflow(self.registry)
        self.path: str | None = None
        self.undo_stack = QUndoStack(self)

    # -- file -------------------------------------------------------------------------
    @property
    def base_dir(self) -> str | None:
        """The folder relative data paths are resolved against (the file's folder)."""
        return str(Path(self.path).resolve().parent) if self.path else None

    @property
    def modified(self) -> bool:
        """True when there are edits since the last save or load."""
        return not self.undo_stack.isClean()

    def replace(self, workflow: Workflow, path: str | None, modified: bool = False) -> None:
        """Show another workflow (New, Open, recovery); the undo history starts afresh."""
        self.undo_stack.clear()
        self.workflow = workflow
        self.path = path
        self.pathChanged.emit(path or "")
        if modified:
            # An empty command makes the stack dirty so the title shows the unsaved mark.
            self.undo_stack.push(_Marker("Recovered edits"))

    def save(self, path: str) -> None:
        """Write the workflow atomically to `path` (raises WorkflowFileError) and mark it saved."""
        path = os.path.abspath(path)
        if self.base_dir and self.base_dir != os.path.dirname(path):
            self._keep_data_paths(self.base_dir)
        write_workflow(self.workflow, path)
        changed = path != self.path
        self.path = path
        self.undo_stack.setClean()
        if changed:
            self.pathChanged.emit(path)

    def _keep_data_paths(self, base_dir: str) -> None:
        """Saving into another folder: relative data paths keep naming the same files, now and in the history."""
        specs = self.workflow.specs

        def fix(type_name: str, settings: dict[str, Any]) -> dict[str, Any]:
            return absolute_paths(specs, type_name, settings, base_dir)

        # Not an undo step of its own: undoing it would point the paths into the new folder. The
        # history is rewritten the same way instead, so every step before and after stays right.
        for node in self.workflow.nodes.values():
            changes = fix(node.type, node.settings)
            if changes:
                self.workflow.update_settings(node.id, changes)
        commands.rewrite_history(self.undo_stack, fix)

    def data_outside(self, folder: str) -> dict[tuple[str, str], str]:
        """Data files and folders the workflow reads from outside `folder`: {(node id, setting): path}.

        A block inside a group is named by its path (`g1/m`)."""
        found = {}
        for node in flatten(self.workflow).workflow.nodes.values():
            spec = self.workflow.specs.get(node.type)
            for name, value in node.settings.items():
                setting = spec.setting(name) if spec else None
                if setting is None or setting.kind != "path" or not isinstance(value, str) or not value:
                    continue
                source = Path(self.base_dir or folder, value).resolve()
                if source.exists() and not source.is_relative_to(Path(folder).resolve()):
                    found[(node.id, name)] = str(source)
        return found

    def package_data(self, folder: str, found: dict[tuple[str, str], str]) -> None:
        """Copy data next to the workflow in `folder` and point the blocks at the copies (one undo step)."""
        copies: dict[str, str] = {}
        for source in dict.fromkeys(found.values()):
            target = _free_name(Path(folder) / Path(source).name)
            if Path(source).is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
            copies[source] = str(target)
        self.undo_stack.beginMacro("Copy data next to the workflow")
        for (node_id, name), source in found.items():
            group_id, _, inner = node_id.partition("/")
            if inner:  # a block inside a group: the group's settings change
                settings = self.workflow.nodes[group_id].settings
                self.update_settings(group_id, {"nodes": with_inner_setting(settings, inner, name, copies[source])[
                    "nodes"]})
            else:
                self.update_settings(node_id, {name: copies[source]})
        self.undo_stack.endMacro()

    # -- edits --------------------------------------------------------------------------
    def add_node(self, type_name: str, position: tuple[float, float],
                 settings: dict[str, Any] | None = None, title: str | None = None) -> str:
        """Add a block of `type_name` at `position`; returns its id."""
        command = commands.AddNode(self.workflow, type_name, position, settings, title)
        self.undo_stack.push(command)
        return command.node_id

    def remove(self, node_ids: Iterable[str] = (), link_ids: Iterable[str] = (),
               annotation_ids: Iterable[str] = ()) -> None:
        """Delete blocks (with their links), links and annotations as one undo step."""
        node_ids = [n for n in node_ids if n in self.workflow.nodes]
        link_ids = [k for k in link_ids if k in self.workflow.links
                    and not {self.workflow.links[k].source, self.workflow.links[k].target} & set(node_ids)]
        annotation_ids = [a for a in annotation_ids if a in self.workflow.annotations]
        count = len(node_ids) + len(link_ids) + len(annotation_ids)
        if not count:
            return
        self.undo_stack.beginMacro(f"Delete {count} item{'s' if count > 1 else ''}")
        for link_id in link_ids:
            self.undo_stack.push(commands.Disconnect(self.workflow, link_id))
        for node_id in node_ids:
            self.undo_stack.push(commands.RemoveNode(self.workflow, node_id))
        for annotation_id in annotation_ids:
            self.undo_stack.push(commands.RemoveAnnotation(self.workflow, annotation_id))
        self.undo_stack.endMacro()

    def move_nodes(self, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> None:
        """Record a drag: {node id: (old position, new position)}."""
        moves = {k: v for k, v in moves.items() if k in self.workflow.nodes and v[0] != v[1]}
        if moves:
            self.undo_stack.push(commands.MoveNodes(self.workflow, moves))

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> str | None:
        """Link two ports; returns the link id, or None when that exact link exists or is a self-link."""
        if source == target or any(
                (link.source, link.source_port, link.target, link.target_port)
                == (source, source_port, target, target_port)
                for link in self.workflow.links.values()):
            return None
        command = commands.Connect(self.workflow, source, source_port, target, target_port)
        self.undo_stack.push(command)
        return command.link_id

    def disconnect(self, link_id: str) -> None:  # type: ignore[override]  # removes a link, not a Qt connection
        """Remove a link."""
        self.undo_stack.push(commands.Disconnect(self.workflow, link_id))

    def rename(self, node_id: str, title: str) -> None:
        """Give a block a new title (blank or unchanged titles are ignored)."""
        title = title.strip()
        if title and title != self.workflow.nodes[node_id].title:
            self.undo_stack.push(commands.Rename(self.workflow, node_id, title))

    def update_settings(self, node_id: str, changes: dict[str, Any], merge: bool = False) -> None:
        """Change some settings of a block: one undo step (none when nothing changes).

        `merge`: the change is one step of an edit still being made (a spin box's arrows), merged
        with the step before it when that was one too."""
        stored = self.workflow.nodes[node_id].settings
        changes = {k: v for k, v in changes.items() if k not in stored or stored[k] != v}
        if changes:
            self.undo_stack.push(commands.ChangeSettings(self.workflow, node_id, changes, merge))

    def group(self, node_ids: Iterable[str], title: str = "Group", annotation_ids: Iterable[str] = ()) -> str | None:
        """Fold blocks (and notes) into one group (one undo step); its id, or None when no block is given."""
        chosen = [node_id for node_id in node_ids if node_id in self.workflow.nodes]
        if not chosen:
            return None
        command = group_commands.GroupNodes(self.workflow, chosen, title, list(annotation_ids))
        self.undo_stack.push(command)
        return command.group_id

    def ungroup(self, group_id: str) -> list[str]:
        """Put a group's blocks back (one undo step); their ids. Raises EmbedflowError for a broken group."""
        check_ungroup(self.workflow, group_id)  # a broken group is refused before the history changes
        command = group_commands.UngroupNode(self.workflow, group_id)
        self.undo_stack.push(command)
        return command.added

    def rename_group_port(self, group_id: str, key: str, old: str, new: str) -> None:
        """Rename an exposed port ("inputs" or "outputs") of a group (one undo step); raises EmbedflowError."""
        new = new.strip()
        if new == old:
            return
        names = [entry.name for entry in exposed(self.workflow.nodes[group_id].settings, key)[0]]
        if old not in names or not new or new in names:
            why = ("that name is taken" if new in names else "no such port" if old not in names
                   else "a port needs a name")
            raise EmbedflowError(f"cannot rename '{old}' to '{new}': {why}")
        self.undo_stack.push(group_commands.RenamePort(self.workflow, group_id, key, old, new))

    def add_annotation(self, kind: str, rect: tuple[float, ...], text: str = "") -> str:
        """Add a text note or an arrow; returns its id."""
        command = commands.AddAnnotation(self.workflow, kind, rect, text)
        self.undo_stack.push(command)
        return command.annotation_id

    def update_annotation(self, annotation_id: str, rect: tuple[float, ...] | None = None,
                          text: str | None = None) -> None:
        """Move, resize or retext an annotation (no step when nothing changes)."""
        old = self.workflow.annotations[annotation_id]
        if (rect is None or tuple(rect) == old.rect) and (text is None or text == old.text):
            return
        self.undo_stack.push(commands.UpdateAnnotation(self.workflow, annotation_id, rect, text))

    # -- clipboard ----------------------------------------------------------------------
    def copy_text(self, node_ids: Iterable[str], annotation_ids: Iterable[str] = ()) -> str:
        """The selected blocks, the links among them and annotations, as workflow-file text."""
        chosen = set(node_ids)
        part = Workflow(self.registry)
        for node_id in self.workflow.nodes:
            if node_id in chosen:
                node = self.workflow.nodes[node_id]
                part.add_node(node.type, node.position, dict(node.settings), node.title, node.id,
                              node.node_version)
        for link in self.workflow.links.values():
            if link.source in chosen and link.target in chosen:
                part.connect(link.source, link.source_port, link.target, link.target_port, link.id)
        for annotation_id in annotation_ids:
            a = self.workflow.annotations[annotation_id]
            part.add_annotation(a.kind, a.rect, a.text, a.id)
        # A relative path is made absolute so a paste into another workflow still finds the file.
        absolute_settings(part, self.base_dir)
        return dumps(part)

    def paste_text(self, text: str, offset: tuple[float, float] = (30.0, 30.0)) -> list[str]:
        """Add copied blocks (with fresh ids, shifted by `offset`) as one undo step; returns new node ids."""
        try:
            part, _ = loads(text, "clipboard", specs=self.registry)
        except Exception:  # noqa: BLE001 - anything else on the clipboard is simply not pasteable
            return []
        if not part.nodes and not part.annotations:
            return []
        dx, dy = offset
        new_ids: dict[str, str] = {}
        self.undo_stack.beginMacro("Paste")
        for node in part.nodes.values():
            command = commands.AddNode(self.workflow, node.type, (node.position[0] + dx, node.position[1] + dy),
                                       node.settings, node.title, node_version=node.node_version)
            self.undo_stack.push(command)
            new_ids[node.id] = command.node_id
        for link in part.links.values():
            self.undo_stack.push(commands.Connect(self.workflow, new_ids[link.source], link.source_port,
                                                  new_ids[link.target], link.target_port))
        for a in part.annotations.values():
            rect = tuple(v + (dx if i % 2 == 0 else dy) for i, v in enumerate(a.rect))
            self.undo_stack.push(commands.AddAnnotation(self.workflow, a.kind, rect, a.text))
        self.undo_stack.endMacro()
        return list(new_ids.values())


def absolute_paths(specs: SpecSource, type_name: str, settings: dict[str, Any], base_dir: str) -> dict[str, Any]:
    """The relative path settings of a block of `type_name`, made absolute against `base_dir`."""
    spec = specs.get(type_name)
    changes: dict[str, Any] = {}
    for name, value in settings.items():
        setting = spec.setting(name) if spec else None
        if setting is not None and setting.kind == "path" and isinstance(value, str) and value \
                and not os.path.isabs(value):
            changes[name] = os.path.normpath(os.path.join(base_dir, value))
    nodes = settings.get("nodes")
    if spec is not None and spec.instance is not None and isinstance(nodes, list):  # a group: its blocks' paths
        inner = [dict(item, settings={**item["settings"],
                                      **absolute_paths(specs, item["type"], item["settings"], base_dir)})
                 if isinstance(item, dict) and isinstance(item.get("type"), str)
                 and isinstance(item.get("settings"), dict) else item for item in nodes]
        if inner != nodes:
            changes["nodes"] = inner
    return changes


def absolute_settings(workflow: Workflow, base_dir: str | None) -> None:
    """Make relative path settings absolute against `base_dir` (examples, recoveries, the clipboard)."""
    if not base_dir:
        return
    for node in workflow.nodes.values():
        changes = absolute_paths(workflow.specs, node.type, node.settings, base_dir)
        if changes:
            workflow.update_settings(node.id, changes)


def _free_name(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`, … when that exists."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


class _Marker(commands.QUndoCommand):
    """A no-op step marking a recovered workflow as unsaved."""

    def redo(self) -> None:
        """Nothing to do."""

    def undo(self) -> None:
        """Nothing to undo."""
