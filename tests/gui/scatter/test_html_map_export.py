"""Exporting a Scatter's map as one HTML page from the canvas: File → Export HTML Map… and the Scatter window."""

from __future__ import annotations

import json
import re

import pytest
from PyQt5.QtWidgets import QFileDialog

from embedflow.io import resources
from tests.gui.teaching.test_teaching_examples import finished
from tests.waiting import HANG_MS


def page_data(path):
    return json.loads(re.search(r'id="embedflow-map-data">(.*?)</script>', path.read_text(encoding="utf-8"),
                                re.DOTALL).group(1))


@pytest.fixture
def image_map(window, qtbot):
    assert window.open_example(resources.resource("examples", "image-map.embedflow"))
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=HANG_MS)
    [scatter] = [n.id for n in window.document.workflow.nodes.values() if n.type == "scatter"]
    return window, scatter


def test_file_export_writes_the_selected_scatter_as_an_html_map(image_map, tmp_path, monkeypatch):
    window, scatter = image_map
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args: (asked.append(args), (str(tmp_path / "photos"), "HTML page (*.html)"))[1])
    window.scene.nodes[scatter].setSelected(True)
    window.named_actions["export_html"].trigger()
    assert asked[0][2].endswith("image-map.html")  # suggested beside the workflow, after its name
    data = page_data(tmp_path / "photos.html")
    assert data["count"] == 23 and len(data["thumbs"]) == 23 and all(data["thumbs"])
    assert "image-map — Image map" in (tmp_path / "photos.html").read_text(encoding="utf-8")


def test_file_export_without_a_scatter_selected_says_what_to_select(image_map, monkeypatch):
    window, _ = image_map
    errors = []
    monkeypatch.setattr(window, "show_error", lambda title, message: errors.append(message))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: pytest.fail("no dialog without a map"))
    window.scene.clearSelection()
    window.named_actions["export_html"].trigger()
    assert errors == ["Select one Scatter that has run, then export its map."]


def test_the_scatter_window_exports_its_map(image_map, tmp_path, monkeypatch):
    window, scatter = image_map
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "map.html"), ""))
    editor = window.editor.open_editor(scatter).editor
    assert editor.export_html.isVisible()
    editor.window().grab().save(str(tmp_path / "editor.png"))
    editor.export_html.click()
    assert page_data(tmp_path / "map.html")["count"] == 23
