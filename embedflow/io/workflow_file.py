"""The `.embedflow` file: versioned UTF-8 JSON, migrations, relative data paths, atomic save.

Reading never crashes: a file that cannot be a workflow raises WorkflowFileError with a clear
message; a workflow with broken parts loads with diagnostics (and the broken parts dropped or,
for unknown block types, kept as placeholders so saving loses nothing).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.diagnostics import Diagnostic, error, warning
from ..core.errors import EmbedflowError, WorkflowFileError
from ..core.rows import RowSet
from ..core.specs import NodeSpec, SpecSource
from ..core.workflow import AnnotationKind, Workflow
from .atomic import atomic_write, backup_path
from .regular_files import FileRefused, read_regular

FORMAT = "embedflow-workflow"
VERSION = 1
SUFFIX = ".embedflow"
# Limits of what a workflow file may hold (docs/reliability.md): a classroom workflow is a few KB.
MAX_FILE_BYTES = 64 * 2**20
MAX_DEPTH = 64
MAX_COORDINATE = 1e9
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")

# FORMAT_MIGRATIONS[v] upgrades the raw JSON of format version v to version v + 1.
FORMAT_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def read_workflow(path: str | os.PathLike[str], specs: SpecSource) -> tuple[Workflow, list[Diagnostic]]:
    """Load a workflow file; block types are looked up in `specs` (the Registry the caller holds).

    Raises WorkflowFileError when the file cannot be read as a workflow."""
    path = Path(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        if exc.kind == "missing":
            raise WorkflowFileError(f"{path}: no such file") from None
        if exc.kind == "folder":
            raise WorkflowFileError(f"{path} is a folder, not a workflow file") from None
        raise WorkflowFileError(f"{path} cannot be opened as a workflow: {exc.reason}") from None
    except OSError as exc:
        raise WorkflowFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return loads(raw, str(path), specs=specs)


def loads(raw: bytes | str, name: str = "workflow", *, specs: SpecSource) -> tuple[Workflow, list[Diagnostic]]:
    """Parse the bytes or text of a workflow file (`name` is used in messages; block types from `specs`)."""
    data = _parse_json(raw, name)
    data = _migrate_format(data, name)
    return build_workflow(data, name, specs)


def dumps(workflow: Workflow, base_dir: str | os.PathLike[str] | None = None) -> str:
    """The file text of a workflow; data paths below `base_dir` are written relative to it."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "nodes": [
            {"id": node.id, "type": node.type, "title": node.title,
             "position": [_number(node.position[0]), _number(node.position[1])],
             "settings": _portable_settings(workflow.specs, node.type, node.settings, base_dir),
             "node_version": node.node_version}
            for node in workflow.nodes.values()
        ],
        "links": [
            {"id": link.id, "source": link.source, "source_port": link.source_port,
             "target": link.target, "target_port": link.target_port}
            for link in workflow.links.values()
        ],
        "annotations": [
            {"id": a.id, "kind": a.kind, "rect": [_number(v) for v in a.rect], "text": a.text}
            for a in workflow.annotations.values()
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_workflow(workflow: Workflow, path: str | os.PathLike[str]) -> None:
    """Save atomically (temp file, fsync, replace), keeping the previous file as `.bak`."""
    path = Path(path)
    text = dumps(workflow, path.parent.resolve())
    try:
        with atomic_write(path, "w", keep_backup=True, newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise WorkflowFileError(f"Could not save {path}: {exc.strerror or exc}") from None


# -- reading ----------------------------------------------------------------------

def _parse_json(raw: bytes | str, name: str) -> dict[str, Any]:
    if isinstance(raw, bytes):
        if not raw.strip():
            raise WorkflowFileError(f"{name} is empty: it holds no workflow")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise WorkflowFileError(
                f"{name} is not a workflow file: it is not UTF-8 text "
                f"(byte 0x{raw[exc.start]:02x} at position {exc.start})") from None
    else:
        text = raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            backup = backup_path(name)
            advice = f"; its last good version is {backup}" if backup.is_file() else ""
            raise WorkflowFileError(f"{name} ends too early: the file looks truncated "
                                    f"(line {exc.lineno}){advice}") from None
        raise WorkflowFileError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                f"column {exc.colno}") from None
    except RecursionError:
        raise WorkflowFileError(f"{name} is nested too deeply to be a workflow "
                                f"(more than {MAX_DEPTH} levels)") from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise WorkflowFileError(f"{name} holds a number too long to be read") from None
    if _depth(data) > MAX_DEPTH:
        raise WorkflowFileError(f"{name} is nested too deeply to be a workflow "
                                f"(more than {MAX_DEPTH} levels)")
    if _ESCAPED_SURROGATE.search(text):
        data = _replace_lone_surrogates(data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise WorkflowFileError(f"{name} is not an embedflow workflow (no \"format\": \"{FORMAT}\")")
    return data


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in parsed JSON, counted up to MAX_DEPTH + 1 (level by level)."""
    level = 0
    containers = [data] if isinstance(data, (dict, list)) else []
    while containers and level <= MAX_DEPTH:
        level += 1
        inner: list[Any] = []
        for container in containers:
            inner.extend(v for v in (container.values() if isinstance(container, dict) else container)
                         if isinstance(v, (dict, list)))
        containers = inner
    return level


def _replace_lone_surrogates(data: Any) -> Any:
    """The same JSON with unpaired UTF-16 surrogates (which no file or terminal can encode) as U+FFFD."""
    text = json.dumps(data, ensure_ascii=False)
    return json.loads(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def _coordinates(value: Any, count: int) -> tuple[float, ...] | None:
    """`count` finite numbers within ±MAX_COORDINATE, or None when `value` is not that."""
    # type() rather than isinstance: true and false are ints to Python, not coordinates.
    if type(value) is not list or len(value) != count or not all(type(v) in (int, float) for v in value):
        return None
    try:
        numbers = tuple(map(float, value))
    except OverflowError:  # an integer of hundreds of digits
        return None
    # NaN fails every comparison, so it is refused here with the infinities.
    return numbers if all(-MAX_COORDINATE <= n <= MAX_COORDINATE for n in numbers) else None


def _migrate_format(data: dict[str, Any], name: str) -> dict[str, Any]:
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise WorkflowFileError(f"{name} has an invalid format version {version!r}")
    if version > VERSION:
        raise WorkflowFileError(
            f"{name} was made by a newer embedflow (file format version {version}; this embedflow "
            f"reads up to version {VERSION}). Update embedflow to open it.")
    while version < VERSION:
        data = FORMAT_MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    return data


def build_workflow(data: dict[str, Any], name: str, specs: SpecSource) -> tuple[Workflow, list[Diagnostic]]:
    """A workflow from parsed file JSON (also a group's inner blocks); raises WorkflowFileError for wrong shapes."""
    workflow = Workflow(specs)
    found: list[Diagnostic] = []
    for key in ("nodes", "links", "annotations"):
        if not isinstance(data.get(key, []), list):
            raise WorkflowFileError(f"{name}: \"{key}\" must be a list")
    for index, item in enumerate(data.get("nodes", [])):
        found.extend(_add_node(workflow, item, index))
    for index, item in enumerate(data.get("links", [])):
        found.extend(_add_link(workflow, item, index))
    for index, item in enumerate(data.get("annotations", [])):
        found.extend(_add_annotation(workflow, item, index))
    return workflow, found


def _add_node(workflow: Workflow, item: Any, index: int) -> list[Diagnostic]:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str) or not item["type"]:
        return [error("invalid-node", f"Node #{index + 1} in the file has no block type and was left out.",
                      "Add the block again from the toolbox.")]
    found: list[Diagnostic] = []
    node_id = item.get("id")
    if not isinstance(node_id, str) or not node_id:
        node_id = workflow.new_id("n")
    elif node_id in workflow.nodes:
        new_id = workflow.new_id("n")
        found.append(warning("duplicate-id", f"Two nodes in the file share the id '{node_id}'; "
                             f"the second was renamed '{new_id}'.",
                             "Links that named this id now go to the first node; check them.",
                             node_id=new_id))
        node_id = new_id
    spec = workflow.specs.get(item["type"])
    settings = item.get("settings", {})
    if not isinstance(settings, dict):
        found.append(error("invalid-setting", f"The settings of node '{node_id}' are not a mapping; "
                           "defaults were used.", node_id=node_id))
        settings = {}
    node_version = item.get("node_version", 1)
    if isinstance(node_version, bool) or not isinstance(node_version, int) or node_version < 1:
        node_version = 1
    if spec is not None and node_version < spec.version and spec.migrate is not None:
        try:
            settings = spec.migrate(dict(settings), node_version)
        except (EmbedflowError, KeyError, TypeError, ValueError) as exc:
            found.append(error("invalid-setting", f"Settings of node '{node_id}' from block version "
                               f"{node_version} could not be upgraded: {exc}", node_id=node_id))
        node_version = spec.version
    elif spec is not None and node_version > spec.version:
        found.append(warning("node-newer-version",
                             f"Node '{node_id}' was saved by a newer version of the {spec.title} block "
                             f"(version {node_version}; this embedflow has {spec.version}).",
                             "Update embedflow if its settings do not behave as expected.", node_id=node_id))
    if spec is not None:
        settings, problems = _read_rows(spec, dict(settings), node_id)
        found.extend(problems)
    position = _coordinates(item.get("position", [0, 0]), 2)
    if position is None:
        found.append(warning("invalid-position", f"Node '{node_id}' had no valid position; "
                             "it was placed at the origin.", node_id=node_id))
        position = (0.0, 0.0)
    title = item.get("title")
    workflow.add_node(item["type"], (position[0], position[1]), settings,
                      title if isinstance(title, str) else None, node_id, node_version)
    return found


def _add_link(workflow: Workflow, item: Any, index: int) -> list[Diagnostic]:
    keys = ("source", "source_port", "target", "target_port")
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in keys):
        return [warning("dangling-link", f"Link #{index + 1} in the file is incomplete and was left out.",
                        "Draw the link again.")]
    link_id = item.get("id") if isinstance(item.get("id"), str) else None
    if link_id in workflow.links:
        link_id = None
    source, target = workflow.nodes.get(item["source"]), workflow.nodes.get(item["target"])
    where = f"{item['source']}.{item['source_port']} → {item['target']}.{item['target_port']}"
    if source is None or target is None:
        missing = item["source"] if source is None else item["target"]
        return [warning("dangling-link", f"The link {where} points to node '{missing}', which is not "
                        "in the file; it was left out.", "Draw the link again if you need it.",
                        node_id=target.id if target else None)]
    if workflow.upstream_of(target.id, item["target_port"]) is not None:
        return [warning("dangling-link", f"The link {where} is a second link into the same input; "
                        "it was left out.", "An input takes one link.", node_id=target.id)]
    try:
        workflow.connect(item["source"], item["source_port"], item["target"], item["target_port"], link_id)
    except EmbedflowError as exc:
        return [warning("dangling-link", f"The link {where} was left out: {exc}.",
                        "Draw the link again between existing ports.", node_id=target.id)]
    return []


def _add_annotation(workflow: Workflow, item: Any, index: int) -> list[Diagnostic]:
    rect = _coordinates(item.get("rect"), 4) if isinstance(item, dict) else None
    if not isinstance(item, dict) or item.get("kind") not in tuple(AnnotationKind) or rect is None:
        return [warning("invalid-annotation", f"Annotation #{index + 1} in the file is malformed "
                        "and was left out.")]
    annotation_id = item.get("id") if isinstance(item.get("id"), str) else None
    if annotation_id in workflow.annotations or annotation_id in workflow.nodes:
        annotation_id = None
    text = item.get("text")
    if not isinstance(text, str):
        text = ""
    workflow.add_annotation(item["kind"], rect, text, annotation_id)
    return []


# -- writing ----------------------------------------------------------------------

def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _portable_settings(specs: SpecSource, type_name: str, settings: dict[str, Any],
                       base_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    spec = specs.get(type_name)
    if spec is None:
        return settings
    result = dict(settings)
    if spec.instance is not None and isinstance(settings.get("nodes"), list):  # a group: its blocks' paths too
        result["nodes"] = [{**item, "settings": _portable_settings(specs, item["type"], item["settings"], base_dir)}
                           if isinstance(item, dict) and isinstance(item.get("type"), str)
                           and isinstance(item.get("settings"), dict) else item
                           for item in settings["nodes"]]
    for name, value in settings.items():
        setting = spec.setting(name)
        if setting is None:
            continue
        if setting.kind == "path" and isinstance(value, str) and value and base_dir is not None:
            result[name] = relative_if_below(value, base_dir)
        elif setting.kind == "rows" and isinstance(value, (RowSet, list)):
            result[name] = RowSet.coerce(value).to_json()
    return result


def _read_rows(spec: NodeSpec, settings: dict[str, Any], node_id: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Settings of kind rows (saved as ranges or a bitmap) as RowSets; a damaged one falls back to its default."""
    found = []
    for setting in spec.settings:
        if setting.kind == "rows" and setting.name in settings:
            try:
                settings[setting.name] = RowSet.from_json(settings[setting.name])
            except ValueError as exc:
                del settings[setting.name]
                found.append(error("invalid-setting", f"The {setting.display_name} of node '{node_id}' could not "
                                   f"be read ({exc}); it was cleared.", node_id=node_id))
    return settings, found


def relative_if_below(path: str, base_dir: str | os.PathLike[str]) -> str:
    """`path` relative to `base_dir` (POSIX separators) when it lies below it, else unchanged."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return path
    try:
        return candidate.resolve().relative_to(Path(base_dir).resolve()).as_posix()
    except ValueError:
        return path
