"""Paths that settings and table cells name, made absolute against the folder they are relative to."""

from __future__ import annotations

import os
from pathlib import Path


def resolve_path(value: str, base_dir: str | os.PathLike[str] | None) -> Path:
    """`value` (with ~ expanded) as is when absolute, else below `base_dir`.

    Normalised, so messages and viewers show data/words.csv, not examples/../data/words.csv.
    A `~user` that names no user stays as written (then the file is simply not found).
    """
    path = Path(value)
    try:
        path = path.expanduser()
    except RuntimeError:
        pass
    if not path.is_absolute() and base_dir:
        path = Path(os.path.normpath(Path(base_dir) / path))
    return path
