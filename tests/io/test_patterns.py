"""Input patterns are matched by a bounded walk: like glob, but never a search of the whole disk."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from embedflow.core.workflow import Workflow
from embedflow.io.patterns import WIDE_PATTERNS_ENV, PatternError, match_files
from embedflow.registry import default_registry
from embedflow.validation import validate


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ["a.csv", "b.txt", "x/c.csv", "x/y/d.csv", "x/y/e.txt", "z/f.csv", ".hidden/g.csv", "x/.h.csv"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text\nhello\n")
    return tmp_path


@pytest.mark.parametrize("pattern", ["*.csv", "**/*.csv", "x/**/*.csv", "*/*.csv", "x/*/*.csv", "**", "x/y/*"])
def test_a_pattern_matches_the_files_glob_matches(tree: Path, pattern: str) -> None:
    expected = [Path(p) for p in sorted(glob.glob(str(tree / pattern), recursive=True)) if Path(p).is_file()]
    assert match_files(tree / pattern) == expected and expected


def test_a_walk_past_its_bound_stops_and_says_what_it_found(tree: Path) -> None:
    for i in range(200):
        (tree / "x" / f"many{i:03}.csv").write_text("text\nhi\n")
    with pytest.raises(PatternError, match=r"went through 51 entries .* found \d+ matching file\(s\) so far \("):
        match_files(tree / "**" / "*.csv", max_visited=50)


def test_a_pattern_from_the_root_is_refused_at_once() -> None:
    with pytest.raises(PatternError, match="starts at the root folder"):
        match_files(Path("/**/*.csv"))


def test_a_pattern_from_the_home_folder_is_refused_unless_asked(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tree))
    with pytest.raises(PatternError, match="starts at your home folder"):
        match_files(Path("~/**/*.csv").expanduser())
    monkeypatch.setenv(WIDE_PATTERNS_ENV, "1")
    assert len(match_files(Path("~/**/*.csv").expanduser())) == 4


def test_validate_names_a_pattern_from_the_root_on_its_input() -> None:
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": "/**/*.csv"})
    found = [d for d in validate(workflow) if d.code == "pattern-too-wide"]
    assert len(found) == 1 and found[0].node_id == node.id and "starts at the root folder" in found[0].message
