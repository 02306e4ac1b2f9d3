"""Scatter block: a 2-D map of the embedding space, with a saved selection as its output."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...analysis.partitioned.projection import PartitionedProjection
from ...analysis.projection import (
    LARGE_DATA,
    PROJECTIONS,
    SAMPLE_THRESHOLD,
    TITLES,
    Projection,
    ProjectionError,
    project,
    umap_available,
)
from ...core.cluster import Cluster
from ...core.context import NodeContext
from ...core.diagnostics import Diagnostic, SeverityName, ValidationContext, error, warning
from ...core.errors import NodeError
from ...core.ports import EMBEDDINGS, TABLE
from ...core.rows import RowSet
from ...core.sizes import format_size
from ...core.specs import Execution, NodeSpec, OutputDescription, Port, Setting
from ...core.table import Table
from ...core.workflow import Node
from ...io.atomic import write_frame_csv
from .style import CLUSTER_LABEL_COLUMN, automatic_color, cluster_centres, color_mapping, labels, point_sizes

TYPE = "scatter"
COLUMN_SETTINGS = ("color", "label", "size")
WARNING_NOTES = ("projection-sampled", "projection-large", "nan-vectors")


@dataclass(frozen=True)
class ScatterView:
    """What the Scatter shows: the input rows, their 2-D coordinates and the view settings.

    Carried in the node result's view slot (beside the outputs) for the canvas view and exports.
    """

    data: Table
    projection: Projection
    title: str
    color: str = ""
    label: str = ""
    size: str = ""
    selection: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # sorted row numbers
    # (label, x, y) written on the map at each cluster's centre (rows with a `cluster_label`).
    centres: tuple[tuple[str, float, float], ...] = ()

    def frame(self) -> pd.DataFrame:
        """The projection as a table: row, x, y, selected, then the metadata."""
        selected = np.zeros(len(self.data), dtype=bool)
        selected[self.selection] = True
        head = pd.DataFrame({"row": np.arange(len(self.data)), "x": self.projection.coords[:, 0],
                             "y": self.projection.coords[:, 1], "selected": selected})
        meta = self.data.meta.reset_index(drop=True)
        return pd.concat([head, meta.drop(columns=[c for c in meta.columns if c in head.columns])], axis=1)


def selection_rows(selection: RowSet | Iterable[Any], rows: int) -> tuple[np.ndarray, np.ndarray | list[Any]]:
    """(valid sorted unique row numbers, entries that are not rows of a table of `rows` rows).

    `selection` is the saved RowSet, or a script's list of row numbers.
    """
    if isinstance(selection, RowSet):
        everything = selection.rows()
        return everything[everything < rows], everything[everything >= rows]
    entries = list(selection)
    is_row = [isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v < rows for v in entries]
    valid = RowSet.of(int(v) for v, ok in zip(entries, is_row) if ok).rows()
    return valid, [v for v, ok in zip(entries, is_row) if not ok]


def migrate(settings: dict[str, Any], from_version: int) -> dict[str, Any]:
    """Version 1 saved the selection as a list of row numbers; version 2 saves a RowSet (ranges or a bitmap)."""
    if from_version < 2 and isinstance(settings.get("selection"), list):
        settings["selection"] = RowSet.coerce(settings["selection"]).to_json()
    return settings


def column_problems(meta: pd.DataFrame, settings: Mapping[str, Any]) -> list[tuple[SeverityName, str, str, str]]:
    """(severity, code, message, hint) for colour/label/size settings that do not fit the table."""
    problems: list[tuple[SeverityName, str, str, str]] = []
    available = ", ".join(str(c) for c in meta.columns) or "none"
    for name in COLUMN_SETTINGS:
        column = settings.get(name) or ""
        if column and column not in meta.columns:
            problems.append(("error", "unknown-column", f"its {name} column '{column}' is not in the data "
                             f"(columns: {available}).", f"Choose another {name} column, or none."))
    size = settings.get("size") or ""
    if size in meta.columns and not pd.api.types.is_numeric_dtype(meta[size]):
        problems.append(("warning", "size-not-numeric", f"its size column '{size}' is not numeric, so all "
                         "points get the same size.", "Choose a numeric column for size."))
    return problems


def report_columns(ctx: NodeContext, meta: pd.DataFrame) -> None:
    """Raise for a colour/label/size column the data lacks; warn about the other problems."""
    for severity, code, message, hint in column_problems(meta, ctx.settings):
        if severity == "error":
            raise NodeError(f"{ctx.title}: {message}", code, hint)
        ctx.report(severity, code, f"{ctx.title}: {message}", hint)


def report_notes(ctx: NodeContext, projection: Projection) -> None:
    """The projection's notes as the block's messages."""
    for code, note in projection.notes:
        ctx.report("warning" if code in WARNING_NOTES else "info", code, note)


def selected_rows(ctx: NodeContext, rows: int) -> np.ndarray:
    """The saved selection's rows of a table of `rows` rows; entries beyond it are reported."""
    selected, invalid = selection_rows(ctx.settings["selection"], rows)
    if len(invalid):
        ctx.report("warning", "selection-out-of-range",
                   f"{len(invalid)} saved selection entr{'y is' if len(invalid) == 1 else 'ies are'} not a row "
                   f"of the current data ({', '.join(map(str, invalid[:10]))}); they were ignored.",
                   "The data may have changed since the selection was made; select again.")
    return selected


def show(ctx: NodeContext, data: Table, projection: Projection, rows: np.ndarray) -> None:
    """Set the block's view (the points and their style) and summary."""
    settings = ctx.settings
    size = settings["size"] if not any(p[1] == "size-not-numeric" for p in column_problems(data.meta, settings)) else ""
    centres = cluster_centres(data.meta, projection.coords) if settings["cluster_labels"] else ()
    color = automatic_color(data.meta, settings["color"])
    ctx.view = ScatterView(data, projection, ctx.title, color, settings["label"], size, rows, centres)
    points = len(projection.projected)
    ctx.summary = (f"{points:,} point{'' if points == 1 else 's'} ({TITLES[projection.method]}); "
                   f"{len(rows):,} selected")


def run(ctx: NodeContext) -> dict[str, Any]:
    """Project the vectors to 2-D and output the selected rows."""
    data: Table = ctx.inputs["data"]
    settings = ctx.settings
    if data.vectors is None:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors",
                        "Link the output of an embedding block (Text Embedding or Image Embedding).")
    vectors = data.vectors
    if len(data) == 0:
        raise NodeError(f"{ctx.title}: its input has no rows to plot.", "too-few-rows")
    report_columns(ctx, data.meta)

    def compute() -> Projection:
        try:
            return project(vectors, settings["projection"], large=settings["large_data"],
                           perplexity=float(settings["perplexity"]),
                           progress=lambda fraction, message: ctx.progress(fraction, message))
        except ProjectionError as exc:
            code = "umap-not-installed" if settings["projection"] == "umap" else "projection-failed"
            raise NodeError(f"{ctx.title}: {exc}", code) from None

    # Through the engine's cache: changing only colours, labels or the selection reuses the projection.
    projection = ctx.memo(("projection", settings["projection"], settings["large_data"],
                           float(settings["perplexity"])), compute)
    report_notes(ctx, projection)
    rows = selected_rows(ctx, len(data))
    show(ctx, data, projection, rows)
    return {"selected": data.take(rows)}


def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """On a cluster (analysis/partitioned/projection.py): PCA from sums over the partitions, t-SNE/UMAP fitted
    on a sample and the rest placed there; coordinates and the styled columns come here."""
    parts = cluster.parts("data")
    if parts is None:
        return None
    settings = ctx.settings
    on_parts = PartitionedProjection(cluster, parts)
    if not on_parts.has_vectors:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors",
                        "Link the output of an embedding block (Text Embedding or Image Embedding).")
    if on_parts.total == 0:
        raise NodeError(f"{ctx.title}: its input has no rows to plot.", "too-few-rows")
    report_columns(ctx, on_parts.schema)
    try:
        projection, fitted_bytes = on_parts.project(settings["projection"], float(settings["perplexity"]),
                                                    settings["large_data"], ctx.progress)
    except ProjectionError as exc:
        code = "umap-not-installed" if settings["projection"] == "umap" else "projection-failed"
        raise NodeError(f"{ctx.title}: {exc}", code) from None
    report_notes(ctx, projection)
    styled_names = {settings[name] for name in COLUMN_SETTINGS if settings.get(name)}
    if settings["cluster_labels"]:
        styled_names |= {"cluster", CLUSTER_LABEL_COLUMN}
    styled = sorted(name for name in styled_names if name in on_parts.schema.columns)
    meta = on_parts.columns(styled)
    brought = projection.coords.nbytes + int(meta.memory_usage(index=False, deep=True).sum())
    what = f"{on_parts.total:,} coordinates" + (f" and the column{'s' if len(styled) > 1 else ''} "
                                                f"{', '.join(styled)}" if styled else "")
    sample = f", and {format_size(fitted_bytes)} of sampled vectors to fit on" if fitted_bytes else ""
    ctx.report("info", "gathered-from-cluster",
               f"“{ctx.title}” projected on the cluster and brought {what} ({format_size(brought)}){sample} "
               "to this computer; the vectors stayed on the workers.")
    rows = selected_rows(ctx, on_parts.total)
    show(ctx, Table(meta, provenance=on_parts.provenance), projection, rows)
    ctx.summary += " (projected on the cluster)"
    return {"selected": on_parts.rows(rows)}


def render(view: ScatterView, width: int = 1000, height: int = 720):
    """The Scatter as a PIL image with axes, legend and the projection's notes."""
    from .png import render_scatter  # Pillow loads when a picture is drawn, not with the block list

    meta = view.data.meta
    return render_scatter(
        view.projection.coords, color_mapping(meta, view.color), point_sizes(meta, view.size),
        title=f"{view.title} — {TITLES[view.projection.method]}", axes=view.projection.axes,
        notes=tuple(note for _, note in view.projection.notes),
        selected=view.selection, width=width, height=height,
        point_labels=labels(meta, view.label), cluster_labels=view.centres)


def export(outputs: Mapping[str, Any], view: Any, out_dir: str, node_id: str, *, workflow: str = "") -> list[str]:
    """`embedflow run --out`: OUT/<node>.png, OUT/<node>.html (titled with `workflow`), OUT/<node>-projection.csv
    and OUT/<node>-projector/."""
    from .html_map import content_of, write_html_map
    from .png import save_png
    from .projector_export import export_projector

    if not isinstance(view, ScatterView):
        return []
    folder = Path(out_dir)
    written = [save_png(render(view), folder / f"{node_id}.png")]
    write_frame_csv(view.frame(), folder / f"{node_id}-projection.csv")
    written.append(str(folder / f"{node_id}-projection.csv"))
    if view.data.vectors is not None:  # a view made on a cluster keeps only the coordinates and styled columns
        written.extend(export_projector(view.data, folder / f"{node_id}-projector", name=view.title))
    # Last, so a refused map keeps the rest.
    written.append(write_html_map(content_of(view, workflow), folder / f"{node_id}.html"))
    return written


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """UMAP must be installed; chosen columns must exist once the input is known."""
    settings = context.settings(node)
    if settings.get("projection") == "umap" and not umap_available():
        yield error("umap-not-installed", f"“{node.title}”: UMAP needs the optional package umap-learn, "
                    "which is not installed (`pip install umap-learn`).", "Install it, or choose PCA or t-SNE.",
                    node_id=node.id)
    source = context.source_of(node, "data")
    value = context.output_of(*source) if source else None
    if not isinstance(value, Table):
        return
    for severity, code, message, hint in column_problems(value.meta, settings):
        make = error if severity == "error" else warning
        yield make(code, f"“{node.title}”: {message}", hint, node_id=node.id)
    if settings.get("projection") in ("tsne", "umap") and len(value) > SAMPLE_THRESHOLD:
        choice = ("a random sample of them is projected" if settings.get("large_data") == "sample"
                  else "every row is projected, which can take minutes")
        yield warning("projection-large", f"“{node.title}”: {len(value):,} rows is above {SAMPLE_THRESHOLD:,} "
                      f"for {TITLES[settings['projection']]}; {choice}.",
                      "Set Large data to 'sample' to stay responsive or 'all' to see every row.", node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """The selected rows keep the vectors (and so the model) of the input."""
    return upstream("data") if callable(upstream) else None


SPEC = NodeSpec(
    type=TYPE,
    title="Scatter",
    category="Visualise",
    description="A 2-D map of the embeddings (PCA, t-SNE or UMAP); select points to pass them on.",
    icon="scatter",
    inputs=(Port("data", EMBEDDINGS, description="The rows to plot."),),
    outputs=(Port("selected", TABLE, description="The rows selected in the plot (with their vectors)."),),
    settings=(
        Setting("projection", "choice", "pca", label="Projection", choices=PROJECTIONS,
                help="pca: fast, linear; tsne: local neighbourhoods (openTSNE); umap: needs umap-learn; "
                     "none: the first two vector dimensions."),
        Setting("color", "column", "", label="Colour",
                help="Column to colour points by (empty: the clusters when the rows carry them, else one colour)."),
        Setting("label", "column", "", label="Label", help="Column shown when hovering a point."),
        Setting("size", "column", "", label="Size", help="Numeric column for point size (empty: one size)."),
        Setting("large_data", "choice", "sample", label="Large data", choices=LARGE_DATA,
                help=f"Above {SAMPLE_THRESHOLD:,} rows t-SNE/UMAP run on a random sample, or on all rows."),
        Setting("perplexity", "float", 30.0, label="Perplexity", minimum=2.0, maximum=100.0,
                help="t-SNE neighbourhood size (lowered automatically for small data)."),
        Setting("cluster_labels", "bool", True, label="Cluster labels",
                help="Write each cluster's label at its centre when the data has a cluster_label column "
                     "(from Clustering)."),
        Setting("selection", "rows", RowSet(), label="Selection",
                help="Rows selected in the plot; saved with the workflow as row ranges (or a bitmap)."),
    ),
    run=run,
    version=2,
    migrate=migrate,
    check=check,
    describes_output=describe,
    export=export,
    execution=Execution(preload=("sklearn.utils.extmath", "openTSNE"), on_cluster=run_on_cluster),
    help_page="scatter",
)
