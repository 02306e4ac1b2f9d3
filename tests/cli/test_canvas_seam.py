"""`embedflow [FILE]` starts the canvas through the `embedflow.canvas` entry point, or says why it cannot."""

import os
import subprocess
import sys

import pytest

from embedflow.cli import CANVAS_GROUP, load_canvas
from embedflow.core.errors import EmbedflowError
from embedflow.io.resources import resource


def test_canvas_without_a_screen_points_to_embedflow_run():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    example = str(resource("examples", "documents-map.embedflow"))
    done = subprocess.run([sys.executable, "-m", "embedflow", example], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"embedflow run {example} --out out" in done.stderr and "Traceback" not in done.stderr


def test_the_canvas_is_found_through_its_entry_point():
    from embedflow_canvas.app import main

    assert load_canvas(CANVAS_GROUP) is main


def test_a_missing_canvas_entry_point_is_a_clear_error():
    with pytest.raises(EmbedflowError, match="the canvas is not installed.*embedflow run"):
        load_canvas("embedflow.no-such-canvas")


def test_a_canvas_that_fails_to_import_is_reported_without_a_traceback(tmp_path):
    shadow = tmp_path / "embedflow_canvas"
    shadow.mkdir()
    (shadow / "__init__.py").write_text('raise ImportError("No module named \'PyQt5\'")\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "embedflow", "documents-map"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "the canvas cannot start: No module named 'PyQt5'" in done.stderr
    assert "Traceback" not in done.stderr
