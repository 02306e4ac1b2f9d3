"""Executors: independent branches run side by side; a step never starts before the steps it needs."""

from __future__ import annotations

import threading

import pytest

from embedflow.core.context import NodeState
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.engine.executors import SerialExecutor, Task, ThreadExecutor
from embedflow.registry import default_registry
from tests import helpers
from tests.helpers import register_test_nodes, unregister_test_nodes
from tests.waiting import HANG, reached


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_a_ready_block_does_not_wait_behind_an_unrelated_long_one():
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_numbers")
    gate = workflow.add_node("t_gate")  # first in topological order: a serial run would wait here
    quick = workflow.add_node("t_scale")
    workflow.connect(source.id, "data", gate.id, "data")
    workflow.connect(source.id, "data", quick.id, "data")
    quick_done = threading.Event()
    helpers.gate_entered.clear()
    helpers.gate_open.clear()

    def on_event(event) -> None:
        if event.node_id == quick.id and event.state == NodeState.DONE:
            quick_done.set()

    handle = Engine(workflow, executor=ThreadExecutor(workers=2)).start(on_event=on_event)
    try:
        assert reached(helpers.gate_entered, unless=lambda: not handle.running)
        # The quick branch finishes while the gate still holds the other one.
        assert reached(quick_done, unless=lambda: not handle.running)
    finally:
        helpers.gate_open.set()
    assert handle.wait(HANG)
    assert handle.results[gate.id].state == NodeState.DONE


@pytest.mark.parametrize("executor", [SerialExecutor(), ThreadExecutor(workers=3)], ids=["serial", "threads"])
def test_every_step_runs_after_the_steps_it_needs(executor):
    tasks = [Task("a", frozenset()), Task("b", frozenset({"a"})), Task("c", frozenset({"a"})),
             Task("d", frozenset({"b", "c"}))]
    done: list[str] = []
    lock = threading.Lock()

    def run(node_id: str) -> None:
        needs = next(t.needs for t in tasks if t.node_id == node_id)
        with lock:
            assert needs <= set(done), f"{node_id} started before {needs - set(done)}"
            done.append(node_id)

    executor.execute(tasks, run)
    assert sorted(done) == ["a", "b", "c", "d"] and done[0] == "a" and done[-1] == "d"
