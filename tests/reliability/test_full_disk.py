"""A full disk while copying the examples or writing a cluster run's parts: one message, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.full_disk import run_on_a_full_disk


def test_examples_copy_on_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "class"
    done = run_on_a_full_disk(["examples", "--copy", str(target)], file_limit=20_000)
    assert done.returncode == 1
    assert "File too large" in done.stderr and "the files copied before it were removed again" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists(), sorted(str(p) for p in target.rglob("*"))


def test_examples_copy_into_an_existing_folder_on_a_full_disk_keeps_the_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("mine")
    done = run_on_a_full_disk(["examples", "--copy", str(tmp_path)], file_limit=20_000)
    assert done.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
