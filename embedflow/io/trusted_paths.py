"""Which data paths a workflow may read without a warning: a workflow from someone else is untrusted.

Trusted are the workflow's own folder tree and its parent's (so `../data` beside it works),
embedflow's installed resources (the examples' sample data), and the folders the user picked in
a file dialog (remembered in the config folder). Paths are compared after resolving symbolic
links, so a link inside the workflow's folder that points at /etc is not trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .atomic import atomic_write
from .patterns import is_pattern, pattern_start
from .resources import resource
from .user_dirs import config_dir

PICKED_FILE = "picked-folders.json"
MAX_PICKED = 200


def untrusted(path: Path, workflow_dir: str | os.PathLike[str]) -> Path | None:
    """The resolved path when it lies outside every trusted folder, else None (`path` is absolute)."""
    start = pattern_start(path) if is_pattern(str(path)) else path
    try:
        real = Path(os.path.realpath(start))
    except (ValueError, OSError):  # a NUL byte, a link loop: no file is read there, other rules say why
        return None
    roots = _trusted_roots(Path(workflow_dir))
    return None if any(real == root or root in real.parents for root in roots) else real


def remember_picked(path: str | os.PathLike[str]) -> None:
    """Trust the folder of a file (or the folder) the user picked in a file dialog from now on."""
    chosen = Path(os.path.realpath(path))
    folder = chosen if chosen.is_dir() else chosen.parent
    picked = [p for p in picked_folders() if p != folder] + [folder]
    target = config_dir() / PICKED_FILE
    with atomic_write(target, "w") as handle:
        handle.write(json.dumps([str(p) for p in picked[-MAX_PICKED:]], indent=1))


def picked_folders() -> list[Path]:
    """The folders the user picked in file dialogs (none when the list is missing or unreadable)."""
    try:
        stored = json.loads((config_dir() / PICKED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in stored if isinstance(p, str) and os.path.isabs(p)] if isinstance(stored, list) else []


def _trusted_roots(workflow_dir: Path) -> list[Path]:
    own = Path(os.path.realpath(workflow_dir))
    return [own, own.parent, Path(os.path.realpath(resource())), *picked_folders()]
