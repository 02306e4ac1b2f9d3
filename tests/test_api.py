"""embedflow.api: the promised names, Table's helpers, and run_workflow's results and errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from embedflow import api
from embedflow.registry import default_registry
from tests.helpers import register_test_nodes, unregister_test_nodes

PROMISED = {
    "NodeSpec", "Port", "Setting", "SettingKind", "register", "NodeContext", "NodeError", "OutputDescription",
    "ValidationContext", "Node", "Diagnostic", "error", "warning", "Execution", "RowWise",
    "PortType", "TABLE", "EMBEDDINGS", "ENCODED_TEXT", "NEIGHBOURS", "Table", "EncodedText",
    "Workflow", "new_workflow", "read_workflow", "write_workflow", "validate_workflow", "run_workflow",
    "WorkflowRunError",
}


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_the_api_promises_exactly_its_listed_names_and_each_exists():
    assert set(api.__all__) == PROMISED and len(api.__all__) == len(PROMISED)
    assert all(getattr(api, name, None) is not None for name in api.__all__)
    star: dict = {}
    exec("from embedflow.api import *", star)
    assert set(star) - {"__builtins__"} == PROMISED


def test_table_with_meta_keeps_vectors_and_provenance():
    table = api.Table(pd.DataFrame({"a": [1, 2]}), np.eye(2), provenance={"model": "m"})
    renamed = table.with_meta(pd.DataFrame({"b": ["x", "y"]}))
    assert renamed.columns == ["b"] and renamed.provenance == {"model": "m"}
    np.testing.assert_array_equal(renamed.vectors, table.vectors)
    with pytest.raises(ValueError):
        table.with_meta(pd.DataFrame({"b": [1, 2, 3]}))


def test_table_with_vectors_adds_provenance():
    table = api.Table(pd.DataFrame({"a": [1, 2]}), provenance={"model": "m"})
    embedded = table.with_vectors(np.ones((2, 3)), kind="text")
    assert embedded.dims == 3 and embedded.provenance == {"model": "m", "kind": "text"}


def chain(fail: bool = False) -> tuple[api.Workflow, str, str]:
    workflow = api.new_workflow()
    numbers = workflow.add_node("t_numbers", settings={"rows": 4})
    scale = workflow.add_node("t_scale", settings={"factor": 3.0, "fail": fail}, title="Triple")
    workflow.connect(numbers.id, "data", scale.id, "data")
    return workflow, numbers.id, scale.id


def test_run_workflow_returns_every_nodes_outputs_by_port():
    workflow, numbers, scale = chain()
    outputs = api.run_workflow(workflow)
    assert set(outputs) == {numbers, scale}
    assert outputs[scale]["embeddings"].vectors[:, 0].tolist() == [0.0, 3.0, 6.0, 9.0]


def test_run_workflow_reads_a_file_and_resolves_its_paths_against_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    pd.DataFrame({"text": ["a", "b"]}).to_csv(folder / "docs.csv", index=False)
    workflow = api.new_workflow()
    workflow.add_node("input", settings={"path": str(folder / "docs.csv"), "feature": "text"})
    api.write_workflow(workflow, folder / "w.embedflow")
    assert json.loads((folder / "w.embedflow").read_text())["nodes"][0]["settings"]["path"] == "docs.csv"
    monkeypatch.chdir(tmp_path)
    outputs = api.run_workflow(folder / "w.embedflow")
    assert outputs["n1"]["data"].meta["text"].tolist() == ["a", "b"]


def test_run_workflow_with_validation_errors_runs_nothing_and_names_the_node():
    workflow = api.new_workflow()
    workflow.add_node("input", settings={"path": "no-such-file.csv"}, title="Reviews")
    with pytest.raises(api.WorkflowRunError) as raised:
        api.run_workflow(workflow)
    assert "n1: error missing-file" in str(raised.value)
    assert [d.code for d in raised.value.diagnostics] == ["missing-file"]


def test_validate_workflow_gives_the_files_and_the_validators_diagnostics(tmp_path):
    (tmp_path / "w.embedflow").write_text(json.dumps({
        "format": "embedflow-workflow", "version": 1, "annotations": [],
        "nodes": [{"id": "n1", "type": "input", "settings": {"path": "docs.csv"}}, {"settings": {}}],
        "links": []}))
    assert [d.code for d in api.validate_workflow(tmp_path / "w.embedflow")] == ["invalid-node", "missing-file"]


def test_run_workflow_raises_naming_the_node_that_failed_and_keeps_the_others_outputs():
    workflow, numbers, scale = chain(fail=True)
    with pytest.raises(api.WorkflowRunError) as raised:
        api.run_workflow(workflow)
    assert f"{scale} (Triple): failed: asked to fail" in str(raised.value)
    assert set(raised.value.failed) == {scale} and set(raised.value.outputs) == {numbers}


_STAMPS: list[str] = []


def _stamp(ctx: api.NodeContext) -> dict:
    _STAMPS.append(ctx.title)
    return {"data": ctx.inputs["data"]}


@pytest.mark.parametrize("idempotent, runs", [(True, 1), (False, 2)])
def test_an_add_on_says_how_it_may_be_run_through_the_execution_description(idempotent, runs):
    spec = api.NodeSpec(type="t_stamp", title="Stamp", category="Analysis", description="passes rows on",
                        icon="input", inputs=(api.Port("data", api.TABLE),), outputs=(api.Port("data", api.TABLE),),
                        settings=(), run=_stamp,
                        execution=api.Execution(row_wise=api.RowWise(port="data"), preload=("json",),
                                                idempotent=idempotent))
    api.register(spec)
    try:
        workflow = api.new_workflow()
        numbers = workflow.add_node("t_numbers", settings={"rows": 4})
        for title in ("First", "Second"):
            stamp = workflow.add_node("t_stamp", title=title)
            workflow.connect(numbers.id, "data", stamp.id, "data")
        _STAMPS.clear()
        outputs = api.run_workflow(workflow)
    finally:
        default_registry().unregister("t_stamp")
    assert len(_STAMPS) == runs and len(outputs) == 3
