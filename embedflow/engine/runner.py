"""Incremental execution: topological order, results cached by input signature, failure isolation,
progress and cooperative cancellation, steps handed to an executor. No Qt here."""

from __future__ import annotations

import copy
import importlib
import json
import sys
import threading
import time
import traceback
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Any

from ..core.context import EventCallback, NodeContext, NodeEvent, NodeState
from ..core.diagnostics import Diagnostic, Severity
from ..core.errors import Cancelled, EmbedflowError, NodeError
from ..core.keys import UnkeyableValue, digest
from ..core.specs import NodeSpec, SpecSource
from ..core.workflow import Link, Node, Workflow
from ..groups import FlatGroup, flatten
from ..validation import validate
from .block_faults import PASSED_THROUGH, failure_hint, output_problem, provider
from .cache import CacheEntry, KeyLocks, ResultCache
from .executors import Executor, Task, ThreadExecutor


@dataclass
class NodeResult:
    """The outcome of one node in the latest run.

    state: done, failed, refused (validation found an error in the block: `diagnostic` says which),
    blocked (an upstream node did not finish), cancelled.
    summary: one line for the node (e.g. "1,000 rows; columns: text").
    view: data for the block's interactive view (the Scatter's points), beside the outputs.
    messages: diagnostics the node reported while running (warnings, skipped rows, …).
    """

    node_id: str
    state: NodeState
    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    messages: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    cached: bool = False
    key: str = ""
    view: Any = None
    diagnostic: Diagnostic | None = None


@dataclass
class _Step:
    node: Node
    spec: NodeSpec | None
    links: list[Link]


@dataclass
class _Plan:
    steps: dict[str, _Step]
    tasks: list[Task]
    errors: dict[str, Diagnostic]
    titles: dict[str, str]
    groups: dict[str, FlatGroup] = field(default_factory=dict)


class RunHandle:
    """A run on a worker thread: wait for it or cancel it."""

    def __init__(self, thread: threading.Thread, cancel_event: threading.Event) -> None:
        self._thread = thread
        self._cancel = cancel_event
        self.results: dict[str, NodeResult] = {}

    def cancel(self) -> None:
        """Ask the running nodes to stop at their next cancellation point."""
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
    """Runs a workflow, reusing a node's earlier result while its settings and inputs are unchanged.

    specs: block types (by default the workflow's own); cache: where results and memos live;
    executor: where steps run (by default a few threads, so independent branches run side by side).
    """

    def __init__(self, workflow: Workflow, base_dir: str | None = None, specs: SpecSource | None = None,
                 cache: ResultCache | None = None, executor: Executor | None = None) -> None:
        self.workflow = workflow
        self.base_dir = base_dir
        self.specs = specs if specs is not None else workflow.specs
        self.cache = cache if cache is not None else ResultCache()
        self.executor = executor if executor is not None else ThreadExecutor()
        self.results: dict[str, NodeResult] = {}
        self.executions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._one_run_per_key = KeyLocks()
        self._current: RunHandle | None = None

    def outputs(self) -> dict[str, dict[str, Any]]:
        """The outputs of every node that finished, by node id."""
        # list() copies in one step: a worker thread may add results while the UI thread reads
        return {nid: r.outputs for nid, r in list(self.results.items()) if r.state == NodeState.DONE}

    def forget(self, node_id: str) -> None:
        """Drop a node's latest result so the next run computes it again."""
        result = self.results.pop(node_id, None)
        if result is not None and result.key:
            self.cache.discard(result.key)

    def run(self, node_ids: list[str] | None = None, on_event: EventCallback | None = None,
            cancel: threading.Event | None = None) -> dict[str, NodeResult]:
        """Run the workflow (or only `node_ids` and what they need) and wait for it."""
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
    def _snapshot(self, node_ids: list[str] | None) -> _Plan:
        """Copy what the run needs so the model may change while the run goes on.

        Groups are flattened: their blocks run as steps of their own with path ids (`g1/m`)."""
        diagnostics = validate(self.workflow, self.base_dir, self.outputs(), self.specs)
        flat = flatten(self.workflow)
        workflow = flat.workflow
        order = workflow.topological_order(partial=True) or []
        wanted = set(order)
        if node_ids is not None:
            node_ids = flat.members(node_ids)
            wanted = set(node_ids)
            stack = list(node_ids)
            while stack:
                for link in workflow.links_into(stack.pop()):
                    if link.source not in wanted:
                        wanted.add(link.source)
                        stack.append(link.source)
        steps = {
            nid: _Step(copy.deepcopy(workflow.nodes[nid]), self.specs.get(workflow.nodes[nid].type),
                       [copy.copy(link) for link in workflow.links_into(nid)])
            for nid in order if nid in wanted
        }
        tasks = [Task(nid, frozenset(link.source for link in step.links if link.source in steps))
                 for nid, step in steps.items()]
        errors: dict[str, Diagnostic] = {}
        for diagnostic in diagnostics:
            if diagnostic.severity == Severity.ERROR and diagnostic.node_id and diagnostic.node_id not in errors:
                errors[diagnostic.node_id] = diagnostic
        titles = {nid: node.title for nid, node in workflow.nodes.items()}
        groups = {path: group for path, group in flat.groups.items() if any(m in steps for m in group.members)}
        return _Plan(steps, tasks, errors, titles, groups)

    def _execute(self, plan: _Plan, on_event: EventCallback, cancel: threading.Event) -> dict[str, NodeResult]:
        for node_id in plan.steps:
            on_event(NodeEvent(node_id, NodeState.QUEUED))
        finished: dict[str, NodeResult] = {}

        def run_task(node_id: str) -> None:
            result = self._run_step(plan, plan.steps[node_id], finished, on_event, cancel)
            finished[node_id] = result
            self.results[node_id] = result
            on_event(NodeEvent(node_id, result.state, 1.0 if result.state == NodeState.DONE else None,
                               result.error or result.summary))

        with self._lock:
            self.executor.execute(plan.tasks, run_task)
        for path, group in plan.groups.items():  # inner groups come first, so an outer one sees their results
            result = _group_result(group, finished)
            finished[path] = self.results[path] = result
            on_event(NodeEvent(path, result.state, 1.0 if result.state == NodeState.DONE else None,
                               result.error or result.summary))
        return {nid: finished[nid] for nid in [*plan.steps, *plan.groups] if nid in finished}

    def _run_step(self, plan: _Plan, step: _Step, finished: dict[str, NodeResult],
                  on_event: EventCallback, cancel: threading.Event) -> NodeResult:
        node, spec = step.node, step.spec
        if cancel.is_set():
            return NodeResult(node.id, NodeState.CANCELLED, error="Cancelled before it ran")
        static_error = plan.errors.get(node.id)
        if static_error is not None or spec is None:
            message = static_error.message if static_error else f"Unknown block type '{node.type}'"
            return NodeResult(node.id, NodeState.REFUSED, error=message, diagnostic=static_error)
        inputs: dict[str, Any] = {port.name: None for port in spec.inputs}
        input_keys: dict[str, list[str]] = {}
        for link in step.links:
            upstream = finished.get(link.source)
            if upstream is None or upstream.state != NodeState.DONE or link.source_port not in upstream.outputs:
                # Users know blocks by their titles on the canvas, not by their ids.
                source_title = plan.titles.get(link.source, link.source)
                # The block's name first: the canvas shows only the start of this under the block.
                return NodeResult(node.id, NodeState.BLOCKED,
                                  error=f"waits for “{source_title}”, which did not finish "
                                        f"(its input '{link.target_port}' comes from there)")
            inputs[link.target_port] = upstream.outputs[link.source_port]
            input_keys[link.target_port] = [upstream.key, link.source_port]
        settings = spec.resolve_settings(node.settings)
        try:
            key = self._key(node, spec, settings, input_keys)
        except UnkeyableValue as exc:
            message = (f"{node.title}: a setting holds {exc}; settings must be text, numbers, true/false, "
                       "lists or row sets (a value with a cache_key() method)")
            return NodeResult(node.id, NodeState.FAILED, error=message, messages=[
                Diagnostic("invalid-setting", Severity.ERROR, node.id, None, message)])
        waiting = NodeEvent(node.id, NodeState.QUEUED, None, "waits for an identical branch computing the same")
        with self._one_run_per_key.held(key, cancel, on_wait=lambda: on_event(waiting)) as held:
            if not held:
                return NodeResult(node.id, NodeState.CANCELLED, error="Cancelled")
            entry = self.cache.get(key)
            if isinstance(entry, CacheEntry):
                return _from_cache(node, key, entry)
            return self._compute(node, spec, settings, inputs, input_keys, key, on_event, cancel)

    def _compute(self, node: Node, spec: NodeSpec, settings: dict[str, Any], inputs: dict[str, Any],
                 input_keys: Mapping[str, list[str]], key: str, on_event: EventCallback,
                 cancel: threading.Event) -> NodeResult:
        """Run the block and store what it made under `key`."""
        on_event(NodeEvent(node.id, NodeState.RUNNING, 0.0, ""))
        inputs_signature = json.dumps(input_keys, sort_keys=True)

        def memo(memo_key: Hashable, compute: Any) -> Any:
            return self.cache.memo((node.type, spec.version, inputs_signature, memo_key), compute)

        context = NodeContext(node, settings, inputs, self.base_dir, cancel, on_event, memo)
        self.executions[node.id] = self.executions.get(node.id, 0) + 1
        started = time.perf_counter()
        try:
            _preload(spec)
            outputs = dict(self.executor.run_block(spec, context))
        except Cancelled:
            return NodeResult(node.id, NodeState.CANCELLED, error="Cancelled", messages=context.messages)
        except EmbedflowError as exc:
            if cancel.is_set():  # a block that turned a cancel into its own error was still cancelled
                return NodeResult(node.id, NodeState.CANCELLED, error="Cancelled", messages=context.messages)
            code, hint = (exc.code, exc.hint) if isinstance(exc, NodeError) else ("node-failed", "")
            return _failed(context, code, str(exc), hint, started)
        except PASSED_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001  (a bug in a block, even sys.exit, must not end the run)
            traceback.print_exc()
            source = provider(spec)
            where = "" if source.is_embedflow else f" (block '{spec.type}' from {source})"
            return _failed(context, "internal-error", f"Internal error in {node.title}{where}: {type(exc).__name__}: "
                                                      f"{exc}", failure_hint(source), started)
        problem = output_problem(spec, outputs)
        if problem is not None:
            source = provider(spec)
            return _failed(context, "outputs-do-not-match-spec", f"{node.title} (block '{spec.type}' from {source}) "
                           f"returned outputs that do not match its spec: {problem}", failure_hint(source), started)
        summary = context.summary or _default_summary(outputs)
        duration = time.perf_counter() - started
        self.cache.put(key, CacheEntry(outputs, context.view, summary, context.messages, duration, node.title))
        return NodeResult(node.id, NodeState.DONE, outputs, summary, context.messages,
                          duration=duration, key=key, view=context.view)

    def _key(self, node: Node, spec: NodeSpec, settings: Mapping[str, Any],
             input_keys: Mapping[str, list[str]]) -> str:
        """The signature a node's result is stored under (core/keys.py): what the block is, its settings and
        fingerprint, its inputs' signatures and the data folder. The node id only for a block that is not
        idempotent, so identical branches share one result."""
        parts = {"type": node.type, "version": spec.version, "settings": settings, "inputs": input_keys,
                 "fingerprint": spec.fingerprint(settings, self.base_dir) if spec.fingerprint else "",
                 "base": self.base_dir}
        if not spec.execution.idempotent:
            parts["node"] = node.id
        return digest(parts)


def _from_cache(node: Node, key: str, entry: CacheEntry) -> NodeResult:
    """A node's result found in the cache, perhaps made by an identical node or under another title: its
    messages, summary and view name this node as it is now."""
    def titled(text: str) -> str:
        if not entry.title or entry.title == node.title:
            return text
        text = text.replace(f"“{entry.title}”", f"“{node.title}”")
        return f"{node.title}: {text[len(entry.title) + 2:]}" if text.startswith(f"{entry.title}: ") else text

    messages = [replace(m, node_id=node.id if m.node_id is not None else None, message=titled(m.message),
                        hint=titled(m.hint)) for m in entry.messages]
    view = entry.view
    if is_dataclass(view) and not isinstance(view, type) and getattr(view, "title", None) == entry.title:
        view = replace(view, title=node.title)
    return NodeResult(node.id, NodeState.DONE, entry.outputs, titled(entry.summary), messages,
                      duration=entry.duration, cached=True, key=key, view=view)


_PRELOAD_LOCK = threading.Lock()


def _preload(spec: NodeSpec) -> None:
    """Import what the block's run needs, one thread at a time (first imports of a package must not overlap)."""
    preload = spec.execution.preload
    if preload and not all(name in sys.modules for name in preload):
        with _PRELOAD_LOCK:
            for name in preload:
                importlib.import_module(name)


# Which inner state a group shows when its blocks did not all finish: the worst first.
_GROUP_STATES = (NodeState.FAILED, NodeState.REFUSED, NodeState.CANCELLED, NodeState.BLOCKED)


def _group_result(group: FlatGroup, finished: Mapping[str, NodeResult]) -> NodeResult:
    """A group's result: its exposed outputs, the worst state of its blocks and a summary such as "2 blocks, done"."""
    inner = [finished[m] for m in group.members if m in finished]
    states = {result.state for result in inner}
    state = next((s for s in _GROUP_STATES if s in states), NodeState.DONE)
    outputs = {name: finished[node].outputs[port] for name, (node, port) in group.outputs.items()
               if node in finished and port in finished[node].outputs}
    count = f"{len(group.members)} block" + ("" if len(group.members) == 1 else "s")
    if state == NodeState.DONE:
        return NodeResult(group.path, state, outputs, f"{count}, done", cached=all(r.cached for r in inner),
                          duration=sum(r.duration for r in inner))
    worst = next(r for r in inner if r.state == state)
    return NodeResult(group.path, state, outputs, f"{count}, {worst.node_id} {state}",
                      error=f"{worst.node_id}: {worst.error}", diagnostic=worst.diagnostic)


def _failed(context: NodeContext, code: str, message: str, hint: str, started: float) -> NodeResult:
    """The result of a block that failed: its error reported among its messages."""
    context.report(Severity.ERROR, code, message, hint)
    return NodeResult(context.node_id, NodeState.FAILED, error=message, messages=context.messages,
                      duration=time.perf_counter() - started)


def _default_summary(outputs: Mapping[str, Any]) -> str:
    parts = [f"{name}: {value.summary()}" for name, value in outputs.items() if hasattr(value, "summary")]
    return "; ".join(parts)
