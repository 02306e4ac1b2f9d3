"""A shared workflow is untrusted: data paths outside its folders are named, and --strict-paths refuses them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from embedflow.api import read_workflow
from embedflow.cli import main as cli_main
from embedflow.core.workflow import Workflow
from embedflow.io.resources import examples
from embedflow.io.trusted_paths import remember_picked
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate


def data(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text\nthe king rules\nqueens and princes\n", encoding="utf-8")
    return path


def workflow_reading(path: str, where: Path) -> Path:
    """A workflow file at `where` whose Input reads `path`."""
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": path})
    where.parent.mkdir(parents=True, exist_ok=True)
    write_workflow(workflow, where)
    return where


def untrusted(file: Path) -> list[str]:
    workflow, _ = read_workflow(file)
    return [d.message for d in validate(workflow, str(file.parent)) if d.code == "untrusted-path"]


def test_a_path_outside_the_workflows_folders_is_named_with_its_resolved_path(tmp_path: Path) -> None:
    secret = data(tmp_path / "elsewhere" / "secret.csv")
    file = workflow_reading(str(secret), tmp_path / "shared" / "lesson" / "w.embedflow")
    found = untrusted(file)
    assert len(found) == 1 and str(secret) in found[0]


def test_a_relative_path_that_climbs_out_is_named(tmp_path: Path) -> None:
    secret = data(tmp_path / "elsewhere" / "secret.csv")
    file = workflow_reading("../../elsewhere/secret.csv", tmp_path / "shared" / "lesson" / "w.embedflow")
    assert str(secret) in untrusted(file)[0]


def test_system_files_are_named() -> None:
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": "/etc/passwd"})
    found = [d for d in validate(workflow, "/tmp/some/lesson") if d.code == "untrusted-path"]
    assert len(found) == 1 and "/etc/passwd" in found[0].message and found[0].severity == "warning"


def test_data_beside_the_workflow_and_in_its_parent_folder_is_trusted(tmp_path: Path) -> None:
    data(tmp_path / "course" / "data" / "words.csv")
    data(tmp_path / "course" / "lesson" / "local.csv")
    assert untrusted(workflow_reading("../data/words.csv", tmp_path / "course" / "lesson" / "a.embedflow")) == []
    assert untrusted(workflow_reading("local.csv", tmp_path / "course" / "lesson" / "b.embedflow")) == []


def test_a_link_inside_the_folder_that_points_outside_is_named(tmp_path: Path) -> None:
    secret = data(tmp_path / "elsewhere" / "secret.csv")
    (tmp_path / "course" / "lesson").mkdir(parents=True)
    os.symlink(secret, tmp_path / "course" / "lesson" / "innocent.csv")
    found = untrusted(workflow_reading("innocent.csv", tmp_path / "course" / "lesson" / "w.embedflow"))
    assert len(found) == 1 and str(secret) in found[0]


def test_a_pattern_is_judged_by_the_folder_it_starts_at(tmp_path: Path) -> None:
    data(tmp_path / "elsewhere" / "a.csv")
    file = workflow_reading(str(tmp_path / "elsewhere" / "*.csv"), tmp_path / "shared" / "lesson" / "w.embedflow")
    assert str(tmp_path / "elsewhere") in untrusted(file)[0]


def test_a_folder_the_user_picked_in_a_file_dialog_is_trusted(tmp_path: Path) -> None:
    secret = data(tmp_path / "elsewhere" / "mine.csv")
    file = workflow_reading(str(secret), tmp_path / "shared" / "lesson" / "w.embedflow")
    remember_picked(secret)
    assert untrusted(file) == []


@pytest.mark.parametrize("example", examples(), ids=lambda p: p.stem)
def test_the_installed_examples_read_only_trusted_paths(example: Path) -> None:
    assert untrusted(example) == []


def test_run_with_strict_paths_refuses_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = data(tmp_path / "elsewhere" / "secret.csv")
    file = workflow_reading(str(secret), tmp_path / "shared" / "lesson" / "w.embedflow")
    assert cli_main(["run", str(file), "--out", str(tmp_path / "out"), "--strict-paths"]) == 1
    stderr = capsys.readouterr().err
    assert "untrusted-path" in stderr and str(secret) in stderr and "--strict-paths refuses" in stderr
    assert not (tmp_path / "out").exists()


def test_run_without_strict_paths_warns_and_runs(tmp_path: Path) -> None:
    secret = data(tmp_path / "elsewhere" / "secret.csv")
    file = workflow_reading(str(secret), tmp_path / "shared" / "lesson" / "w.embedflow")
    done = subprocess.run([sys.executable, "-m", "embedflow", "run", str(file), "--out", str(tmp_path / "out")],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "warning untrusted-path" in done.stderr and any((tmp_path / "out").iterdir())
