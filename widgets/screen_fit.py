"""Sizes for new windows that keep them on the screen they open on (projectors and small laptops too)."""

from __future__ import annotations

from PyQt5.QtCore import QPoint, QRect, QSize
from PyQt5.QtWidgets import QApplication, QWidget


def fit_to_screen(widget: QWidget, wanted: QSize) -> QSize:
    """`wanted`, shrunk to fit the available area of the screen the widget (or its parent) is on."""
    screen = (widget.parentWidget() or widget).screen() or QApplication.primaryScreen()
    available = screen.availableGeometry()
    # Leave room for the window frame and title bar, which the available area does not subtract.
    return wanted.boundedTo(QSize(available.width() - 40, available.height() - 60))


CASCADE = 32
GAP = 8
MINIMUM = QSize(360, 240)
BESIDE_WIDTH = 480  # the narrowest table worth putting beside its settings window


def place_on_canvas(window: QWidget, canvas: QWidget, anchor: QWidget | None = None) -> None:
    """Move a new top-level `window` into `canvas`'s area of the screen (so not over the docks beside it).

    Beside `anchor` (the window that asked for it) when there is room (narrower, down to BESIDE_WIDTH),
    else cascaded from it; with no anchor, at the canvas's top right. The size shrinks to fit the area
    (and for a cascade, down to MINIMUM).
    Positions are of frames, as `move` takes them.
    """
    main = canvas.window()
    screen = main.screen() or QApplication.primaryScreen()
    area = QRect(canvas.mapToGlobal(QPoint(0, 0)), canvas.size()).intersected(screen.availableGeometry())
    area = area.adjusted(GAP, GAP, -GAP, -GAP)
    # The new window is not decorated yet: assume the main window's title bar and borders.
    decoration = main.frameGeometry().size() - main.geometry().size()
    size = window.size().boundedTo(area.size() - decoration)
    if anchor is not None and anchor.isVisible():
        frame = anchor.frameGeometry()
        # Room beside the anchor, so both stay in sight (a setting changed there shows here).
        right_room = area.right() - frame.right() - GAP - decoration.width()
        left_room = frame.left() - GAP - area.left() - decoration.width()
        if max(right_room, left_room) >= min(size.width(), BESIDE_WIDTH):
            size.setWidth(min(size.width(), max(right_room, left_room)))
            outer = size + decoration
            spot = (QPoint(frame.right() + 1 + GAP, frame.top()) if right_room >= size.width()
                    else QPoint(frame.left() - GAP - outer.width(), frame.top()))
        else:
            spot = frame.topLeft() + QPoint(CASCADE, CASCADE)
            # Keep the anchor's title in sight: a smaller window rather than one pushed back over it.
            room = QSize(area.right() + 1 - spot.x(), area.bottom() + 1 - spot.y()) - decoration
            if room.width() >= MINIMUM.width() and room.height() >= MINIMUM.height():
                size = size.boundedTo(room)
    else:
        spot = QPoint(area.right() + 1 - (size + decoration).width(), area.top())
    outer = size + decoration
    window.resize(size)
    window.move(min(max(spot.x(), area.left()), area.right() + 1 - outer.width()),
                min(max(spot.y(), area.top()), area.bottom() + 1 - outer.height()))
