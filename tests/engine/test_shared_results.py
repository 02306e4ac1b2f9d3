"""Result keys (core/keys.py): identical branches compute once, each node keeps its own messages and title."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from embedflow.core.context import NodeEvent
from embedflow.core.diagnostics import Severity
from embedflow.core.keys import UnkeyableValue, canonical, digest
from embedflow.core.ports import TABLE
from embedflow.core.rows import RowSet
from embedflow.core.specs import Execution, NodeSpec, Port, Setting
from embedflow.core.table import Table
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.engine.executors import SerialExecutor, ThreadExecutor
from embedflow.registry import Registry


def _count_rows(ctx: Any) -> dict[str, Any]:
    table = ctx.inputs["data"]
    ctx.report(Severity.INFO, "counted", f"“{ctx.title}” counted {len(table)} rows.")
    ctx.summary = f"{ctx.title}: {len(table)} rows"
    return {"data": Table(pd.DataFrame({"rows": [len(table)], "offset": [ctx.settings["offset"]]}))}


_entries: list[str] = []
_other_arrived = threading.Event()


def _held_count(ctx: Any) -> dict[str, Any]:
    """Counts its runs; the first one stays inside until the other branch has arrived (waiting, or inside too)."""
    _entries.append(ctx.node_id)
    if len(_entries) > 1:
        _other_arrived.set()
    elif not _other_arrived.wait(30):
        raise RuntimeError("the other branch never arrived")
    return _count_rows(ctx)


def _rows(ctx: Any) -> dict[str, Any]:
    return {"data": Table(pd.DataFrame({"x": np.arange(ctx.settings["rows"])}))}


SOURCE = NodeSpec(type="k_rows", title="Rows", category="Data", description="rows", icon="input", inputs=(),
                  outputs=(Port("data", TABLE),), settings=(Setting("rows", "int", 4),), run=_rows)
COUNT = NodeSpec(type="k_count", title="Count", category="Analysis", description="count", icon="input",
                 inputs=(Port("data", TABLE),), outputs=(Port("data", TABLE),),
                 settings=(Setting("offset", "int", 0), Setting("anything", "list", [])), run=_count_rows)
COUNT_EACH = replace(COUNT, type="k_count_each", execution=Execution(idempotent=False))
HELD = replace(COUNT, type="k_count_held", run=_held_count)


def two_branches(count: NodeSpec = COUNT) -> tuple[Workflow, str, str]:
    registry = Registry()
    for spec in (SOURCE, count):
        registry.register(spec)
    workflow = Workflow(registry)
    source = workflow.add_node(SOURCE.type)
    left, right = workflow.add_node(count.type, title="Left"), workflow.add_node(count.type, title="Right")
    for node in (left, right):
        workflow.connect(source.id, "data", node.id, "data")
    return workflow, left.id, right.id


@pytest.mark.parametrize("executor", [SerialExecutor, ThreadExecutor])
def test_two_identical_branches_compute_once(executor):
    workflow, left, right = two_branches()
    engine = Engine(workflow, executor=executor())
    results = engine.run()
    assert engine.executions.get(left, 0) + engine.executions.get(right, 0) == 1
    assert results[left].state == results[right].state == "done"
    assert results[left].outputs["data"] is results[right].outputs["data"]


def test_an_identical_branch_running_beside_waits_for_the_first_instead_of_computing_again():
    workflow, left, right = two_branches(HELD)
    _entries.clear()
    _other_arrived.clear()
    waited: list[NodeEvent] = []

    def on_event(event: NodeEvent) -> None:
        if event.message.startswith("waits for an identical branch"):
            waited.append(event)
            _other_arrived.set()

    results = Engine(workflow, executor=ThreadExecutor()).run(on_event=on_event)
    assert len(_entries) == 1 and [e.node_id for e in waited] == [right if _entries == [left] else left]
    assert results[left].state == results[right].state == "done"


def test_a_shared_result_speaks_of_the_node_that_shows_it():
    workflow, left, right = two_branches()
    results = Engine(workflow, executor=SerialExecutor()).run()
    cached = results[right]
    assert cached.cached and cached.summary == "Right: 4 rows"
    assert [(m.node_id, m.message) for m in cached.messages] == [(right, "“Right” counted 4 rows.")]
    assert [(m.node_id, m.message) for m in results[left].messages] == [(left, "“Left” counted 4 rows.")]


def test_branches_that_differ_in_a_setting_compute_apart():
    workflow, left, right = two_branches()
    workflow.update_settings(right, {"offset": 1})
    engine = Engine(workflow, executor=SerialExecutor())
    engine.run()
    assert engine.executions[left] == engine.executions[right] == 1


def test_a_block_that_is_not_idempotent_computes_for_each_node():
    workflow, left, right = two_branches(COUNT_EACH)
    engine = Engine(workflow, executor=SerialExecutor())
    engine.run()
    assert engine.executions[left] == engine.executions[right] == 1


def test_a_setting_value_without_a_key_fails_its_node_only():
    workflow, left, right = two_branches()
    workflow.nodes[left].settings["anything"] = [object()]
    results = Engine(workflow, executor=SerialExecutor()).run()
    assert results[left].state == "failed" and "a value of type object" in results[left].error
    assert results[left].messages[0].node_id == left
    assert results[right].state == "done"


def test_row_sets_are_keyed_by_their_rows():
    assert canonical(RowSet.of([1, 2, 3])) == canonical(RowSet.of([3, 2, 1]))
    assert digest({"rows": RowSet.of([1, 2, 3])}) != digest({"rows": RowSet.of([1, 2, 4])})


def test_plain_values_are_keyed_by_their_canonical_json():
    assert digest({"b": 1, "a": [1.5, "x", None, True]}) == digest({"a": (1.5, "x", None, True), "b": 1})
    assert digest({"a": 1}) != digest({"a": "1"}) and digest({"a": 1.0}) != digest({"a": float("nan")})
    with pytest.raises(UnkeyableValue, match="type set"):
        canonical({"a": {1, 2}})
