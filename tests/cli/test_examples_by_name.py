"""Installed examples open by name wherever a workflow file is taken: `embedflow NAME`, `run NAME`, `validate NAME`."""

from __future__ import annotations

import shutil

import pytest

import embedflow.cli
from embedflow.cli import main
from embedflow.io.resources import examples, resource


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working folder that is not the source tree."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_resolves_an_example_by_name_from_any_folder(elsewhere, capsys):
    assert main(["validate", "why-invalid"]) == 1
    out = capsys.readouterr().out
    assert "language-model-mismatch" in out and "no such file" not in out


def test_run_resolves_an_example_by_name_and_writes_where_it_is_asked(elsewhere, capsys):
    assert main(["run", "word-similarity", "--out", "out"]) == 0
    assert any((elsewhere / "out").glob("*.csv"))


def test_a_file_of_that_name_wins_over_the_example(elsewhere, monkeypatch, capsys):
    (elsewhere / "lesson").mkdir()
    shutil.copy(resource("examples", "word-similarity.embedflow"), elsewhere / "lesson" / "why-invalid")
    shutil.copytree(resource("data"), elsewhere / "data")  # where the copied example's ../data points
    monkeypatch.chdir(elsewhere / "lesson")
    assert main(["validate", "why-invalid"]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_an_unknown_name_lists_the_examples(elsewhere, capsys):
    assert main(["validate", "documents-mop"]) == 1
    err = capsys.readouterr().err
    assert "documents-mop: no such file, and no installed example has that name" in err
    assert all(path.stem in err for path in examples()) and "embedflow examples" in err


def test_a_missing_file_suggests_embedflow_examples(elsewhere, capsys):
    assert main(["run", "lessons/week1.embedflow"]) == 1
    err = capsys.readouterr().err
    assert "lessons/week1.embedflow: no such file. `embedflow examples` lists the installed examples" in err


def test_the_canvas_opens_an_example_by_name(elsewhere, monkeypatch):
    opened = []
    monkeypatch.setattr(embedflow.cli, "load_canvas", lambda: lambda path: opened.append(path) or 0)
    assert main(["documents-map"]) == 0
    assert opened == [str(resource("examples", "documents-map.embedflow"))]


def test_the_canvas_says_what_exists_for_an_unknown_name(elsewhere, monkeypatch, capsys):
    monkeypatch.setattr(embedflow.cli, "load_canvas", lambda: pytest.fail("the canvas must not start"))
    assert main(["documents-mop"]) == 1
    assert "no installed example has that name" in capsys.readouterr().err
