"""The .embedflow file: round trip, relative paths, migrations, atomic save, bad files."""

import json
import os
from pathlib import Path

import pytest

from embedflow.api import read_workflow
from embedflow.core.errors import WorkflowFileError
from embedflow.core.specs import NodeSpec, Setting
from embedflow.core.workflow import Workflow
from embedflow.io import workflow_file
from embedflow.io.workflow_file import dumps, write_workflow
from embedflow.registry import default_registry
from tests.helpers import loads, register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def sample_workflow() -> Workflow:
    workflow = Workflow(default_registry())
    a = workflow.add_node("t_numbers", (80, 120.5), title="Zahlen – ünïcode")
    b = workflow.add_node("t_scale", (300, 120))
    workflow.connect(a.id, "data", b.id, "data")
    workflow.add_annotation("text", (0, 0, 200, 60), "Step 1")
    workflow.add_annotation("arrow", (10, 10, 50, 50))
    return workflow


def codes(diagnostics):
    return [d.code for d in diagnostics]


def test_save_then_load_then_save_is_byte_identical(tmp_path):
    path = tmp_path / "w.embedflow"
    write_workflow(sample_workflow(), path)
    first = path.read_bytes()
    loaded, diagnostics = read_workflow(path)
    write_workflow(loaded, path)
    assert diagnostics == [] and path.read_bytes() == first


def test_file_matches_the_documented_shape(tmp_path):
    data = json.loads(dumps(sample_workflow()))
    assert data["format"] == "embedflow-workflow" and data["version"] == 1
    assert data["nodes"][0] == {"id": "n1", "type": "t_numbers", "title": "Zahlen – ünïcode",
                                "position": [80, 120.5], "settings": {"rows": 3}, "node_version": 1}
    assert data["links"][0] == {"id": "l1", "source": "n1", "source_port": "data",
                                "target": "n2", "target_port": "data"}
    assert data["annotations"][0] == {"id": "a1", "kind": "text", "rect": [0, 0, 200, 60], "text": "Step 1"}


def test_data_paths_below_the_workflow_are_stored_relative(tmp_path):
    (tmp_path / "data").mkdir()
    inside, outside = tmp_path / "data" / "r.csv", Path("/elsewhere/r.csv")
    workflow = Workflow(default_registry())
    workflow.add_node("input", settings={"path": str(inside)})
    workflow.add_node("input", settings={"path": str(outside)})
    write_workflow(workflow, tmp_path / "w.embedflow")
    saved = json.loads((tmp_path / "w.embedflow").read_text())
    assert [n["settings"]["path"] for n in saved["nodes"]] == ["data/r.csv", str(outside)]


def test_save_keeps_one_backup_of_the_previous_file(tmp_path):
    path = tmp_path / "w.embedflow"
    workflow = sample_workflow()
    write_workflow(workflow, path)
    before = path.read_bytes()
    workflow.set_title("n1", "renamed")
    write_workflow(workflow, path)
    assert (tmp_path / "w.embedflow.bak").read_bytes() == before
    assert b"renamed" in path.read_bytes()


def test_failure_mid_write_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "w.embedflow"
    write_workflow(sample_workflow(), path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    workflow = sample_workflow()
    workflow.set_title("n1", "never saved")
    with pytest.raises(WorkflowFileError, match="No space left"):
        write_workflow(workflow, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary", "not UTF-8"),
    (b"hello, not json", "not valid JSON"),
    (b'{"format": "embedflow-workflow", "version": 1, "nodes": [', "truncated"),
    (b'{"format": "something-else", "version": 1}', "not an embedflow workflow"),
    (b'[1, 2, 3]', "not an embedflow workflow"),
    (b'{"format": "embedflow-workflow", "version": 99}', "made by a newer embedflow"),
    (b'{"format": "embedflow-workflow", "version": "one"}', "invalid format version"),
    (b'{"format": "embedflow-workflow", "version": 1, "nodes": {}}', "must be a list"),
])
def test_unreadable_files_raise_a_clear_error(content, message):
    with pytest.raises(WorkflowFileError, match=message):
        loads(content, "bad.embedflow")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WorkflowFileError, match="no such file"):
        read_workflow(tmp_path / "nope.embedflow")


def doc(nodes, links=(), annotations=()):
    return json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": list(nodes),
                       "links": list(links), "annotations": list(annotations)})


def node(node_id, type_name="t_numbers", **extra):
    return {"id": node_id, "type": type_name, "title": node_id, "position": [0, 0],
            "settings": {}, "node_version": 1, **extra}


def link(link_id, source, target, source_port="data", target_port="data"):
    return {"id": link_id, "source": source, "source_port": source_port,
            "target": target, "target_port": target_port}


def test_unknown_node_type_is_kept_as_placeholder_and_round_trips():
    text = doc([node("n1", "fancy_future_block", settings={"alpha": [1, 2], "beta": "x"}),
                node("n2", "t_scale")], [link("l1", "n1", "n2", "out", "data")])
    workflow, _ = loads(text)
    assert workflow.nodes["n1"].settings == {"alpha": [1, 2], "beta": "x"}
    assert len(workflow.links) == 1
    again, _ = loads(dumps(workflow))
    assert dumps(again) == dumps(workflow)
    from embedflow.validation import validate
    assert "unknown-node-type" in codes(validate(workflow))


def test_duplicate_node_ids_are_renamed_with_a_warning():
    workflow, diagnostics = loads(doc([node("n1"), node("n1")]))
    assert sorted(workflow.nodes) == ["n1", "n2"] and codes(diagnostics) == ["duplicate-id"]


def test_dangling_links_and_missing_ports_are_dropped_with_diagnostics():
    workflow, diagnostics = loads(doc([node("n1"), node("n2", "t_scale")], [
        link("l1", "n1", "ghost"), link("l2", "n1", "n2", "nope", "data"), link("l3", "n1", "n2")]))
    assert list(workflow.links) == ["l3"]
    assert codes(diagnostics) == ["dangling-link", "dangling-link"]
    assert "ghost" in diagnostics[0].message


def test_bad_settings_are_kept_and_reported_by_validation():
    from embedflow.validation import validate
    workflow, diagnostics = loads(doc([node("n1", settings={"rows": "many"}),
                                       node("n2", settings={"rows": 5000})]))
    found = validate(workflow)
    assert diagnostics == []
    assert [(d.node_id, d.code) for d in found] == [("n1", "invalid-setting"), ("n2", "invalid-setting")]
    assert "at most 1000" in found[1].message


def test_cycles_load_and_are_reported():
    from embedflow.validation import validate
    workflow, _ = loads(doc([node("a", "t_slow"), node("b", "t_slow")],
                            [link("l1", "a", "b"), link("l2", "b", "a")]))
    assert {d.code for d in validate(workflow)} == {"cycle"}


def test_malformed_annotations_and_nodes_are_left_out_with_diagnostics():
    workflow, diagnostics = loads(doc([{"id": "x"}, node("n1")],
                                      annotations=[{"id": "a1", "kind": "text", "rect": [0, 0]}]))
    assert list(workflow.nodes) == ["n1"] and not workflow.annotations
    assert codes(diagnostics) == ["invalid-node", "invalid-annotation"]


def test_node_version_migration_upgrades_old_settings():
    def migrate(settings, from_version):
        assert from_version == 1
        return {"rows": settings.pop("count")}

    spec = NodeSpec("t_versioned", "Versioned", "Data", "", "input", (), (),
                    (Setting("rows", "int", 1),), lambda ctx: {}, version=2, migrate=migrate)
    default_registry().register(spec)
    try:
        workflow, diagnostics = loads(doc([node("n1", "t_versioned", settings={"count": 4})]))
        assert workflow.nodes["n1"].settings == {"rows": 4} and workflow.nodes["n1"].node_version == 2
        assert diagnostics == []
    finally:
        default_registry().unregister("t_versioned")


def test_node_saved_by_newer_block_version_warns():
    _, diagnostics = loads(doc([node("n1", node_version=7)]))
    assert codes(diagnostics) == ["node-newer-version"]


def test_format_migration_hook_runs_for_older_versions(monkeypatch):
    monkeypatch.setattr(workflow_file, "VERSION", 2)

    def to_v2(data):
        for item in data["nodes"]:
            item["title"] = item.pop("name")
        return data

    monkeypatch.setitem(workflow_file.FORMAT_MIGRATIONS, 1, to_v2)
    text = json.dumps({"format": "embedflow-workflow", "version": 1,
                       "nodes": [{"id": "n1", "type": "t_numbers", "name": "Old name"}]})
    workflow, _ = loads(text)
    assert workflow.nodes["n1"].title == "Old name"
