"""Input block: loads a data file or a folder of images and picks the feature to use."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, ValidationContext, error
from ..core.paths import resolve_path
from ..core.ports import TABLE
from ..core.specs import NodeSpec, Port, Setting
from ..core.workflow import Node
from ..io.regular_files import path_problem
from ..io.tables import FORMATS, fingerprint_path, load_table


def run(ctx: NodeContext) -> dict[str, Any]:
    """Read the file or folder into a Table."""
    path = resolve_path(ctx.settings["path"], ctx.base_dir)
    ctx.progress(0.0, f"Reading {path.name}")
    loaded = load_table(path, ctx.settings["format"], ctx.settings["feature"])
    for message in loaded.warnings:
        ctx.report("warning", "encoding-fallback", message, "Save the file as UTF-8 to be sure.")
    ctx.summary = f"{loaded.table.summary()}; feature: {loaded.table.feature}"
    return {"data": loaded.table}


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """A chosen file must exist."""
    path = context.settings(node).get("path", "")
    if not isinstance(path, str) or not path:
        yield error("missing-file", f"“{node.title}” has no data file chosen.",
                    "Double-click it and choose a file or image folder, or drop a file on the canvas.",
                    node_id=node.id)
    elif (problem := path_problem(context.resolve_path(path))) is not None and problem.kind == "missing":
        yield error("missing-file", f"“{node.title}”: the file {context.resolve_path(path)} does not exist.",
                    "Check the path in its settings: the file may have been moved or renamed.",
                    node_id=node.id)
    elif problem is not None and problem.kind != "folder":
        yield error("unreadable-file", f"“{node.title}”: {context.resolve_path(path)} cannot be read: "
                    f"{problem.reason}.", "Choose an ordinary data file or a folder of images.", node_id=node.id)


def fingerprint(settings: Mapping[str, Any], base_dir: str | None) -> str:
    """Changes when the file's content changes, so an edited file is read again."""
    return fingerprint_path(resolve_path(settings.get("path", ""), base_dir))


SPEC = NodeSpec(
    type="input",
    title="Input",
    category="Data",
    description="Load a table (CSV, TSV, Excel, Parquet, JSON lines, text) or a folder of images.",
    icon="input",
    inputs=(),
    outputs=(Port("data", TABLE, description="The rows of the file, with the chosen feature."),),
    settings=(
        Setting("path", "path", "", label="File or folder",
                help="A data file or a folder of images (sub-folders become categories)."),
        Setting("feature", "column", "", label="Feature",
                help="The column to embed; empty picks the first text column (or 'image' for folders)."),
        Setting("format", "choice", "auto", label="Format", choices=FORMATS,
                help="How to read the file; 'auto' decides from its name."),
    ),
    run=run,
    check=check,
    fingerprint=fingerprint,
    help_page="input",
)
