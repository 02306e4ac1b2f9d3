"""Under a real X server with a window manager (Xvfb and openbox), secondary windows open whole on
the screen and off the main window's menus. Skipped, with the reason, when Xvfb, openbox or Qt's
X11 libraries are missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PyQt5.QtCore import QRect

from tests.waiting import HANG

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def display():
    """A fresh Xvfb display (1280 × 800) managed by openbox; its name, e.g. ':3'."""
    missing = [tool for tool in ("Xvfb", "openbox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (Debian packages xvfb, openbox)")
    from embedflow_canvas.system_libraries import (
        missing_libraries_message,
        missing_xcb_packages,
    )

    libraries = missing_xcb_packages()
    if libraries:
        pytest.skip(missing_libraries_message(libraries))
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as announced:  # Xvfb writes its display number once it accepts clients
        number = announced.readline().strip()
    if not number:
        xvfb.kill()
        pytest.skip("Xvfb did not start")
    name = f":{number}"
    openbox = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": name},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield name
    for process in (openbox, xvfb):
        process.terminate()
        process.wait(HANG)


def test_help_and_settings_windows_open_whole_on_the_screen_and_off_the_menus(display, tmp_path):
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.gui.window_manager_child"], check=False, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # The help's page list shows its longest title whole ("Cross-validation: testing on rows the model never
    # saw" was cut: the list was held to a third of the window).
    assert report.pop("help_list_cut") == 0
    frames = {name: QRect(*rect) for name, rect in report.items()}
    screen, main, menu = frames["screen"], frames["main"], frames["menu"]
    assert main.height() > 0 and screen.contains(main)
    for name in ("help", "settings"):
        assert screen.contains(frames[name]), (name, frames[name], screen)
        assert not frames[name].intersects(menu), (name, frames[name], menu)
