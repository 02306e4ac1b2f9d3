"""The Qt bridge to the engine: runs on the engine's worker thread, events delivered on the UI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal

from embedflow.core.context import NodeEvent
from embedflow.core.workflow import Workflow, WorkflowEvent
from embedflow.engine import Engine, NodeResult, RunHandle
from embedflow.engine.cache import ResultCache
from embedflow.engine.executors import Executor

# Model changes that can change what a node computes (moves, titles and notes cannot).
COMPUTING_EVENTS = ("node-added", "settings-changed", "link-added", "link-removed", "reset")
# How long closing the window waits for a cancelled run to reach a cancellation point (an import cannot stop).
STOP_SECONDS = 30.0
PROGRESS_INTERVAL = 0.05  # seconds between progress updates per node, so a chatty node cannot flood the UI


class _Relay(QObject):
    """Carries reports from worker threads to the UI thread.

    It has no parent, and the worker threads hold it, so it outlives a window that is closed and
    deleted while a block is still finishing: a thread never emits on a deleted object.
    """

    node_event = pyqtSignal(object)
    ended = pyqtSignal(object)
    connected = pyqtSignal(object, str)
    failed = pyqtSignal(str)


@dataclass
class NodeState:
    """What the canvas paints for a node: state, progress fraction and a short message."""

    state: str = "idle"
    fraction: float | None = None
    message: str = ""


class RunController(QObject):
    """Owns the Engine of the open workflow, starts runs off the UI thread and tracks node states.

    Signals: nodeStateChanged(node id); runFinished() when the latest run ends;
    runningChanged(bool); executorChanged(where: "" for this computer, else the scheduler's address);
    executorFailed(message) when a scheduler cannot be used.
    """

    nodeStateChanged = pyqtSignal(str)
    runFinished = pyqtSignal()
    runningChanged = pyqtSignal(bool)
    executorChanged = pyqtSignal(str)
    executorFailed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine: Engine | None = None
        self.states: dict[str, NodeState] = {}
        self.auto_run = True
        self.handle: RunHandle | None = None
        # Where runs go: None is this computer (the engine's own threads), else e.g. a DaskExecutor.
        self.executor: Executor | None = None
        self.where = ""
        self._last_progress: dict[str, float] = {}
        self._unsubscribe: Callable[[], None] | None = None
        # Queued: the worker thread emits, the UI thread handles. (PyQt5-stubs lack connect's type argument.)
        self._relay = _Relay()
        self._waiters: list[threading.Thread] = []  # each sends its run's end through the relay
        self._relay.node_event.connect(self._on_event, Qt.QueuedConnection)  # type: ignore[call-arg]
        self._relay.ended.connect(self._on_ended, Qt.QueuedConnection)  # type: ignore[call-arg]
        self._relay.connected.connect(self.set_executor, Qt.QueuedConnection)  # type: ignore[call-arg]
        self._relay.failed.connect(self.executorFailed, Qt.QueuedConnection)  # type: ignore[call-arg]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run)

    # -- set-up --------------------------------------------------------------------------
    def set_workflow(self, workflow: Workflow, base_dir: str | None) -> None:
        """Use a fresh engine for `workflow` (any run of the previous one is cancelled)."""
        self.cancel()
        self.engine = Engine(workflow, base_dir, executor=self.executor)
        self.states = {node_id: NodeState() for node_id in workflow.nodes}
        self.handle = None
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = workflow.subscribe(lambda event: self._on_model_event(workflow, event))
        if self.auto_run:
            self.schedule()

    def set_base_dir(self, base_dir: str | None) -> None:
        """The workflow moved (Save As): resolve relative paths against its new folder."""
        if self.engine is not None and self.engine.base_dir != base_dir:
            self.engine.base_dir = base_dir
            if self.auto_run:
                self.schedule()

    def set_auto_run(self, on: bool) -> None:
        """Turn automatic re-running after edits on or off."""
        self.auto_run = on
        if on:
            self.schedule()

    def use_scheduler(self, address: str) -> None:
        """Connect to a Dask scheduler (tcp://HOST:PORT, or local[:N] to start one) off the UI thread.

        executorChanged follows when it is in use, executorFailed with the reason when it cannot be.
        """
        relay = self._relay
        threading.Thread(target=_connect, args=(relay, address), name="embedflow-connect", daemon=True).start()

    def use_this_computer(self) -> None:
        """Run on this computer again."""
        self.set_executor(None, "")

    def set_executor(self, executor: Executor | None, where: str = "") -> None:
        """Run on `executor` from now on (None: this computer); results made elsewhere are forgotten.

        Partitioned results live on the old cluster's workers, so the result cache is dropped, and an
        executor this controller connected is closed once its run has stopped.
        """
        previous, handle = self.executor, self.handle
        self.cancel()
        self.executor, self.where = executor, where
        if self.engine is not None:
            if handle is not None:
                handle.wait()
            self.engine = Engine(self.engine.workflow, self.engine.base_dir, executor=executor, cache=ResultCache())
            self.handle = None
            for node_id in self.states:
                self.states[node_id] = NodeState()
                self.nodeStateChanged.emit(node_id)
        close = getattr(previous, "close", None)
        if previous is not None and previous is not executor and callable(close):
            close()
        self.executorChanged.emit(where)
        if self.auto_run:
            self.schedule()

    # -- running -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while a run is going."""
        return self.handle is not None and self.handle.running

    def schedule(self) -> None:
        """Run soon; edits in quick succession start a single run."""
        self._timer.start()

    def run(self, node_ids: list[str] | None = None) -> None:
        """Start a run of the workflow (or of `node_ids` and what they need) on a worker thread."""
        self._timer.stop()
        if self.engine is None or not self.engine.workflow.nodes:
            return
        engine, relay, last_progress = self.engine, self._relay, self._last_progress
        handle = engine.start(node_ids, on_event=lambda event: _report(relay, last_progress, engine, event))
        self.handle = handle
        waiter = threading.Thread(target=_wait, args=(relay, handle), name="embedflow-run-waiter", daemon=True)
        self._waiters = [*(thread for thread in self._waiters if thread.is_alive()), waiter]
        waiter.start()
        self.runningChanged.emit(True)

    def cancel(self) -> None:
        """Stop the current run at its next cancellation point."""
        self._timer.stop()
        if self.engine is not None:
            self.engine.cancel()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Cancel the run and wait for it to end (the window closes); False if it is still going after `timeout`.

        A run left going past the end of the event loop would meet an interpreter shutting down; so would its
        waiter thread, whose last act is a signal through the relay (a segfault once the relay is deleted)."""
        self.cancel()
        ended = self.handle is None or self.handle.wait(timeout)
        if ended:
            for waiter in self._waiters:
                waiter.join(timeout)
        return ended

    def result(self, node_id: str) -> NodeResult | None:
        """The latest result of a node, if it has run."""
        return self.engine.results.get(node_id) if self.engine is not None else None

    def state(self, node_id: str) -> NodeState:
        """The painted state of a node."""
        return self.states.setdefault(node_id, NodeState())

    # -- UI side ----------------------------------------------------------------------------
    def _on_event(self, payload: tuple[Engine, NodeEvent]) -> None:
        engine, event = payload
        # A run of a workflow that was since replaced may still report; its node ids mean nothing now.
        if engine is not self.engine:
            return
        group, _, inner = event.node_id.partition("/")
        if inner and group in engine.workflow.nodes and event.state == "running":
            # A block inside a group runs: the group shows it until the group's own result comes.
            self.states[group] = NodeState("running", None, inner)
            self.nodeStateChanged.emit(group)
        # Blocks inside groups keep their states under their paths (g1/m) for the group's own view.
        self.states[event.node_id] = NodeState(event.state, event.fraction, event.message)
        self.nodeStateChanged.emit(event.node_id)

    def _on_ended(self, handle: RunHandle) -> None:
        if handle is not self.handle:
            return
        self.runningChanged.emit(False)
        self.runFinished.emit()

    def _on_model_event(self, workflow: Workflow, event: WorkflowEvent) -> None:
        if self.engine is None or workflow is not self.engine.workflow:
            return
        if event.kind == "node-removed":
            self.states.pop(event.item.id, None)
        if event.kind not in COMPUTING_EVENTS:
            return
        if self.auto_run:
            self.schedule()
            return
        # Without auto-run, what the edit affects is shown as not yet computed.
        changed = {event.item.target if event.kind.startswith("link") else event.item.id} \
            if event.kind != "reset" else set(workflow.nodes)
        for node_id in list(changed):
            changed |= workflow.downstream_of(node_id)
        for node_id in changed:
            if node_id in workflow.nodes:
                self.states[node_id] = NodeState()
                self.nodeStateChanged.emit(node_id)


# -- worker side: these run on the engine's threads and touch only the relay ------------------------
def _connect(relay: _Relay, address: str) -> None:
    try:
        from embedflow.engine.dask_executor import DaskExecutor  # only when asked: dask is an optional extra
    except ImportError:
        relay.failed.emit('Running on a Dask cluster needs dask.distributed: pip install "embedflow[dask]".')
        return
    try:
        executor = DaskExecutor.connect(address)
    except Exception as exc:  # noqa: BLE001 - ClusterError and whatever the address makes dask raise: shown to the user
        relay.failed.emit(str(exc))
        return
    relay.connected.emit(executor, executor.address)


def _wait(relay: _Relay, handle: RunHandle) -> None:
    handle.wait()
    relay.ended.emit(handle)


def _report(relay: _Relay, last_progress: dict[str, float], engine: Engine, event: NodeEvent) -> None:
    if event.state == "running" and event.fraction not in (None, 0.0, 1.0):
        now = time.monotonic()
        if now - last_progress.get(event.node_id, 0.0) < PROGRESS_INTERVAL:
            return
        last_progress[event.node_id] = now
    relay.node_event.emit((engine, event))
