"""The keys that close a secondary window (help, settings, results, add-ons, welcome): Esc and Ctrl+W."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QShortcut, QWidget

CLOSE_KEYS = (QKeySequence(Qt.Key_Escape), QKeySequence("Ctrl+W"))


def close_with_keys(window: QWidget) -> None:
    """Esc and Ctrl+W close `window` from wherever the focus is inside it."""
    for key in CLOSE_KEYS:
        # PyQt5-stubs want a slot that returns None; Qt ignores close()'s bool.
        QShortcut(key, window, window.close, context=Qt.WidgetWithChildrenShortcut)  # type: ignore[arg-type]
