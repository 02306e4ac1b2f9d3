"""Waiting for another thread's progress on the event it sets, with no budget of the test's own.

A fixed budget (`event.wait(10)`) fails on a loaded machine although nothing is wrong. Here a wait
ends when the event is set, at once when the thread that would set it has ended without doing so,
and otherwise only at HANG, just inside the suite's per-test timeout (pytest-timeout in
pyproject.toml), so a real hang still fails with the wait named.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Event

HANG = 280.0


def reached(event: Event, unless: Callable[[], bool] | None = None) -> bool:
    """Wait until `event` is set; False once `unless()` says it can no longer be (or after HANG seconds)."""
    give_up = time.monotonic() + HANG
    while not event.wait(0.2):
        if (unless is not None and unless()) or time.monotonic() > give_up:
            return event.is_set()
    return True
HANG_MS = int(HANG * 1000)  # the same, for qtbot.waitUntil and waitSignal
