"""Quitting the canvas prints nothing, whatever it is doing, and a deliberate Discard leaves no recovery file.

Each case runs `embedflow_canvas.app.main` in its own process, as a user starts it, and quits with the
window's Quit action; only what Qt's offscreen platform itself says about its limits may be printed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

QUIT = r'''
import faulthandler
faulthandler.enable()  # a crash on the way out names where it happened
import sys
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication
from embedflow_canvas import app
from embedflow_canvas.mainwindow import MainWindow

case = sys.argv[1]
MainWindow.ask_save_changes = lambda self: "discard"
made = app.create_window


def window():
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))


def edit_then_quit():
    main = window()
    nodes = main.document.workflow.nodes
    if case in ("unsaved", "running"):
        scatter = next(n for n in nodes.values() if n.type == "scatter")
        main.document.update_settings(scatter.id, {"projection": "none"})
        main.files.autosave()
    if case == "running":
        first = next(iter(nodes))
        wait_for(lambda: main.runs.state(first).state == "done", lambda: (
            main.editor.show_output(first, "data"), main.runs.run(), main.named_actions["quit"].trigger()))
    else:
        QTimer.singleShot(200, main.named_actions["quit"].trigger)


def wait_for(condition, then):
    QTimer.singleShot(50, lambda: then() if condition() else wait_for(condition, then))


def create(*args):
    made_window = made(*args)
    QTimer.singleShot(300, edit_then_quit)
    QTimer.singleShot(120000, lambda: QApplication.exit(3))  # a quit that never comes fails the test
    return made_window


app.create_window = create
sys.exit(app.main(None if case == "welcome" else sys.argv[2]))
'''
# What Qt's offscreen platform prints about itself, in any run.
PLATFORM_NOTES = ("This plugin does not support", "QStandardPaths: XDG_RUNTIME_DIR not set")


@pytest.mark.parametrize("case", ["unsaved", "running", "welcome"])
def test_quitting_prints_nothing_and_discard_leaves_no_recovery_file(case, tmp_path):
    from embedflow.io.resources import resource

    config = tmp_path / "config"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EMBEDFLOW_CONFIG_DIR": str(config)}
    done = subprocess.run([sys.executable, "-c", QUIT, case, str(resource("examples", "documents-map.embedflow"))],
                          capture_output=True, text=True, env=env, timeout=300)
    printed = [line for line in (done.stdout + done.stderr).splitlines()
               if line.strip() and not line.startswith(PLATFORM_NOTES)]
    assert done.returncode == 0 and printed == [], "\n".join(printed)
    assert not [p for p in config.rglob("*") if p.is_file() and "recovery" in p.parts]
