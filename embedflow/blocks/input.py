"""Input block: loads a data file or a folder of images and picks the feature to use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.paths import resolve_path
from ..core.ports import TABLE
from ..core.specs import EmbeddingKind, Execution, NodeSpec, OutputDescription, Port, RowWise, Setting
from ..core.table import Table
from ..core.workflow import Node
from ..io.patterns import PatternError, is_pattern, match_files
from ..io.regular_files import path_problem
from ..io.tables import (
    DATA_SUFFIXES,
    FORMATS,
    fingerprint_path,
    image_folder_pieces,
    load_table,
    parquet_feature,
    parquet_pieces,
)

PATTERN_TOO_WIDE = "pattern-too-wide"
PATTERN_HINT = "Give a pattern that starts at the data's own folder, e.g. data/**/*.csv."


def matching_files(settings: Mapping[str, Any], base_dir: str | None) -> list[Path]:
    """The files a path names: itself, or every file its pattern matches, sorted (a bounded walk)."""
    path = resolve_path(settings.get("path", ""), base_dir)
    if not is_pattern(str(settings.get("path", ""))):
        return [path]
    return [match for match in match_files(path) if not is_orange_metadata(match)]


def is_orange_metadata(path: Path) -> bool:
    """Whether `path` is the `.metadata` file Orange writes beside a data file (data.tab.metadata)."""
    return path.suffix == ".metadata" and path.with_suffix("").is_file()


def run(ctx: NodeContext) -> dict[str, Any]:
    """Read the file, the files a pattern matches (rows in file-name order) or the folder into a Table."""
    tables = []
    notes: dict[str, None] = {}  # what the files' headers say (an Orange file's class), once each
    try:
        paths = matching_files(ctx.settings, ctx.base_dir)
    except PatternError as exc:
        raise NodeError(f"“{ctx.title}”: {exc}.", PATTERN_TOO_WIDE, PATTERN_HINT) from None
    for number, path in enumerate(paths):
        ctx.progress(number / len(paths), f"Reading {path.name}")
        loaded = load_table(path, ctx.settings["format"], ctx.settings["feature"], ctx.settings.get("row_groups"),
                            ctx.settings.get("entries"))
        for message in loaded.warnings:
            ctx.report(Severity.WARNING, "encoding-fallback", message, "Save the file as UTF-8 to be sure.")
        tables.append(loaded.table)
        notes.update(dict.fromkeys(loaded.notes))
    if not tables:
        raise NodeError(f"“{ctx.title}”: no file matches {ctx.settings['path']}.", "missing-file",
                        "Check the pattern in its settings.")
    table = tables[0]
    if len(tables) > 1:
        table = Table(pd.concat([t.meta for t in tables], ignore_index=True), feature=table.feature,
                      base_dir=table.base_dir, provenance=table.provenance)
    ctx.summary = "; ".join([table.summary(), f"feature: {table.feature}", *notes])
    return {"data": table}


def split(settings: Mapping[str, Any], base_dir: str | None, piece_bytes: int) -> list[dict[str, Any]]:
    """The pieces read on their own: one per file a pattern matches (a plain path is one file), a
    Parquet file cut by its row groups into runs of about `piece_bytes` (a piece's `row_groups`), and a
    folder of images cut by its top-level entries, each subfolder listed apart (a piece's `entries`).

    Only Parquet footers are read here. When the feature is left to choose, every piece gets the one
    the first file's first rows give, as a local run chooses it for the whole table.
    """
    pieces: list[dict[str, Any]] = []
    for path in matching_files(settings, base_dir):
        if path.is_dir() and (runs := image_folder_pieces(path)) is not None:
            pieces.extend({**settings, "path": str(path), "entries": run} for run in runs)
            continue
        groups = None
        if path.suffix.lower() in (".parquet", ".pq") or settings.get("format") == "parquet":
            groups = parquet_pieces(path, piece_bytes)
        if groups is None or len(groups) < 2:
            pieces.append({**settings, "path": str(path)})
        else:
            pieces.extend({**settings, "path": str(path), "row_groups": piece} for piece in groups)
    if len(pieces) > 1 and not settings.get("feature") and "row_groups" in pieces[0]:
        chosen = parquet_feature(Path(pieces[0]["path"]))
        if chosen is not None:
            pieces = [{**piece, "feature": chosen} for piece in pieces]
    return pieces


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """A chosen file must exist."""
    path = context.settings(node).get("path", "")
    if not isinstance(path, str) or not path:
        yield error("missing-file", f"“{node.title}” has no data file chosen.",
                    "Choose a file or image folder with File… or Folder… in its settings (double-click it), "
                    "or drop a file on the canvas.",
                    node_id=node.id)
    elif is_pattern(path):
        try:
            matched = matching_files({"path": path}, context.base_dir)
        except PatternError as exc:
            yield error(PATTERN_TOO_WIDE, f"“{node.title}”: {exc}.", PATTERN_HINT, node_id=node.id)
            return
        if not matched:
            yield error("missing-file", f"“{node.title}”: no file matches {context.resolve_path(path)}.",
                        "Check the pattern in its settings, e.g. data/*.parquet.", node_id=node.id)
    elif (problem := path_problem(context.resolve_path(path))) is not None and problem.kind == "missing":
        yield error("missing-file", f"“{node.title}”: the file {context.resolve_path(path)} does not exist.",
                    "Check the path in its settings: the file may have been moved or renamed.",
                    node_id=node.id)
    elif problem is not None and problem.kind != "folder":
        yield error("unreadable-file", f"“{node.title}”: {context.resolve_path(path)} cannot be read: "
                    f"{problem.reason}.", "Choose an ordinary data file or a folder of images.", node_id=node.id)


def fingerprint(settings: Mapping[str, Any], base_dir: str | None) -> str:
    """Changes when the file's content changes (or a pattern matches other files), so it is read again."""
    return "|".join(f"{path}:{fingerprint_path(path)}" for path in matching_files(settings, base_dir))


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """A folder of images (or the images format) gives image rows; a data file says nothing before it is read."""
    path = settings.get("path")
    images = settings.get("format") == "images" or (isinstance(path, str) and bool(path) and _is_folder(path))
    return OutputDescription(kind=EmbeddingKind.IMAGE) if port == "data" and images else None


def _is_folder(path: str) -> bool:
    """Whether `path` names a folder; a name the system cannot even look up (too long, a NUL) is none."""
    problem = path_problem(path)
    return problem is not None and problem.kind == "folder"


SPEC = NodeSpec(
    type="input",
    title="Input",
    category="Data",
    description="Load a table (CSV, TSV, Orange .tab, Excel, Parquet, JSON lines, text) or a folder of images.",
    icon="input",
    inputs=(),
    outputs=(Port("data", TABLE, description="The rows of the file, with the chosen feature."),),
    settings=(
        Setting("path", "path", "", label="File or folder", suffixes=DATA_SUFFIXES,
                help="A data file, a pattern such as data/*.parquet (the files' rows in name order), "
                     "or a folder of images (sub-folders become categories)."),
        Setting("feature", "column", "", label="Feature",
                help="The column to embed; empty picks the first text column (or 'image' for folders)."),
        Setting("format", "choice", "auto", label="Format", choices=FORMATS,
                help="How to read the file; 'auto' decides from its name."),
    ),
    run=run,
    check=check,
    describes_output=describe,
    fingerprint=fingerprint,
    execution=Execution(row_wise=RowWise(split=split)),
    help_page="input",
)
