"""Groups: a node of type `group` holds a sub-workflow in its settings and exposes some inner ports.

The settings are the group's truth (`nodes`, `links`, `annotations` shaped as in a file, plus
`inputs` / `outputs`: `[{"name", "node", "port"}]` and `settings_exposed`); this module reads them,
gives a group node its own ports (`instance_spec`) and flattens a workflow into one without groups
whose inner nodes have path ids (`g1/m`, `g1/g2/m`), which the validator and the engine use.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .core.diagnostics import Diagnostic, error
from .core.errors import EmbedflowError, WorkflowFileError
from .core.specs import NodeSpec, Port, Setting, SpecSource, node_spec
from .core.workflow import Node, Workflow

GROUP = "group"
# The keys of a group's settings that hold its structure; any other key is a promoted setting's value.
STRUCTURE = ("nodes", "links", "annotations", "inputs", "outputs", "settings_exposed")
# Groups nest; a file cannot nest deeper than its JSON depth limit allows, a script is stopped here.
MAX_DEPTH = 16


@dataclass(frozen=True)
class Exposed:
    """An inner port shown on the group: outer links use `name`; it is port `port` of inner node `node`."""

    name: str
    node: str
    port: str


@dataclass(frozen=True)
class Promoted:
    """An inner setting shown on the group's own form: setting `name` sets every (node, setting) in `targets`."""

    name: str
    targets: tuple[tuple[str, str], ...]


def exposed(settings: Mapping[str, Any], key: str) -> tuple[list[Exposed], list[str]]:
    """The `inputs` or `outputs` entries of a group's settings, and what is wrong with the others."""
    raw = settings.get(key, [])
    if not isinstance(raw, list):
        return [], [f"its {key} must be a list of {{\"name\", \"node\", \"port\"}} entries"]
    entries: list[Exposed] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k]
                                                 for k in ("name", "node", "port")):
            problems.append(f"{key} entry #{index + 1} needs a name, a node and a port")
        elif any(entry.name == item["name"] for entry in entries):
            problems.append(f"two {key} are called '{item['name']}'")
        else:
            entries.append(Exposed(item["name"], item["node"], item["port"]))
    return entries, problems


def promoted(settings: Mapping[str, Any]) -> tuple[list[Promoted], list[str]]:
    """The `settings_exposed` entries of a group's settings, and what is wrong with the others."""
    raw = settings.get("settings_exposed", [])
    if not isinstance(raw, list):
        return [], ["its settings_exposed must be a list"]
    entries: list[Promoted] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        targets = item.get("targets") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if (not isinstance(name, str) or not name or not isinstance(targets, list) or not targets
                or not all(isinstance(t, list) and len(t) == 2 and all(isinstance(p, str) for p in t)
                           for t in targets)):
            problems.append(f"settings_exposed entry #{index + 1} needs a name and targets [[node, setting], ...]")
        elif name in STRUCTURE or any(entry.name == name for entry in entries):
            problems.append(f"the promoted setting name '{name}' is already used")
        else:
            entries.append(Promoted(name, tuple((t[0], t[1]) for t in targets)))
    return entries, problems


def _inner_nodes(settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The well-formed inner node entries by id (the first of a repeated id, as reading a file keeps)."""
    nodes = settings.get("nodes", [])
    found: dict[str, dict[str, Any]] = {}
    for item in nodes if isinstance(nodes, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("type"), str):
            found.setdefault(item["id"], item)
    return found


def _inner_spec(item: Mapping[str, Any], specs: SpecSource, depth: int) -> NodeSpec | None:
    if depth > MAX_DEPTH:
        return None
    settings = item.get("settings", {})
    settings = settings if isinstance(settings, dict) else {}
    if item["type"] == GROUP:
        base = specs.get(GROUP)
        return _instance(base, settings, specs, depth + 1) if base is not None else None
    return node_spec(specs, item["type"], settings)


def _instance(base: NodeSpec, settings: Mapping[str, Any], specs: SpecSource, depth: int) -> NodeSpec:
    nodes = _inner_nodes(settings)

    def ports(key: str) -> tuple[Port, ...]:
        found = []
        for entry in exposed(settings, key)[0]:
            item = nodes.get(entry.node)
            spec = _inner_spec(item, specs, depth) if item is not None else None
            port = (spec.input(entry.port) if key == "inputs" else spec.output(entry.port)) if spec else None
            if port is not None:
                found.append(dataclasses.replace(port, name=entry.name))
        return tuple(found)

    own: list[Setting] = []
    for entry in promoted(settings)[0]:
        node_id, name = entry.targets[0]
        item = nodes.get(node_id)
        spec = _inner_spec(item, specs, depth) if item is not None else None
        setting = spec.setting(name) if spec is not None else None
        if setting is not None and item is not None:
            stored = item.get("settings", {}).get(name, setting.default) if isinstance(item.get("settings"), dict) \
                else setting.default
            # Until the group sets it, the promoted setting shows what its first target holds.
            current = stored if setting.problem(stored) is None else setting.default
            own.append(dataclasses.replace(setting, name=entry.name, default=current))
    return dataclasses.replace(base, inputs=ports("inputs"), outputs=ports("outputs"),
                               settings=base.settings + tuple(own))


def instance_spec(settings: Mapping[str, Any], specs: SpecSource) -> NodeSpec:
    """The spec of one group node: the group block with the ports and promoted settings its settings expose."""
    base = specs.get(GROUP)
    if base is None:
        raise EmbedflowError("the group block is not registered")
    return _instance(base, settings, specs, 0)


def read_group(node: Node, path: str, specs: SpecSource) -> tuple[Workflow, list[Diagnostic]]:
    """The inner workflow of a group node (promoted settings applied) and what is wrong with it.

    Diagnostics name inner nodes by path (`g1/m`); problems of the group itself name the group.
    """
    from .io.workflow_file import build_workflow

    settings = node.settings
    data = {key: settings.get(key, []) for key in ("nodes", "links", "annotations")}
    try:
        inner, found = build_workflow(data, f"group {path}", specs)
    except WorkflowFileError as exc:
        return Workflow(specs), [_invalid(node, path, str(exc).removeprefix(f"group {path}: "))]
    found = [dataclasses.replace(d, node_id=f"{path}/{d.node_id}" if d.node_id else path) for d in found]
    entries, problems = promoted(settings)
    for entry in entries:
        missing = [f"{n}.{s}" for n, s in entry.targets
                   if n not in inner.nodes or (spec := inner.spec_of(inner.nodes[n])) is None
                   or spec.setting(s) is None]
        if missing:
            problems.append(f"the promoted setting '{entry.name}' names {', '.join(missing)}, which the group "
                            "does not have")
        elif entry.name in settings:
            for node_id, name in entry.targets:
                inner.update_settings(node_id, {name: copy.deepcopy(settings[entry.name])})
    found.extend(_invalid(node, path, problem) for problem in problems)
    return inner, found


def _invalid(node: Node, path: str, problem: str) -> Diagnostic:
    return error("invalid-group", f"The group “{node.title}” ({path}) is not a valid sub-workflow: {problem}.",
                 "Open the group and fix it; its blocks are kept as they are when you save.", node_id=path)


@dataclass
class FlatGroup:
    """A group in a flattened workflow: every inner block's path id, and where each exposed output comes from."""

    path: str
    title: str
    members: list[str] = field(default_factory=list)
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Flattened:
    """A workflow with every group replaced by its inner blocks (path ids), its groups, and their problems."""

    workflow: Workflow
    groups: dict[str, FlatGroup] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # flat ids in the order they were added

    def members(self, node_ids: list[str]) -> list[str]:
        """The flat node ids for `node_ids`: a group stands for every block inside it."""
        return [m for nid in node_ids for m in (self.groups[nid].members if nid in self.groups else [nid])]


def has_groups(workflow: Workflow) -> bool:
    """True when a node of the workflow is a group."""
    return any(node.type == GROUP for node in workflow.nodes.values())


def flatten(workflow: Workflow) -> Flattened:
    """The workflow with groups replaced by their blocks; without groups, the workflow itself."""
    if not has_groups(workflow):
        return Flattened(workflow)
    result = Flattened(Workflow(workflow.specs))
    _expand(result, workflow, "", 0)
    return result


def titles(workflow: Workflow) -> dict[str, str]:
    """Every block's title by id, blocks inside groups by path with the way in (`Embed words › Text Embedding`)."""
    flat = flatten(workflow)
    found = {node_id: node.title for node_id, node in workflow.nodes.items()}
    for path, group in flat.groups.items():
        found.setdefault(path, group.title)
    for node_id, node in flat.workflow.nodes.items():
        if node_id not in found:
            parents = [found[node_id[:i]] for i, c in enumerate(node_id) if c == "/" and node_id[:i] in found]
            found[node_id] = " › ".join([*parents, node.title])
    return found


def _expand(result: Flattened, workflow: Workflow, prefix: str, depth: int) -> dict[str, FlatGroup]:
    """Add the blocks and links of `workflow` under `prefix`; returns the groups met, by local id."""
    flat = result.workflow
    groups: dict[str, FlatGroup] = {}
    for node in workflow.nodes.values():
        path = prefix + node.id
        if ("/" in node.id and prefix) or path in flat.nodes:
            where = prefix.rstrip("/") or path
            result.diagnostics.append(error(
                "invalid-group", f"The block id '{path}' is a path that names another block too (an id inside "
                "a group may not contain '/'), so it was left out of the run.", "Rename the block.", node_id=where))
        elif node.type == GROUP:
            groups[node.id] = _expand_group(result, node, path, depth)
        else:
            # A shallow copy: nothing reading the flat workflow changes settings (the engine copies its snapshot).
            flat.add_node(node.type, node.position, dict(node.settings), node.title, path, node.node_version)
            result.added.append(path)
    for link in workflow.links.values():
        source = _end(groups, prefix, link.source, link.source_port, "outputs")
        target = _end(groups, prefix, link.target, link.target_port, "inputs")
        if source is None or target is None or source[0] not in flat.nodes or target[0] not in flat.nodes:
            continue  # an exposed port that names nothing is the group's own diagnostic
        if flat.upstream_of(*target) is not None:
            where = target[0].rpartition("/")[0]
            result.diagnostics.append(error(
                "invalid-group", f"The input {target[0]}.{target[1]} is exposed by the group {where} and also "
                "linked inside it; the outer link was left out of the run.",
                "Remove the inner link or stop exposing that input.", node_id=where))
            continue
        try:
            flat.connect(source[0], source[1], target[0], target[1], prefix + link.id)
        except EmbedflowError as exc:
            result.diagnostics.append(error("invalid-group", f"The link {prefix}{link.id} cannot be made: {exc}.",
                                            "Draw the link again.", node_id=target[0]))
    return groups


def _end(groups: Mapping[str, FlatGroup], prefix: str, node_id: str, port: str, key: str) -> tuple[str, str] | None:
    """The flat (node, port) a link end reaches: through a group's exposed port, or the block's own."""
    if node_id in groups:
        ends = groups[node_id].inputs if key == "inputs" else groups[node_id].outputs
        return ends.get(port)
    return prefix + node_id, port


def _expand_group(result: Flattened, node: Node, path: str, depth: int) -> FlatGroup:
    group = FlatGroup(path, node.title)
    if depth >= MAX_DEPTH:
        result.diagnostics.append(_invalid(node, path, f"groups nest more than {MAX_DEPTH} deep"))
        return group
    inner, found = read_group(node, path, result.workflow.specs)
    result.diagnostics.extend(found)
    start = len(result.added)
    nested = _expand(result, inner, path + "/", depth + 1)
    group.members = result.added[start:]
    for key in ("inputs", "outputs"):
        entries, problems = exposed(node.settings, key)
        result.diagnostics.extend(_invalid(node, path, problem) for problem in problems)
        for entry in entries:
            end = _end(nested, path + "/", entry.node, entry.port, key)
            flat_node = result.workflow.nodes.get(end[0]) if end else None
            spec = result.workflow.spec_of(flat_node) if flat_node else None
            port = (spec.input(end[1]) if key == "inputs" else spec.output(end[1])) if spec and end else None
            if end is None or flat_node is None or port is None:
                result.diagnostics.append(error(
                    "group-port-missing", f"The group “{node.title}” ({path}) exposes '{entry.name}' as "
                    f"{entry.node}.{entry.port}, but {_missing(inner, entry, key)}.",
                    f"Open the group and choose an existing inner port for '{entry.name}', or remove it.",
                    node_id=path))
                continue
            (group.inputs if key == "inputs" else group.outputs)[entry.name] = end
    result.groups[path] = group
    return group


def _missing(inner: Workflow, entry: Exposed, key: str) -> str:
    if entry.node not in inner.nodes:
        return f"the group has no block '{entry.node}'"
    kind = "input" if key == "inputs" else "output"
    return f"“{inner.nodes[entry.node].title}” has no {kind} '{entry.port}'"
