"""`embedflow [FILE]` without a screen explains how to run headless instead of aborting."""

import os
import subprocess
import sys

from embedflow.io.resources import resource


def test_canvas_without_a_screen_points_to_embedflow_run():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    example = str(resource("examples", "documents-map.embedflow"))
    done = subprocess.run([sys.executable, "-m", "embedflow", example], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"embedflow run {example} --out out" in done.stderr and "Traceback" not in done.stderr
