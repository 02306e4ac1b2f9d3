"""Clustering block: groups of similar rows, each with a readable label, and one row per group."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Literal, Mapping

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.cluster_labels import SEPARATOR, image_labels, text_labels
from ..analysis.clustering import LINKAGES, METHODS, METRICS, ClusterResult, cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import EmbeddingKind, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "clustering"
AUTO: Literal["auto"] = "auto"
CATEGORY_COLUMN = "category"  # what an Input of an image folder names the sub-folder column
WARNING_NOTES = ("nan-vectors", "zero-vectors", "no-clusters", "fewer-clusters")
HINTS = {
    "too-few-rows": "Give it at least two rows with usable vectors.",
    "k-larger-than-rows": "Lower k (or the minimum cluster size), or give it more rows.",
    "invalid-k": "Set k to a whole number of at least 2, or to auto.",
    "invalid-min-cluster-size": "Set the minimum cluster size to 2 or more.",
    "zero-vectors": "Check the block that made the vectors, or use the euclidean metric.",
    "nan-vectors": "Check the block that made the vectors.",
    "too-many-rows": "Use k-means or HDBSCAN for this many rows.",
    "no-vectors": "Link the output of an embedding block (Text Embedding or Image Embedding).",
}


@dataclass(frozen=True)
class KSetting(Setting):
    """The number of clusters: a whole number of at least 2, or "auto" (also as text, as an editor types it)."""

    def problem(self, value: Any) -> str | None:
        """Why `value` is not a usable k, or None."""
        return None if parse_k(value) is not None else (
            f"{self.display_name} must be a whole number of at least 2, or auto; not {value!r}")


def parse_k(value: Any) -> int | Literal["auto"] | None:
    """k as the clustering takes it (an int ≥ 2 or "auto"), or None when `value` is neither."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == AUTO:
            return AUTO
        value = int(text) if text.isdigit() else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 2:
        return int(value)
    return None


def cluster_names(table: Table, result: ClusterResult) -> dict[int, str]:
    """A label per cluster id: distinguishing words of the feature text, or for images a category or file name."""
    feature = table.feature if table.feature in table.meta.columns else None
    if feature is None:
        return {int(c): f"cluster {c}" for c in np.unique(result.labels)}
    values = table.meta[feature]
    if table.provenance.get("kind") == EmbeddingKind.IMAGE:
        categories = None
        if CATEGORY_COLUMN in table.meta.columns:
            column = table.meta[CATEGORY_COLUMN]
            categories = column.mask(column == "")  # files at the top of the folder have no category
        return image_labels(values.astype(str), result.labels, result.central, categories)
    return text_labels(values, result.labels, result.central)


def clusters_table(table: Table, result: ClusterResult, names: Mapping[int, str]) -> Table:
    """One row per cluster (noise last): id, label, size, its most central rows and their feature values."""
    feature = table.feature if table.feature in table.meta.columns else None
    rows = []
    for c in range(result.k):
        central = [int(r) for r in result.central[c]]
        shown = [str(table.meta[feature].iloc[r]) for r in central] if feature else []
        rows.append((c, names[c], int(result.sizes[c]), ", ".join(map(str, central)), SEPARATOR.join(shown)))
    if result.noise:
        rows.append((-1, names[-1], result.noise, "", ""))
    frame = pd.DataFrame(rows, columns=["cluster", "cluster_label", "size", "central_rows", "central"])
    provenance = {"method": result.method, "metric": result.metric, "silhouette": result.silhouette,
                  "silhouette_rows": result.silhouette_rows, "auto_k": result.auto.chosen if result.auto else None}
    return Table(frame, feature="cluster_label", provenance=provenance)


def summary(result: ClusterResult) -> str:
    """One sentence: how many clusters, their sizes, the noise and the silhouette."""
    sizes = ", ".join(f"{int(s):,}" for s in result.sizes[:12]) + (" …" if result.k > 12 else "")
    text = f"{result.k} cluster{'' if result.k == 1 else 's'} (sizes {sizes})" if result.k else "no clusters"
    if result.noise:
        text += f", {result.noise:,} noise rows"
    if result.silhouette is not None:
        text += f"; silhouette {result.silhouette:.3f}"
    return text


def run(ctx: NodeContext) -> dict[str, Any]:
    """Cluster the input rows; add `cluster` and `cluster_label` to them and list the clusters."""
    data: Table = ctx.inputs["data"]
    settings = ctx.settings
    if data.vectors is None:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors", HINTS["no-vectors"])
    k = parse_k(settings["k"])
    if k is None:
        raise NodeError(f"{ctx.title}: k must be a whole number of at least 2, or auto; it is {settings['k']!r}.",
                        "invalid-k", HINTS["invalid-k"])
    try:
        result = cluster(data.vectors, settings["method"], k, settings["metric"],
                         int(settings["min_cluster_size"]), settings["linkage"], int(settings["seed"]),
                         progress=ctx.progress, cancelled=lambda: ctx.cancelled)
    except AnalysisError as exc:
        raise NodeError(f"{ctx.title}: {exc}", exc.code, HINTS.get(exc.code, "")) from None
    for code, note in result.notes:
        ctx.report(Severity.WARNING if code in WARNING_NOTES else Severity.INFO, code, note)
    names = cluster_names(data, result)
    meta = data.meta.copy()
    meta["cluster"] = result.labels
    meta["cluster_label"] = pd.Series([names[int(c)] for c in result.labels], index=meta.index, dtype=object)
    ctx.summary = summary(result)
    return {"clustered": replace(data, meta=meta), "clusters": clusters_table(data, result, names)}


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Once the input is known: k (or HDBSCAN's minimum size) must not exceed its rows."""
    settings = context.settings(node)
    source = context.source_of(node, "data")
    value = context.output_of(*source) if source else None
    if not isinstance(value, Table):
        return
    k = settings.get("min_cluster_size") if settings.get("method") == "hdbscan" else parse_k(settings.get("k"))
    if isinstance(k, int) and k > len(value):
        what = "the minimum cluster size" if settings.get("method") == "hdbscan" else "k"
        yield error("k-larger-than-rows", f"“{node.title}”: {what} is {k} but the input has only "
                      f"{len(value):,} rows.", HINTS["k-larger-than-rows"], node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """The clustered rows keep the input's vectors, so their model; the cluster list has no vectors."""
    return upstream("data") if port == "clustered" else None


SPEC = NodeSpec(
    type=TYPE,
    title="Clustering",
    category="Analysis",
    description="Group similar rows (k-means, HDBSCAN or agglomerative) and name each group with the words "
                "or the category that set it apart.",
    icon="clustering",
    inputs=(Port("data", EMBEDDINGS, description="The rows to cluster."),),
    outputs=(
        Port("clustered", EMBEDDINGS, description="The input rows with `cluster` and `cluster_label`."),
        Port("clusters", TABLE, description="One row per cluster: id, label, size and its most central rows."),
    ),
    settings=(
        Setting("method", "choice", "kmeans", label="Method", choices=METHODS,
                help="kmeans: k groups around k centres; hdbscan: as many groups as the data has, the rest "
                     "noise; agglomerative: joins the closest groups until k are left."),
        KSetting("k", "str", 8, label="Clusters (k)", code="invalid-k",
                 help="How many groups (k-means, agglomerative), or auto: the k from 2 to 15 with the best "
                      "silhouette."),
        Setting("metric", "choice", "cosine", label="Metric", choices=METRICS,
                help="cosine: compare directions (vectors scaled to length 1); euclidean: straight-line distance."),
        Setting("min_cluster_size", "int", 10, label="Minimum cluster size", minimum=2, maximum=100_000,
                help="HDBSCAN only: smaller groups become noise."),
        Setting("linkage", "choice", "ward", label="Linkage", choices=LINKAGES,
                help="Agglomerative only: ward (compact groups), average, complete or single (chains)."),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1,
                help="The random start of k-means; the same seed gives the same clusters."),
    ),
    run=run,
    check=check,
    describes_output=describe,
    help_page="clustering",
)
