"""Sizes for new windows that keep them on the screen they open on (projectors and small laptops too)."""

from __future__ import annotations

from PyQt5.QtCore import QSize
from PyQt5.QtWidgets import QApplication, QWidget


def fit_to_screen(widget: QWidget, wanted: QSize) -> QSize:
    """`wanted`, shrunk to fit the available area of the screen the widget (or its parent) is on."""
    screen = (widget.parentWidget() or widget).screen() or QApplication.primaryScreen()
    available = screen.availableGeometry()
    # Leave room for the window frame and title bar, which the available area does not subtract.
    return wanted.boundedTo(QSize(available.width() - 40, available.height() - 60))
