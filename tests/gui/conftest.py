"""GUI test set-up: offscreen Qt, private config/cache folders, test block types and user-like input helpers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from tests.helpers import register_test_nodes, unregister_test_nodes
from tests.waiting import HANG


@pytest.fixture(autouse=True)
def test_nodes():
    """The test-only block types (t_numbers, t_scale, t_slow, t_needs_embeddings)."""
    register_test_nodes()
    yield
    unregister_test_nodes()


@pytest.fixture(autouse=True)
def closed_plots_cleaned_up():
    """pyqtgraph's own cleanup (GraphicsView.close) for every plot a test leaves, then the windows' deferred
    deletion and a garbage collection, all before the next test: left to later, a paint reaching a plot whose
    axes were half deleted crashed the process in a later test (twice in a full run, never in a file alone)."""
    yield
    import gc

    import pyqtgraph as pg
    from PyQt5.QtCore import QEvent
    from PyQt5.QtWidgets import QApplication

    views = [widget for widget in QApplication.allWidgets() if isinstance(widget, pg.GraphicsView)]
    if not views:
        return
    for view in views:
        if not getattr(view, "closed", False):
            view.close()
    del views
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    gc.collect()


@pytest.fixture
def window(qtbot):
    """A shown main window on an empty workflow; it closes without asking at the end."""
    from embedflow_canvas.mainwindow import MainWindow

    main = MainWindow()
    main.ask_package = lambda paths, folder: False  # a test that wants the data copied says so
    main.toolbox.reload()
    # Not qtbot.addWidget: pytest-qt would close it before this fixture marks it saved.
    main.resize(1000, 700)
    main.show()
    qtbot.waitExposed(main)
    main.view.reset_zoom()
    main.view.centerOn(0, 0)
    yield main
    main.runs.cancel()
    main.document.undo_stack.setClean()
    main.close()
    if main.runs.handle is not None:
        main.runs.handle.wait(HANG)
    main.deleteLater()


def view_point(window, scene_pos: QPointF) -> QPoint:
    """Viewport coordinates of a scene position."""
    return window.view.mapFromScene(scene_pos)


def port_point(window, node_id: str, kind: str, name: str) -> QPoint:
    """Viewport coordinates of a node's port."""
    return view_point(window, window.scene.nodes[node_id].port(kind, name).scenePos())


def mouse_move(widget, pos: QPoint, buttons=Qt.LeftButton) -> None:
    """A move with buttons held (QTest.mouseMove does not carry the button state in Qt 5)."""
    event = QMouseEvent(QEvent.MouseMove, QPointF(pos), Qt.NoButton, Qt.MouseButtons(buttons), Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPoint, end: QPoint, steps: int = 5, modifier=Qt.NoModifier) -> None:
    """Press at `start`, move in steps to `end` with the button held, release there."""
    QTest.mousePress(widget, Qt.LeftButton, modifier, start)
    for i in range(1, steps + 1):
        mouse_move(widget, start + (end - start) * i / steps)
    QTest.mouseRelease(widget, Qt.LeftButton, modifier, end)
