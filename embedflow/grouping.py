"""Folding blocks into a group and unfolding it again: edits of a Workflow made through its own methods."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .core.errors import EmbedflowError
from .core.workflow import Annotation, Link, Node, Workflow
from .groups import GROUP, exposed


@dataclass(frozen=True)
class _Crossing:
    """An outer link that met the group's border: its id, its outer end, and the group port it now uses."""

    link_id: str
    outer: tuple[str, str]
    port: str


def _numbers(values: Iterable[float]) -> list[float | int]:
    """Coordinates as files write them: 320, not 320.0."""
    return [int(v) if float(v).is_integer() else v for v in values]


def node_entry(node: Node) -> dict[str, Any]:
    """A node as a group (and a file) holds it."""
    return {"id": node.id, "type": node.type, "title": node.title, "position": _numbers(node.position),
            "settings": copy.deepcopy(node.settings), "node_version": node.node_version}


def link_entry(link: Link) -> dict[str, Any]:
    """A link as a group (and a file) holds it."""
    return {"id": link.id, "source": link.source, "source_port": link.source_port,
            "target": link.target, "target_port": link.target_port}


def annotation_entry(annotation: Annotation) -> dict[str, Any]:
    """A note or arrow as a group (and a file) holds it."""
    return {"id": annotation.id, "kind": str(annotation.kind), "rect": _numbers(annotation.rect),
            "text": annotation.text}


def group_nodes(workflow: Workflow, node_ids: Iterable[str], title: str = "Group",
                group_id: str | None = None, annotation_ids: Iterable[str] = ()) -> Node:
    """Fold the nodes (and the notes `annotation_ids`) into one group whose ports are the links that crossed
    the selection's border; the group node.

    Exposed ports are named after the inner ports (`data`, then `data_2` when two share a name);
    several outer links from one inner output share one exposed output.
    """
    chosen = _chosen_nodes(workflow, node_ids)
    inner_links, into, out_of = _links_by_border(workflow, set(chosen))
    inputs, outputs, result_into, result_out = _border_ports(into, out_of)
    nodes = [workflow.nodes[node_id] for node_id in chosen]
    x = sum(node.position[0] for node in nodes) / len(nodes)
    y = sum(node.position[1] for node in nodes) / len(nodes)
    notes = [workflow.annotations[a] for a in dict.fromkeys(annotation_ids) if a in workflow.annotations]
    settings = {"nodes": [node_entry(node) for node in nodes], "links": [link_entry(link) for link in inner_links],
                "annotations": [annotation_entry(note) for note in notes], "inputs": inputs, "outputs": outputs,
                "settings_exposed": []}
    for node_id in chosen:
        workflow.remove_node(node_id)
    for note in notes:
        workflow.remove_annotation(note.id)
    group = workflow.add_node(GROUP, (x, y), settings, title, group_id or workflow.new_id("g"))
    for crossing in result_into:
        workflow.connect(crossing.outer[0], crossing.outer[1], group.id, crossing.port, crossing.link_id)
    for crossing in result_out:
        workflow.connect(group.id, crossing.port, crossing.outer[0], crossing.outer[1], crossing.link_id)
    return group


def _chosen_nodes(workflow: Workflow, node_ids: Iterable[str]) -> list[str]:
    """The ids to group, each once, in order; EmbedflowError when there are none or one is not in the workflow."""
    chosen = list(dict.fromkeys(node_ids))
    missing = [node_id for node_id in chosen if node_id not in workflow.nodes]
    if not chosen or missing:
        raise EmbedflowError(f"cannot group: no node {', '.join(missing)}" if missing else "cannot group nothing")
    return chosen


def _links_by_border(workflow: Workflow, inside: set[str]) -> tuple[list[Link], list[Link], list[Link]]:
    """The links within `inside`, those coming into it and those going out of it."""
    links = list(workflow.links.values())
    return ([link for link in links if link.source in inside and link.target in inside],
            [link for link in links if link.target in inside and link.source not in inside],
            [link for link in links if link.source in inside and link.target not in inside])


def _border_ports(into: list[Link], out_of: list[Link]) -> tuple[list[dict[str, str]], list[dict[str, str]],
                                                                list[_Crossing], list[_Crossing]]:
    """The exposed inputs and outputs made from the links that cross a selection's border, and the crossings."""
    names: set[str] = set()
    inputs: list[dict[str, str]] = []
    outputs: list[dict[str, str]] = []
    result_into: list[_Crossing] = []
    result_out: list[_Crossing] = []
    for link in into:
        name = _fresh(link.target_port, names)
        inputs.append({"name": name, "node": link.target, "port": link.target_port})
        result_into.append(_Crossing(link.id, (link.source, link.source_port), name))
    by_output: dict[tuple[str, str], str] = {}
    for link in out_of:
        key = (link.source, link.source_port)
        if key not in by_output:
            by_output[key] = _fresh(link.source_port, names)
            outputs.append({"name": by_output[key], "node": link.source, "port": link.source_port})
        result_out.append(_Crossing(link.id, (link.target, link.target_port), by_output[key]))
    return inputs, outputs, result_into, result_out


def _fresh(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _node_entry_ok(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("type"), str)
            and isinstance(item.get("settings", {}), dict))


def _link_entry_ok(item: Any, node_ids: set[str]) -> bool:
    return isinstance(item, dict) and item.get("source") in node_ids and item.get("target") in node_ids and all(
        isinstance(item.get(key), str) for key in ("source_port", "target_port"))


def check_ungroup(workflow: Workflow, group_id: str) -> None:
    """Raise EmbedflowError when `group_id` is not a group whose blocks can be put back."""
    group = workflow.nodes.get(group_id)
    if group is None or group.type != GROUP:
        raise EmbedflowError(f"{group_id!r} is not a group")
    settings = group.settings
    entries, inner_links = settings.get("nodes"), settings.get("links")
    inputs, input_problems = exposed(settings, "inputs")
    outputs, output_problems = exposed(settings, "outputs")
    if (not isinstance(entries, list) or not isinstance(inner_links, list) or input_problems or output_problems
            or not all(_node_entry_ok(item) for item in entries)
            or not all(_link_entry_ok(item, {entry["id"] for entry in entries}) for item in inner_links)
            or not {e.node for e in inputs + outputs} <= {entry["id"] for entry in entries}):
        raise EmbedflowError(f"the group “{group.title}” is not a valid sub-workflow; open it and fix it first")


def ungroup(workflow: Workflow, group_id: str) -> list[str]:
    """Put a group's blocks back in the workflow where they were, linked as the group was; their ids.

    An inner id that is taken outside gets a fresh one. Raises EmbedflowError when the group is not valid.
    """
    check_ungroup(workflow, group_id)
    settings = workflow.nodes[group_id].settings
    inputs, outputs = exposed(settings, "inputs")[0], exposed(settings, "outputs")[0]
    outer_in = [(link, next(e for e in inputs if e.name == link.target_port))
                for link in workflow.links_into(group_id) if any(e.name == link.target_port for e in inputs)]
    outer_out = [(link, next(e for e in outputs if e.name == link.source_port))
                 for link in workflow.links_from(group_id) if any(e.name == link.source_port for e in outputs)]
    workflow.remove_node(group_id)
    ids = {item["id"]: _restore_node(workflow, item).id for item in settings["nodes"]}
    for item in settings.get("annotations", []) if isinstance(settings.get("annotations"), list) else []:
        _restore_note(workflow, item)
    for link, entry in outer_in:  # the outer links keep their ids; an inner link whose id they use gets a new one
        workflow.connect(link.source, link.source_port, ids[entry.node], entry.port, link.id)
    for link, entry in outer_out:
        workflow.connect(ids[entry.node], entry.port, link.target, link.target_port, link.id)
    for item in settings["links"]:
        _restore_link(workflow, item, ids)
    return list(ids.values())


def _finite_numbers(value: Any, count: int) -> bool:
    return (isinstance(value, list) and len(value) == count
            and all(type(v) in (int, float) and abs(v) <= 1e9 for v in value))


def _restore_node(workflow: Workflow, item: dict[str, Any]) -> Node:
    """An inner node put back at its place (a fresh id when its own is taken outside)."""
    wanted = item["id"] if item["id"] not in workflow.nodes else None
    position: list[float] = item["position"] if _finite_numbers(item.get("position"), 2) else [0.0, 0.0]
    title, version = item.get("title"), item.get("node_version")
    return workflow.add_node(item["type"], (position[0], position[1]), copy.deepcopy(item.get("settings", {})),
                             title if isinstance(title, str) else None, wanted,
                             version if type(version) is int and version >= 1 else None)


def _restore_note(workflow: Workflow, item: Any) -> None:
    """An inner note or arrow put back, when it is well formed (others are left out)."""
    if not (isinstance(item, dict) and item.get("kind") in ("text", "arrow") and _finite_numbers(item.get("rect"), 4)):
        return
    note_id = item.get("id") if isinstance(item.get("id"), str) and item["id"] not in workflow.annotations \
        and item["id"] not in workflow.nodes else None
    text = item.get("text")
    workflow.add_annotation(item["kind"], item["rect"], text if isinstance(text, str) else "", note_id)


def _restore_link(workflow: Workflow, item: dict[str, Any], ids: dict[str, str]) -> None:
    """An inner link put back between the restored nodes (its id kept unless an outer link took it)."""
    link_id = item.get("id") if isinstance(item.get("id"), str) and item["id"] not in workflow.links else None
    try:
        workflow.connect(ids[item["source"]], item["source_port"], ids[item["target"]], item["target_port"], link_id)
    except EmbedflowError:  # a link the validator reported inside the group (a port that does not exist)
        pass


def rename_port(workflow: Workflow, group_id: str, key: str, old: str, new: str) -> None:
    """Rename an exposed port (`key` "inputs" or "outputs") of a group; outer links follow it, keeping their ids."""
    group = workflow.nodes.get(group_id)
    if group is None or group.type != GROUP:
        raise EmbedflowError(f"{group_id!r} is not a group")
    entries, problems = exposed(group.settings, key)
    if problems or not any(entry.name == old for entry in entries):
        raise EmbedflowError(f"the group “{group.title}” has no exposed {key[:-1]} {old!r}")
    if not new or any(entry.name == new for entry in entries):
        raise EmbedflowError(f"the group “{group.title}” already has an {key[:-1]} called {new!r}" if new
                             else "an exposed port needs a name")
    links = [link for link in (workflow.links_into(group_id) if key == "inputs" else workflow.links_from(group_id))
             if (link.target_port if key == "inputs" else link.source_port) == old]
    for link in links:
        workflow.disconnect(link.id)
    renamed = [dict(item, name=new) if isinstance(item, dict) and item.get("name") == old else item
               for item in group.settings[key]]
    workflow.update_settings(group_id, {key: renamed})
    for link in links:
        if key == "inputs":
            workflow.connect(link.source, link.source_port, group_id, new, link.id)
        else:
            workflow.connect(group_id, new, link.target, link.target_port, link.id)


def with_inner_setting(settings: dict[str, Any], path: str, name: str, value: Any) -> dict[str, Any]:
    """A group's settings with setting `name` of its block at `path` (`m`, or `g2/m` in a nested group) set."""
    head, _, rest = path.partition("/")
    nodes = [dict(item, settings=with_inner_setting(item["settings"], rest, name, value) if rest
                  else {**item["settings"], name: value})
             if isinstance(item, dict) and item.get("id") == head and isinstance(item.get("settings"), dict) else item
             for item in settings.get("nodes", [])]
    return {**settings, "nodes": nodes}
