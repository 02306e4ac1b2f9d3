"""What a block's run function gets (NodeContext) and what a run reports (NodeEvent, NodeState)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from .diagnostics import Diagnostic, SeverityName
from .errors import Cancelled
from .workflow import Node

T = TypeVar("T")


class NodeState(StrEnum):
    """Where a node is in a run. `refused`: validation found an error in the block itself."""

    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class NodeEvent:
    """Progress of a run: a node changed state, or reported progress while running."""

    node_id: str
    state: NodeState
    fraction: float | None = None
    message: str = ""


EventCallback = Callable[[NodeEvent], None]
# memo(key, compute) -> compute()'s value, kept in the engine's result cache under `key`.
MemoFunction = Callable[[Hashable, Callable[[], Any]], Any]


def _no_memo(key: Hashable, compute: Callable[[], T]) -> T:
    return compute()


class NodeContext:
    """What a block's run function gets: settings, inputs, and ways to report progress.

    A block may set `summary` (one line for the canvas) and `view` (data for its interactive view,
    e.g. the Scatter's projected points; it travels beside the outputs, not as an output).
    When a row-wise block runs on one partition of a larger table, `whole` is False and `first_row` is the
    row number of the partition's first row, so messages and outputs name rows as a local run would.
    """

    def __init__(self, node: Node, settings: dict[str, Any], inputs: dict[str, Any],
                 base_dir: str | None, cancel: threading.Event, on_event: EventCallback,
                 memo: MemoFunction = _no_memo) -> None:
        self.node_id = node.id
        self.title = node.title
        self.settings = settings
        self.inputs = inputs
        self.base_dir = base_dir
        self.summary = ""
        self.first_row = 0
        self.whole = True
        self.view: Any = None
        self.messages: list[Diagnostic] = []
        self._cancel = cancel
        self._on_event = on_event
        self._memo = memo

    @property
    def cancelled(self) -> bool:
        """True once the user asked to cancel."""
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """The run's cancel flag, for library calls that wait on one (downloads and their retries)."""
        return self._cancel

    def check_cancelled(self) -> None:
        """Raise Cancelled if the user asked to cancel; call it often in long loops."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; also a cancellation point."""
        self.check_cancelled()
        self._on_event(NodeEvent(self.node_id, NodeState.RUNNING, max(0.0, min(1.0, fraction)), message))

    def report(self, severity: SeverityName, code: str, message: str, hint: str = "") -> None:
        """Attach a diagnostic to this node's result (e.g. rows that were skipped)."""
        self.messages.append(Diagnostic(code, severity, self.node_id, None, message, hint))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute()'s value, reused across runs through the engine's result cache while `key` is unchanged."""
        return self._memo(key, compute)
