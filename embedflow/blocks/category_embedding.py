"""Category Embedding block: each categorical column as a short learned vector instead of one-hot columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.category_embedding import (
    METHODS,
    ColumnVectors,
    column_problem,
    default_columns,
    default_dimensions,
    fit_cooccurrence,
    fit_supervised,
    transform,
    width_sentence,
)
from ..analysis.checks import AnalysisError
from ..analysis.partitioned.category_embedding import embed_parts, rows_brought
from ..core.cluster import Cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import Execution, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "category_embedding"
KIND = "categories"
NONE = "none"
AUTO = 0  # dimensions 0: each column's own default
HINTS = {
    "no-categorical-columns": "Choose the categorical columns in the block's settings.",
    "column-not-found": "Choose columns the input has.",
    "not-categories": "Leave that column out: ids and measured numbers are not categories.",
    "target-not-set": "Choose the column to learn (e.g. delayed), or use the co-occurrence method.",
    "too-few-classes": "Choose a target column with at least two values.",
}


def _error(ctx: NodeContext, exc: AnalysisError) -> NodeError:
    return NodeError(f"“{ctx.title}”: {exc}", exc.code, HINTS.get(exc.code, ""))


def chosen_columns(frame: pd.DataFrame, settings: Mapping[str, Any]) -> list[str]:
    """The columns to embed: the setting's, or the text columns with more than two values (not the target)."""
    target = settings.get("target") or NONE
    columns = [str(c) for c in settings.get("columns") or []]
    if not columns:
        columns = default_columns(frame, exclude=(target,))
        if not columns:
            raise AnalysisError(f"the input has no text column with more than two values to embed (its columns: "
                                f"{', '.join(map(str, frame.columns))}).", "no-categorical-columns")
        return columns
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise AnalysisError(f"the input has no column {', '.join(repr(c) for c in absent)}; its columns are "
                            f"{', '.join(map(str, frame.columns))}.", "column-not-found")
    for column in columns:
        problem = column_problem(frame[column], column)
        if problem:
            raise AnalysisError(problem + ".", "not-categories")
    return columns


def fit(ctx: NodeContext, frame: pd.DataFrame, columns: list[str]) -> list[ColumnVectors]:
    """The value vectors of each column, learned as the method setting says."""
    settings = ctx.settings
    dims = {c: int(settings["dimensions"]) or default_dimensions(int(frame[c].nunique())) for c in columns}
    seed, target = int(settings["seed"]), settings["target"] or NONE

    def progress(fraction: float, message: str) -> None:
        ctx.progress(0.05 + 0.85 * fraction, message)

    if settings["method"] == "supervised":
        if target == NONE:
            raise AnalysisError("the supervised method learns the vectors from a target column, and none is "
                                "chosen.", "target-not-set")
        if target not in frame.columns:
            raise AnalysisError(f"the target '{target}' is not a column of the input.", "column-not-found")
        return fit_supervised(frame, columns, dims, frame[target], seed, progress, lambda: ctx.cancelled)
    return fit_cooccurrence(frame, columns, dims, seed, progress, lambda: ctx.cancelled)


def categories_table(fitted: list[ColumnVectors]) -> Table:
    """One row per column=value: its column, value, count and the vector (zero-padded to the widest column)."""
    width = max(c.dims for c in fitted)
    frames, blocks = [], []
    for column in fitted:
        frames.append(pd.DataFrame({"column": column.column, "value": column.values.astype(str),
                                    "category": [f"{column.column}={v}" for v in column.values],
                                    "count": column.counts}))
        block = np.zeros((len(column.values), width), dtype=np.float32)
        block[:, :column.dims] = column.vectors
        blocks.append(block)
    return Table(pd.concat(frames, ignore_index=True), np.vstack(blocks), feature="category",
                 provenance={"model": TYPE, "kind": KIND, "widths": {c.column: c.dims for c in fitted}})


def _report_unseen(ctx: NodeContext, unseen: Mapping[str, int], name: str) -> None:
    """Warn how many values of each column were never seen in fitting."""
    counted = {c: n for c, n in unseen.items() if n}
    if counted:
        counts = ", ".join(f"{n:,} in '{c}'" for c, n in counted.items())
        ctx.report(Severity.WARNING, "unseen-categories",
                   f"{sum(counted.values()):,} value(s) of the {name} rows were never seen in fitting and got zero "
                   f"vectors: {counts}.", "Fit on rows that cover those values, or accept them as unknown.")


def _embedded(ctx: NodeContext, table: Table, fitted: list[ColumnVectors], name: str) -> Table:
    try:
        result = transform(table.meta, fitted)
    except AnalysisError as exc:
        raise _error(ctx, exc) from None
    _report_unseen(ctx, result.unseen, name)
    provenance = {"model": TYPE, "kind": KIND, "columns": [c.column for c in fitted],
                  "dims": int(result.vectors.shape[1])}
    return Table(table.meta, result.vectors, feature=table.feature, base_dir=table.base_dir, provenance=provenance)


def run(ctx: NodeContext) -> dict[str, Any]:
    """Learn a vector per value of each categorical column; give the rows their concatenated vectors."""
    data: Table = ctx.inputs["data"]
    try:
        columns = chosen_columns(data.meta, ctx.settings)
        fitted = fit(ctx, data.meta, columns)
    except AnalysisError as exc:
        raise _error(ctx, exc) from None
    test = ctx.inputs.get("test")
    outputs = {"embeddings": _embedded(ctx, data, fitted, "data"), "categories": categories_table(fitted),
               "test": _embedded(ctx, test, fitted, "test") if isinstance(test, Table) else None}
    ctx.summary = f"{width_sentence(fitted)} ({ctx.settings['method']}, {len(data):,} rows)"
    return outputs


# -- on a Dask cluster: the kernel of analysis/partitioned/category_embedding.py; docs/recommendations.md ----------
def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Fit on the rows brought here (all of them, or a seeded sample of `cluster.gather_rows`); embed every
    partition where it lives, so the rows and their vectors stay on the workers."""
    parts = cluster.parts("data")
    if parts is None:
        return None
    frame, total = rows_brought(cluster, parts, int(ctx.settings["seed"]))
    try:
        columns = chosen_columns(frame, ctx.settings)
        fitted = fit(ctx, frame, columns)
    except AnalysisError as exc:
        raise _error(ctx, exc) from None
    outputs: dict[str, Any] = {"categories": categories_table(fitted), "test": None}
    provenance = {"model": TYPE, "kind": KIND, "columns": [c.column for c in fitted]}
    for port, name in (("data", "embeddings"), ("test", "test")):
        port_parts = parts if port == "data" else cluster.parts(port)
        if port_parts is None:
            test = ctx.inputs.get(port)
            if isinstance(test, Table):
                outputs[name] = _embedded(ctx, test, fitted, port)
            continue
        outputs[name], unseen = embed_parts(cluster, port_parts, fitted, provenance)
        _report_unseen(ctx, unseen, port)
    ctx.report(Severity.INFO, "gathered-from-cluster",
               f"“{ctx.title}” brought {len(frame):,} of {total:,} rows here to fit on"
               + (f" (a random sample, seed {ctx.settings['seed']})" if len(frame) < total else "")
               + "; every partition was embedded on the workers and stayed there.")
    ctx.summary = f"{width_sentence(fitted)} ({ctx.settings['method']}, {total:,} rows)"
    return outputs


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """The supervised method needs a target column."""
    settings = context.settings(node)
    if settings.get("method") == "supervised" and (settings.get("target") or NONE) == NONE:
        yield error("target-not-set", f"“{node.title}”: the supervised method needs a target column.",
                    HINTS["target-not-set"], node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """Rows and categories live in the space this block learns."""
    return OutputDescription(model=TYPE, kind=KIND)


SPEC = NodeSpec(
    type=TYPE,
    title="Category Embedding",
    category="Analysis",
    description="Turn categorical columns (airline, airport, plane …) into short learned vectors instead of "
                "thousands of one-hot columns.",
    icon="category_embedding",
    inputs=(
        Port("data", TABLE, description="Rows with categorical columns (and the target, for the supervised method)."),
        Port("test", TABLE, required=False, description="Rows embedded with the vectors fitted on data (values "
                                                        "never seen there get zeros)."),
    ),
    outputs=(
        Port("embeddings", EMBEDDINGS, description="The data rows with one vector per chosen column, concatenated."),
        Port("categories", EMBEDDINGS, description="One row per column=value with its vector and count."),
        Port("test", EMBEDDINGS, required=False, description="The test rows with their vectors (when test is "
                                                             "linked)."),
    ),
    settings=(
        Setting("columns", "list", [], label="Columns",
                help="The categorical columns; empty: every text column with more than two values that is not an id."),
        Setting("method", "choice", "supervised", label="Method", choices=METHODS,
                help="supervised: vectors that predict the target (entity embeddings); co-occurrence: values that "
                     "appear in the same rows end up close (no target needed)."),
        Setting("target", "column", NONE, label="Target column", help="What the supervised vectors learn to predict."),
        Setting("dimensions", "int", AUTO, label="Dimensions per column", minimum=0, maximum=256,
                help="0: each column its own, min(16, ⌈values^0.25 · 4⌉)."),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1),
    ),
    run=run,
    check=check,
    describes_output=describe,
    execution=Execution(preload=("sklearn.neural_network", "sklearn.decomposition", "gensim.models", "scipy.sparse"),
                        on_cluster=run_on_cluster),
    help_page=TYPE,
)
