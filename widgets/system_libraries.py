"""Qt's X11 platform plugin needs system libraries that minimal Linux installs lack; name them first.

Without them Qt aborts with a generic "could not load the Qt platform plugin xcb" message.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# What Qt 5.15's libqxcb.so and libQt5XcbQpa.so load (from `ldd`), with the Debian/Ubuntu package of each.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb() -> bool:
    """True when Qt will start its X11 (xcb) platform plugin: Linux, and no other platform asked for."""
    return sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM", "xcb").split(":")[0] == "xcb"


def missing_xcb_packages(loads: Callable[[str], bool] = _loads) -> dict[str, str]:
    """The libraries the xcb plugin needs that cannot be loaded: {soname: Debian package}."""
    return {soname: package for soname, package in XCB_LIBRARIES.items() if not loads(soname)}


def missing_libraries_message(missing: dict[str, str]) -> str:
    """What to tell the user when libraries are missing."""
    return ("embedflow: the canvas cannot start: Qt's X11 support needs system libraries that are not "
            f"installed ({', '.join(missing)}).\nOn Debian or Ubuntu install them with:\n"
            f"  sudo apt-get install {' '.join(missing.values())}\n"
            "(Workflows still run without a window: embedflow run FILE --out DIR)")
