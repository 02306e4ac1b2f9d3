"""Saved workflows can be handed to a class: examples are never overwritten, files follow the umask,
and Save As can copy the data next to the workflow."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from embedflow.io.resources import resource


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def press_save(window) -> None:
    QTest.keyClick(window.view, Qt.Key_S, Qt.ControlModifier)


def test_an_example_opened_by_path_is_saved_only_where_the_user_says(window, tmp_path):
    example = resource("examples", "why-invalid.embedflow")
    before = example.read_bytes()
    assert window.open_file(str(example))
    asked = []
    window.choose_save_path = lambda: asked.append(True) or str(tmp_path / "mine.embedflow")
    window.document.rename("n1", "Mine")
    press_save(window)
    assert asked == [True]
    assert example.read_bytes() == before
    assert not example.with_name(example.name + ".bak").exists()
    assert json.loads((tmp_path / "mine.embedflow").read_text())["nodes"][0]["title"] == "Mine"


def test_a_saved_workflow_and_its_backup_follow_the_umask(window, tmp_path, umask_022):
    window.document.add_node("t_numbers", (0.0, 0.0))
    window.choose_save_path = lambda: str(tmp_path / "flow.embedflow")
    press_save(window)
    window.document.add_node("t_numbers", (100.0, 0.0))
    press_save(window)
    for path in (tmp_path / "flow.embedflow", tmp_path / "flow.embedflow.bak"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def data_elsewhere(tmp_path: Path) -> Path:
    data = tmp_path / "teacher" / "reviews.csv"
    data.parent.mkdir()
    data.write_text("text\ngood film\nbad film\n")
    return data


def test_save_as_packages_data_from_elsewhere_next_to_the_workflow(window, tmp_path):
    data = data_elsewhere(tmp_path)
    window.document.add_node("input", (0.0, 0.0), {"path": str(data), "feature": "text"})
    share = tmp_path / "class"
    share.mkdir()
    offered = []
    window.ask_package = lambda paths, folder: offered.append(paths) or True
    window.choose_save_path = lambda: str(share / "lesson.embedflow")
    window.named_actions["save_as"].trigger()
    assert offered == [[str(data.resolve())]]
    saved = json.loads((share / "lesson.embedflow").read_text())
    assert saved["nodes"][0]["settings"]["path"] == "reviews.csv"
    assert (share / "reviews.csv").read_text() == data.read_text()


def test_save_as_without_packaging_keeps_pointing_at_the_data(window, tmp_path):
    data = data_elsewhere(tmp_path)
    window.document.add_node("input", (0.0, 0.0), {"path": str(data), "feature": "text"})
    (tmp_path / "class").mkdir()
    window.choose_save_path = lambda: str(tmp_path / "class" / "lesson.embedflow")
    window.named_actions["save_as"].trigger()
    saved = json.loads((tmp_path / "class" / "lesson.embedflow").read_text())
    assert saved["nodes"][0]["settings"]["path"] == str(data)
    assert not (tmp_path / "class" / "reviews.csv").exists()


def test_data_below_the_workflow_folder_is_stored_relative_after_save_as(window, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "words.csv").write_text("word\nking\n")
    window.document.add_node("input", (0.0, 0.0), {"path": str(tmp_path / "data" / "words.csv")})
    window.ask_package = lambda paths, folder: pytest.fail("nothing to package")
    window.choose_save_path = lambda: str(tmp_path / "flow.embedflow")
    window.named_actions["save_as"].trigger()
    saved = json.loads((tmp_path / "flow.embedflow").read_text())
    assert saved["nodes"][0]["settings"]["path"] == "data/words.csv"
