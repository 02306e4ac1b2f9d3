"""What a block's run returns is checked against its spec; a block's provider is found from its code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from embedflow.core.ports import EMBEDDINGS, ENCODED_TEXT, TABLE, PortType
from embedflow.core.specs import NodeSpec, Port
from embedflow.core.table import Table
from embedflow.engine.block_faults import output_problem, provider

ROWS = pd.DataFrame({"text": ["a", "b"]})


def _spec(*outputs: Port) -> NodeSpec:
    return NodeSpec(type="probe", title="Probe", category="Data", description="", icon="input", inputs=(),
                    outputs=outputs, settings=(), run=lambda ctx: {})


@pytest.mark.parametrize(("outputs", "problem"), [
    ({"data": Table(ROWS), "extra": Table(ROWS)}, "returned the output 'extra', which it does not declare"),
    ({}, "returned nothing for its output 'data'"),
    ({"data": None}, "returned nothing for its output 'data'"),
    ({"data": "text"}, "its output 'data' should be Table, but it is str"),
])
def test_outputs_that_do_not_match_a_table_port_are_named(outputs: dict[str, Any], problem: str) -> None:
    assert problem in (output_problem(_spec(Port(name="data", type=TABLE)), outputs) or "")


def test_an_embeddings_port_needs_a_table_with_vectors() -> None:
    spec = _spec(Port(name="embeddings", type=EMBEDDINGS))
    assert "without vectors" in (output_problem(spec, {"embeddings": Table(ROWS)}) or "")
    assert output_problem(spec, {"embeddings": Table(ROWS, vectors=np.zeros((2, 3), np.float32))}) is None


def test_optional_outputs_and_add_on_port_types_are_left_to_the_block() -> None:
    spec = _spec(Port(name="data", type=TABLE), Port(name="skipped", type=TABLE, required=False),
                 Port(name="own", type=PortType("AddOnThing")), Port(name="encoded", type=ENCODED_TEXT, required=False))
    assert output_problem(spec, {"data": Table(ROWS), "own": object()}) is None


def test_embedflow_blocks_are_embedflows_and_other_modules_are_named() -> None:
    from embedflow.registry import default_registry

    assert provider(default_registry().get("input")).is_embedflow
    assert str(provider(_spec())) == f"module {__name__}"
