"""Renders docs/screenshot.png: the canvas with the shipped text example after it has run.

Run with `QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EMBEDFLOW_CONFIG_DIR", tempfile.mkdtemp(prefix="embedflow-shot-"))

from PyQt5.QtTest import QTest  # noqa: E402
from PyQt5.QtWidgets import QApplication  # noqa: E402


def main() -> int:
    """Open the example, wait for the run, select a block, and save the window as PNG."""
    app = QApplication.instance() or QApplication([])
    from embedflow_canvas.app import first_example
    from embedflow_canvas.mainwindow import MainWindow

    window = MainWindow()
    window.resize(1440, 960)
    window.show()
    window.open_example(first_example())
    # Wait (up to a minute) for the auto-run to finish every block.
    for _ in range(600):
        QTest.qWait(100)
        states = [window.runs.state(node_id).state for node_id in window.document.workflow.nodes]
        if states and all(state in ("done", "failed", "blocked", "cancelled") for state in states):
            break
    window.view.fit()
    window.scene.select_only(["n3"])
    app.processEvents()
    target = ROOT / "docs" / "screenshot.png"
    window.grab().save(str(target))
    print(f"wrote {target}")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
