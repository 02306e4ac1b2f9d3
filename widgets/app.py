"""`embedflow [FILE]`: start the canvas, offer to recover a crashed session, open FILE or the example."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PyQt5 import sip
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from embedflow.core.errors import WorkflowFileError
from embedflow.io.examples import workflow_argument
from embedflow.io.resources import examples
from embedflow.io.user_dirs import config_dir
from embedflow.registry import Registry, default_registry
from embedflow.text.transformer import SPINNING_ENV

from .autosave import find_recoveries
from .mainwindow import MainWindow, window_icon
from .system_libraries import missing_libraries_message, missing_xcb_packages, uses_xcb
from .welcome import show_at_startup

FIRST_RUN_MARKER = "first-run-done"
# The example a new user sees first: the text pipeline the README's main command opens.
FIRST_RUN_EXAMPLES = ("documents-map",)


def create_window(path: str | None, registry: Registry) -> MainWindow:
    """A main window on `registry` showing FILE, a recovered session, or (on first run) the first example.

    The example opens only when the welcome screen is off: otherwise the welcome screen offers it, and
    nothing is opened behind it."""
    window = MainWindow(registry)
    recoveries = find_recoveries()
    recovered = bool(recoveries) and window.ask_recover(recoveries[0]) and window.files.recover(recoveries[0])
    for recovery in recoveries:  # declined or older: a recovery is offered once
        recovery.discard()
    if not recovered:
        if path:
            window.open_file(path)
        elif examples() and not show_at_startup() and _first_run():
            window.open_example(first_example())
    return window


def first_example() -> Path:
    """The example opened on the first start."""
    shipped = {path.stem: path for path in examples()}
    return next((shipped[name] for name in FIRST_RUN_EXAMPLES if name in shipped), examples()[0])


def _first_run() -> bool:
    marker = config_dir() / FIRST_RUN_MARKER
    if marker.exists():
        return False
    try:
        marker.touch()
    except OSError:
        pass  # cannot remember it: showing the example again next time is harmless
    return True


def no_screen_message(path: str | None) -> str | None:
    """Why the canvas cannot open here (Linux without a display), or None when it can."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    target = path or "documents-map"
    return ("embedflow: no screen found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the canvas "
            f"cannot open.\nTo run the workflow in this terminal: embedflow run {target} --out out")


def main(path: str | None = None) -> int:
    """Run the canvas until its window closes; returns the exit code."""
    os.environ[SPINNING_ENV] = "0"  # sentence models in this process must leave the cores to the window
    problem = no_screen_message(path) if QApplication.instance() is None else None
    if problem:
        print(problem, file=sys.stderr)
        return 1
    missing = missing_xcb_packages() if QApplication.instance() is None and uses_xcb() else {}
    if missing:
        print(missing_libraries_message(missing), file=sys.stderr)
        return 1
    app = QApplication.instance()
    if app is None:
        QApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
        QApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
        app = QApplication(sys.argv[:1])
    app.setApplicationName("embedflow")
    QApplication.setWindowIcon(window_icon())
    try:
        path = str(workflow_argument(path)) if path else None
    except WorkflowFileError as exc:
        print(f"embedflow: {exc}", file=sys.stderr)
        return 1
    # The one registry of this canvas: built-in blocks and add-ons now, their editors when the first opens.
    window = create_window(path, default_registry())
    install_error_hook(window)
    window.show()
    if not path and not window.document.modified and show_at_startup():
        window.teaching.show_welcome()
    try:
        return app.exec_()
    finally:
        sys.excepthook = sys.__excepthook__  # the window is gone: nothing to autosave or to show a message in


def install_error_hook(window: MainWindow) -> None:
    """Report a bug in a Qt callback instead of letting PyQt abort the process (and lose the work)."""

    def hook(kind: type[BaseException], value: BaseException, trace: TracebackType | None) -> None:
        traceback.print_exception(kind, value, trace)
        if sip.isdeleted(window):
            return
        window.files.autosave()
        window.show_error("Unexpected error", f"{kind.__name__}: {value}\n\nembedflow keeps running and your "
                                              "workflow was autosaved. Please report this as a bug.")

    sys.excepthook = hook
