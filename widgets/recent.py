"""The list of recently opened or saved workflows, kept in the config folder."""

from __future__ import annotations

import json
from pathlib import Path

from embedflow.io.atomic import atomic_write
from embedflow.io.user_dirs import config_dir

MAX_RECENT = 8


def display_name(path: str | Path) -> str:
    """How a workflow file is named in titles and lists: its file name as typed, without ".embedflow"."""
    name = Path(path).name
    return name[: -len(".embedflow")] if name.endswith(".embedflow") and len(name) > len(".embedflow") else name


def distinct_names(paths: list[str]) -> list[str]:
    """The display names of `paths`, each shared name followed by its folder so two files of one name differ."""
    names = [display_name(path) for path in paths]
    return [f"{name} — {_folder(path)}" if names.count(name) > 1 else name for name, path in zip(names, paths)]


def _folder(path: str) -> str:
    folder = Path(path).parent
    try:
        return f"~/{folder.relative_to(Path.home())}"
    except ValueError:
        return str(folder)


def recent_files() -> list[str]:
    """Recently opened or saved workflows, newest first."""
    try:
        items = json.loads((config_dir() / "recent.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in items if isinstance(p, str)] if isinstance(items, list) else []


def remember(path: str) -> None:
    """Put `path` first in the list."""
    items = [path, *[p for p in recent_files() if p != path]][:MAX_RECENT]
    try:
        with atomic_write(config_dir() / "recent.json", "w") as handle:
            json.dump(items, handle, indent=1)
    except OSError:
        pass  # a read-only config folder only costs the recent list
