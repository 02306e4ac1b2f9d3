"""File patterns (data/*.parquet, corpus/**/*.txt) matched by a bounded walk.

`glob.glob` walks without limit: `/**/*.csv` visits the whole disk for minutes with no output.
Here the walk stops after MAX_VISITED entries or MAX_SECONDS and says what it found so far, and a
pattern whose fixed part is the root or the home folder is refused unless the user asked for it
(the environment variable WIDE_PATTERNS_ENV set to 1).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import time
from pathlib import Path

from ..core.errors import EmbedflowError

MAX_VISITED = 100_000
MAX_SECONDS = 5.0
WIDE_PATTERNS_ENV = "EMBEDFLOW_WIDE_PATTERNS"


class PatternError(EmbedflowError):
    """A pattern that is refused or whose walk went past its bounds; the message says what was found."""


def is_pattern(path: str) -> bool:
    """True when the path is a glob pattern such as data/*.parquet."""
    return glob.has_magic(path)


def pattern_start(pattern: Path) -> Path:
    """The folder a pattern's walk starts at: the part before its first wildcard."""
    return _split(pattern)[0]


def match_files(pattern: Path, *, max_visited: int = MAX_VISITED, max_seconds: float = MAX_SECONDS) -> list[Path]:
    """The files an absolute pattern matches, sorted; PatternError when refused or past the bounds."""
    start, parts = _split(pattern)
    _refuse_wide(pattern, start)
    found: list[Path] = []
    visited = 0
    give_up = time.monotonic() + max_seconds
    stack: list[tuple[Path, tuple[str, ...]]] = [(start, ())]
    while stack:
        folder, above = stack.pop()
        for entry in _entries(folder):
            visited += 1
            if visited > max_visited or (visited % 256 == 0 and time.monotonic() > give_up):
                raise PatternError(_too_wide(pattern, visited, found, max_visited, max_seconds))
            rel = (*above, entry.name)
            if _is_folder(entry):
                if _may_lead_to(rel, parts):
                    stack.append((Path(entry.path), rel))
            elif _matches(rel, parts):
                found.append(Path(entry.path))
    return sorted(found, key=str)


def _split(pattern: Path) -> tuple[Path, tuple[str, ...]]:
    """The folder before the first segment with a wildcard, and the segments from there on."""
    parts = pattern.parts
    first = next(i for i, part in enumerate(parts) if glob.has_magic(part))
    return Path(*parts[:first]) if first else Path("."), tuple(parts[first:])


def _refuse_wide(pattern: Path, start: Path) -> None:
    """Refuse a walk from the root or the home folder unless the user set WIDE_PATTERNS_ENV=1."""
    if os.environ.get(WIDE_PATTERNS_ENV) == "1":
        return
    where = "the root folder" if start == Path(start.anchor) else "your home folder" if start == Path.home() else ""
    if where:
        raise PatternError(f"the pattern {pattern} starts at {where}, so it would search the whole of it; "
                           f"start it at the folder that holds the data (or set {WIDE_PATTERNS_ENV}=1 "
                           "to allow it)")


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The entries of a folder, none when it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError:
        return []


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A real folder (a link to one is not followed: it may lead back up)."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _matches(rel: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether a path below the start matches the segments ('**' is any number of folders)."""
    if not parts:
        return not rel
    if parts[0] == "**":
        return _matches(rel, parts[1:]) or (bool(rel) and _visible(rel[0], "*") and _matches(rel[1:], parts))
    return bool(rel) and _segment(rel[0], parts[0]) and _matches(rel[1:], parts[1:])


def _may_lead_to(rel: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether files below the folder `rel` can still match (so the walk goes in)."""
    for depth, name in enumerate(rel):
        if depth < len(parts) and parts[depth] == "**":
            return all(_visible(n, "*") for n in rel[depth:])
        if depth >= len(parts) - 1:
            return False
        if not _segment(name, parts[depth]):
            return False
    return True


def _segment(name: str, part: str) -> bool:
    return _visible(name, part) and fnmatch.fnmatchcase(name, part)


def _visible(name: str, part: str) -> bool:
    """Hidden names match only a segment that starts with a dot, as with glob."""
    return not name.startswith(".") or part.startswith(".")


def _too_wide(pattern: Path, visited: int, found: list[Path], max_visited: int, max_seconds: float) -> str:
    shown = ", ".join(str(path) for path in sorted(found, key=str)[:3])
    so_far = f"found {len(found):,} matching file(s) so far ({shown}{', …' if len(found) > 3 else ''})" if found \
        else "found no matching file so far"
    return (f"the pattern {pattern} went through {visited:,} entries (it may go through {max_visited:,} in at most "
            f"{max_seconds:g} s) and {so_far}; start it at the folder that holds the data")
