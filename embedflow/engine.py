"""Incremental execution: topological order, a cache keyed by (node, settings, inputs),
failure isolation, progress and cooperative cancellation on a worker thread. No Qt here."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import registry
from .errors import Cancelled, EmbedflowError, NodeError
from .validation import Diagnostic, validate
from .workflow import Link, Node, Workflow

STATES = ("idle", "queued", "running", "done", "failed", "blocked", "cancelled")


@dataclass
class NodeResult:
    """The outcome of one node in the latest run.

    state: done, failed, blocked (an upstream node failed or an input is missing), cancelled.
    summary: one line for the node (e.g. "1,000 rows; columns: text").
    messages: diagnostics the node reported while running (warnings, skipped rows, …).
    """

    node_id: str
    state: str
    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    messages: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    cached: bool = False
    key: str = ""


@dataclass(frozen=True)
class NodeEvent:
    """Progress of a run: a node changed state, or reported progress while running."""

    node_id: str
    state: str
    fraction: float | None = None
    message: str = ""


EventCallback = Callable[[NodeEvent], None]


class NodeContext:
    """What a block's run function gets: settings, inputs, and ways to report progress."""

    def __init__(self, node: Node, settings: dict[str, Any], inputs: dict[str, Any],
                 base_dir: str | None, cancel: threading.Event, on_event: EventCallback) -> None:
        self.node_id = node.id
        self.title = node.title
        self.settings = settings
        self.inputs = inputs
        self.base_dir = base_dir
        self.summary = ""
        self.messages: list[Diagnostic] = []
        self._cancel = cancel
        self._on_event = on_event

    @property
    def cancelled(self) -> bool:
        """True once the user asked to cancel."""
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise Cancelled if the user asked to cancel; call it often in long loops."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; also a cancellation point."""
        self.check_cancelled()
        self._on_event(NodeEvent(self.node_id, "running", max(0.0, min(1.0, fraction)), message))

    def report(self, severity: str, code: str, message: str, hint: str = "") -> None:
        """Attach a diagnostic to this node's result (e.g. rows that were skipped)."""
        self.messages.append(Diagnostic(code, severity, self.node_id, None, message, hint))


@dataclass
class _Step:
    node: Node
    spec: registry.NodeSpec | None
    links: list[Link]


class RunHandle:
    """A run on a worker thread: wait for it or cancel it."""

    def __init__(self, thread: threading.Thread, cancel_event: threading.Event) -> None:
        self._thread = thread
        self._cancel = cancel_event
        self.results: dict[str, NodeResult] = {}

    def cancel(self) -> None:
        """Ask the running node to stop at its next cancellation point."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends; False if it is still going after `timeout` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """True while the worker thread is alive."""
        return self._thread.is_alive()


class Engine:
    """Runs a workflow, reusing each node's last outputs while its settings and inputs are unchanged."""

    def __init__(self, workflow: Workflow, base_dir: str | None = None) -> None:
        self.workflow = workflow
        self.base_dir = base_dir
        self.results: dict[str, NodeResult] = {}
        self.executions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._current: RunHandle | None = None

    def outputs(self) -> dict[str, dict[str, Any]]:
        """The outputs of every node that finished, by node id."""
        # list() copies in one step: a worker thread may add results while the UI thread reads
        return {nid: r.outputs for nid, r in list(self.results.items()) if r.state == "done"}

    def forget(self, node_id: str) -> None:
        """Drop a node's cached result so the next run computes it again."""
        self.results.pop(node_id, None)

    def run(self, node_ids: list[str] | None = None, on_event: EventCallback | None = None,
            cancel: threading.Event | None = None) -> dict[str, NodeResult]:
        """Run the workflow (or only `node_ids` and what they need) on this thread."""
        plan = self._snapshot(node_ids)
        return self._execute(plan, on_event or (lambda event: None), cancel or threading.Event())

    def start(self, node_ids: list[str] | None = None,
              on_event: EventCallback | None = None) -> RunHandle:
        """Run on a worker thread; a run already going is cancelled first. Returns its handle."""
        previous = self._current
        if previous is not None:
            previous.cancel()
        plan = self._snapshot(node_ids)
        cancel_event = threading.Event()

        def work() -> None:
            if previous is not None:
                previous.wait()
            handle.results = self._execute(plan, on_event or (lambda event: None), cancel_event)

        thread = threading.Thread(target=work, name="embedflow-run", daemon=True)
        handle = RunHandle(thread, cancel_event)
        self._current = handle
        thread.start()
        return handle

    def cancel(self) -> None:
        """Cancel the run started last, if it is still going."""
        if self._current is not None:
            self._current.cancel()

    # -- internals -----------------------------------------------------------------
    def _snapshot(self, node_ids: list[str] | None) -> tuple[list[_Step], list[Diagnostic]]:
        """Copy what the run needs so the model may change while the worker runs."""
        workflow = self.workflow
        diagnostics = validate(workflow, self.base_dir, self.outputs())
        order = workflow.topological_order(partial=True) or []
        wanted = set(order)
        if node_ids is not None:
            wanted = set(node_ids)
            stack = list(node_ids)
            while stack:
                for link in workflow.links_into(stack.pop()):
                    if link.source not in wanted:
                        wanted.add(link.source)
                        stack.append(link.source)
        steps = [
            _Step(copy.deepcopy(workflow.nodes[nid]), registry.get(workflow.nodes[nid].type),
                  [copy.copy(link) for link in workflow.links_into(nid)])
            for nid in order if nid in wanted
        ]
        return steps, diagnostics

    def _execute(self, plan: tuple[list[_Step], list[Diagnostic]], on_event: EventCallback,
                 cancel: threading.Event) -> dict[str, NodeResult]:
        steps, diagnostics = plan
        errors: dict[str, Diagnostic] = {}
        for diagnostic in diagnostics:
            if diagnostic.severity == "error" and diagnostic.node_id and diagnostic.node_id not in errors:
                errors[diagnostic.node_id] = diagnostic
        for step in steps:
            on_event(NodeEvent(step.node.id, "queued"))
        finished: dict[str, NodeResult] = {}
        with self._lock:
            for step in steps:
                result = self._run_step(step, finished, errors.get(step.node.id), on_event, cancel)
                finished[step.node.id] = result
                self.results[step.node.id] = result
                on_event(NodeEvent(step.node.id, result.state, 1.0 if result.state == "done" else None,
                                   result.error or result.summary))
        return finished

    def _run_step(self, step: _Step, finished: dict[str, NodeResult], static_error: Diagnostic | None,
                  on_event: EventCallback, cancel: threading.Event) -> NodeResult:
        node, spec = step.node, step.spec
        if cancel.is_set():
            return NodeResult(node.id, "cancelled", error="Cancelled before it ran")
        if static_error is not None or spec is None:
            message = static_error.message if static_error else f"Unknown block type '{node.type}'"
            return NodeResult(node.id, "failed", error=message)
        inputs: dict[str, Any] = {port.name: None for port in spec.inputs}
        input_keys: dict[str, list[str]] = {}
        for link in step.links:
            upstream = finished.get(link.source)
            if upstream is None or upstream.state != "done" or link.source_port not in upstream.outputs:
                # Users know blocks by their titles on the canvas, not by their ids.
                source = self.workflow.nodes.get(link.source)
                source_title = source.title if source is not None else link.source
                # The block's name first: the canvas shows only the start of this under the block.
                return NodeResult(node.id, "blocked",
                                  error=f"waits for “{source_title}”, which did not finish "
                                        f"(its input '{link.target_port}' comes from there)")
            inputs[link.target_port] = upstream.outputs[link.source_port]
            input_keys[link.target_port] = [upstream.key, link.source_port]
        settings = spec.resolve_settings(node.settings)
        key = self._key(node, spec, settings, input_keys)
        previous = self.results.get(node.id)
        if previous is not None and previous.state == "done" and previous.key == key:
            return NodeResult(node.id, "done", previous.outputs, previous.summary, previous.messages,
                              duration=previous.duration, cached=True, key=key)
        on_event(NodeEvent(node.id, "running", 0.0, ""))
        context = NodeContext(node, settings, inputs, self.base_dir, cancel, on_event)
        self.executions[node.id] = self.executions.get(node.id, 0) + 1
        started = time.perf_counter()
        try:
            outputs = dict(spec.run(context))
        except Cancelled:
            return NodeResult(node.id, "cancelled", error="Cancelled", messages=context.messages)
        except NodeError as exc:
            context.report("error", exc.code, str(exc), exc.hint)
            return NodeResult(node.id, "failed", error=str(exc), messages=context.messages,
                              duration=time.perf_counter() - started)
        except EmbedflowError as exc:
            context.report("error", "node-failed", str(exc))
            return NodeResult(node.id, "failed", error=str(exc), messages=context.messages,
                              duration=time.perf_counter() - started)
        except Exception as exc:  # a bug in a block must not take the workflow down
            traceback.print_exc()
            message = f"Internal error in {node.title}: {type(exc).__name__}: {exc}"
            context.report("error", "internal-error", message, "Please report this as a bug.")
            return NodeResult(node.id, "failed", error=message, messages=context.messages,
                              duration=time.perf_counter() - started)
        summary = context.summary or _default_summary(outputs)
        return NodeResult(node.id, "done", outputs, summary, context.messages,
                          duration=time.perf_counter() - started, key=key)

    def _key(self, node: Node, spec: registry.NodeSpec, settings: Mapping[str, Any],
             input_keys: Mapping[str, list[str]]) -> str:
        extra = spec.fingerprint(settings, self.base_dir) if spec.fingerprint else ""
        text = json.dumps({"type": node.type, "version": spec.version, "settings": settings,
                           "inputs": input_keys, "extra": extra, "base": self.base_dir},
                          sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _default_summary(outputs: Mapping[str, Any]) -> str:
    parts = [f"{name}: {value.summary()}" for name, value in outputs.items() if hasattr(value, "summary")]
    return "; ".join(parts)
