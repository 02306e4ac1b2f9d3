"""Where the shipped resources live: icons, example workflows, sample data and help pages."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """A path inside resources/ (icons, examples, data, help)."""
    return ROOT.joinpath(*parts)


def examples() -> list[Path]:
    """The example workflows, sorted by name."""
    return sorted(resource("examples").glob("*.embedflow"))
