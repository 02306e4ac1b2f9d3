"""The shipped resources (icons, example workflows, sample data, help pages), read with importlib.resources.

They are the package `embedflow_resources` (the repository's resources/ folder). embedflow is
installed unzipped, so each resource is a real file and is handed out as a Path.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "embedflow_resources"


def resource(*parts: str) -> Path:
    """A path inside the shipped resources (icons, examples, data, help)."""
    return Path(str(files(PACKAGE).joinpath(*parts)))


def examples() -> list[Path]:
    """The example workflows, sorted by name."""
    return sorted(resource("examples").glob("*.embedflow"))
