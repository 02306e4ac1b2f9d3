"""A missing X11 library is named, with the package to install, before Qt aborts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from embedflow_canvas.system_libraries import XCB_LIBRARIES, missing_xcb_packages

ON_THIS_MACHINE = missing_xcb_packages() if sys.platform.startswith("linux") else {}


def free_display() -> str:
    """An X display nobody serves (no socket, no lock file): Qt must try xcb there and find no server."""
    number = next(n for n in range(99, 10_000)
                  if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"))
    return f":{number}"


def test_each_library_that_does_not_load_is_named_with_its_debian_package():
    missing = missing_xcb_packages(lambda soname: soname not in ("libxcb-icccm.so.4", "libxcb-xinerama.so.0"))
    assert missing == {"libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-xinerama.so.0": "libxcb-xinerama0"}


def test_the_readme_lists_every_package():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md"), encoding="utf-8").read()
    assert all(package in readme for package in XCB_LIBRARIES.values())


@pytest.mark.skipif(not ON_THIS_MACHINE, reason="every X11 library Qt needs is installed here")
def test_starting_the_canvas_without_them_says_what_to_install(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["DISPLAY"] = free_display()
    done = subprocess.run([sys.executable, "-m", "embedflow"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"sudo apt-get install {' '.join(ON_THIS_MACHINE.values())}" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
