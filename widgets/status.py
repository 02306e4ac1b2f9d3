"""The status presenter: what the canvas, editors, result windows and Messages say about runs.

Qt-free on purpose (it imports no Qt, so it is tested without a window): it turns the engine's
`NodeResult` and the run controller's live state into the words and states the widgets show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from embedflow.core.diagnostics import SEVERITIES, Diagnostic
from embedflow.engine import NodeResult
from embedflow.engine.partitions import Partitioned

UNFINISHED = ("failed", "refused", "blocked", "cancelled")


class LiveState(Protocol):
    """The live state of a node during a run (the run controller's NodeState)."""

    state: str
    fraction: float | None
    message: str


@dataclass(frozen=True)
class NodeStatus:
    """What a block on the canvas shows: painted state, progress, a short text, summary and run messages."""

    state: str
    fraction: float | None = None
    text: str = ""
    summary: str = ""
    messages: list[Diagnostic] = field(default_factory=list)


def _fresh(live: LiveState, result: NodeResult | None) -> NodeResult | None:
    """The result when it describes the live state (not a previous run's), else None."""
    return result if result is not None and result.state == live.state else None


def node_status(live: LiveState, result: NodeResult | None) -> NodeStatus:
    """A block's canvas status; a refused block is painted "invalid": its badge already says why."""
    fresh = _fresh(live, result)
    if live.state == "refused":
        return NodeStatus("invalid", live.fraction, "", fresh.summary if fresh else "",
                          list(fresh.messages) if fresh else [])
    text = live.message
    if live.state in ("failed", "blocked", "cancelled") and fresh is not None and fresh.error:
        text = fresh.error
    return NodeStatus(live.state, live.fraction, text, fresh.summary if fresh else "",
                      list(fresh.messages) if fresh else [])


def editor_status(live: LiveState, result: NodeResult | None) -> str:
    """The state line under a block's settings."""
    text = live.state
    if live.state == "running" and live.fraction is not None:
        text += f" {live.fraction:.0%}"
    if result is not None and live.state == "done" and result.summary:
        text += f": {result.summary}"
    elif live.state == "refused":
        text = "not run: " + (result.diagnostic.message if result is not None and result.diagnostic
                              else "see its problems above")
    elif result is not None and result.error and live.state in ("failed", "blocked", "cancelled"):
        text = f"{text}: {result.error}"
    return f"State: {text}"


def output_value(live: LiveState, result: NodeResult | None, port: str) -> object:
    """The value a block's output port holds now, or None (not run, running, or did not finish)."""
    fresh = _fresh(live, result)
    value = fresh.outputs.get(port) if fresh is not None and fresh.state == "done" else None
    return value.gather() if isinstance(value, Partitioned) else value  # made on a cluster: brought here to show


def no_output_note(title: str, port: str, live: LiveState, result: NodeResult | None) -> str:
    """Why a block has no output to show yet."""
    if live.state in ("running", "queued"):
        why = "it is running; try again when it is done"
    elif result is not None and result.state in UNFINISHED:
        why = "it did not finish (see Messages)"
    else:
        why = "run it first"
    return f"“{title}” has no '{port}' output: {why}."


def result_window_note(live: LiveState, result: NodeResult | None) -> str:
    """The banner of a result window: "" when it shows the current output, else what is going on."""
    if live.state in ("running", "queued"):
        return "Updating…"
    if live.state == "done":
        return ""
    if live.state == "refused":
        reason = result.diagnostic.message if result is not None and result.diagnostic else "see Messages"
        return f"This block did not run: {reason}. The table shows its last output."
    if live.state in ("failed", "blocked", "cancelled"):
        error = result.error if result is not None and result.error else live.state
        return f"This block failed: {error}. The table shows its last output."
    return "Settings changed: run the workflow to update this table."


def run_report(states: Iterable[str]) -> str:
    """The status-bar line after a run: how many blocks ran, failed and were skipped (refused, blocked, cancelled)."""
    states = list(states)
    ran, failed = states.count("done"), states.count("failed")
    skipped = len(states) - ran - failed
    if not failed and not skipped:
        return f"Run finished: every block is up to date ({ran} block{'s' if ran != 1 else ''})"
    counts = [f"{ran} ran", f"{failed} failed" if failed else "", f"{skipped} skipped" if skipped else ""]
    return "Run finished: " + ", ".join(filter(None, counts)) + " (see Messages)"


def shown_messages(diagnostics: list[Diagnostic], results: Mapping[str, tuple[LiveState, NodeResult | None]],
                   file_diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Validation findings, then each block's current run messages (once), then what reading the file said."""
    shown = list(diagnostics)
    for live, result in results.values():
        fresh = _fresh(live, result)
        if fresh is not None:
            # A block may report at run time what the validator also says once the input is known: once.
            shown.extend(m for m in fresh.messages if m not in diagnostics)
    return shown + list(file_diagnostics)


def messages_title(diagnostics: Iterable[Diagnostic]) -> str:
    """The Messages dock's title with counts per severity."""
    found = list(diagnostics)
    counts = {s: sum(d.severity == s for d in found) for s in SEVERITIES}
    parts = [f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in counts.items() if n]
    return f"Messages — {', '.join(parts)}" if parts else "Messages"
