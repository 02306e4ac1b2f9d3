"""Test-only node types for exercising the engine with real runs (registered per test)."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from embedflow.core.errors import NodeError
from embedflow.core.ports import EMBEDDINGS, TABLE
from embedflow.core.specs import NodeSpec, Port, Setting
from embedflow.core.table import Table
from embedflow.io import workflow_file
from embedflow.registry import default_registry
from tests.waiting import HANG


def _numbers(ctx) -> dict[str, Any]:
    n = ctx.settings["rows"]
    return {"data": Table(pd.DataFrame({"x": np.arange(n)}))}


def _scale(ctx) -> dict[str, Any]:
    if ctx.settings["fail"]:
        raise NodeError("asked to fail", "test-failure")
    table = ctx.inputs["data"]
    vectors = np.outer(table.meta["x"].to_numpy(), np.ones(2)) * ctx.settings["factor"]
    return {"embeddings": table.with_vectors(vectors, model="test")}


started = threading.Event()


def _slow(ctx) -> dict[str, Any]:
    started.set()
    for step in range(10_000):
        ctx.progress(step / 10_000, "working")
        time.sleep(0.001)
    return {"data": ctx.inputs["data"]}


gate_entered = threading.Event()
gate_open = threading.Event()


def _gate(ctx) -> dict[str, Any]:
    """Holds the run until the test opens the gate (a handshake, no sleeping)."""
    gate_entered.set()
    if not gate_open.wait(HANG):
        raise NodeError("the test never opened the gate", "test-failure")
    return {"data": ctx.inputs["data"]}


TEST_SPECS = [
    NodeSpec("t_numbers", "Numbers", "Data", "n rows", "input", (), (Port("data", TABLE),),
             (Setting("rows", "int", 3, minimum=1, maximum=1000),), _numbers),
    NodeSpec("t_scale", "Scale", "Analysis", "vectors", "input", (Port("data", TABLE),),
             (Port("embeddings", EMBEDDINGS),),
             (Setting("factor", "float", 1.0), Setting("fail", "bool", False)), _scale),
    NodeSpec("t_slow", "Slow", "Analysis", "slow", "input", (Port("data", TABLE),),
             (Port("data", TABLE),), (), _slow),
    NodeSpec("t_gate", "Gate", "Analysis", "waits for the test", "input", (Port("data", TABLE),),
             (Port("data", TABLE),), (), _gate),
    NodeSpec("t_needs_embeddings", "Needs embeddings", "Analysis", "x", "input",
             (Port("data", EMBEDDINGS),), (Port("data", TABLE),), (), lambda ctx: {"data": ctx.inputs["data"]}),
]


def register_test_nodes() -> None:
    """Register the test-only node types."""
    for spec in TEST_SPECS:
        default_registry().register(spec)


def unregister_test_nodes() -> None:
    """Remove the test-only node types."""
    for spec in TEST_SPECS:
        default_registry().unregister(spec.type)


def loads(raw: bytes | str, name: str = "workflow") -> tuple[Any, list[Any]]:
    """Parse workflow-file text with every installed block type (the process's registry)."""
    return workflow_file.loads(raw, name, specs=default_registry())
