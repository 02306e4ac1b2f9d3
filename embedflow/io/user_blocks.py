"""The user's own blocks: groups saved as blocks, one `.embedflow` file each in the config folder's `blocks/`.

A user block file is a workflow file whose only node is the group, plus a `"block"` entry with its
title, description and icon. Placing one copies the group into the workflow, so a shared workflow
file stays self-contained. A broken file is listed as broken and stops nothing.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import EmbedflowError, WorkflowFileError
from ..core.specs import SpecSource
from ..core.workflow import Node, Workflow
from ..groups import GROUP
from .atomic import atomic_write
from .regular_files import FileRefused, read_regular
from .user_dirs import config_dir
from .workflow_file import MAX_FILE_BYTES, SUFFIX, dumps, loads

FOLDER = "blocks"
# How the canvas names a library block where it names block types (a toolbox drag): this, then the file's path.
USER_BLOCK = "user-block:"


@dataclass(frozen=True)
class UserBlock:
    """One file of the user library: the group it holds, or why it cannot be used (`error`)."""

    path: Path
    title: str
    description: str = ""
    icon: str = "block"
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def broken(self) -> bool:
        """True when the file cannot be placed."""
        return self.error is not None


def library_folder() -> Path:
    """Where the user's blocks live (created when the first one is saved)."""
    return config_dir() / FOLDER


def user_blocks(specs: SpecSource, folder: Path | None = None) -> list[UserBlock]:
    """Every `.embedflow` file of the library in name order (block types from `specs`), broken ones with their error."""
    folder = folder if folder is not None else library_folder()
    return [read_user_block(path, specs) for path in sorted(folder.glob(f"*{SUFFIX}"))]


def read_user_block(path: Path, specs: SpecSource) -> UserBlock:
    """One library file as a UserBlock; never raises."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
        workflow, _ = loads(raw, path.name, specs=specs)
        meta = json.loads(raw).get("block", {})
    except (FileRefused, OSError, WorkflowFileError, ValueError) as exc:
        return UserBlock(path, path.stem, error=str(exc) or type(exc).__name__)
    groups = [node for node in workflow.nodes.values() if node.type == GROUP]
    if len(workflow.nodes) != 1 or not groups:
        return UserBlock(path, path.stem, error=f"{path.name} must hold exactly one group, "
                                                f"not {len(workflow.nodes)} blocks")
    meta = meta if isinstance(meta, dict) else {}
    group = groups[0]
    return UserBlock(path, _text(meta.get("title"), group.title), _text(meta.get("description"), ""),
                     _text(meta.get("icon"), "block"), copy.deepcopy(group.settings))


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def save_user_block(workflow: Workflow, group_id: str, description: str = "",
                    folder: Path | None = None) -> Path:
    """Save a group of the workflow as a block of the library (atomically); the new file's path."""
    group = workflow.nodes.get(group_id)
    if group is None or group.type != GROUP:
        raise EmbedflowError(f"{group_id!r} is not a group")
    folder = folder if folder is not None else library_folder()
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", group.title.lower()).strip("-") or "block"
    path, number = folder / f"{slug}{SUFFIX}", 2
    while path.exists():
        path, number = folder / f"{slug}-{number}{SUFFIX}", number + 1
    single = Workflow(workflow.specs)
    single.add_node(GROUP, (0.0, 0.0), copy.deepcopy(group.settings), group.title, "g1", group.node_version)
    document = json.loads(dumps(single))
    document["block"] = {"title": group.title, "description": description, "icon": "block"}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        with atomic_write(path, "w", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise EmbedflowError(f"Could not save {path}: {exc.strerror or exc}") from None
    return path


def place_user_block(workflow: Workflow, block: UserBlock, position: tuple[float, float] = (0.0, 0.0)) -> Node:
    """Add a copy of a library block's group to the workflow; raises EmbedflowError for a broken one."""
    if block.broken:
        raise EmbedflowError(f"the block {block.path.name} cannot be placed: {block.error}")
    return workflow.add_node(GROUP, position, copy.deepcopy(block.settings), block.title, workflow.new_id("g"))


def library_lines(blocks: list[UserBlock], folder: Path) -> list[str]:
    """The `embedflow blocks` listing of the library: one line per block, broken ones with their error."""
    lines = [f"My blocks ({folder}):"]
    for block in blocks:
        where = block.path.name
        lines.append(f"  {where}: broken: {block.error}" if block.broken
                     else f"  {block.title} ({where})" + (f": {block.description}" if block.description else ""))
    if not blocks:
        lines.append("  none yet (save a group as a block on the canvas)")
    return lines
