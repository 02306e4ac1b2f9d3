"""The engine: order, minimal re-execution, failure isolation, progress and cancel."""

import threading

import pytest

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from tests import helpers
from tests.helpers import register_test_nodes, unregister_test_nodes
from tests.waiting import HANG, reached


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def chain():
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_numbers")
    left, right = workflow.add_node("t_scale"), workflow.add_node("t_scale")
    workflow.update_settings(right.id, {"factor": 0.5})  # not identical: identical branches share one result
    workflow.connect(source.id, "data", left.id, "data")
    workflow.connect(source.id, "data", right.id, "data")
    return workflow, source.id, left.id, right.id


def test_runs_in_order_and_passes_data_along():
    workflow, source, left, right = chain()
    workflow.update_settings(left, {"factor": 2.0})
    results = Engine(workflow).run()
    assert list(results) == [source, left, right]
    assert results[left].outputs["embeddings"].vectors[:, 0].tolist() == [0.0, 2.0, 4.0]
    assert results[left].outputs["embeddings"].provenance["model"] == "test"


def test_second_run_without_changes_executes_nothing():
    workflow, *_ = chain()
    engine = Engine(workflow)
    engine.run()
    engine.run()
    assert set(engine.executions.values()) == {1}


def test_changing_one_setting_reruns_only_that_node_and_its_downstream():
    workflow, source, left, right = chain()
    engine = Engine(workflow)
    engine.run()
    workflow.update_settings(left, {"factor": 3.0})
    results = engine.run()
    assert engine.executions == {source: 1, left: 2, right: 1}
    assert results[right].cached and not results[left].cached


def test_changing_upstream_reruns_all_downstream():
    workflow, source, left, right = chain()
    engine = Engine(workflow)
    engine.run()
    workflow.update_settings(source, {"rows": 5})
    engine.run()
    assert engine.executions == {source: 2, left: 2, right: 2}


def test_failing_node_blocks_downstream_but_the_rest_runs():
    workflow, source, left, right = chain()
    after = workflow.add_node("t_slow")
    workflow.connect(left, "embeddings", after.id, "data")
    workflow.update_settings(left, {"fail": True})
    results = Engine(workflow).run()
    assert results[left].state == "failed" and results[left].error == "asked to fail"
    assert results[left].messages[0].code == "test-failure"
    assert results[after.id].state == "blocked"
    assert results[right].state == "done"


def test_node_with_validation_error_is_not_run():
    workflow = Workflow(default_registry())
    node = workflow.add_node("t_scale")
    engine = Engine(workflow)
    results = engine.run()
    result = results[node.id]
    assert result.state == "refused" and "needs something" in result.error
    assert result.diagnostic is not None and result.diagnostic.code == "missing-input"
    assert engine.executions == {}


def test_progress_events_reach_the_callback():
    workflow, source, *_ = chain()
    slow = workflow.add_node("t_slow")
    workflow.connect(source, "data", slow.id, "data")
    events = []
    cancel = threading.Event()

    def on_event(event):
        events.append(event)
        if event.node_id == slow.id and event.fraction and event.fraction > 0.001:
            cancel.set()

    Engine(workflow).run(on_event=on_event, cancel=cancel)
    states = [e.state for e in events if e.node_id == slow.id]
    assert states[0] == "queued" and "running" in states and states[-1] == "cancelled"


def test_cancel_stops_a_long_node_promptly_on_the_worker_thread():
    workflow, source, *_ = chain()
    slow = workflow.add_node("t_slow")
    workflow.connect(source, "data", slow.id, "data")
    engine = Engine(workflow)
    helpers.started.clear()
    handle = engine.start()
    assert reached(helpers.started, unless=lambda: not handle.running)
    handle.cancel()
    assert handle.wait(HANG), "the run did not stop after cancel"
    assert handle.results[slow.id].state == "cancelled"
    # a cancelled node is not cached: the next run computes it again
    assert engine.results[slow.id].state == "cancelled"


def test_starting_a_new_run_cancels_the_previous_one():
    workflow, source, *_ = chain()
    slow = workflow.add_node("t_slow")
    workflow.connect(source, "data", slow.id, "data")
    engine = Engine(workflow)
    helpers.started.clear()
    first = engine.start()
    assert reached(helpers.started, unless=lambda: not first.running)
    workflow.remove_node(slow.id)
    second = engine.start()
    assert second.wait(HANG) and first.wait(HANG)
    assert first.results[slow.id].state == "cancelled"
    assert slow.id not in second.results


def test_model_edits_during_a_run_do_not_reach_blocks_that_have_not_run_yet():
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_numbers")
    gate = workflow.add_node("t_gate")
    scale = workflow.add_node("t_scale")
    workflow.connect(source.id, "data", gate.id, "data")
    workflow.connect(gate.id, "data", scale.id, "data")
    helpers.gate_entered.clear()
    helpers.gate_open.clear()
    handle = Engine(workflow).start()
    assert reached(helpers.gate_entered, unless=lambda: not handle.running)
    # The Scale block has not started: it waits behind the gate while its settings change.
    workflow.update_settings(scale.id, {"factor": 5.0})
    helpers.gate_open.set()
    assert handle.wait(HANG)
    assert handle.results[scale.id].outputs["embeddings"].vectors[:, 0].tolist() == [0.0, 1.0, 2.0]


def test_nodes_outside_a_cycle_still_run():
    workflow, source, left, right = chain()
    a, b = workflow.add_node("t_slow"), workflow.add_node("t_slow")
    workflow.connect(a.id, "data", b.id, "data")
    workflow.connect(b.id, "data", a.id, "data")
    results = Engine(workflow).run()
    assert set(results) == {source, left, right}
    assert all(r.state == "done" for r in results.values())
