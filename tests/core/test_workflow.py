"""The workflow model: operations, events, ids."""

import pytest

from embedflow.core.errors import EmbedflowError
from embedflow.core.workflow import Workflow
from embedflow.registry import default_registry
from tests.helpers import register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_add_node_fills_defaults_and_emits_event():
    workflow, events = Workflow(default_registry()), []
    workflow.subscribe(events.append)
    node = workflow.add_node("t_numbers", (10, 20))
    assert node.id == "n1" and node.settings == {"rows": 3} and node.title == "Numbers"
    assert [e.kind for e in events] == ["node-added"]


def test_remove_node_removes_its_links_first():
    workflow, events = Workflow(default_registry()), []
    a, b = workflow.add_node("t_numbers"), workflow.add_node("t_scale")
    workflow.connect(a.id, "data", b.id, "data")
    workflow.subscribe(events.append)
    workflow.remove_node(a.id)
    assert [e.kind for e in events] == ["link-removed", "node-removed"]
    assert not workflow.links


def test_connect_replaces_existing_link_into_same_input():
    workflow = Workflow(default_registry())
    a, b, c = workflow.add_node("t_numbers"), workflow.add_node("t_numbers"), workflow.add_node("t_scale")
    workflow.connect(a.id, "data", c.id, "data")
    workflow.connect(b.id, "data", c.id, "data")
    assert [(link.source, link.target) for link in workflow.links.values()] == [(b.id, c.id)]


def test_connect_rejects_unknown_port_with_message():
    workflow = Workflow(default_registry())
    a, b = workflow.add_node("t_numbers"), workflow.add_node("t_scale")
    with pytest.raises(EmbedflowError, match="no output called 'nope'"):
        workflow.connect(a.id, "nope", b.id, "data")


def test_settings_move_title_annotation_events_carry_old_and_new():
    workflow, events = Workflow(default_registry()), []
    node = workflow.add_node("t_numbers")
    workflow.subscribe(events.append)
    workflow.update_settings(node.id, {"rows": 7})
    workflow.move_node(node.id, (5, 6))
    workflow.set_title(node.id, "Seven")
    note = workflow.add_annotation("text", (0, 0, 10, 10), "hi")
    workflow.update_annotation(note.id, text="hello")
    assert [(e.kind, e.old, e.new) for e in events[:3]] == [
        ("settings-changed", {"rows": 3}, {"rows": 7}),
        ("node-moved", (0.0, 0.0), (5.0, 6.0)),
        ("title-changed", "Numbers", "Seven")]
    assert events[-1].old.text == "hi" and events[-1].new.text == "hello"


def test_new_ids_never_reuse_existing_ones():
    workflow = Workflow(default_registry())
    workflow.add_node("t_numbers", node_id="n2")
    assert workflow.add_node("t_numbers").id == "n1"
    assert workflow.add_node("t_numbers").id == "n3"


def test_topological_order_and_cycle_detection():
    workflow = Workflow(default_registry())
    a, b, c = (workflow.add_node("t_slow") for _ in range(3))
    workflow.connect(a.id, "data", b.id, "data")
    workflow.connect(b.id, "data", c.id, "data")
    assert workflow.topological_order() == [a.id, b.id, c.id]
    workflow.connect(c.id, "data", a.id, "data")
    assert workflow.topological_order() is None
