"""Where embedflow keeps models, downloads and caches (override with EMBEDFLOW_CACHE_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir(*parts: str) -> Path:
    """The user cache folder (or a sub-folder of it), created on demand."""
    root = os.environ.get("EMBEDFLOW_CACHE_DIR") or platformdirs.user_cache_dir("embedflow")
    path = Path(root).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir(*parts: str) -> Path:
    """The user config folder (override with EMBEDFLOW_CONFIG_DIR), created on demand."""
    root = os.environ.get("EMBEDFLOW_CONFIG_DIR") or platformdirs.user_config_dir("embedflow")
    path = Path(root).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
