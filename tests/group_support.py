"""Workflows with groups for the tests: test blocks (tests/helpers.py) or GloVe text blocks, grouped by the engine."""

from __future__ import annotations

from typing import Any

from embedflow.core.workflow import Workflow
from embedflow.grouping import group_nodes
from embedflow.registry import default_registry


def chain() -> Workflow:
    """t_numbers n1 → t_scale n2 → t_needs_embeddings n3 (test blocks; register_test_nodes first)."""
    workflow = Workflow(default_registry())
    workflow.add_node("t_numbers", (0, 0), {"rows": 4}, node_id="n1")
    workflow.add_node("t_scale", (100, 0), {"factor": 2.0}, node_id="n2")
    workflow.add_node("t_needs_embeddings", (200, 0), {}, node_id="n3")
    workflow.connect("n1", "data", "n2", "data", "l1")
    workflow.connect("n2", "embeddings", "n3", "data", "l2")
    return workflow


def grouped_chain() -> Workflow:
    """The chain with its Scale folded into the group g1 (input data, output embeddings)."""
    workflow = chain()
    group_nodes(workflow, ["n2"], "Scale it", "g1")
    return workflow


def group_node(nodes: list[dict[str, Any]], links: list[dict[str, Any]], inputs: list[dict[str, Any]],
               outputs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The settings of a group as a file holds them."""
    return {"nodes": nodes, "links": links, "annotations": [], "inputs": inputs, "outputs": outputs, **extra}


def node(node_id: str, type_name: str, settings: dict[str, Any] | None = None, title: str = "") -> dict[str, Any]:
    """An inner node entry."""
    return {"id": node_id, "type": type_name, "title": title or type_name, "position": [0, 0],
            "settings": settings or {}, "node_version": 1}


def link(link_id: str, source: str, source_port: str, target: str, target_port: str) -> dict[str, Any]:
    """A link entry."""
    return {"id": link_id, "source": source, "source_port": source_port, "target": target, "target_port": target_port}


def port(name: str, node_id: str, port_name: str) -> dict[str, str]:
    """An exposed port entry."""
    return {"name": name, "node": node_id, "port": port_name}
