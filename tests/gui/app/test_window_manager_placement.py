"""Under a real X server with a window manager (Xvfb and openbox), the help window opens whole on the screen.

Without a window manager a new window lands at (0, 0); with one, its frame (title bar and borders)
is added around it. Both must leave the help window inside the screen and off the main window's menus.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.waiting import HANG

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("openbox")),
                                reason="needs Xvfb and openbox (Debian: xvfb, openbox)")

PLACE = r'''
import sys
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication
app = QApplication([])
from embedflow.registry import default_registry
from embedflow_canvas.help_viewer import show_help
from embedflow_canvas.mainwindow import MainWindow

window = MainWindow(default_registry())
window.show()


def report():
    viewer = show_help(window, window.registry)

    def measure():
        frame, screen = viewer.frameGeometry(), viewer.screen().availableGeometry()
        menus = window.menuBar()
        bottom = menus.mapToGlobal(menus.rect().bottomLeft()).y()
        print("frame", frame.x(), frame.y(), frame.width(), frame.height(), "screen", screen.x(), screen.y(),
              screen.width(), screen.height(), "menus", bottom, flush=True)
        app.quit()

    QTimer.singleShot(1500, measure)  # the window manager decorates and places the window after it is shown


QTimer.singleShot(1500, report)
app.exec_()
'''


@pytest.fixture
def x_server_with_openbox(tmp_path):
    """A private X display (1024 × 720) with openbox managing its windows."""
    display = f":{90 + os.getpid() % 500}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x720x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + HANG
    while not socket.exists() and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.05)
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "EMBEDFLOW_CONFIG_DIR": str(tmp_path)}
    manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield env
    finally:
        for process in (manager, server):
            process.terminate()
            process.wait(HANG)


def test_the_help_window_opens_whole_on_the_screen_under_a_window_manager(x_server_with_openbox):
    done = subprocess.run([sys.executable, "-c", PLACE], env=x_server_with_openbox, capture_output=True, text=True,
                          timeout=HANG)
    line = next((text for text in done.stdout.splitlines() if text.startswith("frame")), None)
    assert line is not None, done.stderr
    values = line.split()
    x, y, width, height = map(int, values[1:5])
    sx, sy, swidth, sheight = map(int, values[6:10])
    menus = int(values[11])
    assert sx <= x and sy <= y and x + width <= sx + swidth and y + height <= sy + sheight, line
    assert y > menus, line
