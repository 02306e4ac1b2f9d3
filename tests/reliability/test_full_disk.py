"""A full disk while copying the examples or writing a cluster run's parts: one message, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
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


def test_a_cluster_run_on_a_full_disk_gives_one_message_and_removes_the_partial_parts(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    data = tmp_path / "data"
    data.mkdir()
    rows = np.random.default_rng(0).integers(0, 2**62, size=(4, 3000))
    for n, numbers in enumerate(rows):  # one small file whose part fits, three whose parts do not
        texts = [f"{int(value):x} {int(value) * 7:x}" for value in numbers[: 10 if n == 0 else None]]
        pd.DataFrame({"text": texts}).to_csv(data / f"piece{n}.csv", index=False)
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": "data/*.csv"})
    write_workflow(workflow, tmp_path / "w.embedflow")
    out = tmp_path / "out"
    done = run_on_a_full_disk(["run", str(tmp_path / "w.embedflow"), "--cluster", "local:2", "--format", "parquet",
                               "--out", str(out)], file_limit=20_000)
    assert done.returncode == 1
    assert sum("could not be written" in line for line in done.stderr.splitlines()) == 1, done.stderr
    assert "3 of 4 parts could not be written on the workers" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out.iterdir()) == [], "no partial parts (.n1-data.parquet.….tmp) are left"
