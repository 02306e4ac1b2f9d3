"""Validation sees inside groups: inner blocks are named by their path, group structure problems by the group."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from embedflow.core.workflow import Workflow
from embedflow.io import workflow_file
from embedflow.io.workflow_file import dumps
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests.group_support import group_node, link, node, port
from tests.helpers import loads, register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes() -> Iterator[None]:
    register_test_nodes()
    yield
    unregister_test_nodes()


def workflow_with(group: dict[str, Any], links: list[dict[str, Any]] | None = None) -> Workflow:
    """n1 (t_numbers) and the group g1, linked as given (by default n1.data → g1.data)."""
    text = json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": [
        node("n1", "t_numbers"), {"id": "g1", "type": "group", "title": "Inside", "position": [0, 0],
                                   "settings": group}],
        "links": [link("l1", "n1", "data", "g1", "data")] if links is None else links})
    workflow, _ = loads(text)
    return workflow


def codes(workflow: Workflow) -> set[tuple[str | None, str]]:
    return {(d.node_id, d.code) for d in validate(workflow)}


def test_a_language_model_mismatch_inside_a_group_is_reported_on_the_inner_path() -> None:
    group = group_node([node("e", "text_encoding", {"language_model": "glove-6b-50d"}),
                        node("m", "text_embedding", {"language_model": "all-minilm-l6-v2"})],
                       [link("l1", "e", "encoded", "m", "encoded")], [port("data", "e", "data")], [])
    found = [d for d in validate(workflow_with(group)) if d.code == "language-model-mismatch"]
    assert [d.node_id for d in found] == ["g1/m"]
    assert "g1/m: error language-model-mismatch" in found[0].line()


def test_a_link_into_an_exposed_port_of_another_type_is_a_port_type_mismatch() -> None:
    group = group_node([node("x", "t_needs_embeddings")], [], [port("data", "x", "data")], [])
    found = [d for d in validate(workflow_with(group)) if d.code == "port-type-mismatch"]
    assert [(d.node_id, d.link_id) for d in found] == [("g1/x", "l1")]
    assert "gives Table" in found[0].message and "expects Embeddings" in found[0].message


def test_an_exposed_port_naming_a_missing_block_or_port_is_reported_on_the_group() -> None:
    group = group_node([node("s", "t_scale")], [], [port("data", "s", "data"), port("other", "nope", "data")],
                       [port("out", "s", "no_such_port")])
    found = [d for d in validate(workflow_with(group)) if d.code == "group-port-missing"]
    assert [d.node_id for d in found] == ["g1", "g1"]
    assert "no block 'nope'" in found[0].message and "has no output 'no_such_port'" in found[1].message


def test_two_exposed_ports_with_one_name_are_an_invalid_group() -> None:
    group = group_node([node("s", "t_scale")], [], [port("data", "s", "data"), port("data", "s", "data")], [])
    found = [d for d in validate(workflow_with(group)) if d.code == "invalid-group"]
    assert [d.node_id for d in found] == ["g1"] and "two inputs are called 'data'" in found[0].message


def test_a_cycle_inside_a_group_is_reported_on_its_inner_blocks() -> None:
    group = group_node([node("a", "t_slow"), node("b", "t_slow")],
                       [link("l1", "a", "data", "b", "data"), link("l2", "b", "data", "a", "data")], [], [])
    assert {("g1/a", "cycle"), ("g1/b", "cycle")} <= codes(workflow_with(group, []))


def test_settings_that_are_not_a_sub_workflow_are_diagnostics_on_the_group_and_are_saved_unchanged() -> None:
    group = {"nodes": "not a list", "links": 7, "inputs": [{"name": 1}], "outputs": {}, "settings_exposed": 3}
    workflow = workflow_with(group, [])
    found = validate(workflow)
    assert {d.node_id for d in found if d.code == "invalid-group"} == {"g1"}
    assert json.loads(dumps(workflow))["nodes"][1]["settings"] == group


def test_an_unknown_block_type_inside_a_group_is_named_by_its_path() -> None:
    group = group_node([node("u", "no_such_block", {"kept": 1})], [], [], [])
    assert ("g1/u", "unknown-node-type") in codes(workflow_with(group, []))


def test_nested_groups_name_inner_blocks_by_the_whole_path() -> None:
    inner = group_node([node("x", "t_needs_embeddings")], [], [port("data", "x", "data")], [])
    outer = group_node([{**node("g2", "group"), "settings": inner}], [], [port("data", "g2", "data")], [])
    assert ("g1/g2/x", "port-type-mismatch") in codes(workflow_with(outer))


def test_a_promoted_setting_sets_every_target_and_a_missing_target_is_reported() -> None:
    group = group_node([node("e", "text_encoding", {"language_model": "glove-6b-50d"}),
                        node("m", "text_embedding", {"language_model": "glove-6b-50d"})],
                       [link("l1", "e", "encoded", "m", "encoded")], [port("data", "e", "data")], [],
                       settings_exposed=[{"name": "language_model",
                                          "targets": [["e", "language_model"], ["m", "language_model"]]}],
                       language_model="all-minilm-l6-v2")
    workflow = workflow_with(group)
    assert "language-model-mismatch" not in {code for _, code in codes(workflow)}
    spec = workflow.spec_of(workflow.nodes["g1"])
    assert spec is not None and spec.setting("language_model") is not None
    group["settings_exposed"][0]["targets"].append(["gone", "language_model"])
    assert ("g1", "invalid-group") in codes(workflow_with(group))


def test_a_group_without_groups_in_the_registry_is_a_placeholder_that_keeps_its_settings() -> None:
    group = group_node([node("s", "t_scale")], [], [port("data", "s", "data")], [])
    older = type("Older", (), {"get": lambda self, name: None if name == "group" else default_registry().get(name)})()
    text = json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": [
        {"id": "g1", "type": "group", "title": "G", "position": [0, 0], "settings": group, "node_version": 1}],
        "links": [], "annotations": []})
    workflow, _ = workflow_file.loads(text, specs=older)
    assert workflow.nodes["g1"].settings == group
    assert json.loads(dumps(workflow)) == json.loads(text)


def test_a_block_id_that_is_also_the_path_of_a_block_inside_a_group_is_an_invalid_group() -> None:
    group = group_node([node("s", "t_scale")], [], [], [])
    text = json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": [
        {"id": "g1", "type": "group", "title": "G", "position": [0, 0], "settings": group},
        node("g1/s", "t_numbers"), ], "links": []})
    workflow, _ = loads(text)
    found = [d for d in validate(workflow) if d.code == "invalid-group"]
    assert [d.node_id for d in found] == ["g1/s"] and "names another block too" in found[0].message
